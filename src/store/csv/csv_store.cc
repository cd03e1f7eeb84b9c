#include "store/csv/csv_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>
#include <unordered_map>

#include "domain/record_rules.h"
#include "store/csv/csv_format.h"
#include "store/csv/csv_record_count.h"
#include "store/csv/csv_rows.h"
#include "store/csv/csv_tables.h"
#include "store/psql_text_fields.h"

namespace vdpark {

namespace {

namespace fs = std::filesystem;

using namespace csv_tables;  // the four files' names and columns

// The most columns a file of the spec has.
constexpr size_t kMaxColumns = std::max(
    {kZoneColumns.size(), kBayColumns.size(), kSensorColumns.size(), kEventColumns.size()});

// One data row seen through the header: the spec's columns in the spec's order, read as psql's
// text (store/psql_text_fields.h), and where the row is, for its reject.
class Row : public PsqlFieldReader {
 public:
  Row(const CsvRecord& record, PsqlFields fields, std::span<const std::string_view> columns)
      : PsqlFieldReader(fields, columns), record_(record) {}

  uint64_t line() const { return record_.line; }
  std::string_view raw() const { return record_.raw; }

 private:
  const CsvRecord& record_;
};

// Where each of the spec's columns is in a file with this header.
Result<std::vector<size_t>> MapColumns(const TableSpec& spec, const CsvRecord& header) {
  std::vector<size_t> positions(spec.columns.size(), SIZE_MAX);
  for (size_t i = 0; i < header.size(); ++i) {
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      if (header[i].text != spec.columns[c]) continue;
      if (positions[c] != SIZE_MAX) {
        return Status::InvalidArgument(std::string(spec.file) + ": column '" +
                                       std::string(spec.columns[c]) + "' appears twice");
      }
      positions[c] = i;
    }
  }
  for (size_t c = 0; c < spec.columns.size(); ++c) {
    if (positions[c] == SIZE_MAX) {
      return Status::InvalidArgument(std::string(spec.file) + ": missing column '" +
                                     std::string(spec.columns[c]) + "'");
    }
  }
  return positions;
}

// The reader of a data file, past its header, set to hand back broken records (a stray quote,
// see csv_format.h) instead of stopping: the header (`*header`, valid until the next read) and
// the reader. InvalidArgument when the file is empty or its header cannot be read.
Result<std::unique_ptr<CsvReader>> OpenTable(const std::string& path, std::string_view file,
                                             const CsvRecord** header,
                                             CsvReaderOptions options = {}) {
  options.max_record_size = kMaxRecordBytes;
  VDPARK_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(path, std::string(file), options));
  VDPARK_ASSIGN_OR_RETURN(const CsvRecord* first, reader->Next());
  if (first == nullptr) {
    return Status::InvalidArgument(std::string(file) + ": empty file, expected a header row");
  }
  *header = first;
  reader->RejectBrokenRecords(first->size());
  return reader;
}

// Reads one file: the header, then every record as a Row passed to `on_row`, which returns a
// non-OK status only to stop. A row that failed (in on_row or before) goes to `rejects`, and so
// does a record the reader could not read (broken: its first line, see csv_format.h).
template <typename OnRow>
Status ReadTable(const std::string& path, const TableSpec& spec, const RejectFn& rejects,
                 OnRow&& on_row) {
  const CsvRecord* header = nullptr;
  VDPARK_ASSIGN_OR_RETURN(auto reader, OpenTable(path, spec.file, &header));
  const size_t width = header->size();
  VDPARK_ASSIGN_OR_RETURN(auto positions, MapColumns(spec, *header));
  auto reject = [&](uint64_t line, std::string reason, std::string_view raw) {
    if (rejects) {
      rejects(Rejected{std::string(spec.file) + ":" + std::to_string(line), std::move(reason),
                       std::string(raw)});
    }
  };
  for (;;) {
    VDPARK_ASSIGN_OR_RETURN(const CsvRecord* record, reader->Next());
    if (record == nullptr) return Status::OK();
    if (record->is_broken()) {
      reject(record->line, std::string(record->broken), record->raw);
      continue;
    }
    if (record->blank()) continue;
    if (record->size() != width) {
      std::string reason = "expected ";
      reason += std::to_string(width);
      reason += " fields as in the header, found ";
      reason += std::to_string(record->size());
      reject(record->line, std::move(reason), record->raw);
      continue;
    }
    std::array<std::optional<std::string_view>, kMaxColumns> values;
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      const CsvField& f = (*record)[positions[c]];
      values[c] = f.is_null() ? std::nullopt : std::optional<std::string_view>(f.text);
    }
    Row row(*record, PsqlFields(values.data(), spec.columns.size()), spec.columns);
    VDPARK_RETURN_IF_ERROR(on_row(row));
    if (row.failed()) reject(record->line, row.status().message(), record->raw);
  }
}

