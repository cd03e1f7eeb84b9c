#include "ingest/sensor_message.h"

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "domain/record_rules.h"

namespace vdpark {

namespace {

namespace json = boost::json;

constexpr std::string_view kTopicShape = "visiondrive/parking/{zoneId}/{bayNumber}/status|health";
// 9999-12-31T23:59:59.999Z, the end of Timestamp's range.
constexpr int64_t kMaxEpochMillis = Timestamp::kMaxMicros / 1000;
// The detection modes a PSL01B reports.
constexpr std::string_view kDetectionModes[] = {"dual", "magnetic", "radar"};

// The mode as the set spells it (lower case); nullopt when it is none of them.
std::optional<std::string_view> KnownMode(std::string_view mode) {
  for (std::string_view known : kDetectionModes) {
    if (mode.size() != known.size()) continue;
    bool same = true;
    for (size_t i = 0; i < mode.size() && same; ++i) {
      same = (mode[i] | 0x20) == known[i];  // the modes are letters: | 0x20 is their lower case
    }
    if (same) return known;
  }
  return std::nullopt;
}

MessageRejection Reject(MessageFault fault, std::string_view topic, std::string_view what) {
  std::string msg = "topic '";
  msg.append(topic);
  msg += "': ";
  msg.append(what);
  return {fault, Status::InvalidArgument(msg)};
}

// The value as JSON, cut short: enough to recognize it in an error.
std::string Show(const json::value& v) {
  std::string s = json::serialize(v);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// An integral JSON number (1.0 counts, 1.5 does not); nullopt for anything else.
std::optional<int64_t> AsInteger(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    uint64_t u = v.get_uint64();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_double()) {
    double d = v.get_double();
    // Doubles are exact integers up to 2^53; beyond that no sensor value is meant.
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) <= 9007199254740992.0) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

struct TopicParts {
  SensorMessageKind kind;
  std::string_view zone_id, bay_number;
};

std::optional<TopicParts> ParseTopic(std::string_view topic) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = topic.find('/', start);
    parts.push_back(topic.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[0] != "visiondrive" || parts[1] != "parking") return std::nullopt;
  for (std::string_view id : {parts[2], parts[3]}) {
    // '#' would also break the single-table keys built from the ids (ZONE#{zoneId}#BAY#...).
    if (id.find('+') != std::string_view::npos || !CheckIdText(id).ok()) return std::nullopt;
  }
  TopicParts t{SensorMessageKind::kStatus, parts[2], parts[3]};
  if (parts[4] == "health") {
    t.kind = SensorMessageKind::kHealth;
  } else if (parts[4] != "status") {
    return std::nullopt;
  }
  return t;
}

// An optional integer field within [lo, hi]: nullopt when absent, a rejection when present and
// not such an integer.
OrRejection<std::optional<int64_t>> ReadBounded(const json::object& obj, std::string_view topic,
                                                std::string_view field, int64_t lo, int64_t hi,
                                                std::string_view unit) {
  const json::value* v = obj.if_contains(field);
  if (!v || v->is_null()) return std::optional<int64_t>();
  std::optional<int64_t> n = AsInteger(*v);
  std::string where = "field '" + std::string(field) + "': ";
  if (!n)
    return Reject(MessageFault::kBadValue, topic, where + "expected an integer, got " + Show(*v));
  if (*n < lo || *n > hi) {
    return Reject(MessageFault::kBadValue, topic,
                  where + std::to_string(*n) + " is outside " + std::to_string(lo) + ".." +
                      std::to_string(hi) + std::string(unit));
  }
  return n;
}

}  // namespace

std::string_view ToString(MessageFault fault) {
  switch (fault) {
    case MessageFault::kBadJson:
      return "bad_json";
    case MessageFault::kBadValue:
      return "bad_value";
    case MessageFault::kOversized:
      return "oversized";
    case MessageFault::kUnknownTopic:
      return "unknown_topic";
    case MessageFault::kUnknownSensor:
      return "unknown_sensor";
    case MessageFault::kUnknownBay:
      return "unknown_bay";
    case MessageFault::kWrongBay:
      return "wrong_bay";
  }
  return "bad_value";
}

