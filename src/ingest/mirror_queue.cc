#include "ingest/mirror_queue.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <utility>

namespace vdpark {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------
// The stored form of one change.

void PutText(json::object& o, std::string_view name, const std::optional<std::string>& v) {
  if (v) o[name] = *v;
}
void PutInt(json::object& o, std::string_view name, std::optional<int64_t> v) {
  if (v) o[name] = *v;
}
void PutTime(json::object& o, std::string_view name, std::optional<Timestamp> t) {
  if (t) o[name] = t->micros();
}
void PutDecimal(json::object& o, std::string_view name, const std::optional<Decimal>& d) {
  if (d) o[name] = d->ToString();
}
// Coordinates as their shortest exact text: Boost.JSON 1.81 does not promise to parse every
// double back to the same bits, std::from_chars does.
void PutPoint(json::object& o, std::string_view name, const std::optional<GeoPoint>& p) {
  if (p) o[name] = json::array{fmt::format("{}", p->lat), fmt::format("{}", p->lng)};
}

json::object BayToJson(const Bay& b) {
  json::object o;
  o["zone"] = b.zone_id;
  o["bay"] = b.bay_number;
  PutText(o, "sensor", b.sensor_id);
  o["status"] = ToString(b.status);
  PutTime(o, "lastChange", b.last_change);
  PutTime(o, "occupiedSince", b.occupied_since);
  PutTime(o, "lastHeartbeat", b.last_heartbeat);
  PutText(o, "type", b.bay_type);
  PutPoint(o, "location", b.location);
  return o;
}

json::object EventToJson(const ParkingEvent& e) {
  json::object o;
  o["zone"] = e.zone_id;
  o["bay"] = e.bay_number;
  PutText(o, "sensor", e.sensor_id);
  o["type"] = ToString(e.event_type);
  o["ts"] = e.timestamp.micros();
  PutInt(o, "duration", e.duration_minutes);
  PutDecimal(o, "revenue", e.revenue);
  PutText(o, "mode", e.detection_mode);
  return o;
}

json::object SensorToJson(const Sensor& s) {
  json::object o;
  o["id"] = s.sensor_id;
  PutText(o, "model", s.model);
  PutText(o, "firmware", s.firmware_version);
  PutTime(o, "installed", s.install_date);
  PutText(o, "zone", s.zone_id);
  PutText(o, "bay", s.bay_number);
  PutText(o, "status", s.status);
  PutInt(o, "battery", s.last_battery);
  PutInt(o, "signal", s.last_signal);
  PutTime(o, "lastSeen", s.last_seen);
  return o;
}

// Reads the fields of one object; the first problem is kept, naming the field ("b.lastChange").
class FieldReader {
 public:
  FieldReader(const json::object& o, std::string_view path, Status* error)
      : o_(o), path_(path), error_(error) {}

  std::string Text(std::string_view name) {
    auto v = OptText(name);
    if (!v && error_->ok()) Fail(name, "is missing");
    return v.value_or("");
  }
  std::optional<std::string> OptText(std::string_view name) {
    const json::value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return Fail(name, "is not a string"), std::nullopt;
    return std::string(v->as_string());
  }
  std::optional<int64_t> OptInt(std::string_view name) {
    const json::value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_int64()) return Fail(name, "is not an integer"), std::nullopt;
    return v->as_int64();
  }
  std::optional<Timestamp> OptTime(std::string_view name) {
    auto us = OptInt(name);
    if (!us) return std::nullopt;
    return Timestamp::FromMicros(*us);
  }
  Timestamp Time(std::string_view name) {
    auto t = OptTime(name);
    if (!t && error_->ok()) Fail(name, "is missing");
    return t.value_or(Timestamp());
  }
  std::optional<Decimal> OptDecimal(std::string_view name) {
    auto text = OptText(name);
    if (!text) return std::nullopt;
    auto d = Decimal::Parse(*text);
    if (!d.ok()) return Fail(name, d.status().message()), std::nullopt;
    return *d;
  }
  std::optional<GeoPoint> OptPoint(std::string_view name) {
    const json::value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    const json::array* a = v->if_array();
    if (a == nullptr || a->size() != 2 || !(*a)[0].is_string() || !(*a)[1].is_string()) {
      return Fail(name, "is not [\"lat\",\"lng\"]"), std::nullopt;
    }
    GeoPoint p;
    if (!ParseDouble((*a)[0].as_string(), &p.lat) || !ParseDouble((*a)[1].as_string(), &p.lng)) {
      return Fail(name, "holds a coordinate that is not a number"), std::nullopt;
    }
    return p;
  }
  void Fail(std::string_view name, std::string_view why) {
    if (error_->ok()) {
      *error_ = Status::Corruption(fmt::format("field {}.{} {}", path_, name, why));
    }
  }

 private:
  const json::value* Find(std::string_view name) const { return o_.if_contains(name); }
  static bool ParseDouble(json::string_view text, double* out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && end == text.data() + text.size();
  }

  const json::object& o_;
  std::string_view path_;
  Status* error_;
};

Bay BayFromJson(const json::object& o, Status* error) {
  FieldReader r(o, "b", error);
  Bay b;
  b.zone_id = r.Text("zone");
  b.bay_number = r.Text("bay");
  b.sensor_id = r.OptText("sensor");
  std::string status = r.Text("status");
  if (auto parsed = ParseBayStatus(status)) {
    b.status = *parsed;
  } else {
    r.Fail("status", "is not a bay status");
  }
  b.last_change = r.OptTime("lastChange");
  b.occupied_since = r.OptTime("occupiedSince");
  b.last_heartbeat = r.OptTime("lastHeartbeat");
  b.bay_type = r.OptText("type");
  b.location = r.OptPoint("location");
  return b;
}

