// AwsEndpoint: an AWS service endpoint URL ("https://dynamodb.me-central-1.amazonaws.com",
// "http://127.0.0.1:8000") taken apart for a request and its SigV4 signature. Shared by the
// DynamoDB and S3 clients.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace vdpark {

struct AwsEndpoint {
  std::string url;   // as curl normalizes it
  std::string base;  // "scheme://host[:port]", no path, no trailing '/'
  std::string host;  // the Host header, signed: "host", or "host:port" for a non-default port
  std::string path;  // "/" at least
};

// kInvalidArgument naming `service` ("DynamoDB"), the URL (redacted) and what is wrong: not a
// URL, a scheme other than http or https, no host, a query.
Result<AwsEndpoint> ParseAwsEndpoint(const std::string& url, std::string_view service);

}  // namespace vdpark
