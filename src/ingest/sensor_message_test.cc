#include "ingest/sensor_message.h"

#include <gtest/gtest.h>

#include <string>

namespace vdpark {
namespace {

constexpr const char* kStatusTopic = "visiondrive/parking/zone-001/A-001/status";
constexpr const char* kHealthTopic = "visiondrive/parking/zone-001/A-001/health";
constexpr size_t kMax = 1024;

// The rejection of a message that must not parse; fails the test when it parses.
MessageRejection Rejected(std::string_view topic, std::string_view payload, size_t max = kMax) {
  auto r = ParseOrRejectSensorMessage(topic, payload, max);
  if (auto* rejected = std::get_if<MessageRejection>(&r)) {
    EXPECT_TRUE(rejected->status.IsInvalidArgument()) << rejected->status.ToString();
    EXPECT_NE(rejected->status.message().find(std::string(topic)), std::string::npos)
        << "the error names the topic: " << rejected->status.message();
    return *rejected;
  }
  ADD_FAILURE() << "parsed: " << payload;
  return {};
}

void ExpectBadValue(std::string_view payload, std::string_view field) {
  MessageRejection r = Rejected(kStatusTopic, payload);
  EXPECT_EQ(r.fault, MessageFault::kBadValue) << r.status.message();
  std::string quoted(field.size() + 2, '\'');
  quoted.replace(1, field.size(), field);
  EXPECT_NE(r.status.message().find(quoted), std::string::npos)
      << "names the field " << field << ": " << r.status.message();
}

TEST(SensorMessageTest, ParsesTheStatusMessageOfTheSpec) {
  auto m = ParseSensorMessage(kStatusTopic,
                              R"({"deviceId":"PSL01B-001","status":"occupied","battery":95,)"
                              R"("signal":-72,"mode":"dual","ts":1736678400000})",
                              kMax);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, SensorMessageKind::kStatus);
  EXPECT_EQ(m->topic, kStatusTopic);
  EXPECT_EQ(m->zone_id, "zone-001");
  EXPECT_EQ(m->bay_number, "A-001");
  EXPECT_EQ(m->device_id, "PSL01B-001");
  EXPECT_EQ(m->status, BayStatus::kOccupied);
  EXPECT_EQ(m->battery, 95);
  EXPECT_EQ(m->signal, -72);
  EXPECT_EQ(m->mode, "dual");
  EXPECT_EQ(m->ts, Timestamp::FromMillis(1736678400000));
  EXPECT_FALSE(m->heartbeat);
}

TEST(SensorMessageTest, OptionalFieldsMayBeLeftOut) {
  auto m = ParseSensorMessage(kStatusTopic,
                              R"({"deviceId":"d","status":"vacant","heartbeat":true})", kMax);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->status, BayStatus::kVacant);
  EXPECT_EQ(m->battery, std::nullopt);
  EXPECT_EQ(m->signal, std::nullopt);
  EXPECT_EQ(m->mode, std::nullopt);
  EXPECT_EQ(m->ts, std::nullopt);
  EXPECT_TRUE(m->heartbeat);
}

TEST(SensorMessageTest, HealthMessageCarriesBatteryAndSignalWithoutStatus) {
  auto m = ParseSensorMessage(kHealthTopic, R"({"deviceId":"d","battery":12,"signal":-101})", kMax);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, SensorMessageKind::kHealth);
  EXPECT_EQ(m->status, std::nullopt);
  EXPECT_EQ(m->battery, 12);
  EXPECT_EQ(m->signal, -101);
}

TEST(SensorMessageTest, BadJsonGivesThePosition) {
  MessageRejection r = Rejected(kStatusTopic, R"({"deviceId":"d",,"status":"vacant"})");
  EXPECT_EQ(r.fault, MessageFault::kBadJson);
  EXPECT_NE(r.status.message().find("at byte 16"), std::string::npos) << r.status.message();
  // Cut short: the position is the end.
  r = Rejected(kStatusTopic, R"({"deviceId":"d")");
  EXPECT_EQ(r.fault, MessageFault::kBadJson);
  EXPECT_NE(r.status.message().find("at byte 15"), std::string::npos) << r.status.message();
  EXPECT_EQ(Rejected(kStatusTopic, "").fault, MessageFault::kBadJson);
  EXPECT_EQ(Rejected(kStatusTopic, R"({"deviceId":"d"} trailing)").fault, MessageFault::kBadJson);
}

TEST(SensorMessageTest, PayloadMustBeAnObject) {
  MessageRejection r = Rejected(kStatusTopic, R"(["occupied"])");
  EXPECT_EQ(r.fault, MessageFault::kBadJson);
  EXPECT_NE(r.status.message().find("not a JSON object"), std::string::npos);
}

TEST(SensorMessageTest, DeviceIdMustBeANonEmptyString) {
  ExpectBadValue(R"({"status":"vacant"})", "deviceId");
  ExpectBadValue(R"({"deviceId":17,"status":"vacant"})", "deviceId");
  ExpectBadValue(R"({"deviceId":"","status":"vacant"})", "deviceId");
  MessageRejection r = Rejected(kHealthTopic, R"({"battery":50})");
  EXPECT_NE(r.status.message().find("'deviceId'"), std::string::npos);
}

