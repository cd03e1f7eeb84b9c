#include "store/s3/s3_store.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>

#include "domain/record_rules.h"
#include "store/csv/csv_format.h"
#include "store/csv/csv_rows.h"
#include "store/csv/csv_store.h"
#include "store/csv/csv_tables.h"
#include "store/dynamodb/sigv4.h"
#include "store/s3/gzip.h"

#ifndef VDPARK_VERSION
#define VDPARK_VERSION "unknown"
#endif

namespace vdpark {

namespace fs = std::filesystem;
using namespace csv_tables;

namespace {

constexpr std::string_view kEventsFolder = "events/";
constexpr std::string_view kGz = ".gz";

std::string DayKey(std::string_view day) {
  std::string key(kEventsFolder);
  key += day;
  key += ".csv.gz";
  return key;
}

std::string HeaderLine(std::span<const std::string_view> columns) {
  std::string line;
  for (std::string_view c : columns) {
    if (!line.empty()) line.push_back(',');
    line += c;
  }
  line.push_back('\n');
  return line;
}

// "bays.csv:17: ..." from csv: becomes "s3://b/p/bays.csv.gz:17: ...".
std::string RenamePlace(std::string_view where, std::string_view file, const std::string& object) {
  if (where.starts_with(file)) return object + std::string(where.substr(file.size()));
  return object + ": " + std::string(where);
}

// One row of an events file, by its key (time first, so that a day's rows come in time order).
struct DayRows {
  std::map<std::string, std::string> rows;  // "time\x1fzone\x1fbay" -> the record as written

  // Adds the records of `reader` (header first); kCorruption naming `name` for a file that is
  // not one of ours.
  Status Add(CsvReader& reader, const std::string& name, bool has_header) {
    size_t zone = kEventZoneId, bay = kEventBayNumber, time = kEventTimestamp;
    size_t fields = kEventColumns.size();
    if (has_header) {
      VDPARK_ASSIGN_OR_RETURN(const CsvRecord* header, reader.Next());
      if (header == nullptr) return Status::OK();
      fields = header->size();
      size_t found = 0;
      for (size_t i = 0; i < header->size(); ++i) {
        std::string_view n = (*header)[i].text;
        if (n == kEventColumns[kEventZoneId]) zone = i, ++found;
        if (n == kEventColumns[kEventBayNumber]) bay = i, ++found;
        if (n == kEventColumns[kEventTimestamp]) time = i, ++found;
      }
      if (found != 3) return Status::Corruption(name + ": the header lacks a key column");
    }
    for (;;) {
      VDPARK_ASSIGN_OR_RETURN(const CsvRecord* r, reader.Next());
      if (r == nullptr) break;
      if (r->blank()) continue;
      if (r->size() != fields) {
        return Status::Corruption(name + ":" + std::to_string(r->line) + ": " +
                                  std::to_string(r->size()) + " fields, expected " +
                                  std::to_string(fields));
      }
      std::string key((*r)[time].text);
      key.push_back('\x1f');
      key += (*r)[zone].text;
      key.push_back('\x1f');
      key += (*r)[bay].text;
      rows.insert_or_assign(std::move(key), std::string(r->raw));
    }
    return Status::OK();
  }

