#include "store/postgres/postgres_rows.h"

#include <charconv>

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

// Typed access to one row; the first problem is kept and later accessors return nothing.
class FieldReader {
 public:
  FieldReader(PgFields f, std::span<const std::string_view> names) : f_(f), names_(names) {
    if (f.size() != names.size()) {
      error_ = "expected " + std::to_string(names.size()) + " columns, found " +
               std::to_string(f.size());
    }
  }
  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

  void Fail(size_t col, std::string_view why) {
    if (error_.empty()) error_ = "column '" + std::string(names_[col]) + "': " + std::string(why);
  }
  std::optional<std::string_view> Raw(size_t col) const {
    return failed() ? std::nullopt : f_[col];
  }
  std::string Key(size_t col) {
    if (failed()) return "";
    if (!f_[col]) {
      Fail(col, "NULL in a key column");
      return "";
    }
    return std::string(*f_[col]);
  }
  std::optional<std::string> Text(size_t col) const {
    if (failed() || !f_[col]) return std::nullopt;
    return std::string(*f_[col]);
  }
  std::optional<int64_t> Int(size_t col) {
    if (failed() || !f_[col]) return std::nullopt;
    std::string_view t = *f_[col];
    int64_t v = 0;
    auto res = std::from_chars(t.data(), t.data() + t.size(), v);
    if (res.ec != std::errc() || res.ptr != t.data() + t.size()) {
      Fail(col, "bad integer '" + std::string(t.substr(0, 64)) + "'");
      return std::nullopt;
    }
    return v;
  }
  std::optional<Decimal> Dec(size_t col) {
    if (failed() || !f_[col]) return std::nullopt;
    return Check(col, Decimal::Parse(*f_[col]));
  }
  std::optional<Timestamp> Time(size_t col) {
    if (failed() || !f_[col]) return std::nullopt;
    return Check(col, Timestamp::Parse(*f_[col]));
  }
  std::optional<OperatingHours> Hours(size_t col) {
    if (failed() || !f_[col]) return std::nullopt;
    return Check(col, OperatingHours::ParseJson(*f_[col]));
  }
  std::optional<GeoPoint> Location(size_t lng_col, size_t lat_col) {
    if (failed() || (!f_[lng_col] && !f_[lat_col])) return std::nullopt;
    if (!f_[lng_col] || !f_[lat_col]) {
      Fail(f_[lng_col] ? lat_col : lng_col, "NULL while the other coordinate is set");
      return std::nullopt;
    }
    GeoPoint p{Double(lat_col), Double(lng_col)};
    if (failed()) return std::nullopt;
    return p;
  }

 private:
  template <typename T>
  std::optional<T> Check(size_t col, Result<T> r) {
    if (!r.ok()) {
      Fail(col, r.status().message());
      return std::nullopt;
    }
    return std::move(r).value();
  }
  double Double(size_t col) {
    std::string_view t = *f_[col];
    double v = 0;
    auto res = std::from_chars(t.data(), t.data() + t.size(), v);
    if (res.ec != std::errc() || res.ptr != t.data() + t.size()) {
      Fail(col, "bad number '" + std::string(t.substr(0, 64)) + "'");
    }
    return v;
  }

  PgFields f_;
  std::span<const std::string_view> names_;
  std::string error_;
};

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

std::string ParseZone(PgFields f, Zone* z) {
  FieldReader r(f, kZoneColumns);
  z->zone_id = r.Key(0);
  z->name = r.Text(1);
  z->address = r.Text(2);
  z->city = r.Text(3);
  z->total_bays = r.Int(4);
  z->location = r.Location(5, 6);
  z->price_per_hour = r.Dec(7);
  z->operating_hours = r.Hours(8);
  z->tenant_id = r.Text(9);
  z->created_at = r.Time(10);
  return r.error();
}

std::string ParseBay(PgFields f, Bay* b) {
  FieldReader r(f, kBayColumns);
  b->zone_id = r.Key(0);
  b->bay_number = r.Key(1);
  b->sensor_id = r.Text(2);
  b->status = BayStatus::kUnknown;  // a NULL status reads as unknown, as in the csv store
  if (auto text = r.Raw(3)) {
    if (auto status = ParseBayStatus(*text)) {
      b->status = *status;
    } else {
      r.Fail(3, "unknown bay status '" + std::string(text->substr(0, 64)) +
                    "' (expected occupied, vacant or unknown)");
    }
  }
  b->last_change = r.Time(4);
  b->occupied_since = r.Time(5);
  b->bay_type = r.Text(6);
  b->location = r.Location(7, 8);
  return r.error();
}

std::string ParseSensor(PgFields f, Sensor* s) {
  FieldReader r(f, kSensorColumns);
  s->sensor_id = r.Key(0);
  s->model = r.Text(1);
  s->firmware_version = r.Text(2);
  s->install_date = r.Time(3);
  s->zone_id = r.Text(4);
  s->bay_number = r.Text(5);
  s->status = r.Text(6);
  s->last_battery = r.Int(7);
  s->last_signal = r.Int(8);
  return r.error();
}

std::string ParseEvent(PgFields f, ParkingEvent* e) {
  FieldReader r(f, kEventColumns);
  e->zone_id = r.Key(0);
  e->bay_number = r.Key(1);
  e->sensor_id = r.Text(2);
  if (!r.failed()) {
    auto type = f[3] ? ParseEventType(*f[3]) : std::nullopt;
    if (type) {
      e->event_type = *type;
    } else {
      r.Fail(3, f[3] ? "unknown event type '" + std::string(f[3]->substr(0, 64)) +
                           "' (expected ARRIVE or LEAVE)"
                     : std::string("NULL (expected ARRIVE or LEAVE)"));
    }
  }
  if (!r.failed() && !f[4]) r.Fail(4, "NULL in a key column");
  if (auto t = r.Time(4)) e->timestamp = *t;
  e->duration_minutes = r.Int(5);
  e->revenue = r.Dec(6);
  e->detection_mode = r.Text(7);
  return r.error();
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
