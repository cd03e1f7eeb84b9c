#include "migrate/checkpoint.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/atomic_file.h"

namespace vdpark {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFormatField = "vdparkMigrateCheckpoint";
// 2: slices by id ("slices", "readTogether"); 1 (still read): time slices by "sliceBounds".
constexpr int64_t kFormatVersion = 2;
constexpr int64_t kTimeBoundsFormatVersion = 1;

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

boost::json::value TimeOrNull(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::string(t->ToIso());
}

boost::json::object ToJson(const MigrateCheckpoint& c) {
  boost::json::array slices;
  for (const std::string& id : c.progress.slices) slices.emplace_back(id);
  boost::json::object o;
  o[kFormatField] = kFormatVersion;
  o["key"] = c.key;
  o["source"] = c.source;
  o["target"] = c.target;
  o["since"] = TimeOrNull(c.since);
  o["metadataWritten"] = c.progress.metadata_written;
  o["eventsScanned"] = c.progress.events_scanned;
  o["eventsLoaded"] = c.progress.events_loaded;
  o["slices"] = std::move(slices);
  o["slicesDone"] = c.progress.slices_done;
  o["readTogether"] = c.progress.read_together;
  if (c.progress.source_events) {
    o["sourceEvents"] = *c.progress.source_events;
  } else {
    o["sourceEvents"] = nullptr;
  }
  o["rowsRead"] = c.progress.rows_read;
  if (c.target_events_bytes) {
    o["targetEventsBytes"] = *c.target_events_bytes;
  } else {
    o["targetEventsBytes"] = nullptr;
  }
  return o;
}

// The readers of a checkpoint's fields: a value, or an error naming the field (the caller names
// the file).
Status BadField(std::string_view field, std::string_view why) {
  return Status::Corruption(std::string(field) + " " + std::string(why));
}

Result<const boost::json::value*> Member(const boost::json::object& o, std::string_view field) {
  const boost::json::value* v = o.if_contains(field);
  if (v == nullptr) return BadField(field, "is missing");
  return v;
}

Result<std::string> StringFrom(const boost::json::value& v, std::string_view field) {
  const boost::json::string* s = v.if_string();
  if (s == nullptr) return BadField(field, "is not a string");
  return std::string(*s);
}

template <typename T>
Result<T> NumberFrom(const boost::json::value& v, std::string_view field) {
  boost::system::error_code ec;
  const T n = v.to_number<T>(ec);
  if (ec) {
    std::string why = "is not a whole number in range (";
    why += ec.message();
    return BadField(field, why + ")");
  }
  return n;
}

Result<std::string> StringField(const boost::json::object& o, std::string_view field) {
  VDPARK_ASSIGN_OR_RETURN(auto v, Member(o, field));
  return StringFrom(*v, field);
}

Result<bool> BoolField(const boost::json::object& o, std::string_view field) {
  VDPARK_ASSIGN_OR_RETURN(auto v, Member(o, field));
  const bool* b = v->if_bool();
  if (b == nullptr) return BadField(field, "is not true or false");
  return *b;
}

template <typename T>
Result<T> NumberField(const boost::json::object& o, std::string_view field) {
  VDPARK_ASSIGN_OR_RETURN(auto v, Member(o, field));
  return NumberFrom<T>(*v, field);
}

// A count that may be null: nullopt then.
Result<std::optional<uint64_t>> NullableCountFrom(const boost::json::value& v,
                                                  std::string_view field) {
  if (v.is_null()) return std::optional<uint64_t>();
  VDPARK_ASSIGN_OR_RETURN(auto n, NumberFrom<uint64_t>(v, field));
  return std::optional<uint64_t>(n);
}

Result<const boost::json::array*> ArrayField(const boost::json::object& o, std::string_view field) {
  VDPARK_ASSIGN_OR_RETURN(auto v, Member(o, field));
  const boost::json::array* a = v->if_array();
  if (a == nullptr) return BadField(field, "is not an array");
  return a;
}

Result<Timestamp> TimeFrom(const boost::json::value& v, std::string_view field) {
  VDPARK_ASSIGN_OR_RETURN(auto text, StringFrom(v, field));
  auto t = Timestamp::Parse(text);
  if (!t.ok()) return Status::Corruption(std::string(field) + ": " + t.status().message());
  return *t;
}

// Format 1's "sliceBounds" (slice i was [bounds[i], bounds[i+1])) as time slice ids, so that a
// load begun by the previous release carries on.
Result<std::vector<std::string>> SlicesFromBounds(const boost::json::object& o) {
  VDPARK_ASSIGN_OR_RETURN(auto bounds_json, ArrayField(o, "sliceBounds"));
  std::vector<Timestamp> bounds;
  for (const auto& b : *bounds_json) {
    VDPARK_ASSIGN_OR_RETURN(auto t, TimeFrom(b, "sliceBounds"));
    bounds.push_back(t);
  }
  if (bounds.size() == 1) return BadField("sliceBounds", "holds one bound");
  std::vector<std::string> slices;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    slices.push_back(TimeSliceId(bounds[i], bounds[i + 1]));
  }
  return slices;
}