TEST(SensorMessageTest, StatusMustBeOccupiedOrVacant) {
  ExpectBadValue(R"({"deviceId":"d"})", "status");
  ExpectBadValue(R"({"deviceId":"d","status":1})", "status");
  ExpectBadValue(R"({"deviceId":"d","status":"parked"})", "status");
  ExpectBadValue(R"({"deviceId":"d","status":"unknown"})", "status");
}

TEST(SensorMessageTest, BatteryIsAPercentage) {
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","battery":101})", "battery");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","battery":-1})", "battery");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","battery":"95"})", "battery");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","battery":50.5})", "battery");
  auto m =
      ParseSensorMessage(kStatusTopic, R"({"deviceId":"d","status":"vacant","battery":0})", kMax);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->battery, 0);
}

TEST(SensorMessageTest, SignalIsInDbmUpToZero) {
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","signal":5})", "signal");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","signal":-151})", "signal");
  auto m =
      ParseSensorMessage(kStatusTopic, R"({"deviceId":"d","status":"vacant","signal":-150})", kMax);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->signal, -150);
}

TEST(SensorMessageTest, TsIsAPositiveIntegerOfMilliseconds) {
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","ts":0})", "ts");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","ts":-5})", "ts");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","ts":"1736678400000"})", "ts");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","ts":1736678400000.5})", "ts");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","ts":99999999999999999})", "ts");
}

TEST(SensorMessageTest, ModeAndHeartbeatHaveTheirTypes) {
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","mode":3})", "mode");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","heartbeat":"yes"})", "heartbeat");
}

TEST(SensorMessageTest, ModeIsOneThatSensorsSend) {
  // 4 KB of mode in a payload the size limit lets through.
  const std::string long_mode =
      R"({"deviceId":"d","status":"vacant","mode":")" + std::string(4096, 'm') + "\"}";
  MessageRejection r = Rejected(kStatusTopic, long_mode, 8192);
  EXPECT_EQ(r.fault, MessageFault::kBadValue);
  EXPECT_NE(r.status.message().find("'mode'"), std::string::npos) << r.status.message();
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","mode":"laser"})", "mode");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","mode":"dual\u0000"})", "mode");
  ExpectBadValue(R"({"deviceId":"d","status":"vacant","mode":""})", "mode");
  for (const char* mode : {"dual", "magnetic", "radar"}) {
    auto m = ParseSensorMessage(
        kStatusTopic, R"({"deviceId":"d","status":"vacant","mode":")" + std::string(mode) + "\"}",
        kMax);
    ASSERT_TRUE(m.ok()) << mode << ": " << m.status().ToString();
    EXPECT_EQ(m->mode, mode);
  }
}

TEST(SensorMessageTest, DeviceIdIsAnIdTheStoresCanHold) {
  ExpectBadValue(R"({"deviceId":")" + std::string(129, 'd') + R"(","status":"vacant"})",
                 "deviceId");
  ExpectBadValue(R"({"deviceId":"PSL01B\u0000001","status":"vacant"})", "deviceId");
  ExpectBadValue(R"({"deviceId":"PSL01B\n001","status":"vacant"})", "deviceId");
  ExpectBadValue(R"({"deviceId":"PSL#01","status":"vacant"})", "deviceId");
}

TEST(SensorMessageTest, TopicIdsAreIdsTheStoresCanHold) {
  const char* payload = R"({"deviceId":"d","status":"vacant"})";
  std::string with_nul = "visiondrive/parking/zone-001/A-";
  with_nul += '\0';
  with_nul += "1/status";
  const std::string topics[] = {"visiondrive/parking/" + std::string(129, 'z') + "/A-001/status",
                                with_nul, "visiondrive/parking/zone-001/A\n001/status"};
  for (const std::string& topic : topics) {
    MessageRejection r = Rejected(topic, payload);
    EXPECT_EQ(r.fault, MessageFault::kUnknownTopic) << topic;
  }
}

TEST(SensorMessageTest, OversizedPayloadIsRejectedUnread) {
  std::string payload =
      R"({"deviceId":"d","status":"vacant","pad":")" + std::string(200, 'x') + "\"}";
  MessageRejection r = Rejected(kStatusTopic, payload, 100);
  EXPECT_EQ(r.fault, MessageFault::kOversized);
  EXPECT_NE(r.status.message().find("over the limit of 100"), std::string::npos);
  EXPECT_TRUE(ParseSensorMessage(kStatusTopic, payload, payload.size()).ok());
}

TEST(SensorMessageTest, TopicMustHaveTheKnownShape) {
  const char* payload = R"({"deviceId":"d","status":"vacant"})";
  for (const char* topic :
       {"visiondrive/parking/zone-001/A-001", "visiondrive/parking/zone-001/A-001/status/x",
        "visiondrive/parking/zone-001/A-001/battery", "other/parking/zone-001/A-001/status",
        "visiondrive/parking//A-001/status", "visiondrive/parking/zone-001//status",
        "visiondrive/parking/zone#1/A-001/status", "visiondrive/parking/errors", ""}) {
    MessageRejection r = Rejected(topic, payload);
    EXPECT_EQ(r.fault, MessageFault::kUnknownTopic) << topic;
  }
}

TEST(SensorMessageTest, FaultsHaveTheirMetricLabels) {
  EXPECT_EQ(ToString(MessageFault::kBadJson), "bad_json");
  EXPECT_EQ(ToString(MessageFault::kWrongBay), "wrong_bay");
  EXPECT_EQ(ToString(MessageFault::kUnknownTopic), "unknown_topic");
}

}  // namespace
}  // namespace vdpark
