#include "api/json_views.h"

#include <fmt/format.h>

#include <array>
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

// "HH:MM" as OperatingHours::FormatMinute writes it, without its snprintf (a fifth of a zone's
// view, measured).
std::string HourMinute(int minute) {
  if (minute < 0 || minute >= 100 * 60) return OperatingHours::FormatMinute(minute);
  const int h = minute / 60, m = minute % 60;
  return {static_cast<char>('0' + h / 10), static_cast<char>('0' + h % 10), ':',
          static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10)};
}

json::value HoursJson(const std::optional<OperatingHours>& h) {
  if (!h) return nullptr;
  return json::object{{"open", HourMinute(h->open_minute)}, {"close", HourMinute(h->close_minute)}};
}

// Bytes that a JSON string cannot hold as they are: '"', '\\' and the control characters.
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// `s` as a JSON string, escaped as Boost.JSON's serializer escapes it, straight into `out`:
// json::serialize made a string of its own for every one.
void WriteString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out += '"';
  for (size_t i = 0;;) {
    const size_t plain = i;  // a run of bytes that need no escape
    while (i < s.size() && !kEscaped[static_cast<unsigned char>(s[i])]) ++i;
    out->append(s.data() + plain, i - plain);
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i++]);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(escape, sizeof escape);
      }
    }
  }
  *out += '"';
}

template <typename Int>
void WriteInt(Int n, std::string* out) {
  const fmt::format_int text(n);
  out->append(text.data(), text.size());
}

