#include "verify/probe_targets.h"

#include <boost/json.hpp>
#include <cmath>
#include <string_view>
#include <utility>

#include "common/percent_encoding.h"
#include "common/redact_url.h"
#include "verify/api_client.h"

namespace vdpark {

namespace {

namespace json = boost::json;

std::optional<std::string> StringMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> IntMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return static_cast<int64_t>(std::llround(v->to_number<double>()));
}

}  // namespace

ApiProbeTarget::ApiProbeTarget(std::string base, const std::string& zone, const std::string& bay,
                               std::string api_key, std::chrono::milliseconds request_timeout)
    : api_key_(std::move(api_key)), request_timeout_(request_timeout) {
  while (base.ends_with('/')) base.pop_back();
  const size_t scheme = base.find("://");
  if (scheme != std::string::npos && base.find('/', scheme + 3) == std::string::npos) {
    base += "/v1";
  }
  name_ = RedactUrl(base);
  url_ = base + "/zones/" + PercentEncode(zone) + "/bays/" + PercentEncode(bay);
}

Result<BayView> ApiProbeTarget::Read() {
  VDPARK_ASSIGN_OR_RETURN(auto reply, ApiGet(url_, api_key_, request_timeout_));
  boost::system::error_code ec;
  json::value doc = json::parse(reply.body, ec);
  const json::object* bay = ec || !doc.is_object() ? nullptr : &doc.get_object();
  if (reply.status != 200) {
    std::string why = reply.body.substr(0, 200);
    if (bay != nullptr) why = StringMember(*bay, "message").value_or(why);
    std::string text = "GET " + RedactUrl(url_) + ": " + std::to_string(reply.status) + " " + why;
    return reply.status == 404 ? Status::NotFound(text) : Status::IOError(text);
  }
  if (bay == nullptr) return Status::IOError("GET " + RedactUrl(url_) + ": not a JSON object");
  BayView v;
  v.status = StringMember(*bay, "status").value_or("");
  v.last_change = StringMember(*bay, "lastChange");
  v.last_heartbeat = StringMember(*bay, "lastHeartbeat");
  v.sensor_id = StringMember(*bay, "sensorId");
  v.battery = IntMember(*bay, "batteryLevel");
  v.signal = IntMember(*bay, "signalStrength");
  return v;
}

StoreProbeTarget::StoreProbeTarget(OpenedStore store, std::string zone, std::string bay)
    : store_(std::move(store)), zone_(std::move(zone)), bay_(std::move(bay)) {}

Result<BayView> StoreProbeTarget::Read() {
  VDPARK_ASSIGN_OR_RETURN(auto bay, store_.queries->GetBay(zone_, bay_));
  if (!bay) {
    return Status::NotFound(store_.records->DisplayName() + ": no bay '" + bay_ + "' in zone '" +
                            zone_ + "'");
  }
  auto iso = [](const std::optional<Timestamp>& t) {
    return t ? std::optional<std::string>(t->ToIso()) : std::nullopt;
  };
  BayView v;
  v.status = std::string(ToString(bay->status));
  v.last_change = iso(bay->last_change);
  v.last_heartbeat = iso(bay->last_heartbeat);
  v.sensor_id = bay->sensor_id;
  if (v.sensor_id && !sensor_read_) {
    sensor_read_ = true;  // battery and signal only matter for the message: read once
    if (auto sensor = store_.queries->GetSensor(*v.sensor_id); sensor.ok() && *sensor) {
      battery_ = (*sensor)->last_battery;
      signal_ = (*sensor)->last_signal;
    }
  }
  v.battery = battery_;
  v.signal = signal_;
  return v;
}

}  // namespace vdpark
