#include "store/s3/s3_manifest.h"

#include <boost/json.hpp>

namespace vdpark {

namespace json = boost::json;

namespace {
constexpr std::string_view kEventsFolder = "events/";
}

std::optional<std::pair<std::string, std::string>> S3Manifest::TimeRange() const {
  std::optional<std::pair<std::string, std::string>> range;
  for (const auto& [key, f] : files) {
    if (!key.starts_with(kEventsFolder) || f.rows == 0) continue;
    if (!range) {
      range.emplace(f.first, f.last);
      continue;
    }
    // Psql's form sorts as time within the years 1000-9999, which record rules keep events in.
    if (f.first < range->first) range->first = f.first;
    if (f.last > range->second) range->second = f.last;
  }
  return range;
}

uint64_t S3Manifest::EventRows() const {
  uint64_t rows = 0;
  for (const auto& [key, f] : files) {
    if (key.starts_with(kEventsFolder)) rows += f.rows;
  }
  return rows;
}

std::string S3Manifest::ToJson() const {
  json::object o;
  o["format"] = kFormat;
  o["vdpark_version"] = vdpark_version;
  o["source"] = source;
  o["written_at"] = written_at;
  if (auto range = TimeRange()) {
    o["time_range"] = json::object{{"first", range->first}, {"last", range->second}};
  } else {
    o["time_range"] = nullptr;
  }
  json::array list;
  for (const auto& [key, f] : files) {
    json::object entry{{"key", key},
                       {"rows", f.rows},
                       {"bytes", f.bytes},
                       {"csv_bytes", f.csv_bytes},
                       {"sha256", f.sha256}};
    if (key.starts_with(kEventsFolder)) {
      entry["first"] = f.first;
      entry["last"] = f.last;
    }
    list.push_back(std::move(entry));
  }
  o["files"] = std::move(list);
  return json::serialize(o) + "\n";
}

Result<S3Manifest> S3Manifest::FromJson(std::string_view text, std::string_view name) {
  auto bad = [&](std::string_view why) {
    std::string m(name);
    m += ": not a vdpark s3 manifest (";
    m += why;
    m += ")";
    return Status::Corruption(m);
  };
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return bad("JSON: " + ec.message());
  const json::object* o = v.if_object();
  if (o == nullptr) return bad("not an object");
  auto str = [&](const json::object& from, std::string_view k) -> std::optional<std::string> {
    const json::value* x = from.if_contains(k);
    if (x == nullptr || !x->is_string()) return std::nullopt;
    return std::string(x->get_string());
  };
  auto num = [&](const json::object& from, std::string_view k) -> std::optional<uint64_t> {
    const json::value* x = from.if_contains(k);
    if (x == nullptr) return std::nullopt;
    if (x->is_uint64()) return x->get_uint64();
    if (x->is_int64() && x->get_int64() >= 0) return static_cast<uint64_t>(x->get_int64());
    return std::nullopt;
  };
  std::optional<std::string> format = str(*o, "format");
  if (!format || *format != kFormat) {
    return bad("format is not \"" + std::string(kFormat) + "\"");
  }
  S3Manifest m;
  m.vdpark_version = str(*o, "vdpark_version").value_or("");
  m.source = str(*o, "source").value_or("");
  m.written_at = str(*o, "written_at").value_or("");
  const json::value* files = o->if_contains("files");
  if (files == nullptr || !files->is_array()) return bad("no \"files\" list");
  size_t index = 0;
  for (const json::value& f : files->get_array()) {
    const std::string where = "files[" + std::to_string(index++) + "]";
    const json::object* e = f.if_object();
    if (e == nullptr) return bad(where + " is not an object");
    std::optional<std::string> key = str(*e, "key");
    std::optional<std::string> sha = str(*e, "sha256");
    std::optional<uint64_t> rows = num(*e, "rows");
    std::optional<uint64_t> bytes = num(*e, "bytes");
    if (!key || key->empty()) return bad(where + ".key is missing");
    if (!sha || sha->size() != 64) return bad(where + ".sha256 is not a SHA-256");
    if (!rows || !bytes) return bad(where + ".rows or .bytes is not a count");
    S3ManifestFile file;
    file.rows = *rows;
    file.bytes = *bytes;
    file.csv_bytes = num(*e, "csv_bytes").value_or(0);
    file.sha256 = *sha;
    file.first = str(*e, "first").value_or("");
    file.last = str(*e, "last").value_or("");
    if (!m.files.emplace(*key, std::move(file)).second) return bad(*key + " is listed twice");
  }
  return m;
}

}  // namespace vdpark
