#include "api/http_types.h"

#include <strings.h>

namespace vdpark {

std::optional<std::string_view> ApiRequest::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

Result<ApiRequest> ApiRequest::FromTarget(std::string_view method, std::string_view target) {
  ApiRequest r;
  r.method = std::string(method);
  if (!target.starts_with('/')) {
    // The absolute form (RFC 9112 §3.2.2), as proxies send it: "http://host:port/path?query".
    const size_t scheme_end = target.find("://");
    const std::string_view scheme =
        target.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end);
    auto is = [&](std::string_view name) {
      return scheme.size() == name.size() &&
             strncasecmp(scheme.data(), name.data(), name.size()) == 0;
    };
    if (!is("http") && !is("https")) {
      return Status::InvalidArgument(
          "target: expected a path starting with '/' or http://HOST/PATH");
    }
    std::string_view rest = target.substr(scheme_end + 3);
    const size_t path_start = rest.find_first_of("/?");
    r.host = std::string(rest.substr(0, path_start));
    if (r.host.empty() || r.host.find('@') != std::string::npos) {
      return Status::InvalidArgument("target: the authority of an absolute-form target is a host");
    }
    target = path_start == std::string_view::npos ? std::string_view("/") : rest.substr(path_start);
    if (target.starts_with('?')) {
      // "http://host?x": the path is "/".
      std::string with_slash = "/";
      with_slash += target;
      auto parsed = FromTarget(method, with_slash);
      if (parsed.ok()) parsed->host = std::move(r.host);
      return parsed;
    }
  }
  const size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return r;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name) {
      return Status::InvalidArgument("query: broken percent-encoding in '" +
                                     std::string(pair.substr(0, eq)) + "'");
    }
    if (!value) return Status::InvalidArgument(*name + ": broken percent-encoding");
    r.query[*name] = std::move(*value);
  }
  return r;
}

std::optional<std::string_view> ApiResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

}  // namespace vdpark
