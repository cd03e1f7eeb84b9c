// The message published to {root}/errors (visiondrive/parking/errors) for every sensor message
// ingest cannot use (SPEC §4): always one valid JSON object, whatever the refused payload held.
//
//   {"topic":"visiondrive/parking/zone-001/A-001/status",
//    "reason":"bad value: ...",
//    "payload":"{\"deviceId\":...}",        or "payloadBase64":"/w==" (see below)
//    "payloadBytes":1048576,                the size of the payload as it came, in bytes
//    "payloadTruncated":true,               whether only its first bytes are here
//    "receivedAt":"2026-01-12T19:59:43.123456Z"}
//
// At most kErrorPayloadBytes (4 KiB) of the payload are kept: a larger payload is cut there (for
// text, back to the last whole UTF-8 character) and marked "payloadTruncated": true. A payload
// whose kept bytes are valid UTF-8 is given as text in "payload"; any other as base64 (RFC 4648,
// with padding) in "payloadBase64"; exactly one of the two is there. "topic" and "reason" are
// text: bytes in them that are not valid UTF-8 are written as \xHH (common/log_escape.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "domain/timestamp.h"

namespace vdpark {

inline constexpr size_t kErrorPayloadBytes = 4096;

// The JSON text of the errors-topic message for `payload` on `topic`, refused for `reason`.
std::string ErrorTopicMessage(std::string_view topic, std::string_view payload,
                              std::string_view reason, Timestamp received_at);

}  // namespace vdpark
