#include "ingest/error_message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace vdpark {
namespace {

const Timestamp kAt = Timestamp::FromSeconds(1736678400);
const char* kTopic = "visiondrive/parking/zone-001/A-001/status";

// The message parsed strictly (boost::json::parse refuses invalid UTF-8 in strings).
boost::json::object Parsed(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << text.substr(0, 200);
  return v.is_object() ? v.get_object() : boost::json::object();
}

TEST(ErrorTopicMessageTest, TextPayloadIsKeptAsText) {
  auto o = Parsed(ErrorTopicMessage(kTopic, "{\"deviceId\":\"a\nb\"", "bad JSON: x", kAt));
  EXPECT_EQ(o.at("topic").as_string(), kTopic);
  EXPECT_EQ(o.at("reason").as_string(), "bad JSON: x");
  EXPECT_EQ(o.at("payload").as_string(), "{\"deviceId\":\"a\nb\"");
  EXPECT_FALSE(o.contains("payloadBase64"));
  EXPECT_EQ(o.at("payloadBytes").to_number<int64_t>(), 17);
  EXPECT_EQ(o.at("payloadTruncated").as_bool(), false);
  EXPECT_EQ(o.at("receivedAt").as_string(), "2025-01-12T10:40:00.000000Z");
}

TEST(ErrorTopicMessageTest, InvalidUtf8PayloadIsBase64AndTheMessageValidJson) {
  const std::string payload = "{\"deviceId\":\"\xff\xfe\"}";
  const std::string text = ErrorTopicMessage(kTopic, payload, "bad JSON: \xff", kAt);
  auto o = Parsed(text);
  EXPECT_FALSE(o.contains("payload"));
  EXPECT_EQ(o.at("payloadBase64").as_string(), "eyJkZXZpY2VJZCI6Iv/+In0=");
  EXPECT_EQ(o.at("payloadBytes").to_number<int64_t>(), 17);
  EXPECT_EQ(o.at("reason").as_string(), "bad JSON: \\xff");
}

TEST(ErrorTopicMessageTest, LargePayloadIsCutAtFourKibAndMarked) {
  const std::string payload(1 << 20, 'a');
  const std::string text = ErrorTopicMessage(kTopic, payload, "oversized", kAt);
  EXPECT_LT(text.size(), kErrorPayloadBytes + 512);
  auto o = Parsed(text);
  EXPECT_EQ(o.at("payload").as_string(), std::string(kErrorPayloadBytes, 'a'));
  EXPECT_EQ(o.at("payloadBytes").to_number<int64_t>(), 1 << 20);
  EXPECT_EQ(o.at("payloadTruncated").as_bool(), true);
}

TEST(ErrorTopicMessageTest, ACutThroughACharacterKeepsTheTextValid) {
  // "é" (2 bytes) straddles the 4 KiB cut: the text ends before it.
  const std::string payload = std::string(kErrorPayloadBytes - 1, 'a') + "\xc3\xa9" + "tail";
  auto o = Parsed(ErrorTopicMessage(kTopic, payload, "oversized", kAt));
  EXPECT_EQ(o.at("payload").as_string(), std::string(kErrorPayloadBytes - 1, 'a'));
  EXPECT_EQ(o.at("payloadTruncated").as_bool(), true);
  // Invalid UTF-8 within the kept part: base64 of exactly 4 KiB.
  const std::string binary = std::string(10, '\xff') + std::string(kErrorPayloadBytes, 'b');
  auto b = Parsed(ErrorTopicMessage(kTopic, binary, "oversized", kAt));
  EXPECT_EQ(b.at("payloadBase64").as_string().size(), 4 * ((kErrorPayloadBytes + 2) / 3));
}

}  // namespace
}  // namespace vdpark