// Remembers the line of each key seen in a file, so a second row with the same key is rejected.
class KeySet {
 public:
  // False (and `row` failed) when `key` was seen before.
  bool Insert(std::string key, Row& row, std::string_view what) {
    auto [it, inserted] = lines_.emplace(std::move(key), row.line());
    if (!inserted) {
      row.Fail("duplicate " + std::string(what) + ", first on line " + std::to_string(it->second));
    }
    return inserted;
  }
  bool Contains(const std::string& key) const { return lines_.contains(key); }

 private:
  std::unordered_map<std::string, uint64_t> lines_;
};

std::string BayKey(std::string_view zone_id, std::string_view bay_number) {
  std::string key(zone_id);
  key.push_back('\0');
  key.append(bay_number);
  return key;
}

Status WriteHeader(CsvWriter& w, const TableSpec& spec) {
  for (std::string_view c : spec.columns) w.AddField(c);
  return w.EndRecord();
}

// Writes `rows` under the spec's header to path.tmp, syncs it and renames it over `path`.
template <typename T>
Status WriteWholeFile(const std::string& path, const TableSpec& spec, const std::vector<T>& rows) {
  std::string tmp = path + ".tmp";
  VDPARK_ASSIGN_OR_RETURN(auto w, CsvWriter::Open(tmp, CsvWriter::Mode::kTruncate));
  VDPARK_RETURN_IF_ERROR(WriteHeader(*w, spec));
  for (const T& row : rows) {
    WriteRow(*w, row);
    VDPARK_RETURN_IF_ERROR(w->EndRecord());
  }
  VDPARK_RETURN_IF_ERROR(w->Close());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(path + ": rename from " + tmp + " failed: " + std::strerror(errno));
  }
  return Status::OK();
}

constexpr auto kZoneKey = [](const Zone& z) { return std::tie(z.zone_id); };
constexpr auto kBayKey = [](const Bay& b) { return std::tie(b.zone_id, b.bay_number); };
constexpr auto kSensorKey = [](const Sensor& s) { return std::tie(s.sensor_id); };

template <typename T, typename KeyFn>
void SortByKey(std::vector<T>* rows, KeyFn key) {
  std::stable_sort(rows->begin(), rows->end(),
                   [&](const T& a, const T& b) { return key(a) < key(b); });
}

// `into` and `from` together, sorted by key; of rows sharing a key the one from `from` (and the
// later one within it) stays, as "insert or replace by key" means.
template <typename T, typename KeyFn>
void MergeByKey(std::vector<T>* into, const std::vector<T>& from, KeyFn key) {
  into->insert(into->end(), from.begin(), from.end());
  SortByKey(into, key);
  // Keep the last of each run of equal keys.
  auto out = into->begin();
  for (auto it = into->begin(); it != into->end(); ++it) {
    if (std::next(it) != into->end() && key(*std::next(it)) == key(*it)) continue;
    if (out != it) *out = std::move(*it);
    ++out;
  }
  into->erase(out, into->end());
}

bool HeaderIs(const CsvRecord& header, const TableSpec& spec) {
  if (header.size() != spec.columns.size()) return false;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].text != spec.columns[i]) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

CsvStore::CsvStore(std::string dir, const StoreOptions& options)
    : dir_(std::move(dir)), options_(options) {}

CsvStore::~CsvStore() = default;  // CsvWriter's destructor flushes