// Format 2's "slices": ids, those of time slices well formed.
Result<std::vector<std::string>> SlicesFromIds(const boost::json::object& o) {
  VDPARK_ASSIGN_OR_RETURN(auto ids, ArrayField(o, "slices"));
  std::vector<std::string> slices;
  for (const auto& id : *ids) {
    VDPARK_ASSIGN_OR_RETURN(auto text, StringFrom(id, "slices"));
    if (text.starts_with("time:") && !ParseTimeSliceId(text)) {
      return Status::Corruption("slices: '" + text + "' is not a time slice");
    }
    slices.push_back(std::move(text));
  }
  return slices;
}

// Where the load is: MigrateProgress from format `version`.
Result<MigrateProgress> ProgressFrom(const boost::json::object& o, int64_t version) {
  MigrateProgress p;
  VDPARK_ASSIGN_OR_RETURN(p.metadata_written, BoolField(o, "metadataWritten"));
  VDPARK_ASSIGN_OR_RETURN(p.events_scanned, NumberField<uint64_t>(o, "eventsScanned"));
  VDPARK_ASSIGN_OR_RETURN(p.events_loaded, NumberField<uint64_t>(o, "eventsLoaded"));
  VDPARK_ASSIGN_OR_RETURN(
      p.slices, version == kTimeBoundsFormatVersion ? SlicesFromBounds(o) : SlicesFromIds(o));
  VDPARK_ASSIGN_OR_RETURN(p.slices_done, NumberField<uint64_t>(o, "slicesDone"));
  if (p.slices_done > p.slices.size()) return BadField("slicesDone", "is past the slices");
  if (version == kFormatVersion) {
    VDPARK_ASSIGN_OR_RETURN(auto together, NumberField<size_t>(o, "readTogether"));
    if (together == 0) return BadField("readTogether", "is 0");
    p.read_together = together;
  }
  // Absent from checkpoints written before loads counted their source: not counted then.
  if (const boost::json::value* n = o.if_contains("sourceEvents")) {
    VDPARK_ASSIGN_OR_RETURN(p.source_events, NullableCountFrom(*n, "sourceEvents"));
  }
  if (const boost::json::value* n = o.if_contains("rowsRead")) {
    VDPARK_ASSIGN_OR_RETURN(p.rows_read, NumberFrom<uint64_t>(*n, "rowsRead"));
  }
  return p;
}

// The checkpoint in `o`; an error naming the field that is missing or out of shape, which the
// caller turns into one kCorruption naming the file.
Result<MigrateCheckpoint> FromJson(const boost::json::object& o) {
  VDPARK_ASSIGN_OR_RETURN(auto version, NumberField<int64_t>(o, kFormatField));
  if (version != kFormatVersion && version != kTimeBoundsFormatVersion) {
    std::string why = "is ";
    why += std::to_string(version);
    return BadField(kFormatField, why + ", a format not known here");
  }
  MigrateCheckpoint c;
  for (auto [field, to] :
       {std::pair{"key", &c.key}, std::pair{"source", &c.source}, std::pair{"target", &c.target}}) {
    VDPARK_ASSIGN_OR_RETURN(*to, StringField(o, field));
  }
  VDPARK_ASSIGN_OR_RETURN(auto since, Member(o, "since"));
  if (!since->is_null()) {
    VDPARK_ASSIGN_OR_RETURN(c.since, TimeFrom(*since, "since"));
  }
  VDPARK_ASSIGN_OR_RETURN(c.progress, ProgressFrom(o, version));
  VDPARK_ASSIGN_OR_RETURN(auto bytes, Member(o, "targetEventsBytes"));
  VDPARK_ASSIGN_OR_RETURN(c.target_events_bytes, NullableCountFrom(*bytes, "targetEventsBytes"));
  return c;
}

