// The API's view of HTTP: a request as the routes read it and the response they give back, with
// no socket and no Beast in sight, so that every route is a pure function tested without a network.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/percent_encoding.h"
#include "common/result.h"

namespace vdpark {

struct ApiRequest {
  std::string method;  // "GET", "POST", "OPTIONS", ... as sent
  // The target's path as sent, still percent-encoded ("/v1/zones/zone-001"): the router splits it
  // into segments first and decodes each, so that an encoded '/' stays inside its segment.
  std::string path;
  std::map<std::string, std::string> query;  // decoded; a repeated name keeps its last value
  std::string api_key;                       // X-Api-Key; "" when absent
  std::string origin;                        // Origin; "" when absent
  // The authority asked for: the Host header, or the authority of an absolute-form target
  // ("GET http://127.0.0.1:8080/v1/zones HTTP/1.1"), which takes precedence (RFC 9112 §3.2.2).
  // "" when neither was sent (HTTP/1.0; the server refuses an HTTP/1.1 request without Host).
  std::string host;
  std::string content_type;  // Content-Type as sent; "" when absent
  std::string body;

  // The decoded query parameter `name`; nullopt when absent.
  std::optional<std::string_view> Query(std::string_view name) const;

  // A request for `method` and a target such as "/v1/events?zoneId=zone-001&limit=10", or the
  // absolute form of one ("http://127.0.0.1:8080/v1/events?..."), whose authority becomes `host`.
  // kInvalidArgument when the query's percent-encoding is broken (naming the parameter), or when an
  // absolute-form target is not http(s)://AUTHORITY/PATH.
  static Result<ApiRequest> FromTarget(std::string_view method, std::string_view target);
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type and CORS
  // The route that answered, as its pattern without /v1 ("/zones/{zoneId}"): the label of the
  // request metrics. "" when no route matched.
  std::string route;

  // The value of the extra header `name` (case-insensitive); nullopt when absent.
  std::optional<std::string_view> Header(std::string_view name) const;
};

}  // namespace vdpark