Result<std::unique_ptr<CsvStore>> CsvStore::Open(const std::string& dir,
                                                 const StoreOptions& options) {
  if (dir.empty()) return Status::InvalidArgument("csv: the folder is missing (csv:DIR)");
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) {
    if (!options.create_if_missing) return Status::NotFound("csv:" + dir + ": no such folder");
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("csv:" + dir + ": cannot create the folder: " + ec.message());
  } else if (!fs::is_directory(st)) {
    return Status::InvalidArgument("csv:" + dir + ": not a folder");
  }
  return std::unique_ptr<CsvStore>(new CsvStore(dir, options));
}

std::string CsvStore::DisplayName() const {
  return "csv:" + dir_;
}

Result<std::vector<std::string>> CsvStore::FilesWithRows(const std::string& dir) {
  std::vector<std::string> files;
  for (std::string_view file : {kZonesFile, kBaysFile, kSensorsFile, kEventsFile}) {
    const std::string path = (fs::path(dir) / file).string();
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    CsvReaderOptions small;
    small.buffer_size = 64 << 10;
    small.max_record_size = kMaxRecordBytes;
    VDPARK_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(path, std::string(file), small));
    bool rows = false;
    auto header = reader->Next();
    if (!header.ok()) {
      if (!header.status().IsInvalidArgument()) return header.status();
      rows = true;  // something is there, if not a csv file
    } else if (*header != nullptr) {
      reader->RejectBrokenRecords(0);
      for (;;) {
        VDPARK_ASSIGN_OR_RETURN(const CsvRecord* next, reader->Next());
        if (next == nullptr) break;
        if (!next->blank()) {
          rows = true;
          break;
        }
      }
    }
    if (rows) files.emplace_back(file);
  }
  return files;
}

std::string CsvStore::PathOf(std::string_view file) const {
  return (fs::path(dir_) / file).string();
}

Result<Metadata> CsvStore::ReadMetadata(const RejectFn& rejects) {
  Metadata m;
  KeySet zone_ids;
  VDPARK_RETURN_IF_ERROR(ReadTable(PathOf(kZonesFile), kZones, rejects, [&](Row& row) {
    Zone z;
    z.zone_id = row.Key(kZoneZoneId);
    z.name = row.Text(kZoneName);
    z.address = row.Text(kZoneAddress);
    z.city = row.Text(kZoneCity);
    z.total_bays = row.Int(kZoneTotalBays);
    z.location = row.Location(kZoneLng, kZoneLat);
    z.price_per_hour = row.Dec(kZonePrice);
    z.operating_hours = row.Hours(kZoneHours);
    z.tenant_id = row.Text(kZoneTenant);
    z.created_at = row.Time(kZoneCreatedAt);
    if (!row.failed()) row.CheckRules(FindRuleBreak(z));
    if (!row.failed() && zone_ids.Insert(z.zone_id, row, "zone_id")) {
      m.zones.push_back(std::move(z));
    }
    return Status::OK();
  }));

  KeySet bay_keys;
  VDPARK_RETURN_IF_ERROR(ReadTable(PathOf(kBaysFile), kBays, rejects, [&](Row& row) {
    Bay b;
    b.zone_id = row.Key(kBayZoneId);
    b.bay_number = row.Key(kBayNumber);
    b.sensor_id = row.Text(kBaySensorId);
    b.status = row.BayStatusAt(kBayStatus);
    b.last_change = row.Time(kBayLastChange);
    b.occupied_since = row.Time(kBayOccupiedSince);
    b.bay_type = row.Text(kBayType);
    b.location = row.Location(kBayLng, kBayLat);
    if (!row.failed()) row.CheckRules(FindRuleBreak(b));
    if (!row.failed() && !zone_ids.Contains(b.zone_id)) {
      row.Fail(kBayZoneId, "zone '" + b.zone_id + "' is not in zones.csv");
    }
    if (!row.failed() &&
        bay_keys.Insert(BayKey(b.zone_id, b.bay_number), row, "zone_id and bay_number")) {
      m.bays.push_back(std::move(b));
    }
    return Status::OK();
  }));

  KeySet sensor_ids;
  VDPARK_RETURN_IF_ERROR(ReadTable(PathOf(kSensorsFile), kSensors, rejects, [&](Row& row) {
    Sensor x;
    x.sensor_id = row.Key(kSensorId);
    x.model = row.Text(kSensorModel);
    x.firmware_version = row.Text(kSensorFirmware);
    x.install_date = row.Time(kSensorInstallDate);
    x.zone_id = row.Text(kSensorZoneId);
    x.bay_number = row.Text(kSensorBayNumber);
    x.status = row.Text(kSensorStatus);
    x.last_battery = row.Int(kSensorBattery);
    x.last_signal = row.Int(kSensorSignal);
    if (!row.failed()) row.CheckRules(FindRuleBreak(x));
    if (!row.failed() && x.zone_id && !zone_ids.Contains(*x.zone_id)) {
      row.Fail(kSensorZoneId, "zone '" + *x.zone_id + "' is not in zones.csv");
    }
    if (!row.failed() && sensor_ids.Insert(x.sensor_id, row, "sensor_id")) {
      m.sensors.push_back(std::move(x));
    }
    return Status::OK();
  }));

  SortByKey(&m.zones, kZoneKey);
  SortByKey(&m.bays, kBayKey);
  SortByKey(&m.sensors, kSensorKey);
  return m;
}