ParkingEvent EventFromJson(const json::object& o, Status* error) {
  FieldReader r(o, "e", error);
  ParkingEvent e;
  e.zone_id = r.Text("zone");
  e.bay_number = r.Text("bay");
  e.sensor_id = r.OptText("sensor");
  std::string type = r.Text("type");
  if (auto parsed = ParseEventType(type)) {
    e.event_type = *parsed;
  } else {
    r.Fail("type", "is not an event type");
  }
  e.timestamp = r.Time("ts");
  e.duration_minutes = r.OptInt("duration");
  e.revenue = r.OptDecimal("revenue");
  e.detection_mode = r.OptText("mode");
  return e;
}

Sensor SensorFromJson(const json::object& o, Status* error) {
  FieldReader r(o, "s", error);
  Sensor s;
  s.sensor_id = r.Text("id");
  s.model = r.OptText("model");
  s.firmware_version = r.OptText("firmware");
  s.install_date = r.OptTime("installed");
  s.zone_id = r.OptText("zone");
  s.bay_number = r.OptText("bay");
  s.status = r.OptText("status");
  s.last_battery = r.OptInt("battery");
  s.last_signal = r.OptInt("signal");
  s.last_seen = r.OptTime("lastSeen");
  return s;
}

}  // namespace

std::string EncodeQueuedChange(const LiveChange& change, Timestamp enqueued) {
  json::object o;
  o["t"] = enqueued.micros();
  if (change.occupied_delta != 0) {
    o["z"] = change.bay_after ? change.bay_after->zone_id : std::string();
    o["d"] = change.occupied_delta;
  }
  if (change.bay_after) o["b"] = BayToJson(*change.bay_after);
  if (change.event) o["e"] = EventToJson(*change.event);
  if (change.sensor) o["s"] = SensorToJson(*change.sensor);
  std::string out(1, static_cast<char>(kMirrorFormatVersion));
  out += json::serialize(o);
  return out;
}

Result<QueuedChange> DecodeQueuedChange(std::string_view stored) {
  if (stored.empty()) return Status::Corruption("an empty entry");
  if (static_cast<uint8_t>(stored[0]) != kMirrorFormatVersion) {
    return Status::Corruption(fmt::format("format version {} (this build reads {})",
                                          static_cast<uint8_t>(stored[0]), kMirrorFormatVersion));
  }
  boost::system::error_code ec;
  json::value v = json::parse(stored.substr(1), ec);
  if (ec) return Status::Corruption("not JSON: " + ec.message());
  if (!v.is_object()) return Status::Corruption("not a JSON object");
  const json::object& o = v.as_object();

  Status error;
  FieldReader top(o, "", &error);
  QueuedChange out;
  out.enqueued = top.Time("t");
  auto object_at = [&](std::string_view name) -> const json::object* {
    const json::value* f = o.if_contains(name);
    if (f == nullptr) return nullptr;
    if (!f->is_object()) top.Fail(name, "is not an object");
    return f->if_object();
  };
  if (const json::object* b = object_at("b")) out.change.bay_after = BayFromJson(*b, &error);
  if (const json::object* e = object_at("e")) out.change.event = EventFromJson(*e, &error);
  if (const json::object* s = object_at("s")) out.change.sensor = SensorFromJson(*s, &error);
  if (auto delta = top.OptInt("d")) {
    if (*delta < INT32_MIN || *delta > INT32_MAX) top.Fail("d", "is out of range");
    out.change.occupied_delta = static_cast<int>(*delta);
    std::string zone = top.OptText("z").value_or("");
    if (out.change.bay_after && zone != out.change.bay_after->zone_id) {
      top.Fail("z", "is not the zone of the bay");
    }
  }
  if (!error.ok()) return error;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The queue: a DurableQueue of encoded changes.

MirrorQueue::MirrorQueue(std::unique_ptr<DurableQueue> queue) : queue_(std::move(queue)) {}

MirrorQueue::~MirrorQueue() = default;

Result<std::unique_ptr<MirrorQueue>> MirrorQueue::Open(const std::string& dir,
                                                       const MirrorQueueOptions& options) {
  auto enqueued_of = [](std::string_view value) -> std::optional<Timestamp> {
    auto decoded = DecodeQueuedChange(value);
    if (!decoded.ok()) return std::nullopt;
    return decoded->enqueued;
  };
  VDPARK_ASSIGN_OR_RETURN(auto queue,
                          DurableQueue::Open(dir, "mirror queue", enqueued_of,
                                             {options.create_if_missing, options.sync}));
  return std::unique_ptr<MirrorQueue>(new MirrorQueue(std::move(queue)));
}

Result<uint64_t> MirrorQueue::Append(const LiveChange& change, Timestamp now) {
  return queue_->Append(EncodeQueuedChange(change, now), now);
}

Result<std::vector<QueuedChange>> MirrorQueue::Peek(size_t max) const {
  VDPARK_ASSIGN_OR_RETURN(std::vector<QueueEntry> entries, queue_->Peek(max));
  std::vector<QueuedChange> out;
  out.reserve(entries.size());
  for (const QueueEntry& e : entries) {
    auto decoded = DecodeQueuedChange(e.value);
    QueuedChange entry;
    if (decoded.ok()) {
      entry = std::move(*decoded);
    } else {
      entry.status = decoded.status().WithContext(
          fmt::format("mirror queue {} entry {}", queue_->dir(), e.sequence));
    }
    entry.sequence = e.sequence;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace vdpark
