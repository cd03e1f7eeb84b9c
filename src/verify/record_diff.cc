#include "verify/record_diff.h"

#include <charconv>

namespace vdpark {

namespace {

std::string Text(const std::string& v) {
  return "'" + v + "'";
}
std::string Text(int64_t v) {
  return std::to_string(v);
}
std::string Text(const Decimal& v) {
  return v.ToCanonicalString();
}
std::string Text(const Timestamp& v) {
  return v.ToIso();
}
std::string Text(BayStatus v) {
  return std::string(ToString(v));
}
std::string Text(EventType v) {
  return std::string(ToString(v));
}
std::string Text(const OperatingHours& v) {
  return v.ToJson();
}
std::string Text(const GeoPoint& p) {
  char buf[64];
  auto r = std::to_chars(buf, buf + 30, p.lat);
  *r.ptr++ = ',';
  r = std::to_chars(r.ptr, buf + sizeof buf, p.lng);
  return std::string(buf, r.ptr);
}
template <typename T>
std::string Text(const std::optional<T>& v) {
  return v ? Text(*v) : "NULL";
}

// Collects "field: a != b" for each differing field.
class Diff {
 public:
  template <typename T>
  Diff& Field(const char* name, const T& a, const T& b) {
    if (a == b) return *this;
    if (!out_.empty()) out_ += "; ";
    out_ += name;
    out_ += ": ";
    out_ += Text(a);
    out_ += " != ";
    out_ += Text(b);
    return *this;
  }
  std::string str() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string DiffZones(const Zone& a, const Zone& b) {
  return Diff()
      .Field("name", a.name, b.name)
      .Field("address", a.address, b.address)
      .Field("city", a.city, b.city)
      .Field("totalBays", a.total_bays, b.total_bays)
      .Field("location", a.location, b.location)
      .Field("pricePerHour", a.price_per_hour, b.price_per_hour)
      .Field("operatingHours", a.operating_hours, b.operating_hours)
      .Field("tenantId", a.tenant_id, b.tenant_id)
      .Field("createdAt", a.created_at, b.created_at)
      .str();
}

std::string DiffBays(const Bay& a, const Bay& b) {
  return Diff()
      .Field("sensorId", a.sensor_id, b.sensor_id)
      .Field("status", a.status, b.status)
      .Field("lastChange", a.last_change, b.last_change)
      .Field("occupiedSince", a.occupied_since, b.occupied_since)
      .Field("bayType", a.bay_type, b.bay_type)
      .Field("location", a.location, b.location)
      .str();
}

std::string DiffSensors(const Sensor& a, const Sensor& b) {
  return Diff()
      .Field("model", a.model, b.model)
      .Field("firmwareVersion", a.firmware_version, b.firmware_version)
      .Field("installDate", a.install_date, b.install_date)
      .Field("zoneId", a.zone_id, b.zone_id)
      .Field("bayNumber", a.bay_number, b.bay_number)
      .Field("status", a.status, b.status)
      .Field("lastBattery", a.last_battery, b.last_battery)
      .Field("lastSignal", a.last_signal, b.last_signal)
      .str();
}

std::string DiffEvents(const ParkingEvent& a, const ParkingEvent& b) {
  return Diff()
      .Field("sensorId", a.sensor_id, b.sensor_id)
      .Field("eventType", a.event_type, b.event_type)
      .Field("duration", a.duration_minutes, b.duration_minutes)
      .Field("revenue", a.revenue, b.revenue)
      .Field("detectionMode", a.detection_mode, b.detection_mode)
      .str();
}

std::string EventKeyText(const ParkingEvent& e) {
  return e.zone_id + "/" + e.bay_number + "/" + e.timestamp.ToIso();
}

}  // namespace vdpark
