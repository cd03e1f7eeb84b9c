#include "store/csv/csv_rows.h"

#include <charconv>

namespace vdpark {

namespace {

void AddInt(CsvWriter& w, const std::optional<int64_t>& v) {
  if (!v) return w.AddNull();
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, *v);
  w.AddUnquoted(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}
void AddTime(CsvWriter& w, const std::optional<Timestamp>& t) {
  if (!t) return w.AddNull();
  AppendPsqlTimestamp(w.BeginUnquoted(), *t);
}
void AddDecimal(CsvWriter& w, const std::optional<Decimal>& d) {
  if (!d) return w.AddNull();
  w.AddUnquoted(d->ToString());
}
void AddLocation(CsvWriter& w, const std::optional<GeoPoint>& p) {
  if (!p) {
    w.AddNull();
    w.AddNull();
    return;
  }
  AppendFloat8(w.BeginUnquoted(), p->lng);
  AppendFloat8(w.BeginUnquoted(), p->lat);
}

}  // namespace

void WriteRow(CsvWriter& w, const Zone& z) {
  w.AddField(z.zone_id);
  w.AddOptional(z.name);
  w.AddOptional(z.address);
  w.AddOptional(z.city);
  AddInt(w, z.total_bays);
  AddLocation(w, z.location);
  AddDecimal(w, z.price_per_hour);
  if (z.operating_hours) {
    w.AddField(z.operating_hours->ToJson());
  } else {
    w.AddNull();
  }
  w.AddOptional(z.tenant_id);
  AddTime(w, z.created_at);
}

void WriteRow(CsvWriter& w, const Bay& b) {
  w.AddField(b.zone_id);
  w.AddField(b.bay_number);
  w.AddOptional(b.sensor_id);
  w.AddUnquoted(ToString(b.status));
  AddTime(w, b.last_change);
  AddTime(w, b.occupied_since);
  w.AddOptional(b.bay_type);
  AddLocation(w, b.location);
}

void WriteRow(CsvWriter& w, const Sensor& s) {
  w.AddField(s.sensor_id);
  w.AddOptional(s.model);
  w.AddOptional(s.firmware_version);
  AddTime(w, s.install_date);
  w.AddOptional(s.zone_id);
  w.AddOptional(s.bay_number);
  w.AddOptional(s.status);
  AddInt(w, s.last_battery);
  AddInt(w, s.last_signal);
}

void WriteRow(CsvWriter& w, const ParkingEvent& e) {
  w.AddField(e.zone_id);
  w.AddField(e.bay_number);
  w.AddUnquoted(ToString(e.event_type));
  AppendPsqlTimestamp(w.BeginUnquoted(), e.timestamp);
  AddInt(w, e.duration_minutes);
  AddDecimal(w, e.revenue);
  w.AddOptional(e.detection_mode);
}

}  // namespace vdpark
