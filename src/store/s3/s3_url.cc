#include "store/s3/s3_url.h"

#include "common/redact_url.h"
#include "store/dynamodb/dynamodb_url.h"

namespace vdpark {

namespace {

Status UrlError(std::string_view url, std::string_view why) {
  return Status::InvalidArgument("s3 URL '" + RedactUrl(url) + "': " + std::string(why));
}

bool IsValidBucket(std::string_view b, std::string* why) {
  if (b.size() < 3 || b.size() > 63) {
    *why = "the bucket '" + std::string(b) + "' must have 3 to 63 characters";
    return false;
  }
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      *why = "the bucket '" + std::string(b) +
             "' may hold only lowercase letters, digits, '.' and '-'";
      return false;
    }
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) {
    *why = "the bucket '" + std::string(b) + "' must start and end with a letter or digit";
    return false;
  }
  return true;
}

}  // namespace

Result<S3Url> ParseS3Url(std::string_view url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) return UrlError(url, "expected s3://BUCKET/PREFIX");
  std::string_view rest = url.substr(kScheme.size());
  const size_t question = rest.find('?');
  std::string_view path = rest.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
  const size_t slash = path.find('/');
  std::string_view bucket = path.substr(0, slash);
  std::string_view prefix =
      slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  S3Url out;
  std::string why;
  if (bucket.empty()) return UrlError(url, "no bucket after 's3://'");
  if (!IsValidBucket(bucket, &why)) return UrlError(url, why);
  out.bucket = bucket;
  if (prefix.starts_with('/') || prefix.find("//") != std::string_view::npos) {
    return UrlError(url, "the prefix '" + std::string(prefix) + "' has an empty folder name");
  }
  out.prefix = prefix;
  if (!out.prefix.empty() && out.prefix.back() != '/') out.prefix.push_back('/');
  out.overrides.service = AwsService::kS3;
  VDPARK_RETURN_IF_ERROR(ParseAwsUrlQuery(url, "s3 URL", query, &out.overrides));
  return out;
}

std::string S3Url::ToString() const {
  return "s3://" + bucket + "/" + prefix + AwsUrlQuery(overrides);
}

std::string S3Url::ObjectUrl(std::string_view key) const {
  std::string out = "s3://" + bucket + "/" + prefix;
  out += key;
  return out;
}

}  // namespace vdpark
