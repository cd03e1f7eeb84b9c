#include "store/dynamodb/aws_endpoint.h"

#include <curl/curl.h>

#include <memory>

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

}  // namespace vdpark
