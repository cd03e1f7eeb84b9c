#include "store/postgres/postgres_rows.h"

namespace vdpark {

std::string ZoneSelect(const LocationColumns& location) {
  return "zone_id, name, address, city, total_bays, " + location.SelectLngLat() +
         ", price_per_hour, operating_hours, tenant_id, created_at";
}
std::string BaySelect(const LocationColumns& location) {
  return "zone_id, bay_number, sensor_id, status, last_change, occupied_since, bay_type, " +
         location.SelectLngLat();
}
const std::string_view kSensorSelect =
    "sensor_id, model, firmware_version, install_date, zone_id, bay_number, status, "
    "last_battery, last_signal";
const std::string_view kEventSelect =
    "zone_id, bay_number, sensor_id, event_type, \"timestamp\", duration_minutes, revenue, "
    "detection_mode";

std::string TimeLiteral(Timestamp t) {
  std::string out = "'";
  t.AppendIso(&out);
  out += "'::timestamptz";
  return out;
}

namespace {

// clang-format off
constexpr std::string_view kZoneColumns[] = {
    "zone_id", "name", "address", "city", "total_bays", "lng", "lat", "price_per_hour",
    "operating_hours", "tenant_id", "created_at"};
constexpr std::string_view kBayColumns[] = {
    "zone_id", "bay_number", "sensor_id", "status", "last_change", "occupied_since", "bay_type",
    "lng", "lat"};
constexpr std::string_view kSensorColumns[] = {
    "sensor_id", "model", "firmware_version", "install_date", "zone_id", "bay_number", "status",
    "last_battery", "last_signal"};
constexpr std::string_view kEventColumns[] = {
    "zone_id", "bay_number", "sensor_id", "event_type", "timestamp", "duration_minutes",
    "revenue", "detection_mode"};
// clang-format on

std::string Where(std::string_view table, PgFields f,
                  std::initializer_list<std::pair<std::string_view, size_t>> keys) {
  std::string out(table);
  for (auto [name, col] : keys) {
    out += ' ';
    out += name;
    out += '=';
    out += col < f.size() && f[col] ? std::string(f[col]->substr(0, 80)) : "NULL";
  }
  return out;
}

}  // namespace

Result<Zone> ParseZone(PgFields f) {
  PsqlFieldReader r(f, kZoneColumns);
  Zone z;
  z.zone_id = r.Key(0);
  z.name = r.Text(1);
  z.address = r.Text(2);
  z.city = r.Text(3);
  z.total_bays = r.Int(4);
  z.location = r.Location(5, 6);
  z.price_per_hour = r.Dec(7);
  z.operating_hours = r.Hours(8);
  z.tenant_id = r.Text(9);
  z.created_at = r.Time(10);
  if (r.failed()) return r.status();
  return z;
}

Result<Bay> ParseBay(PgFields f) {
  PsqlFieldReader r(f, kBayColumns);
  Bay b;
  b.zone_id = r.Key(0);
  b.bay_number = r.Key(1);
  b.sensor_id = r.Text(2);
  b.status = r.BayStatusAt(3);  // a NULL status reads as unknown, as in the csv store
  b.last_change = r.Time(4);
  b.occupied_since = r.Time(5);
  b.bay_type = r.Text(6);
  b.location = r.Location(7, 8);
  if (r.failed()) return r.status();
  return b;
}

Result<Sensor> ParseSensor(PgFields f) {
  PsqlFieldReader r(f, kSensorColumns);
  Sensor s;
  s.sensor_id = r.Key(0);
  s.model = r.Text(1);
  s.firmware_version = r.Text(2);
  s.install_date = r.Time(3);
  s.zone_id = r.Text(4);
  s.bay_number = r.Text(5);
  s.status = r.Text(6);
  s.last_battery = r.Int(7);
  s.last_signal = r.Int(8);
  if (r.failed()) return r.status();
  return s;
}

Result<ParkingEvent> ParseEvent(PgFields f) {
  PsqlFieldReader r(f, kEventColumns);
  ParkingEvent e;
  e.zone_id = r.Key(0);
  e.bay_number = r.Key(1);
  e.sensor_id = r.Text(2);
  if (auto type = r.EventTypeAt(3)) e.event_type = *type;
  if (auto t = r.KeyTime(4)) e.timestamp = *t;
  e.duration_minutes = r.Int(5);
  e.revenue = r.Dec(6);
  e.detection_mode = r.Text(7);
  if (r.failed()) return r.status();
  return e;
}

std::string ZoneWhere(PgFields f) {
  return Where("parking_zones", f, {{"zone_id", 0}});
}
std::string BayWhere(PgFields f) {
  return Where("parking_bays", f, {{"zone_id", 0}, {"bay_number", 1}});
}
std::string SensorWhere(PgFields f) {
  return Where("parking_sensors", f, {{"sensor_id", 0}});
}
std::string EventWhere(PgFields f) {
  return Where("parking_events", f, {{"zone_id", 0}, {"bay_number", 1}, {"timestamp", 4}});
}

}  // namespace vdpark
