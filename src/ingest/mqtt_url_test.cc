// ParseMqttUrl (src/ingest/mqtt_client.h): the URL forms of a broker, and errors that name the
// part and never the password.
#include <gtest/gtest.h>

#include <string>

#include "ingest/mqtt_client.h"

namespace vdpark {
namespace {

TEST(ParseMqttUrl, PlainUrlWithDefaults) {
  auto o = ParseMqttUrl("mqtt://broker.local");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "broker.local");
  EXPECT_EQ(o->port, 1883);
  EXPECT_FALSE(o->tls);
  EXPECT_EQ(o->mqtt_version, 5);
  EXPECT_EQ(o->username, "");
  EXPECT_EQ(o->client_id, "");
  EXPECT_EQ(o->ServerUri(), "tcp://broker.local:1883");
  EXPECT_EQ(o->display, "mqtt://broker.local");
}

TEST(ParseMqttUrl, UserPasswordPortAndQuery) {
  auto o = ParseMqttUrl("mqtt://ingest:s%40cret%3Aw@127.0.0.1:18830/?client_id=vd%20one&version=3");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->username, "ingest");
  EXPECT_EQ(o->password, "s@cret:w");
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 18830);
  EXPECT_EQ(o->client_id, "vd one");
  EXPECT_EQ(o->mqtt_version, 3);
  EXPECT_EQ(o->display.find("cret"), std::string::npos) << o->display;
  EXPECT_EQ(o->display, "mqtt://ingest@127.0.0.1:18830/?client_id=vd%20one&version=3");
}

TEST(ParseMqttUrl, TlsForAwsIotCore) {
  auto o = ParseMqttUrl(
      "mqtts://a1b2c3-ats.iot.me-central-1.amazonaws.com?client_id=vdpark-ingest-1"
      "&ca=/etc/vdpark/AmazonRootCA1.pem&cert=/etc/vdpark/device.pem.crt"
      "&key=/etc/vdpark/private.pem.key");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->tls);
  EXPECT_EQ(o->port, 8883);
  EXPECT_EQ(o->ca_file, "/etc/vdpark/AmazonRootCA1.pem");
  EXPECT_EQ(o->cert_file, "/etc/vdpark/device.pem.crt");
  EXPECT_EQ(o->key_file, "/etc/vdpark/private.pem.key");
  EXPECT_EQ(o->client_id, "vdpark-ingest-1");
  EXPECT_EQ(o->ServerUri(), "ssl://a1b2c3-ats.iot.me-central-1.amazonaws.com:8883");
}

TEST(ParseMqttUrl, Ipv6HostInBrackets) {
  auto o = ParseMqttUrl("mqtts://[::1]:9883?version=5");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 9883);
  EXPECT_EQ(o->ServerUri(), "ssl://[::1]:9883");
}

TEST(ParseMqttUrl, ErrorsNameThePartAndNeverThePassword) {
  struct Case {
    const char* url;
    const char* names;  // what the message must contain
  };
  const Case cases[] = {
      {"broker:1883", "expected mqtt://"},
      {"http://broker", "scheme 'http'"},
      {"mqtt://", "host is missing"},
      {"mqtt://:1883", "host is missing"},
      {"mqtt://broker:", "port ''"},
      {"mqtt://broker:http", "port 'http'"},
      {"mqtt://broker:70000", "port '70000'"},
      {"mqtt://broker:0", "port '0'"},
      {"mqtt://::1:1883", "more than one ':'"},
      {"mqtt://[::1", "closing ']'"},
      {"mqtt://[zz]:1883", "'[zz]' is not an IPv6 address"},
      {"mqtt://bro ker", "host 'bro ker'"},
      {"mqtt://broker/visiondrive/parking", "path '/visiondrive/parking'"},
      {"mqtt://broker?clientid=x", "unknown query parameter 'clientid'"},
      {"mqtt://broker?client_id=", "'client_id' has no value"},
      {"mqtt://broker?client_id=a&client_id=b", "'client_id' is given twice"},
      {"mqtt://broker?client_id=%zz", "'client_id' is not validly percent-encoded"},
      {"mqtt://broker?version=4.0", "version '4.0'"},
      {"mqtt://broker?ca=/etc/ca.pem", "'ca' needs mqtts://"},
      {"mqtts://broker?cert=/c.pem", "'cert' needs 'key'"},
      {"mqtts://broker?key=/k.pem", "'key' needs 'cert'"},
      {"mqtt://:pw@broker", "user name is empty"},
      {"mqtt://user:p%zzhidden@broker", "password is not validly percent-encoded"},
      {"mqtt://user:hidden@broker:99999", "port '99999'"},
      {"mqtt://broker/x@host", "must be percent-encoded"},
      {"mqtt://broker?client_id=a@b", "must be percent-encoded"},
  };
  for (const Case& c : cases) {
    auto o = ParseMqttUrl(c.url);
    ASSERT_FALSE(o.ok()) << c.url;
    EXPECT_TRUE(o.status().IsInvalidArgument()) << c.url;
    const std::string m = o.status().message();
    EXPECT_NE(m.find(c.names), std::string::npos) << c.url << " -> " << m;
    EXPECT_EQ(m.find("hidden"), std::string::npos) << c.url << " -> " << m;
  }
}

TEST(ParseMqttUrl, PasswordMayHoldReservedCharacters) {
  auto o = ParseMqttUrl("mqtt://user:hid/d?en@ok@broker:1884?client_id=a%40b");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->username, "user");
  EXPECT_EQ(o->password, "hid/d?en@ok");
  EXPECT_EQ(o->client_id, "a@b");
  EXPECT_EQ(o->host, "broker");
  EXPECT_EQ(o->port, 1884);
  EXPECT_EQ(o->display, "mqtt://user@broker:1884?client_id=a%40b");
}

}  // namespace
}  // namespace vdpark
