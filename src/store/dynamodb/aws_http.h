// What the DynamoDB and S3 clients share about talking HTTP to AWS over libcurl: the endpoint URL
// taken apart for a request and its SigV4 signature, which transfer failures are worth another
// try, the backoff's jitter, and collecting a body.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
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

// A transfer failure after which the request may not have reached the server or its answer was
// lost on the way (resolve, connect, send, receive, timeout, TLS handshake, HTTP/2 stream): worth
// another try. Anything else (a malformed URL, an option refused) would fail the same way again.
bool IsRetryableCurlCode(CURLcode code);

// A uniformly random wait in [0, cap]: full jitter for a retry's backoff. One random source for
// the process: jitter only has to spread the clients' retries apart.
std::chrono::microseconds Jitter(std::chrono::microseconds cap);

// CURLOPT_WRITEFUNCTION appending to the std::string given as CURLOPT_WRITEDATA.
size_t AppendToString(char* data, size_t size, size_t count, void* out);

}  // namespace vdpark
