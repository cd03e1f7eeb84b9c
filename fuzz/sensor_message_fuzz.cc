// The sensor message target (fuzz_targets.h): "<topic>\n<payload>" through ParseSensorMessage.
#include <boost/json.hpp>
#include <variant>

#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "ingest/sensor_message.h"

namespace vdpark::fuzz {

namespace {

namespace json = boost::json;

constexpr size_t kMaxPayloadBytes = 4096;  // the processor's default (bay_processor.h)

// The message as a PSL01B would send it.
std::string Serialize(const SensorMessage& m) {
  json::object o;
  o["deviceId"] = m.device_id;
  if (m.status) o["status"] = ToString(*m.status);
  if (m.battery) o["battery"] = *m.battery;
  if (m.signal) o["signal"] = *m.signal;
  if (m.mode) o["mode"] = *m.mode;
  if (m.ts) o["ts"] = m.ts->micros() / 1000;
  if (m.heartbeat) o["heartbeat"] = true;
  return json::serialize(o);
}

std::string Describe(const SensorMessage& m) {
  return m.topic + " " + Serialize(m);
}

std::string Run(std::string_view input) {
  size_t nl = input.find('\n');
  std::string_view topic = input.substr(0, nl);
  std::string_view payload = nl == std::string_view::npos ? "" : input.substr(nl + 1);

  OrRejection<SensorMessage> parsed = ParseOrRejectSensorMessage(topic, payload, kMaxPayloadBytes);
  Result<SensorMessage> plain = ParseSensorMessage(topic, payload, kMaxPayloadBytes);
  if (const auto* rejection = std::get_if<MessageRejection>(&parsed)) {
    VDPARK_FUZZ_CHECK(!plain.ok(), "ParseSensorMessage took what ParseOrReject refused");
    VDPARK_FUZZ_CHECK(rejection->status.code() == Status::Code::kInvalidArgument,
                      "a rejection is not kInvalidArgument: " + rejection->status.ToString());
    VDPARK_FUZZ_CHECK(plain.status().code() == Status::Code::kInvalidArgument,
                      "an error is not kInvalidArgument: " + plain.status().ToString());
    VDPARK_FUZZ_CHECK(!rejection->status.message().empty(), "a rejection without a reason");
    return "";
  }
  const SensorMessage& m = std::get<SensorMessage>(parsed);
  VDPARK_FUZZ_CHECK(plain.ok(), "ParseSensorMessage refused what ParseOrReject took: " +
                                    plain.status().ToString());

  // What a usable message promises (sensor_message.h).
  VDPARK_FUZZ_CHECK(m.topic == topic, "topic not kept as received");
  VDPARK_FUZZ_CHECK(!m.zone_id.empty() && !m.bay_number.empty(), "empty zone or bay");
  const std::string kind = m.kind == SensorMessageKind::kStatus ? "status" : "health";
  VDPARK_FUZZ_CHECK(topic == "visiondrive/parking/" + m.zone_id + "/" + m.bay_number + "/" + kind,
                    "zone/bay/kind do not make the topic back: " + Describe(m));
  VDPARK_FUZZ_CHECK(!m.device_id.empty(), "empty deviceId");
  if (m.kind == SensorMessageKind::kStatus) {
    VDPARK_FUZZ_CHECK(m.status == BayStatus::kOccupied || m.status == BayStatus::kVacant,
                      "a status message without occupied/vacant");
  } else {
    VDPARK_FUZZ_CHECK(!m.status, "a health message with a status");
  }
  VDPARK_FUZZ_CHECK(!m.battery || (*m.battery >= 0 && *m.battery <= 100), "battery out of range");
  VDPARK_FUZZ_CHECK(!m.signal || (*m.signal >= -150 && *m.signal <= 0), "signal out of range");
  VDPARK_FUZZ_CHECK(!m.ts || (m.ts->micros() > 0 && m.ts->micros() % 1000 == 0),
                    "ts not whole positive milliseconds");

  // Written back as JSON, it reads again to the same message.
  const std::string again_payload = Serialize(m);
  Result<SensorMessage> again = ParseSensorMessage(topic, again_payload, SIZE_MAX);
  VDPARK_FUZZ_CHECK(again.ok(), "re-serialised message refused: " + again.status().ToString() +
                                    " payload " + again_payload);
  const SensorMessage& a = *again;
  VDPARK_FUZZ_CHECK(a.kind == m.kind && a.zone_id == m.zone_id && a.bay_number == m.bay_number &&
                        a.device_id == m.device_id && a.status == m.status &&
                        a.battery == m.battery && a.signal == m.signal && a.mode == m.mode &&
                        a.ts == m.ts && a.heartbeat == m.heartbeat,
                    "re-parsed message differs: " + Describe(m) + " vs " + Describe(a));
  return "";
}

}  // namespace

std::string FuzzSensorMessage(const uint8_t* data, size_t size) {
  return Guarded("sensor_message",
                 [&] { return Run(std::string_view(reinterpret_cast<const char*>(data), size)); });
}

}  // namespace vdpark::fuzz