Status CsvStore::ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                            const RejectFn& rejects) {
  if (events_) VDPARK_RETURN_IF_ERROR(events_->Flush());
  ParkingEvent event;
  return ReadTable(PathOf(kEventsFile), kEvents, rejects, [&](Row& row) {
    event.zone_id.assign(row.Key(kEventZoneId));
    event.bay_number.assign(row.Key(kEventBayNumber));
    const std::optional<Timestamp> ts = row.KeyTime(kEventTimestamp);
    if (row.failed()) return Status::OK();
    // Filter before parsing the rest: a load with --since skips most of a long history.
    if (options.since && *ts < *options.since) return Status::OK();
    const std::optional<EventType> type = row.EventTypeAt(kEventType);
    if (!type) return Status::OK();
    event.event_type = *type;
    event.timestamp = *ts;
    event.sensor_id.reset();
    event.duration_minutes = row.Int(kEventDuration);
    event.revenue = row.Dec(kEventRevenue);
    event.detection_mode = row.DetectionMode(kEventDetectionMode);
    if (!row.failed()) row.CheckRules(FindRuleBreak(event));
    if (row.failed()) return Status::OK();
    return visit(std::move(event), Origin{kEventsFile, row.line(), row.raw()});
  });
}

Result<std::optional<uint64_t>> CsvStore::CountEvents(std::optional<Timestamp> since) {
  // A window is known only by reading each row's time: that is the scan itself.
  if (since) return std::optional<uint64_t>();
  if (events_) VDPARK_RETURN_IF_ERROR(events_->Flush());
  auto records = CountCsvRecords(PathOf(kEventsFile));
  if (!records.ok()) {
    if (records.status().IsNotFound()) return std::optional<uint64_t>(0);
    return records.status();
  }
  return std::optional<uint64_t>(*records > 0 ? *records - 1 : 0);  // less the header
}

std::optional<uint64_t> CsvStore::EstimateEventCount() {
  if (events_ && !events_->Flush().ok()) return std::nullopt;
  CsvReaderOptions small;
  small.buffer_size = 64 << 10;
  const CsvRecord* header = nullptr;
  auto reader = OpenTable(PathOf(kEventsFile), kEventsFile, &header, small);
  if (!reader.ok()) return std::nullopt;
  const uint64_t header_bytes = (*reader)->bytes_consumed();
  constexpr uint64_t kSampleBytes = 1 << 20;
  uint64_t records = 0;
  for (;;) {
    auto next = (*reader)->Next();
    if (!next.ok()) return std::nullopt;
    if (*next == nullptr) return records;  // read it all: exact
    ++records;
    if ((*reader)->bytes_consumed() - header_bytes >= kSampleBytes) break;
  }
  const double per_record = static_cast<double>((*reader)->bytes_consumed() - header_bytes) /
                            static_cast<double>(records);
  return static_cast<uint64_t>(static_cast<double>((*reader)->file_size() - header_bytes) /
                               per_record);
}