  static std::string_view TimeOf(const std::string& key) {
    return std::string_view(key).substr(0, key.find('\x1f'));
  }
};

}  // namespace

Result<std::unique_ptr<S3Store>> S3Store::OpenUrl(std::string_view url,
                                                  const StoreOptions& options) {
  VDPARK_ASSIGN_OR_RETURN(S3Url parsed, ParseS3Url(url));
  VDPARK_ASSIGN_OR_RETURN_WITH(auto settings, ResolveAwsSettings(parsed.overrides),
                               parsed.ToString());
  S3ClientOptions client_options;
  client_options.settings = std::move(settings);
  VDPARK_ASSIGN_OR_RETURN_WITH(auto client, S3Client::Create(std::move(client_options)),
                               parsed.ToString());
  return Open(std::move(parsed), std::move(client), options);
}

Result<std::unique_ptr<S3Store>> S3Store::Open(S3Url url, std::unique_ptr<S3Client> client,
                                               const StoreOptions& options) {
  std::unique_ptr<S3Store> store(new S3Store(std::move(url), std::move(client), options));
  std::string tmpl = (fs::temp_directory_path() / "vdpark-s3-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Status::IOError(store->DisplayName() + ": cannot make a staging folder in " +
                           fs::temp_directory_path().string());
  }
  store->staging_ = tmpl;
  const S3Url& u = store->url_;
  S3Client& c = *store->client_;
  auto no_bucket = [](const Status& st) {
    return st.IsNotFound() && st.message().find("NoSuchBucket") != std::string::npos;
  };
  if (options.truncate) {
    Result<std::vector<S3ObjectInfo>> objects = c.ListObjects(u.bucket, u.prefix);
    if (!objects.ok() && no_bucket(objects.status()) && options.create_if_missing) {
      VDPARK_RETURN_IF_ERROR(c.CreateBucket(u.bucket).WithContext(store->DisplayName()));
      objects = std::vector<S3ObjectInfo>();
    }
    if (!objects.ok()) return objects.status().WithContext(store->DisplayName());
    // The manifest first: a store emptied halfway reads as empty, never as half a store.
    for (bool manifest_pass : {true, false}) {
      for (const S3ObjectInfo& o : *objects) {
        if ((o.key == store->Key(kManifestKey)) != manifest_pass) continue;
        VDPARK_RETURN_IF_ERROR(c.DeleteObject(u.bucket, o.key));
      }
    }
    store->dirty_ = true;  // the next Flush writes an empty store's files
    return store;
  }
  Result<std::string> manifest = c.GetObject(u.bucket, store->Key(kManifestKey));
  if (manifest.ok()) {
    VDPARK_ASSIGN_OR_RETURN(store->manifest_,
                            S3Manifest::FromJson(*manifest, u.ObjectUrl(kManifestKey)));
    store->has_manifest_ = true;
  } else if (no_bucket(manifest.status()) && options.create_if_missing) {
    VDPARK_RETURN_IF_ERROR(c.CreateBucket(u.bucket).WithContext(store->DisplayName()));
  } else if (!manifest.status().IsNotFound() || no_bucket(manifest.status())) {
    return manifest.status();
  }
  return store;
}

S3Store::S3Store(S3Url url, std::unique_ptr<S3Client> client, const StoreOptions& options)
    : url_(std::move(url)), client_(std::move(client)), options_(options) {}

S3Store::~S3Store() {
  if (dirty_ && (!new_days_.empty() || metadata_)) {
    spdlog::warn("{}: closed with writes not flushed; they are not in the store", DisplayName());
  }
  new_days_.clear();
  metadata_.reset();
  if (!staging_.empty()) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

std::string S3Store::DisplayName() const {
  return url_.ToString();
}

Result<std::string> S3Store::FetchVerified(const std::string& name) {
  const std::string object = url_.ObjectUrl(name);
  auto entry = manifest_.files.find(name);
  if (entry == manifest_.files.end()) {
    return Status::NotFound(object + ": not in the store's manifest.json");
  }
  VDPARK_ASSIGN_OR_RETURN(std::string bytes, client_->GetObject(url_.bucket, Key(name)));
  const std::string sha = sigv4::Sha256Hex(bytes);
  if (sha != entry->second.sha256 || bytes.size() != entry->second.bytes) {
    return Status::Corruption(object + ": SHA-256 " + sha + " (" + std::to_string(bytes.size()) +
                              " bytes) does not match the manifest's " + entry->second.sha256 +
                              " (" + std::to_string(entry->second.bytes) +
                              " bytes): the object was changed or damaged");
  }
  return GzipDecompress(bytes, object);
}

Status S3Store::WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return Status::IOError(DisplayName() + ": cannot write the staging file " + path);
  return Status::OK();
}

Result<Metadata> S3Store::ReadMetadata(const RejectFn& rejects) {
  if (!has_manifest_) {
    return Status::NotFound(url_.ObjectUrl(kManifestKey) +
                            ": no manifest: nothing was written to this s3 store");
  }
  const std::string dir = staging_ + "/read-metadata";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(DisplayName() + ": cannot make " + dir + ": " + ec.message());
  for (std::string_view file : {kZonesFile, kBaysFile, kSensorsFile}) {
    VDPARK_ASSIGN_OR_RETURN(std::string csv, FetchVerified(std::string(file) + std::string(kGz)));
    VDPARK_RETURN_IF_ERROR(WriteFile(dir + "/" + std::string(file), csv));
  }
  StoreOptions read_options;
  read_options.create_if_missing = false;
  VDPARK_ASSIGN_OR_RETURN(auto csv, CsvStore::Open(dir, read_options));
  auto renamed = [&](Rejected r) {
    for (std::string_view file : {kZonesFile, kBaysFile, kSensorsFile}) {
      if (std::string_view(r.where).starts_with(file)) {
        r.where = RenamePlace(r.where, file, url_.ObjectUrl(std::string(file) + std::string(kGz)));
        break;
      }
    }
    if (rejects) rejects(std::move(r));
  };
  Result<Metadata> metadata = csv->ReadMetadata(renamed);
  fs::remove_all(dir, ec);
  return metadata;
}

