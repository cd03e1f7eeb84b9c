#include "migrate/checkpoint.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// Writes `text` to `path` and fsyncs it.
Status WriteSynced(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(Errno("cannot create", path));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::IOError(Errno("cannot write", path));
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Status::IOError(Errno("cannot sync", path));
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Status::IOError(Errno("cannot close", path));
  return Status::OK();
}

// A rename or a new file is durable only once its folder entry is.
Status SyncFolder(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("cannot open the folder", dir.string()));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(Errno("cannot sync the folder", dir.string()));
  return Status::OK();
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

Timestamp TimeFrom(const boost::json::value& v, std::string_view field) {
  auto t = Timestamp::Parse(v.as_string());
  if (!t.ok()) throw std::invalid_argument(std::string(field) + ": " + t.status().message());
  return *t;
}

// The slice ids of a checkpoint: format 2's "slices", or format 1's "sliceBounds" (slice i was
// [bounds[i], bounds[i+1])) as time slice ids, so that a load begun by the previous release
// carries on.
std::vector<std::string> SlicesFrom(const boost::json::object& o, int64_t version) {
  std::vector<std::string> slices;
  if (version == kTimeBoundsFormatVersion) {
    std::vector<Timestamp> bounds;
    for (const auto& b : o.at("sliceBounds").as_array()) {
      bounds.push_back(TimeFrom(b, "sliceBounds"));
    }
    if (bounds.size() == 1) throw std::invalid_argument("sliceBounds holds one bound");
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      slices.push_back(TimeSliceId(bounds[i], bounds[i + 1]));
    }
    return slices;
  }
  for (const auto& id : o.at("slices").as_array()) {
    slices.emplace_back(id.as_string());
    if (slices.back().starts_with("time:") && !ParseTimeSliceId(slices.back())) {
      throw std::invalid_argument("slices: '" + slices.back() + "' is not a time slice");
    }
  }
  return slices;
}

// Throws (boost's system_error, invalid_argument) on anything out of shape; the caller turns that
// into one kCorruption naming the file.
MigrateCheckpoint FromJson(const boost::json::object& o) {
  const int64_t version = o.at(kFormatField).to_number<int64_t>();
  if (version != kFormatVersion && version != kTimeBoundsFormatVersion) {
    throw std::invalid_argument("unknown format version");
  }
  MigrateCheckpoint c;
  c.key = o.at("key").as_string();
  c.source = o.at("source").as_string();
  c.target = o.at("target").as_string();
  if (!o.at("since").is_null()) c.since = TimeFrom(o.at("since"), "since");
  c.progress.metadata_written = o.at("metadataWritten").as_bool();
  c.progress.events_scanned = o.at("eventsScanned").to_number<uint64_t>();
  c.progress.events_loaded = o.at("eventsLoaded").to_number<uint64_t>();
  c.progress.slices = SlicesFrom(o, version);
  c.progress.slices_done = o.at("slicesDone").to_number<uint64_t>();
  if (c.progress.slices_done > c.progress.slices.size()) {
    throw std::invalid_argument("slicesDone is past the slices");
  }
  if (version == kFormatVersion) {
    c.progress.read_together = o.at("readTogether").to_number<size_t>();
    if (c.progress.read_together == 0) throw std::invalid_argument("readTogether is 0");
  }
  // Absent from checkpoints written before loads counted their source: not counted then.
  if (const auto* n = o.if_contains("sourceEvents"); n && !n->is_null()) {
    c.progress.source_events = n->to_number<uint64_t>();
  }
  if (const auto* n = o.if_contains("rowsRead")) c.progress.rows_read = n->to_number<uint64_t>();
  if (!o.at("targetEventsBytes").is_null()) {
    c.target_events_bytes = o.at("targetEventsBytes").to_number<uint64_t>();
  }
  return c;
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
  MigrateCheckpoint c;
  try {
    c = FromJson(boost::json::parse(text.str()).as_object());
  } catch (const std::exception& e) {
    return Status::Corruption("checkpoint " + path + " is not a migrate checkpoint (" + e.what() +
                              "): remove it to start the migration from the beginning");
  }
  if (c.key != key) {
    return Status::InvalidArgument("checkpoint " + path + " belongs to another migration (" +
                                   c.source + " -> " + c.target +
                                   "): give this one its own --checkpoint");
  }
  return std::optional<MigrateCheckpoint>(std::move(c));
}

Status SaveCheckpoint(const std::string& path, const MigrateCheckpoint& checkpoint) {
  const fs::path file = fs::absolute(path);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) {
    return Status::IOError("cannot create the folder " + file.parent_path().string() + ": " +
                           ec.message());
  }
  const std::string temp = file.string() + ".tmp";
  VDPARK_RETURN_IF_ERROR(WriteSynced(temp, boost::json::serialize(ToJson(checkpoint)) + "\n"));
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    return Status::IOError(Errno("cannot rename " + temp + " to", file.string()));
  }
  return SyncFolder(file.parent_path());
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
  auto length = FileLength(path);
  if (!length.ok()) return length.status();
  if (*length < bytes) {
    return Status::Corruption(path + " holds " + std::to_string(*length) +
                              " bytes, fewer than the " + std::to_string(bytes) +
                              " the checkpoint recorded as durable: rows were lost; migrate "
                              "again with --restart, which empties the target first");
  }
  if (*length == bytes) return Status::OK();
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
