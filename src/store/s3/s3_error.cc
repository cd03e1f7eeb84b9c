#include "store/s3/s3_error.h"

#include <array>

#include "store/s3/s3_xml.h"

namespace vdpark {

std::string S3ErrorCode(std::string_view body) {
  std::optional<std::string> code = s3_xml::FirstText(body, "Code");
  return code.value_or("");
}

Status S3ErrorStatus(std::string_view what, long http_status, std::string_view body) {
  std::string code = S3ErrorCode(body);
  std::string text(what);
  text += ": ";
  text += code.empty() ? "error" : code;
  text += " (HTTP ";
  text += std::to_string(http_status);
  text += ")";
  if (std::optional<std::string> message = s3_xml::FirstText(body, "Message")) {
    text += ": ";
    text += *message;
  }
  static constexpr std::array<std::string_view, 3> kNotFound = {"NoSuchKey", "NoSuchBucket",
                                                                "NoSuchUpload"};
  static constexpr std::array<std::string_view, 4> kThrottled = {
      "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded"};
  static constexpr std::array<std::string_view, 6> kBadInput = {
      "InvalidBucketName", "InvalidArgument",  "KeyTooLongError",
      "InvalidPart",       "InvalidPartOrder", "EntityTooSmall"};
  auto in = [&code](const auto& list) {
    for (std::string_view c : list) {
      if (code == c) return true;
    }
    return false;
  };
  if (in(kNotFound) || (code.empty() && http_status == 404)) return Status::NotFound(text);
  if (in(kThrottled) || http_status == 429) return Status::Throttled(text);
  if (http_status >= 500) return Status::Unavailable(text);
  if (in(kBadInput)) return Status::InvalidArgument(text);
  return Status::IOError(text);
}

}  // namespace vdpark
