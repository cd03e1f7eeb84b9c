// HOST[:PORT] and [IPV6][:PORT]: the authority of a URL (mqtt://broker:1883) or an address to
// listen on (--listen 127.0.0.1:8080), taken apart one way wherever the program reads one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vdpark {

struct HostPort {
  std::string host;              // without brackets: "broker", "127.0.0.1", "::1"
  std::optional<uint16_t> port;  // nullopt when the text has none
};

struct HostPortRules {
  bool port_required = false;    // refuse a host without ":PORT"
  bool allow_port_zero = false;  // port 0: "any free port", for an address to listen on
};

// "broker", "broker:1883", "10.0.0.7:1883", "[::1]", "[::1]:8080". A host is a name or an IPv4
// address (letters, digits, '.', '-', '_') or, in brackets, an IPv6 address; a port is 1 to 65535
// (0 too with allow_port_zero). InvalidArgument whose message names the part that is wrong, for
// the caller to put the URL or flag in front of: "the host is missing", "the host 'a b' is not a
// host name or address", "the host '::1' has more than one ':' (an IPv6 address goes in
// brackets)", "the IPv6 address has no closing ']'", "expected ':port' after the IPv6 address,
// got 'x'", "the host '[zz]' is not an IPv6 address", "the port 'x' is not a number from 1 to
// 65535", "the port is missing".
Result<HostPort> ParseHostPort(std::string_view text, HostPortRules rules = {});

// "host:port", an IPv6 address in brackets: "broker:1883", "[::1]:8080".
std::string FormatHostPort(std::string_view host, uint16_t port);

}  // namespace vdpark