Status S3Store::ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                           const RejectFn& rejects) {
  if (!has_manifest_) {
    return Status::NotFound(url_.ObjectUrl(kManifestKey) +
                            ": no manifest: nothing was written to this s3 store");
  }
  const std::string first_day = options.since ? options.since->DayIso() : "";
  const std::string last_day = options.until ? options.until->DayIso() : "";
  const std::string dir = staging_ + "/read-events";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(DisplayName() + ": cannot make " + dir + ": " + ec.message());
  StoreOptions read_options;
  read_options.create_if_missing = false;
  for (const auto& [name, file] : manifest_.files) {
    if (!std::string_view(name).starts_with(kEventsFolder)) continue;
    const std::string day = name.substr(kEventsFolder.size(), 10);
    if (!first_day.empty() && day < first_day) continue;
    if (!last_day.empty() && day > last_day) continue;
    VDPARK_ASSIGN_OR_RETURN(std::string csv, FetchVerified(name));
    VDPARK_RETURN_IF_ERROR(WriteFile(dir + "/" + std::string(kEventsFile), csv));
    csv.clear();
    csv.shrink_to_fit();
    VDPARK_ASSIGN_OR_RETURN(auto reader, CsvStore::Open(dir, read_options));
    const std::string object = url_.ObjectUrl(name);
    Status s = reader->ScanEvents(
        options,
        [&](ParkingEvent&& e, const Origin& origin) {
          return visit(std::move(e), Origin{object, origin.line, origin.raw});
        },
        [&](Rejected r) {
          r.where = RenamePlace(r.where, kEventsFile, object);
          if (rejects) rejects(std::move(r));
        });
    VDPARK_RETURN_IF_ERROR(s);
  }
  fs::remove_all(dir, ec);
  return Status::OK();
}

Result<std::optional<uint64_t>> S3Store::CountEvents(std::optional<Timestamp> since) {
  if (since) return std::optional<uint64_t>();
  if (!has_manifest_) return std::optional<uint64_t>(0);
  return std::optional<uint64_t>(manifest_.EventRows());
}

std::optional<uint64_t> S3Store::EstimateEventCount() {
  if (!has_manifest_) return std::nullopt;
  return manifest_.EventRows();
}

Status S3Store::WriteMetadata(const Metadata& metadata) {
  if (!metadata_) {
    StoreOptions staged;
    staged.truncate = true;  // the metadata objects are replaced whole
    VDPARK_ASSIGN_OR_RETURN(metadata_, CsvStore::Open(staging_ + "/metadata", staged));
  }
  VDPARK_RETURN_IF_ERROR(metadata_->WriteMetadata(metadata));
  dirty_ = true;
  return Status::OK();
}

Status S3Store::WriteEvents(std::span<const ParkingEvent> events) {
  for (const ParkingEvent& e : events) VDPARK_RETURN_IF_ERROR(CheckRecord(e));
  std::error_code ec;
  fs::create_directories(staging_ + "/new-events", ec);
  for (const ParkingEvent& e : events) {
    const std::string day = e.timestamp.DayIso();
    auto it = new_days_.find(day);
    if (it == new_days_.end()) {
      VDPARK_ASSIGN_OR_RETURN(auto writer, CsvWriter::Open(staging_ + "/new-events/" + day + ".csv",
                                                           CsvWriter::Mode::kTruncate));
      it = new_days_.emplace(day, std::move(writer)).first;
    }
    WriteRow(*it->second, e);
    VDPARK_RETURN_IF_ERROR(it->second->EndRecord());
  }
  if (!events.empty()) dirty_ = true;
  return Status::OK();
}

Status S3Store::Upload(const std::string& name, std::string_view csv, uint64_t rows,
                       std::string first, std::string last) {
  VDPARK_ASSIGN_OR_RETURN(std::string gz, GzipCompress(csv));
  VDPARK_RETURN_IF_ERROR(client_->PutObject(url_.bucket, Key(name), gz));
  S3ManifestFile& f = manifest_.files[name];
  f.rows = rows;
  f.bytes = gz.size();
  f.csv_bytes = csv.size();
  f.sha256 = sigv4::Sha256Hex(gz);
  f.first = std::move(first);
  f.last = std::move(last);
  return Status::OK();
}