// The checkpoint `text` holds, or why it holds none.
Result<MigrateCheckpoint> ParseCheckpoint(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  if (ec) {
    std::string why = "not JSON: ";
    why += ec.message();
    return Status::Corruption(why);
  }
  const boost::json::object* o = doc.if_object();
  if (o == nullptr) return Status::Corruption("not a JSON object");
  return FromJson(*o);
}

}  // namespace

std::string MigrateCheckpointKey(std::string_view source_url, std::string_view target_url,
                                 std::string_view since_text) {
  std::string text;
  for (std::string_view part : {source_url, target_url, since_text}) {
    text += part;
    text += '\n';  // no URL holds a newline: the parts cannot run into each other
  }
  // SHA-256 (OpenSSL), so the name is the same for the same migration on every run and build.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string DefaultCheckpointPath(std::string_view key) {
  return (fs::current_path() / ".vdpark-migrate" / (std::string(key) + ".json")).string();
}

Result<std::optional<MigrateCheckpoint>> LoadCheckpoint(const std::string& path,
                                                        std::string_view key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::optional<MigrateCheckpoint>();
    return Status::IOError(Errno("cannot read the checkpoint", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseCheckpoint(text.str());
  if (!parsed.ok()) {
    return Status::Corruption("checkpoint " + path + " is not a migrate checkpoint (" +
                              parsed.status().message() +
                              "): remove it to start the migration from the beginning");
  }
  MigrateCheckpoint& c = *parsed;
  if (c.key != key) {
    return Status::InvalidArgument("checkpoint " + path + " belongs to another migration (" +
                                   c.source + " -> " + c.target +
                                   "): give this one its own --checkpoint");
  }
  return std::optional<MigrateCheckpoint>(std::move(c));
}

Status SaveCheckpoint(const std::string& path, const MigrateCheckpoint& checkpoint) {
  return WriteFileAtomically(path, boost::json::serialize(ToJson(checkpoint)) + "\n");
}

Status RemoveCheckpoint(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return Status::IOError("cannot remove the checkpoint " + path + ": " + ec.message());
  fs::remove(fs::absolute(path).parent_path(), ec);  // fails, harmlessly, unless it is empty
  return Status::OK();
}

std::optional<std::string> AppendedEventsFile(std::string_view target_url) {
  if (!target_url.starts_with("csv:")) return std::nullopt;
  std::string_view dir = target_url.substr(4);
  if (dir.starts_with("//")) dir.remove_prefix(2);  // as OpenStore reads csv://DIR
  return (fs::path(dir) / "events.csv").string();
}

Result<uint64_t> FileLength(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return uint64_t{0};
  uint64_t size = fs::file_size(path, ec);
  if (ec) return Status::IOError("cannot stat " + path + ": " + ec.message());
  return size;
}

Status CutBackTo(const std::string& path, uint64_t bytes) {
  VDPARK_ASSIGN_OR_RETURN(auto length, FileLength(path));
  if (length < bytes) {
    return Status::Corruption(path + " holds " + std::to_string(length) +
                              " bytes, fewer than the " + std::to_string(bytes) +
                              " the checkpoint recorded as durable: rows were lost; migrate "
                              "again with --restart, which empties the target first");
  }
  if (length == bytes) return Status::OK();
  if (::truncate(path.c_str(), static_cast<off_t>(bytes)) != 0) {
    return Status::IOError(Errno("cannot cut back", path));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open", path));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(Errno("cannot sync", path));
  return Status::OK();
}

}  // namespace vdpark
