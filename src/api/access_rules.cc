#include "api/access_rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <string>

#include "api/router.h"
#include "common/host_port.h"

namespace vdpark {

namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// "Type/Subtype" of a Content-Type, without its parameters and blanks.
std::string_view MediaType(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t')) {
    content_type.remove_prefix(1);
  }
  while (!content_type.empty() && (content_type.back() == ' ' || content_type.back() == '\t')) {
    content_type.remove_suffix(1);
  }
  return content_type;
}

// Whether `origin` ("http://localhost:8080") is the origin of a page this server served under
// `host` ("localhost:8080"): plain http (the server speaks no TLS), the same host and port.
bool SameOrigin(std::string_view origin, std::string_view host) {
  constexpr std::string_view kHttp = "http://";
  if (host.empty() || origin.size() <= kHttp.size() ||
      !EqualsIgnoringCase(origin.substr(0, kHttp.size()), kHttp)) {
    return false;
  }
  auto a = ParseHostPort(origin.substr(kHttp.size()));
  auto b = ParseHostPort(host);
  return a.ok() && b.ok() && EqualsIgnoringCase(a->host, b->host) &&
         a->port.value_or(80) == b->port.value_or(80);
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  auto parsed = ParseHostPort(host);
  if (!parsed.ok()) return false;
  if (EqualsIgnoringCase(parsed->host, "localhost")) return true;
  in_addr v4{};
  if (inet_pton(AF_INET, parsed->host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, parsed->host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::optional<ApiError> CheckHost(const ApiRequest& request, const ApiContext& context) {
  if (!context.keys.empty() || request.host.empty() || IsLoopbackHost(request.host)) {
    return std::nullopt;
  }
  std::string message = "Host: '";
  message += request.host.substr(0, 256);
  message +=
      "' is not a loopback name or address; without API keys the server answers only requests "
      "for localhost, 127.0.0.1 or [::1]";
  return ApiError::MisdirectedRequest(std::move(message));
}

std::optional<ApiError> CheckWrite(const ApiRequest& request, const ApiContext& context) {
  if (!EqualsIgnoringCase(MediaType(request.content_type), "application/json")) {
    std::string message = "Content-Type: a write takes application/json, got ";
    if (request.content_type.empty()) {
      message += "none";
    } else {
      message += '\'';
      message += request.content_type.substr(0, 128);
      message += '\'';
    }
    return ApiError::UnsupportedMediaType(std::move(message));
  }
  if (context.keys.empty() && !request.origin.empty() &&
      !SameOrigin(request.origin, request.host)) {
    std::string message = "Origin: '";
    message += request.origin.substr(0, 256);
    message += "' is not this server's own; without API keys only the server's own pages write";
    return ApiError::Forbidden(std::move(message));
  }
  return std::nullopt;
}

void AddCorsHeaders(const ApiRequest& request, const ApiContext& context, ApiResponse* response) {
  if (context.keys.empty() || request.origin.empty()) return;
  std::string_view allowed;
  for (const std::string& origin : context.cors_origins) {
    if (origin == "*" || EqualsIgnoringCase(origin, request.origin)) {
      allowed = origin == "*" ? std::string_view("*") : std::string_view(request.origin);
      break;
    }
  }
  if (allowed.empty()) return;
  response->headers.emplace_back("Access-Control-Allow-Origin", std::string(allowed));
  response->headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, OPTIONS");
  response->headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, X-Api-Key");
  response->headers.emplace_back("Access-Control-Max-Age", "600");
  response->headers.emplace_back("Vary", "Origin");
}

Status CheckCorsOrigin(std::string_view origin) {
  if (origin == "*") return Status::OK();
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return Status::InvalidArgument(
        "expected * or SCHEME://HOST[:PORT], such as https://ops.example");
  }
  const std::string_view authority = origin.substr(scheme_end + 3);
  if (authority.find_first_of("/?#@") != std::string_view::npos) {
    return Status::InvalidArgument("an origin has no path, query or user: SCHEME://HOST[:PORT]");
  }
  auto parsed = ParseHostPort(authority);
  if (!parsed.ok()) return parsed.status();
  return Status::OK();
}

}  // namespace vdpark
