#include "common/redact_url.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(RedactUrlTest, HidesTheUserinfoPasswordOnly) {
  EXPECT_EQ(RedactUrl("mqtt://user:PASSWORD@127.0.0.1:1883"), "mqtt://user:***@127.0.0.1:1883");
  EXPECT_EQ(RedactUrl("postgres://vdpark:x@localhost:5432/parking?sslmode=disable"),
            "postgres://vdpark:***@localhost:5432/parking?sslmode=disable");
  // A password %-encoded, or holding '/', '?' and '@' unencoded (as ParseMqttUrl reads it).
  EXPECT_EQ(RedactUrl("mqtt://user:p%40ss%2Fw@broker"), "mqtt://user:***@broker");
  EXPECT_EQ(RedactUrl("mqtt://user:pa/s?s@w@broker:1884?client_id=a%40b"),
            "mqtt://user:***@broker:1884?client_id=a%40b");
}

TEST(RedactUrlTest, LeavesUrlsWithoutSecretsAsTheyAre) {
  for (const char* url : {
           "mqtt://broker.local",
           "mqtt://user@broker:1884?client_id=a%40b",  // a user without a password
           "mqtt://[::1]:1883",
           "postgres://me@h/db?sslmode=disable",
           "dynamodb://VisionDrive-Parking?region=me-central-1&endpoint=http://localhost:8000",
           "csv:/tmp/export",
           "embedded:store",
           "http://127.0.0.1:8080/v1/zones?zoneId=zone-001",
           "user:@host",
           "csv:/tmp/a@b",
       }) {
    EXPECT_EQ(RedactUrl(url), url);
  }
  EXPECT_EQ(RedactUrl("mqtt://user:@broker"), "mqtt://user:@broker");   // an empty password
  EXPECT_EQ(RedactUrl("user:PW@broker:1883"), "user:***@broker:1883");  // the scheme left out
}

TEST(RedactUrlTest, Ipv6Hosts) {
  EXPECT_EQ(RedactUrl("mqtt://user:PW@[::1]:1883"), "mqtt://user:***@[::1]:1883");
  EXPECT_EQ(RedactUrl("postgres://u:PW@[fe80::1:2]:5432/db"),
            "postgres://u:***@[fe80::1:2]:5432/db");
  EXPECT_EQ(RedactUrl("http://[::1]:8000/"), "http://[::1]:8000/");
}

TEST(RedactUrlTest, UrlsNestedInQueryValues) {
  EXPECT_EQ(RedactUrl("dynamodb://T?region=r&endpoint=http://user:PW@127.0.0.1:8000&profile=p"),
            "dynamodb://T?region=r&endpoint=http://user:***@127.0.0.1:8000&profile=p");
  EXPECT_EQ(RedactUrl("dynamodb:T?endpoint=https://u:PW@[::1]:8000/x"),
            "dynamodb:T?endpoint=https://u:***@[::1]:8000/x");
  // %-encoded, and with a broken escape after it.
  EXPECT_EQ(RedactUrl("dynamodb://T?endpoint=http%3A%2F%2Fu%3APW%40h%3A8000"),
            "dynamodb://T?endpoint=http://u:***@h:8000");
  EXPECT_EQ(RedactUrl("dynamodb://T?endpoint=http%3A%2F%2Fu%3APW%40h%zz"),
            "dynamodb://T?endpoint=http://u:***@h%25zz");
  // Unchanged when the nested URL has nothing to hide: kept as written.
  EXPECT_EQ(RedactUrl("dynamodb://T?endpoint=http%3A%2F%2Fh%3A8000"),
            "dynamodb://T?endpoint=http%3A%2F%2Fh%3A8000");
}

TEST(RedactUrlTest, QueryParametersNamedLikeSecrets) {
  EXPECT_EQ(RedactUrl("postgres://u@h/db?password=PW&sslmode=require&sslpassword=K"),
            "postgres://u@h/db?password=***&sslmode=require&sslpassword=***");
  EXPECT_EQ(RedactUrl("https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                      "&X-Amz-Credential=AKID%2F20260101&X-Amz-Security-Token=TOK"
                      "&X-Amz-Signature=abcdef&sig=S&sessionToken=T&client_secret=C&apikey=K"),
            "https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=***&X-Amz-Security-Token=***"
            "&X-Amz-Signature=***&sig=***&sessionToken=***&client_secret=***&apikey=***");
  EXPECT_EQ(RedactUrl("http://h/?token="), "http://h/?token=");  // empty: nothing to hide
  EXPECT_EQ(RedactUrl("http://h/?a&b=1&&c"), "http://h/?a&b=1&&c");
}

TEST(RedactUrlsInTest, AShortPasswordNeverMangledText) {
  // The PostgreSQL password "x": the message around the URL is kept byte for byte.
  const std::string text =
      "postgres://vdpark@127.0.0.1:5432/db: CREATE EXTENSION: SQLSTATE 0A000: extension "
      "\"postgis\" is not available (password x was given)";
  EXPECT_EQ(RedactUrlsIn(text), text);
  EXPECT_EQ(RedactUrlsIn("connecting to postgres://vdpark:x@127.0.0.1:5432/db: extension x"),
            "connecting to postgres://vdpark:***@127.0.0.1:5432/db: extension x");
}

TEST(RedactUrlsInTest, EveryUrlInTextAndNothingElse) {
  EXPECT_EQ(RedactUrlsIn("serving: embedded:store <- mqtt://user:PASSWORD@127.0.0.1:1883 (client "
                         "c)"),
            "serving: embedded:store <- mqtt://user:***@127.0.0.1:1883 (client c)");
  EXPECT_EQ(RedactUrlsIn("dynamodb URL 'dynamodb://T?endpoint=http://u:PW@h:1&x=1': unknown "
                         "parameter 'x'"),
            "dynamodb URL 'dynamodb://T?endpoint=http://u:***@h:1&x=1': unknown parameter 'x'");
  EXPECT_EQ(RedactUrlsIn("GetItem: no answer from http://u:PW@127.0.0.1:1/: Connection refused"),
            "GetItem: no answer from http://u:***@127.0.0.1:1/: Connection refused");
  EXPECT_EQ(RedactUrlsIn("a (mqtt://u:PW@h), b [http://u:PW@h]. \"postgresql://u:PW@h/d\"\n"
                         "mqtt://u:PW@h"),
            "a (mqtt://u:***@h), b [http://u:***@h]. \"postgresql://u:***@h/d\"\nmqtt://u:***@h");
  for (const char* text : {"", "no URL here: user:pw@host", "://", "1://x", "a ://b:c@d",
                           "extension \"postgis\" is not available", "e-mail: a:b@c"}) {
    EXPECT_EQ(RedactUrlsIn(text), text);
  }
}

}  // namespace
}  // namespace vdpark