// `d` written as `n` millionths when it is exactly the double nearest n / 10^6 (coordinates,
// prices, rates: what the API's views hold), with trailing zeros cut; false otherwise. For
// 10^-3 <= |d| < 10^9 the text is then the shortest that reads back as `d`, as fmt writes it:
// doubles there are far closer together than 10^-6, so no text of fewer digits is as near to
// `d`, and fmt writes no exponent there. A sixth of an uncached list of bays went to fmt's
// general algorithm (perf).
bool WriteMillionths(double d, std::string* out) {
  const double magnitude = std::fabs(d);
  if (!(magnitude >= 1e-3 && magnitude < 1e9)) return false;
  const double scaled = std::nearbyint(magnitude * 1e6);
  if (scaled / 1e6 != magnitude) return false;
  auto n = static_cast<uint64_t>(scaled);
  char text[32];
  char* end = text + sizeof text;
  char* p = end;
  int decimals = 6;
  while (decimals > 0 && n % 10 == 0) {  // trailing zeros of the fraction are not written
    n /= 10;
    --decimals;
  }
  for (int i = 0; i < decimals; ++i, n /= 10) *--p = static_cast<char>('0' + n % 10);
  if (decimals > 0) *--p = '.';
  do {
    *--p = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  if (d < 0) *--p = '-';
  out->append(p, end);
  return true;
}

void WriteDouble(double d, std::string* out) {
  if (WriteMillionths(d, out)) return;
  // JSON has no NaN or infinity.
  if (std::isfinite(d)) {
    char text[64];  // the shortest form of a double is at most 24 characters
    const auto written = fmt::format_to_n(text, sizeof text, "{}", d);
    out->append(text, written.out);
  } else {
    *out += "null";
  }
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
      WriteInt(v.get_int64(), out);
      break;
    case json::kind::uint64:
      WriteInt(v.get_uint64(), out);
      break;
    case json::kind::double_:
      WriteDouble(v.get_double(), out);
      break;
    case json::kind::string:
      WriteString(v.get_string(), out);
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
        WriteString(key, out);
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

json::object AlertJson(const Alert& a) {
  auto text = [](const std::optional<std::string>& v) { return v ? json::value(*v) : nullptr; };
  return json::object{{"alertId", a.id().ToString()},
                      {"kind", ToString(a.kind)},
                      {"severity", ToString(a.severity)},
                      {"state", ToString(a.state)},
                      {"sensorId", a.sensor_id},
                      {"zoneId", text(a.zone_id)},
                      {"bayNumber", text(a.bay_number)},
                      {"message", a.message},
                      {"value", a.value ? json::value(*a.value) : nullptr},
                      {"raisedAt", a.raised_at.ToIso()},
                      {"acknowledgedAt", TimeJson(a.acknowledged_at)},
                      {"acknowledgedBy", text(a.acknowledged_by)},
                      {"resolvedAt", TimeJson(a.resolved_at)},
                      {"resolvedBy", text(a.resolved_by)},
                      {"autoResolved", a.auto_resolved},
                      {"note", text(a.note)}};
}

json::object SettingsJson(const OperatorSettings& s) {
  return json::object{{"lowBatteryPercent", s.low_battery_percent},
                      {"offlineAfterMinutes", s.offline_after_minutes},
                      {"refreshSeconds", s.refresh_seconds},
                      {"timeZone", s.time_zone}};
}

json::value MoneyJson(const std::optional<Decimal>& d) {
  if (!d) return nullptr;
  return json::value(d->ToDouble());
}

json::object ZoneJson(const Zone& z, bool detail) {
  const int64_t total = z.total_bays.value_or(0);
  const int64_t occupied = z.occupied_bays.value_or(0);
  json::object o;
  o.reserve(13);
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
  o.reserve(12);
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

namespace {

// Writes the fields of one JSON object in order; names are plain ASCII that needs no escape.
class ObjectWriter {
 public:
  // Which part of the object this writer writes: all of it, its opening and first fields, or the
  // fields after those and its close.
  enum class Part { kWhole, kHead, kTail };
  explicit ObjectWriter(std::string* out, Part part = Part::kWhole)
      : out_(out), closes_(part != Part::kHead), first_(part != Part::kTail) {
    if (part != Part::kTail) *out_ += '{';
  }
  ~ObjectWriter() {
    if (closes_) *out_ += '}';
  }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  void Null(std::string_view name) { Name(name) += "null"; }
  void String(std::string_view name, std::string_view value) { WriteString(value, &Name(name)); }
  void OptString(std::string_view name, const std::optional<std::string>& value) {
    value ? String(name, *value) : Null(name);
  }
  void Int(std::string_view name, int64_t value) { WriteInt(value, &Name(name)); }
  void Int(std::string_view name, const std::optional<int64_t>& value) {
    value ? Int(name, *value) : Null(name);
  }
  void Double(std::string_view name, double value) { WriteDouble(value, &Name(name)); }
  void Time(std::string_view name, const std::optional<Timestamp>& t) {
    if (!t) return Null(name);
    std::string& out = Name(name);
    out += '"';
    t->AppendIso(&out);  // digits, '-', ':', '.', 'T', 'Z': nothing to escape
    out += '"';
  }
  void Location(std::string_view name, const std::optional<GeoPoint>& p) {
    if (!p) return Null(name);
    ObjectWriter location(&Name(name));
    location.Double("lat", p->lat);
    location.Double("lng", p->lng);
  }
  std::string& Name(std::string_view name) {
    out_->append(first_ ? "\"" : ",\"", first_ ? 1 : 2);
    first_ = false;
    out_->append(name);
    out_->append("\":", 2);
    return *out_;
  }

 private:
  std::string* out_;
  const bool closes_;
  bool first_;
};

}  // namespace

void AppendZoneJson(const Zone& z, bool detail, std::string* out) {
  const int64_t total = z.total_bays.value_or(0);
  const int64_t occupied = z.occupied_bays.value_or(0);
  ObjectWriter o(out);
  o.String("zoneId", z.zone_id);
  o.OptString("name", z.name);
  o.OptString("address", z.address);
  o.OptString("city", z.city);
  o.Int("totalBays", z.total_bays);
  o.Int("occupiedBays", occupied);
  o.Int("vacantBays", std::max<int64_t>(total - occupied, 0));
  o.Double("occupancyRate", OccupancyRate(occupied, total));
  o.Location("location", z.location);
  if (z.price_per_hour) {
    o.Double("pricePerHour", z.price_per_hour->ToDouble());
  } else {
    o.Null("pricePerHour");
  }
  if (z.operating_hours) {
    ObjectWriter hours(&o.Name("operatingHours"));
    hours.String("open", HourMinute(z.operating_hours->open_minute));
    hours.String("close", HourMinute(z.operating_hours->close_minute));
  } else {
    o.Null("operatingHours");
  }
  if (detail) {
    o.OptString("tenantId", z.tenant_id);
    o.Time("createdAt", z.created_at);
  }
}

void AppendBayHead(const Bay& b, std::string* out) {
  ObjectWriter o(out, ObjectWriter::Part::kHead);
  o.String("zoneId", b.zone_id);
  o.String("bayNumber", b.bay_number);
  o.OptString("sensorId", b.sensor_id);
  o.String("status", ToString(b.status));
  o.Time("lastChange", b.last_change);
  o.Time("occupiedSince", b.occupied_since);
  o.Name("currentDuration");
}

void AppendCurrentDuration(const Bay& b, Timestamp now, std::string* out) {
  if (b.status == BayStatus::kOccupied && b.occupied_since) {
    WriteInt(std::max<int64_t>(DurationMinutes(*b.occupied_since, now), 0), out);
  } else {
    *out += "null";
  }
}

void AppendBayTail(const Bay& b, const Sensor* sensor, bool detail, std::string* out) {
  ObjectWriter o(out, ObjectWriter::Part::kTail);
  o.Int("batteryLevel", sensor ? sensor->last_battery : std::nullopt);
  o.Int("signalStrength", sensor ? sensor->last_signal : std::nullopt);
  o.OptString("bayType", b.bay_type);
  o.Location("location", b.location);
  if (detail) o.Time("lastHeartbeat", b.last_heartbeat);
}

void AppendBayJson(const Bay& b, const Sensor* sensor, Timestamp now, bool detail,
                   std::string* out) {
  AppendBayHead(b, out);
  AppendCurrentDuration(b, now, out);
  AppendBayTail(b, sensor, detail, out);
}

std::string ToJsonText(const json::value& value) {
  std::string out;
  out.reserve(4096);
  Write(value, &out);
  return out;
}

ApiResponse JsonTextResponse(int status, std::string text) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(text);
  return r;
}

ApiResponse JsonResponse(int status, const json::value& value) {
  ApiResponse r;
  r.status = status;
  r.body = ToJsonText(value);
  return r;
}

}  // namespace vdpark
