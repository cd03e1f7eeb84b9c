// The S3 store's URL (SPEC §1): s3://BUCKET[/PREFIX][?region=R&endpoint=URL&profile=NAME].
//
// The bucket follows S3's naming rules (3 to 63 characters of a-z 0-9 . -, starting and ending
// with a letter or digit). The prefix is the "folder" the store's objects go under; it is kept as
// given with one trailing '/' added when missing ("" for the bucket's root). The query is the
// DynamoDB URL's (dynamodb_url.h: ParseAwsUrlQuery), with S3's endpoint chain (aws_config.h).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "store/dynamodb/aws_config.h"

namespace vdpark {

struct S3Url {
  std::string bucket;
  std::string prefix;  // "" or "timescale/" (always ending in '/')
  AwsOverrides overrides;

  // "s3://BUCKET/PREFIX?..." with only the parameters given, safe to print.
  std::string ToString() const;
  // "s3://BUCKET/PREFIXkey": how errors name one object of the store.
  std::string ObjectUrl(std::string_view key) const;
};

// kInvalidArgument naming the URL and the part that is wrong.
Result<S3Url> ParseS3Url(std::string_view url);

}  // namespace vdpark
