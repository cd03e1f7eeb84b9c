#include "common/host_port.h"

#include <gtest/gtest.h>

#include <string>

namespace vdpark {
namespace {

TEST(ParseHostPortTest, NamesAddressesAndPorts) {
  struct Case {
    const char* text;
    const char* host;
    std::optional<uint16_t> port;
  };
  const Case cases[] = {
      {"broker", "broker", std::nullopt},
      {"broker:1883", "broker", 1883},
      {"a1b2-ats.iot.me-central-1.amazonaws.com:8883", "a1b2-ats.iot.me-central-1.amazonaws.com",
       8883},
      {"mqtt_broker:1", "mqtt_broker", 1},
      {"10.0.0.7:65535", "10.0.0.7", 65535},
      {"[::1]", "::1", std::nullopt},
      {"[::1]:8080", "::1", 8080},
      {"[fe80::1:2]:00080", "fe80::1:2", 80},
  };
  for (const Case& c : cases) {
    auto hp = ParseHostPort(c.text);
    ASSERT_TRUE(hp.ok()) << c.text << ": " << hp.status().ToString();
    EXPECT_EQ(hp->host, c.host) << c.text;
    EXPECT_EQ(hp->port, c.port) << c.text;
  }
}

TEST(ParseHostPortTest, RefusalsNameThePart) {
  struct Case {
    const char* text;
    HostPortRules rules;
    const char* message;
  };
  const HostPortRules listen{.port_required = true, .allow_port_zero = true};
  const Case cases[] = {
      {"", {}, "the host is missing"},
      {":1883", {}, "the host is missing"},
      {"[]:80", {}, "the host '[]' is not an IPv6 address"},
      {"bro ker", {}, "the host 'bro ker' is not a host name or address"},
      {"host/x", {}, "the host 'host/x' is not a host name or address"},
      {"::1:1883",
       {},
       "the host '::1:1883' has more than one ':' (an IPv6 address goes in brackets)"},
      {"[::1", {}, "the IPv6 address has no closing ']'"},
      {"[::1]80", {}, "expected ':port' after the IPv6 address, got '80'"},
      {"[zz]:1883", {}, "the host '[zz]' is not an IPv6 address"},
      {"broker:", {}, "the port '' is not a number from 1 to 65535"},
      {"broker:http", {}, "the port 'http' is not a number from 1 to 65535"},
      {"broker:0", {}, "the port '0' is not a number from 1 to 65535"},
      {"broker:65536", {}, "the port '65536' is not a number from 1 to 65535"},
      {"broker:000080", {}, "the port '000080' is not a number from 1 to 65535"},
      {"broker:-1", {}, "the port '-1' is not a number from 1 to 65535"},
      {"broker:+80", {}, "the port '+80' is not a number from 1 to 65535"},
      {"broker", listen, "the port is missing"},
      {"[::1]", listen, "the port is missing"},
      {"host:99999", listen, "the port '99999' is not a number from 0 to 65535"},
  };
  for (const Case& c : cases) {
    auto hp = ParseHostPort(c.text, c.rules);
    ASSERT_FALSE(hp.ok()) << c.text;
    EXPECT_TRUE(hp.status().IsInvalidArgument()) << c.text;
    EXPECT_EQ(hp.status().message(), c.message) << c.text;
  }
}

TEST(ParseHostPortTest, PortZeroOnlyWhenAllowed) {
  auto any = ParseHostPort("127.0.0.1:0", {.allow_port_zero = true});
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  EXPECT_EQ(any->port, 0);
  EXPECT_FALSE(ParseHostPort("127.0.0.1:0").ok());
}

TEST(FormatHostPortTest, BracketsAnIpv6Address) {
  EXPECT_EQ(FormatHostPort("broker", 1883), "broker:1883");
  EXPECT_EQ(FormatHostPort("127.0.0.1", 0), "127.0.0.1:0");
  EXPECT_EQ(FormatHostPort("::1", 8080), "[::1]:8080");
  auto back = ParseHostPort(FormatHostPort("fe80::1", 443));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->host, "fe80::1");
  EXPECT_EQ(back->port, 443);
}

}  // namespace
}  // namespace vdpark