Status CsvStore::ReplaceFile(std::string_view file, const Metadata& metadata) {
  if (file == kZonesFile) return WriteWholeFile(PathOf(file), kZones, metadata.zones);
  if (file == kBaysFile) return WriteWholeFile(PathOf(file), kBays, metadata.bays);
  return WriteWholeFile(PathOf(file), kSensors, metadata.sensors);
}

Status CsvStore::WriteMetadata(const Metadata& metadata) {
  VDPARK_RETURN_IF_ERROR(CheckRecords(metadata));  // nothing written that ReadMetadata refuses
  MergeByKey(&written_.zones, metadata.zones, kZoneKey);
  MergeByKey(&written_.bays, metadata.bays, kBayKey);
  MergeByKey(&written_.sensors, metadata.sensors, kSensorKey);
  metadata_written_ = true;
  for (std::string_view file : {kZonesFile, kBaysFile, kSensorsFile}) {
    VDPARK_RETURN_IF_ERROR(ReplaceFile(file, written_));
  }
  return SyncDir();
}

Status CsvStore::OpenEventsWriter() {
  const std::string path = PathOf(kEventsFile);
  std::error_code ec;
  bool fresh = options_.truncate || !fs::exists(path, ec) || fs::file_size(path, ec) == 0;
  bool needs_newline = false;
  if (!fresh) {
    CsvReaderOptions small;
    small.buffer_size = 64 << 10;
    VDPARK_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(path, std::string(kEventsFile), small));
    VDPARK_ASSIGN_OR_RETURN(const CsvRecord* header, reader->Next());
    if (header == nullptr || !HeaderIs(*header, kEvents)) {
      return Status::InvalidArgument(
          path + ": cannot append: its header is not the one this store writes (" +
          std::string(header ? header->raw : "") + ")");
    }
    // A writer killed mid-record leaves a line without its end: close it, so that the partial
    // row is rejected on reading instead of swallowing the first row appended here.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char last = '\n';
    if (fd >= 0) {
      off_t size = ::lseek(fd, 0, SEEK_END);
      if (size > 0 && ::pread(fd, &last, 1, size - 1) != 1) last = '\n';
      ::close(fd);
    }
    needs_newline = last != '\n';
  }
  VDPARK_ASSIGN_OR_RETURN(events_, CsvWriter::Open(path, fresh ? CsvWriter::Mode::kTruncate
                                                               : CsvWriter::Mode::kAppend));
  if (fresh) return WriteHeader(*events_, kEvents);
  if (needs_newline) return events_->EndRecord();
  return Status::OK();
}

Status CsvStore::WriteEvents(std::span<const ParkingEvent> events) {
  for (const ParkingEvent& e : events) VDPARK_RETURN_IF_ERROR(CheckRecord(e));
  if (!events_) VDPARK_RETURN_IF_ERROR(OpenEventsWriter());
  for (const ParkingEvent& e : events) {
    WriteRow(*events_, e);
    VDPARK_RETURN_IF_ERROR(events_->EndRecord());
  }
  return Status::OK();
}

Status CsvStore::Flush() {
  for (std::string_view file : {kZonesFile, kBaysFile, kSensorsFile}) {
    std::error_code ec;
    if ((options_.truncate && !metadata_written_) || !fs::exists(PathOf(file), ec)) {
      VDPARK_RETURN_IF_ERROR(ReplaceFile(file, written_));
    }
  }
  if (options_.truncate) metadata_written_ = true;
  std::error_code ec;
  if (!events_ && (options_.truncate || !fs::exists(PathOf(kEventsFile), ec))) {
    VDPARK_RETURN_IF_ERROR(OpenEventsWriter());
  }
  if (events_) VDPARK_RETURN_IF_ERROR(events_->Sync());
  return SyncDir();
}

Status CsvStore::SyncDir() {
  // New and renamed files are durable only once their folder entry is.
  int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::IOError("csv:" + dir_ + ": cannot open the folder: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("csv:" + dir_ + ": fsync failed: " + std::strerror(err));
  return Status::OK();
}

}  // namespace vdpark
