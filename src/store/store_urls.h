// The store URLs OpenStore (store.h) takes, SPEC §1, as every --help and OpenStore's own error
// list them: one list, so that a scheme added to OpenStore is shown everywhere once added here.
#pragma once

#include <string>

namespace vdpark {

inline const std::string kStoreUrlForms =
    "csv:DIR, embedded:DIR, postgres://USER:PW@HOST[:PORT]/DB (also postgresql://, timescale://), "
    "dynamodb://TABLE[?region=R&endpoint=URL&profile=NAME], "
    "s3://BUCKET/PREFIX[?region=R&endpoint=URL&profile=NAME]";

}  // namespace vdpark
