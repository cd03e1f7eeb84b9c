#include "store/dynamodb/aws_http.h"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <random>

#include "common/redact_url.h"

namespace vdpark {

Result<AwsEndpoint> ParseAwsEndpoint(const std::string& url, std::string_view service) {
  auto bad = [&](std::string_view why) {
    std::string message(service);
    message += " endpoint '";
    message += RedactUrl(url);
    message += "': ";
    message += why;
    return Status::InvalidArgument(message);
  };
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return bad("not a URL");
  }
  auto part = [&](CURLUPart which) -> std::string {
    char* text = nullptr;
    if (curl_url_get(u.get(), which, &text, 0) != CURLUE_OK || text == nullptr) return "";
    std::string out(text);
    curl_free(text);
    return out;
  };
  const std::string scheme = part(CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") return bad("the scheme must be http or https");
  AwsEndpoint e;
  e.host = part(CURLUPART_HOST);
  if (e.host.empty()) return bad("no host");
  if (!part(CURLUPART_QUERY).empty()) return bad("a query is not allowed");
  const std::string port = part(CURLUPART_PORT);  // set only when the URL names one
  if (!port.empty() && port != (scheme == "https" ? "443" : "80")) {
    e.host += ':';
    e.host += port;
  }
  // Appended, not assigned from literals: GCC 12 warns falsely (-Wrestrict) on those here.
  e.path = part(CURLUPART_PATH);
  if (e.path.empty()) e.path.push_back('/');
  e.url = part(CURLUPART_URL);
  e.base = scheme;
  e.base += "://";
  e.base += e.host;
  return e;
}

namespace {

constexpr std::array kRetryableCurlCodes{
    CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,    CURLE_SEND_ERROR,
    CURLE_RECV_ERROR,           CURLE_GOT_NOTHING,        CURLE_PARTIAL_FILE,
    CURLE_OPERATION_TIMEDOUT,   CURLE_SSL_CONNECT_ERROR,  CURLE_HTTP2,
    CURLE_HTTP2_STREAM,         CURLE_WEIRD_SERVER_REPLY, CURLE_READ_ERROR,
};

}  // namespace

bool IsRetryableCurlCode(CURLcode code) {
  return std::find(kRetryableCurlCodes.begin(), kRetryableCurlCodes.end(), code) !=
         kRetryableCurlCodes.end();
}

std::chrono::microseconds Jitter(std::chrono::microseconds cap) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(0, cap.count()));
  return std::chrono::microseconds(pick(rng));
}

size_t AppendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace vdpark
