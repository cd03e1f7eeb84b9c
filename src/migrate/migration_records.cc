#include "migrate/migration_records.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "migrate/checkpoint.h"

namespace vdpark {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kFormatField = "vdparkMigrationRecord";
constexpr int64_t kFormatVersion = 1;

json::object ToJson(const MigrationRecord& r) {
  json::array listed;
  for (const std::string& d : r.first_differences) listed.emplace_back(d);
  json::object counts;
  for (const auto& [name, value] : r.counts) counts[name] = value;
  json::object o;
  o[kFormatField] = kFormatVersion;
  o["kind"] = r.kind;
  o["at"] = r.at.ToIso();
  o["source"] = r.source;
  o["target"] = r.target;
  if (!r.pair.empty()) o["pair"] = r.pair;
  o["ok"] = r.ok;
  o["differences"] = r.differences;
  o["firstDifferences"] = std::move(listed);
  o["counts"] = std::move(counts);
  o["seconds"] = r.seconds;
  return o;
}

Status Bad(std::string_view field, std::string_view why) {
  std::string text(field);
  text += " ";
  text += why;
  return Status::Corruption(text);
}

Result<const json::value*> Member(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr) return Bad(field, "is missing");
  return v;
}

Result<std::string> StringField(const json::object& o, std::string_view field) {
  VDPARK_ASSIGN_OR_RETURN(auto v, Member(o, field));
  if (!v->is_string()) return Bad(field, "is not a string");
  return std::string(v->get_string());
}

Result<double> NumberFrom(const json::value& v, std::string_view field) {
  boost::system::error_code ec;
  const double n = v.to_number<double>(ec);
  if (ec) return Bad(field, "is not a number");
  return n;
}

Result<MigrationRecord> FromJson(const json::object& o) {
  VDPARK_ASSIGN_OR_RETURN(auto version, Member(o, kFormatField));
  if (!version->is_int64() || version->get_int64() != kFormatVersion) {
    return Bad(kFormatField, "is not 1, the format known here");
  }
  MigrationRecord r;
  VDPARK_ASSIGN_OR_RETURN(r.kind, StringField(o, "kind"));
  VDPARK_ASSIGN_OR_RETURN(auto at, StringField(o, "at"));
  auto parsed = Timestamp::Parse(at);
  if (!parsed.ok()) return Bad("at", parsed.status().message());
  r.at = *parsed;
  VDPARK_ASSIGN_OR_RETURN(r.source, StringField(o, "source"));
  VDPARK_ASSIGN_OR_RETURN(r.target, StringField(o, "target"));
  if (o.contains("pair")) {
    VDPARK_ASSIGN_OR_RETURN(r.pair, StringField(o, "pair"));
  }
  VDPARK_ASSIGN_OR_RETURN(auto ok, Member(o, "ok"));
  if (!ok->is_bool()) return Bad("ok", "is not true or false");
  r.ok = ok->get_bool();
  VDPARK_ASSIGN_OR_RETURN(auto differences, Member(o, "differences"));
  boost::system::error_code ec;
  r.differences = differences->to_number<uint64_t>(ec);
  if (ec) return Bad("differences", "is not a count");
  VDPARK_ASSIGN_OR_RETURN(auto listed, Member(o, "firstDifferences"));
  if (!listed->is_array()) return Bad("firstDifferences", "is not an array");
  for (const json::value& d : listed->get_array()) {
    if (!d.is_string()) return Bad("firstDifferences", "holds a value that is not a string");
    r.first_differences.emplace_back(d.get_string());
  }
  VDPARK_ASSIGN_OR_RETURN(auto counts, Member(o, "counts"));
  if (!counts->is_object()) return Bad("counts", "is not an object");
  for (const auto& [name, value] : counts->get_object()) {
    VDPARK_ASSIGN_OR_RETURN(double n, NumberFrom(value, "counts." + std::string(name)));
    r.counts.emplace_back(std::string(name), n);
  }
  VDPARK_ASSIGN_OR_RETURN(auto seconds, Member(o, "seconds"));
  VDPARK_ASSIGN_OR_RETURN(r.seconds, NumberFrom(*seconds, "seconds"));
  return r;
}

}  // namespace

std::optional<double> MigrationRecord::Count(std::string_view name) const {
  for (const auto& [n, value] : counts) {
    if (n == name) return value;
  }
  return std::nullopt;
}

std::string MigrationPairKey(std::string_view source_url, std::string_view target_url) {
  return MigrateCheckpointKey(source_url, target_url, "");
}

std::string MigrationStateDir(std::string_view source_url, std::string_view target_url) {
  return (fs::current_path() / ".vdpark-status" / MigrationPairKey(source_url, target_url))
      .string();
}

std::string MigrationRecordPath(std::string_view dir, std::string_view kind) {
  return (fs::path(dir) / (std::string(kind) + ".json")).string();
}

Status SaveMigrationRecord(const std::string& dir, const MigrationRecord& record) {
  return WriteFileAtomically(MigrationRecordPath(dir, record.kind),
                             json::serialize(ToJson(record)) + "\n");
}

Result<std::optional<MigrationRecord>> LoadMigrationRecord(const std::string& dir,
                                                           std::string_view kind) {
  const std::string path = MigrationRecordPath(dir, kind);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::optional<MigrationRecord>();
    return Status::IOError("cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  Result<MigrationRecord> parsed = Status::Corruption("not a JSON object");
  if (!ec && doc.is_object()) parsed = FromJson(doc.get_object());
  if (ec) parsed = Status::Corruption("not JSON: " + ec.message());
  if (!parsed.ok()) {
    return Status::Corruption(path + " is not a recorded " + std::string(kind) + " result (" +
                              parsed.status().message() + ")");
  }
  if (parsed->kind != kind) {
    return Status::Corruption(path + " holds a " + parsed->kind + " result, not a " +
                              std::string(kind) + " one");
  }
  return std::optional<MigrationRecord>(std::move(*parsed));
}

}  // namespace vdpark
