// SensorMessage: one MQTT message of a PSL01B sensor (SPEC §4), read from its topic and payload.
//
//   topic   visiondrive/parking/{zoneId}/{bayNumber}/status   (or .../health)
//   payload {"deviceId":"PSL01B-001","status":"occupied","battery":95,"signal":-72,
//            "mode":"dual","ts":1736678400000,"heartbeat":true}
//
// A status message needs deviceId and status; a health message needs deviceId and carries battery
// and signal. Everything else is optional; unknown fields are ignored.
//
// What a PSL01B sends, and so all that is accepted (anything else is refused, kBadValue naming the
// topic and the field; the topic's ids are refused as kUnknownTopic):
//   zoneId, bayNumber (topic), deviceId   ids: 1 to 128 bytes of UTF-8, no control character, no
//                                         '#' (and no '+' or '/' in the topic's), the record
//                                         rules' ids (domain/record_rules.h)
//   status     "occupied" or "vacant" (any case)
//   battery    a whole number 0-100 (%)
//   signal     a whole number -150-0 (dBm)
//   mode       "dual" (magnetometer and radar agree), "magnetic" or "radar" (any case; kept in
//              lower case): the sensor's detection modes
//   ts         epoch milliseconds, a whole number from 1 to 253402300799999 (9999-12-31)
//   heartbeat  true or false
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"
#include "common/status.h"
#include "domain/model.h"
#include "domain/timestamp.h"

namespace vdpark {

enum class SensorMessageKind { kStatus, kHealth };

struct SensorMessage {
  SensorMessageKind kind = SensorMessageKind::kStatus;
  std::string topic;       // as received, for errors and logs
  std::string zone_id;     // from the topic
  std::string bay_number;  // from the topic
  std::string device_id;
  std::optional<BayStatus> status;  // a status message's: kOccupied or kVacant; nullopt on health
  std::optional<int64_t> battery;   // percent, 0-100
  std::optional<int64_t> signal;    // dBm, -150-0
  std::optional<std::string> mode;  // detection mode: "dual", "magnetic" or "radar"
  std::optional<Timestamp> ts;      // when the sensor sent it (epoch milliseconds on the wire)
  bool heartbeat = false;           // the periodic heartbeat rather than a detection
};

// Why a message cannot be used, as the metrics count it (SPEC §4: never fatal).
enum class MessageFault {
  kBadJson,        // the payload is not JSON, or not a JSON object
  kBadValue,       // a field is missing, of the wrong type or out of range
  kOversized,      // the payload is larger than allowed
  kUnknownTopic,   // the topic is not one of the two shapes above
  kUnknownSensor,  // deviceId is not a registered sensor
  kUnknownBay,     // the topic's zone or bay does not exist
  kWrongBay,       // the sensor is registered to another bay
};
inline constexpr int kMessageFaultCount = 7;
// "bad_json", "bad_value", "oversized", "unknown_topic", "unknown_sensor", "unknown_bay",
// "wrong_bay": the label the metrics and the error topic use.
std::string_view ToString(MessageFault fault);

// A message that cannot be used: its class and why (kInvalidArgument naming the topic and the
// field or the deviceId).
struct MessageRejection {
  MessageFault fault = MessageFault::kBadValue;
  Status status;
};

// Either a usable value or why the message cannot be used.
template <typename T>
using OrRejection = std::variant<T, MessageRejection>;

// Parses a topic and its payload. Every error is kInvalidArgument and names the topic and the
// field: bad JSON (with the byte position), not an object, missing or wrong-typed deviceId or
// status, status not occupied/vacant, battery outside 0-100, signal outside -150..0, ts not a
// positive integer, a payload over `max_payload_bytes`, a topic of unknown shape.
Result<SensorMessage> ParseSensorMessage(std::string_view topic, std::string_view payload,
                                         size_t max_payload_bytes);

// The same, saying which class of fault a rejected message has.
OrRejection<SensorMessage> ParseOrRejectSensorMessage(std::string_view topic,
                                                      std::string_view payload,
                                                      size_t max_payload_bytes);

}  // namespace vdpark
