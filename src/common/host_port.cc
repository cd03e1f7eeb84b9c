#include "common/host_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <initializer_list>

namespace vdpark {

namespace {

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// InvalidArgument with the parts joined (built with += : GCC 12 warns falsely on "..." + string&&).
Status Bad(std::initializer_list<std::string_view> parts) {
  std::string why;
  for (std::string_view part : parts) why += part;
  return Status::InvalidArgument(why);
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view text, HostPortRules rules) {
  HostPort out;
  std::optional<std::string_view> port_text;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Bad({"the IPv6 address has no closing ']'"});
    out.host = std::string(text.substr(1, close - 1));
    std::string_view after = text.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return Bad({"expected ':port' after the IPv6 address, got '", after, "'"});
    }
    if (!after.empty()) port_text = after.substr(1);
    in6_addr ip;
    if (inet_pton(AF_INET6, out.host.c_str(), &ip) != 1) {
      return Bad({"the host '[", out.host, "]' is not an IPv6 address"});
    }
  } else {
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return Bad(
          {"the host '", text, "' has more than one ':' (an IPv6 address goes in brackets)"});
    }
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port_text = text.substr(colon + 1);
    for (char c : out.host) {
      if (!IsHostChar(c)) return Bad({"the host '", out.host, "' is not a host name or address"});
    }
  }
  if (out.host.empty()) return Bad({"the host is missing"});
  if (!port_text) {
    if (rules.port_required) return Bad({"the port is missing"});
    return out;
  }
  const int lowest = rules.allow_port_zero ? 0 : 1;
  int port = 0;
  bool digits = !port_text->empty() && port_text->size() <= 5;
  for (char c : *port_text) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    port = port * 10 + (c - '0');
  }
  if (!digits || port < lowest || port > 65535) {
    return Bad({"the port '", *port_text, "' is not a number from ", lowest == 0 ? "0" : "1",
                " to 65535"});
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::string FormatHostPort(std::string_view host, uint16_t port) {
  std::string out;
  const bool v6 = host.find(':') != std::string_view::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

}  // namespace vdpark
