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
