#include "api/json_views.h"

#include <fmt/format.h>

#include <cmath>

#include "domain/billing.h"

namespace vdpark {

namespace {

template <typename T>
json::value Optional(const std::optional<T>& v) {
  if (!v) return nullptr;
  return json::value(*v);
}

json::value LocationJson(const std::optional<GeoPoint>& p) {
  if (!p) return nullptr;
  return json::object{{"lat", p->lat}, {"lng", p->lng}};
}

json::value HoursJson(const std::optional<OperatingHours>& h) {
  if (!h) return nullptr;
  return json::object{{"open", OperatingHours::FormatMinute(h->open_minute)},
                      {"close", OperatingHours::FormatMinute(h->close_minute)}};
}

void Write(const json::value& v, std::string* out) {
  switch (v.kind()) {
    case json::kind::null:
      *out += "null";
      break;
    case json::kind::bool_:
      *out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      fmt::format_to(std::back_inserter(*out), "{}", v.get_int64());
      break;
    case json::kind::uint64:
      fmt::format_to(std::back_inserter(*out), "{}", v.get_uint64());
      break;
    case json::kind::double_: {
      const double d = v.get_double();
      // JSON has no NaN or infinity.
      if (std::isfinite(d)) {
        fmt::format_to(std::back_inserter(*out), "{}", d);
      } else {
        *out += "null";
      }
      break;
    }
    case json::kind::string:
      *out += json::serialize(v.get_string());
      break;
    case json::kind::array: {
      *out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) *out += ',';
        first = false;
        Write(e, out);
      }
      *out += ']';
      break;
    }
    case json::kind::object: {
      *out += '{';
      bool first = true;
      for (const auto& [key, e] : v.get_object()) {
        if (!first) *out += ',';
        first = false;
        *out += json::serialize(json::string_view(key));
        *out += ':';
        Write(e, out);
      }
      *out += '}';
      break;
    }
  }
}

}  // namespace

double OccupancyRate(int64_t occupied, int64_t total) {
  if (total <= 0) return 0;
  return std::round(1000.0 * static_cast<double>(occupied) / static_cast<double>(total)) / 10.0;
}

json::value TimeJson(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return json::value(t->ToIso());
}

json::value MoneyJson(const std::optional<Decimal>& d) {
  if (!d) return nullptr;
  return json::value(d->ToDouble());
}

json::object ZoneJson(const Zone& z, bool detail) {
  const int64_t total = z.total_bays.value_or(0);
  const int64_t occupied = z.occupied_bays.value_or(0);
  json::object o;
  o["zoneId"] = z.zone_id;
  o["name"] = Optional(z.name);
  o["address"] = Optional(z.address);
  o["city"] = Optional(z.city);
  o["totalBays"] = Optional(z.total_bays);
  o["occupiedBays"] = occupied;
  o["vacantBays"] = std::max<int64_t>(total - occupied, 0);
  o["occupancyRate"] = OccupancyRate(occupied, total);
  o["location"] = LocationJson(z.location);
  o["pricePerHour"] = MoneyJson(z.price_per_hour);
  o["operatingHours"] = HoursJson(z.operating_hours);
  if (detail) {
    o["tenantId"] = Optional(z.tenant_id);
    o["createdAt"] = TimeJson(z.created_at);
  }
  return o;
}

json::object BayJson(const Bay& b, const Sensor* sensor, Timestamp now, bool detail) {
  json::object o;
  o["zoneId"] = b.zone_id;
  o["bayNumber"] = b.bay_number;
  o["sensorId"] = Optional(b.sensor_id);
  o["status"] = ToString(b.status);
  o["lastChange"] = TimeJson(b.last_change);
  o["occupiedSince"] = TimeJson(b.occupied_since);
  if (b.status == BayStatus::kOccupied && b.occupied_since) {
    o["currentDuration"] = std::max<int64_t>(DurationMinutes(*b.occupied_since, now), 0);
  } else {
    o["currentDuration"] = nullptr;
  }
  o["batteryLevel"] = sensor ? Optional(sensor->last_battery) : json::value(nullptr);
  o["signalStrength"] = sensor ? Optional(sensor->last_signal) : json::value(nullptr);
  o["bayType"] = Optional(b.bay_type);
  o["location"] = LocationJson(b.location);
  if (detail) o["lastHeartbeat"] = TimeJson(b.last_heartbeat);
  return o;
}

json::object EventJson(const ParkingEvent& e) {
  json::object o;
  o["zoneId"] = e.zone_id;
  o["bayNumber"] = e.bay_number;
  o["eventType"] = ToString(e.event_type);
  o["timestamp"] = e.timestamp.ToIso();
  o["duration"] = Optional(e.duration_minutes);
  o["revenue"] = MoneyJson(e.revenue);
  o["detectionMode"] = Optional(e.detection_mode);
  return o;
}

json::object SensorJson(const Sensor& s) {
  json::object o;
  o["sensorId"] = s.sensor_id;
  o["model"] = Optional(s.model);
  o["zoneId"] = Optional(s.zone_id);
  o["bayNumber"] = Optional(s.bay_number);
  o["status"] = Optional(s.status);
  o["batteryLevel"] = Optional(s.last_battery);
  o["signalStrength"] = Optional(s.last_signal);
  o["lastSeen"] = TimeJson(s.last_seen);
  o["firmwareVersion"] = Optional(s.firmware_version);
  o["installDate"] = TimeJson(s.install_date);
  return o;
}

std::string ToJsonText(const json::value& value) {
  std::string out;
  Write(value, &out);
  return out;
}

ApiResponse JsonResponse(int status, const json::value& value) {
  ApiResponse r;
  r.status = status;
  r.body = ToJsonText(value);
  return r;
}

}  // namespace vdpark
