#include "ingest/mirror_queue.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <boost/json.hpp>
#include <charconv>
#include <filesystem>
#include <system_error>
#include <utility>

#include "store/embedded/rocksdb_support.h"

namespace vdpark {

namespace json = boost::json;
using embedded_detail::FromRocks;
using embedded_detail::View;

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

// ---------------------------------------------------------------------------------------------
// Keys.

constexpr std::string_view kAckedKey = "m";
constexpr char kEntryPrefix = 'q';

// Big-endian, so that byte order is number order.
std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * (7 - i)));
  return out;
}

std::optional<uint64_t> DecodeU64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string EntryKey(uint64_t sequence) {
  return kEntryPrefix + EncodeU64(sequence);
}

std::optional<uint64_t> SequenceOf(std::string_view key) {
  if (key.empty() || key[0] != kEntryPrefix) return std::nullopt;
  return DecodeU64(key.substr(1));
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
// The queue.

MirrorQueue::MirrorQueue(std::string dir, const MirrorQueueOptions& options)
    : dir_(std::move(dir)), options_(options) {}

MirrorQueue::~MirrorQueue() {
  if (db_) (void)db_->Close();
}

Result<std::unique_ptr<MirrorQueue>> MirrorQueue::Open(const std::string& dir,
                                                       const MirrorQueueOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    if (!options.create_if_missing) return Status::NotFound("mirror queue " + dir + " not found");
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("mirror queue " + dir + ": " + ec.message());
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  // A queue is small and short-lived: small memtables, few logs kept around.
  db_options.write_buffer_size = size_t{8} << 20;
  db_options.keep_log_file_num = 3;
  db_options.max_background_jobs = 2;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, &db);
  if (!s.ok()) return FromRocks(s, "mirror queue " + dir);
  std::unique_ptr<MirrorQueue> queue(new MirrorQueue(dir, options));
  queue->db_.reset(db);
  VDPARK_RETURN_IF_ERROR(queue->Load());
  return queue;
}

Status MirrorQueue::Load() {
  std::string acked_value;
  uint64_t acked = 0;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kAckedKey, &acked_value);
  if (s.ok()) {
    auto v = DecodeU64(acked_value);
    if (!v) return Status::Corruption("mirror queue " + dir_ + ": the acknowledged mark");
    acked = *v;
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "mirror queue " + dir_);
  }

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->Seek(EntryKey(0));
  std::optional<uint64_t> first;
  if (it->Valid()) first = SequenceOf(View(it->key()));
  it->SeekToLast();
  std::optional<uint64_t> last;
  if (it->Valid()) last = SequenceOf(View(it->key()));
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "mirror queue " + dir_));

  std::lock_guard lock(mu_);
  next_ = std::max(acked, last.value_or(0)) + 1;
  head_ = first.value_or(next_);
  size_.store(next_ - head_, std::memory_order_relaxed);
  oldest_micros_.store(EnqueuedMicrosOf(head_), std::memory_order_relaxed);
  return Status::OK();
}

int64_t MirrorQueue::EnqueuedMicrosOf(uint64_t sequence) const {
  if (sequence >= next_) return kNoEntry;
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), EntryKey(sequence), &value).ok()) return kNoEntry;
  auto decoded = DecodeQueuedChange(value);
  // An entry that does not decode counts as appended now: its age is unknown.
  return decoded.ok() ? decoded->enqueued.micros() : Timestamp::Now().micros();
}

Result<uint64_t> MirrorQueue::Append(const LiveChange& change, Timestamp now) {
  std::string value = EncodeQueuedChange(change, now);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  std::lock_guard lock(mu_);
  const uint64_t sequence = next_;
  rocksdb::Status s = db_->Put(wo, EntryKey(sequence), value);
  if (!s.ok()) return FromRocks(s, "mirror queue " + dir_ + ": append");
  ++next_;
  if (size_.fetch_add(1, std::memory_order_relaxed) == 0) {
    oldest_micros_.store(now.micros(), std::memory_order_relaxed);
  }
  return sequence;
}

Result<std::vector<QueuedChange>> MirrorQueue::Peek(size_t max) const {
  std::vector<QueuedChange> out;
  uint64_t head = 0;
  {
    std::lock_guard lock(mu_);
    head = head_;
  }
  if (max == 0) return out;
  // Seeking straight to the head skips the deletions that acknowledging left behind.
  const std::string lower = EntryKey(head);
  rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(lower); it->Valid() && out.size() < max; it->Next()) {
    auto sequence = SequenceOf(View(it->key()));
    if (!sequence) break;
    auto decoded = DecodeQueuedChange(View(it->value()));
    QueuedChange entry;
    if (decoded.ok()) {
      entry = std::move(*decoded);
    } else {
      entry.status =
          decoded.status().WithContext(fmt::format("mirror queue {} entry {}", dir_, *sequence));
    }
    entry.sequence = *sequence;
    out.push_back(std::move(entry));
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "mirror queue " + dir_ + ": peek"));
  return out;
}

Status MirrorQueue::Ack(uint64_t sequence) {
  std::lock_guard lock(mu_);
  if (sequence >= next_) {
    return Status::InvalidArgument(
        fmt::format("mirror queue {}: cannot acknowledge {}, the last appended is {}", dir_,
                    sequence, next_ - 1));
  }
  if (sequence < head_) return Status::OK();
  rocksdb::WriteBatch batch;
  for (uint64_t s = head_; s <= sequence; ++s) batch.Delete(EntryKey(s));
  batch.Put(kAckedKey, EncodeU64(sequence));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  VDPARK_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "mirror queue " + dir_ + ": ack"));
  head_ = sequence + 1;
  size_.store(next_ - head_, std::memory_order_relaxed);
  oldest_micros_.store(EnqueuedMicrosOf(head_), std::memory_order_relaxed);
  return Status::OK();
}

std::optional<Timestamp> MirrorQueue::oldest() const {
  int64_t us = oldest_micros_.load(std::memory_order_relaxed);
  if (size() == 0 || us == kNoEntry) return std::nullopt;
  return Timestamp::FromMicros(us);
}

int64_t MirrorQueue::OldestAgeMicros(Timestamp now) const {
  auto t = oldest();
  return t ? std::max<int64_t>(0, now - *t) : 0;
}

uint64_t MirrorQueue::next_sequence() const {
  std::lock_guard lock(mu_);
  return next_;
}

}  // namespace vdpark