Status S3Store::FlushDay(const std::string& day) {
  const std::string name = DayKey(day);
  const std::string object = url_.ObjectUrl(name);
  DayRows merged;
  // What the store holds of the day already: the manifest's object, or one a killed load left.
  Result<std::string> old = client_->GetObject(url_.bucket, Key(name));
  if (old.ok()) {
    auto entry = manifest_.files.find(name);
    if (entry == manifest_.files.end() || entry->second.sha256 != sigv4::Sha256Hex(*old)) {
      spdlog::info(
          "{}: not the manifest's object (left by a load that stopped); its rows are "
          "merged by key",
          object);
    }
    VDPARK_ASSIGN_OR_RETURN(std::string csv, GzipDecompress(*old, object));
    auto reader = CsvReader::FromString(std::move(csv), object);
    VDPARK_RETURN_IF_ERROR(merged.Add(*reader, object, /*has_header=*/true));
  } else if (!old.status().IsNotFound()) {
    return old.status();
  }
  const std::string staged = staging_ + "/new-events/" + day + ".csv";
  VDPARK_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(staged, object + " (staged)"));
  VDPARK_RETURN_IF_ERROR(merged.Add(*reader, staged, /*has_header=*/false));
  reader.reset();

  std::string csv = HeaderLine(kEventColumns);
  for (const auto& [key, raw] : merged.rows) {
    csv += raw;
    csv.push_back('\n');
  }
  std::string first, last;
  if (!merged.rows.empty()) {
    first = std::string(DayRows::TimeOf(merged.rows.begin()->first));
    last = std::string(DayRows::TimeOf(merged.rows.rbegin()->first));
  }
  VDPARK_RETURN_IF_ERROR(Upload(name, csv, merged.rows.size(), first, last));
  std::error_code ec;
  fs::remove(staged, ec);
  return Status::OK();
}

Status S3Store::FlushMetadata() {
  if (!metadata_) {
    StoreOptions staged;
    staged.truncate = true;
    VDPARK_ASSIGN_OR_RETURN(metadata_, CsvStore::Open(staging_ + "/metadata", staged));
  }
  VDPARK_RETURN_IF_ERROR(metadata_->Flush());  // writes a file not written with its header
  const std::string dir = staging_ + "/metadata";
  for (std::string_view file : {kZonesFile, kBaysFile, kSensorsFile}) {
    const std::string path = dir + "/" + std::string(file);
    std::ifstream in(path, std::ios::binary);
    std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::IOError(DisplayName() + ": cannot read " + path);
    uint64_t rows = 0;
    auto reader = CsvReader::FromString(csv, path);
    for (bool header = true;; header = false) {
      VDPARK_ASSIGN_OR_RETURN(const CsvRecord* r, reader->Next());
      if (r == nullptr) break;
      if (!header && !r->blank()) ++rows;
    }
    VDPARK_RETURN_IF_ERROR(Upload(std::string(file) + std::string(kGz), csv, rows, "", ""));
  }
  return Status::OK();
}

Status S3Store::Flush() {
  if (!dirty_) return Status::OK();
  for (auto& [day, writer] : new_days_) VDPARK_RETURN_IF_ERROR(writer->Close());
  std::vector<std::string> days;
  for (const auto& [day, writer] : new_days_) days.push_back(day);
  new_days_.clear();
  for (const std::string& day : days) VDPARK_RETURN_IF_ERROR(FlushDay(day));
  const bool metadata_missing = !manifest_.files.contains(std::string(kZonesFile) + ".gz") ||
                                !manifest_.files.contains(std::string(kBaysFile) + ".gz") ||
                                !manifest_.files.contains(std::string(kSensorsFile) + ".gz");
  if (metadata_ || metadata_missing) VDPARK_RETURN_IF_ERROR(FlushMetadata());
  manifest_.vdpark_version = VDPARK_VERSION;
  if (!options_.written_from.empty()) manifest_.source = options_.written_from;
  manifest_.written_at = Timestamp::Now().ToIso();
  const std::string json = manifest_.ToJson();
  VDPARK_RETURN_IF_ERROR(client_->PutObject(url_.bucket, Key(kManifestKey), json));
  has_manifest_ = true;
  dirty_ = false;
  return Status::OK();
}

}  // namespace vdpark
