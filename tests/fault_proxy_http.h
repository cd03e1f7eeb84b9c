// HTTP pieces shared by the fault-injecting proxy (fault_proxy.cc) and its tests.
#pragma once

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vdpark::testing::proxy_http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::string_view kTargetHeader = "X-Amz-Target";

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct HostPort {
  std::string host;
  std::string port;
};

inline std::optional<HostPort> ParseUpstream(std::string_view url) {
  if (url.starts_with("http://")) url.remove_prefix(7);
  while (url.ends_with('/')) url.remove_suffix(1);
  const size_t colon = url.rfind(':');
  if (url.find("://") != std::string_view::npos || colon == std::string_view::npos || colon == 0 ||
      colon + 1 == url.size() || url.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view port = url.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::string_view host = url.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  return HostPort{std::string(host), std::string(port)};
}

// A reused upstream connection that fails this way was closed by the server while idle (node closes
// them after 5 s), before our request reached it: sending the request again is safe.
inline bool IsStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace vdpark::testing::proxy_http