OrRejection<SensorMessage> ParseOrRejectSensorMessage(std::string_view topic,
                                                      std::string_view payload,
                                                      size_t max_payload_bytes) {
  std::optional<TopicParts> parts = ParseTopic(topic);
  if (!parts) {
    return Reject(MessageFault::kUnknownTopic, topic,
                  "not of the form " + std::string(kTopicShape));
  }
  if (payload.size() > max_payload_bytes) {
    return Reject(MessageFault::kOversized, topic,
                  "payload of " + std::to_string(payload.size()) + " bytes is over the limit of " +
                      std::to_string(max_payload_bytes));
  }

  // A stream parser says how far it got, so the error can give the byte position.
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(payload.data(), payload.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Reject(MessageFault::kBadJson, topic,
                  "payload is not JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  }
  json::value root = parser.release();
  const json::object* obj = root.if_object();
  if (!obj) return Reject(MessageFault::kBadJson, topic, "payload is not a JSON object");

  SensorMessage m;
  m.kind = parts->kind;
  m.topic = std::string(topic);
  m.zone_id = std::string(parts->zone_id);
  m.bay_number = std::string(parts->bay_number);

  const json::value* device = obj->if_contains("deviceId");
  if (!device) return Reject(MessageFault::kBadValue, topic, "field 'deviceId' is missing");
  if (!device->is_string() || device->get_string().empty()) {
    return Reject(MessageFault::kBadValue, topic,
                  "field 'deviceId': expected a non-empty string, got " + Show(*device));
  }
  if (Status s = CheckIdText(device->get_string()); !s.ok()) {
    return Reject(MessageFault::kBadValue, topic, "field 'deviceId': " + s.message());
  }
  m.device_id = std::string(device->get_string());

  if (m.kind == SensorMessageKind::kStatus) {
    const json::value* status = obj->if_contains("status");
    if (!status) return Reject(MessageFault::kBadValue, topic, "field 'status' is missing");
    if (!status->is_string()) {
      return Reject(MessageFault::kBadValue, topic,
                    "field 'status': expected \"occupied\" or \"vacant\", got " + Show(*status));
    }
    std::optional<BayStatus> s = ParseBayStatus(status->get_string());
    if (!s || *s == BayStatus::kUnknown) {
      return Reject(MessageFault::kBadValue, topic,
                    "field 'status': expected \"occupied\" or \"vacant\", got " + Show(*status));
    }
    m.status = s;
  }

  auto battery = ReadBounded(*obj, topic, "battery", 0, 100, " %");
  if (auto* r = std::get_if<MessageRejection>(&battery)) return *r;
  m.battery = std::get<std::optional<int64_t>>(battery);
  auto signal = ReadBounded(*obj, topic, "signal", -150, 0, " dBm");
  if (auto* r = std::get_if<MessageRejection>(&signal)) return *r;
  m.signal = std::get<std::optional<int64_t>>(signal);

  if (const json::value* mode = obj->if_contains("mode"); mode && !mode->is_null()) {
    std::optional<std::string_view> known;
    if (mode->is_string()) known = KnownMode(mode->get_string());
    if (!known) {
      return Reject(
          MessageFault::kBadValue, topic,
          "field 'mode': expected \"dual\", \"magnetic\" or \"radar\", got " + Show(*mode));
    }
    m.mode = std::string(*known);
  }

  if (const json::value* ts = obj->if_contains("ts"); ts && !ts->is_null()) {
    std::optional<int64_t> ms = AsInteger(*ts);
    if (!ms || *ms <= 0 || *ms > kMaxEpochMillis) {
      return Reject(
          MessageFault::kBadValue, topic,
          "field 'ts': expected epoch milliseconds (a positive integer), got " + Show(*ts));
    }
    m.ts = Timestamp::FromMillis(*ms);
  }

  if (const json::value* hb = obj->if_contains("heartbeat"); hb && !hb->is_null()) {
    if (!hb->is_bool()) {
      return Reject(MessageFault::kBadValue, topic,
                    "field 'heartbeat': expected true or false, got " + Show(*hb));
    }
    m.heartbeat = hb->get_bool();
  }
  return m;
}

Result<SensorMessage> ParseSensorMessage(std::string_view topic, std::string_view payload,
                                         size_t max_payload_bytes) {
  auto parsed = ParseOrRejectSensorMessage(topic, payload, max_payload_bytes);
  if (auto* rejected = std::get_if<MessageRejection>(&parsed)) return rejected->status;
  return std::get<SensorMessage>(std::move(parsed));
}

}  // namespace vdpark
