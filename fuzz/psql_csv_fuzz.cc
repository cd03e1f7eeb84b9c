// The psql CSV target (fuzz_targets.h): one file of the §5.1 export read by CsvStore (CsvReader
// and PsqlFieldReader), written back by it and read again.
#include <array>
#include <cmath>
#include <filesystem>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "scratch_dir.h"
#include "store/csv/csv_format.h"
#include "store/csv/csv_store.h"
#include "store/csv/csv_tables.h"

namespace vdpark::fuzz {

namespace {

using namespace csv_tables;

// The rest of the folder while one file is fuzzed: two zones, so that bays and sensors naming
// them are read, and the header alone in the other files.
constexpr std::string_view kZonesCsv =
    "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
    "created_at\n"
    "zone-001,Marina Walk P1,\"Marina Walk, Dubai Marina\",Dubai,3,55.1403,25.0805,12.50,"
    "\"{\"\"open\"\": \"\"08:00\"\", \"\"close\"\": \"\"22:00\"\"}\",tenant-rta,"
    "2024-05-01 09:00:00+04\n"
    "zone-002,Deira Souk,Al Ras,Dubai,2,55.2962,25.2697,4,,tenant-emaar,2024-06-01 09:00:00+04\n";

std::string HeaderOf(const TableSpec& spec) {
  std::string h;
  for (std::string_view c : spec.columns) {
    if (!h.empty()) h += ',';
    h.append(c);
  }
  return h + "\n";
}

struct Folder {
  Folder() : dir(ScratchDir("csv-in")) {
    for (const TableSpec* spec : kSpecs) WriteWholeFile(Path(*spec), Default(*spec));
  }
  std::string Path(const TableSpec& spec) const { return dir + "/" + std::string(spec.file); }
  std::string Default(const TableSpec& spec) const {
    return spec.file == kZonesFile ? std::string(kZonesCsv) : HeaderOf(spec);
  }

  static constexpr std::array<const TableSpec*, 4> kSpecs = {&kZones, &kBays, &kSensors, &kEvents};
  std::string dir;
};

// Coordinates compare NaN equal to NaN: a NaN that reads back as NaN made the round trip.
void SameNaN(std::optional<GeoPoint>& a, std::optional<GeoPoint>& b) {
  if (!a || !b) return;
  for (auto [x, y] : {std::pair{&a->lng, &b->lng}, std::pair{&a->lat, &b->lat}}) {
    if (std::isnan(*x) && std::isnan(*y)) *x = *y = 0;
  }
}

template <typename T>
bool SameRecords(std::vector<T> a, std::vector<T> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if constexpr (requires { a[i].location; }) SameNaN(a[i].location, b[i].location);
    if (!(a[i] == b[i])) return false;
  }
  return true;
}

struct Read {
  Status status;
  Metadata metadata;
  std::vector<ParkingEvent> events;
  std::vector<Rejected> rejects;
};

Read ReadFolder(const std::string& dir, bool events) {
  Read r;
  auto store = CsvStore::Open(dir);
  if (!store.ok()) {
    r.status = store.status();
    return r;
  }
  RejectFn reject = [&](Rejected x) { r.rejects.push_back(std::move(x)); };
  if (events) {
    r.status = (*store)->ScanEvents(
        {},
        [&](ParkingEvent&& e, const Origin&) {
          r.events.push_back(std::move(e));
          return Status::OK();
        },
        reject);
  } else {
    auto m = (*store)->ReadMetadata(reject);
    if (m.ok()) {
      r.metadata = std::move(*m);
    } else {
      r.status = m.status();
    }
  }
  return r;
}

std::string Show(const Rejected& r) {
  return r.where + ": " + r.reason + " [" + r.raw + "]";
}

// The records a reader hands out, in a form to compare.
struct SeenRecord {
  uint64_t line;
  std::string raw, broken;
  std::vector<std::pair<std::string, bool>> fields;
  bool operator==(const SeenRecord&) const = default;
};

// Every record of `reader` after the header, read as OpenTable reads a file (csv_store.cc).
Result<std::vector<SeenRecord>> ReadAll(CsvReader& reader) {
  std::vector<SeenRecord> out;
  bool header = true;
  for (;;) {
    VDPARK_ASSIGN_OR_RETURN(const CsvRecord* r, reader.Next());
    if (r == nullptr) return out;
    SeenRecord s{r->line, std::string(r->raw), std::string(r->broken), {}};
    for (const CsvField& f : r->fields) s.fields.emplace_back(std::string(f.text), f.quoted);
    if (header) {
      reader.RejectBrokenRecords(r->size());
      header = false;
    }
    out.push_back(std::move(s));
  }
}

// A reader streaming the file through a tiny buffer sees the records one holding it whole sees.
std::string CompareBuffering(const std::string& path, std::string_view text, size_t buffer) {
  CsvReaderOptions small;
  small.buffer_size = buffer;
  small.max_record_size = kMaxRecordBytes;
  auto streamed = CsvReader::Open(path, "f", small);
  VDPARK_FUZZ_CHECK(streamed.ok(), "cannot open " + path);
  CsvReaderOptions whole;
  whole.max_record_size = kMaxRecordBytes;
  auto in_memory = CsvReader::FromString(std::string(text), "f", whole);
  auto a = ReadAll(**streamed);
  auto b = ReadAll(*in_memory);
  VDPARK_FUZZ_CHECK(a.ok() == b.ok(), "a " + std::to_string(buffer) +
                                          "-byte buffer and the whole file disagree: " +
                                          a.status().ToString() + " vs " + b.status().ToString());
  if (!a.ok()) {
    VDPARK_FUZZ_CHECK(
        a.status().message() == b.status().message(),
        "different errors: " + a.status().ToString() + " vs " + b.status().ToString());
    return "";
  }
  VDPARK_FUZZ_CHECK(a->size() == b->size(), "a " + std::to_string(buffer) + "-byte buffer reads " +
                                                std::to_string(a->size()) +
                                                " records, the whole file " +
                                                std::to_string(b->size()));
  for (size_t i = 0; i < a->size(); ++i) {
    VDPARK_FUZZ_CHECK((*a)[i] == (*b)[i], "record " + std::to_string(i) + " differs with a " +
                                              std::to_string(buffer) + "-byte buffer: [" +
                                              (*a)[i].raw + "] vs [" + (*b)[i].raw + "]");
  }
  return "";
}

std::string Run(std::string_view input) {
  static Folder folder;
  size_t nl = input.find('\n');
  std::string_view name = input.substr(0, nl);
  std::string_view file = nl == std::string_view::npos ? "" : input.substr(nl + 1);
  const TableSpec* spec = nullptr;
  for (const TableSpec* s : Folder::kSpecs) {
    if (s->file == name) spec = s;
  }
  if (spec == nullptr) spec = Folder::kSpecs[name.empty() ? 0 : uint8_t(name[0]) % 4];
  const bool events = spec == &kEvents;

  const std::string path = folder.Path(*spec);
  WriteWholeFile(path, file);
  struct Restore {
    ~Restore() { WriteWholeFile(path, text); }
    std::string path, text;
  } restore{path, folder.Default(*spec)};

  std::string broken = CompareBuffering(path, file, 16 + (name.empty() ? 0 : name.size() % 48));
  if (!broken.empty()) return broken;

  Read first = ReadFolder(folder.dir, events);
  if (!first.status.ok()) {
    // Only a header the file cannot be read by stops a read (csv_store.h).
    VDPARK_FUZZ_CHECK(first.status.code() == Status::Code::kInvalidArgument,
                      "the read failed with another kind: " + first.status.ToString());
    return "";
  }
  for (const Rejected& r : first.rejects) {
    VDPARK_FUZZ_CHECK(r.where.starts_with(std::string(spec->file) + ":") && !r.reason.empty(),
                      "a reject that does not say where and why: " + Show(r));
  }

  // Written back by the store and read again: the same records, none rejected.
  const std::string out = ScratchDir("csv-out");
  {
    StoreOptions options;
    options.truncate = true;
    auto target = CsvStore::Open(out, options);
    VDPARK_FUZZ_CHECK(target.ok(), "cannot open the target: " + target.status().ToString());
    Status written =
        events ? (*target)->WriteEvents(first.events) : (*target)->WriteMetadata(first.metadata);
    if (written.ok()) written = (*target)->Flush();
    VDPARK_FUZZ_CHECK(written.ok(), "cannot write what was read: " + written.ToString());
  }
  Read second = ReadFolder(out, events);
  VDPARK_FUZZ_CHECK(second.status.ok(),
                    "what the store wrote does not read: " + second.status.ToString());
  VDPARK_FUZZ_CHECK(second.rejects.empty(),
                    "a row the store wrote is rejected: " + Show(second.rejects.front()));
  VDPARK_FUZZ_CHECK(SameRecords(first.events, second.events), "events differ after a round trip");
  VDPARK_FUZZ_CHECK(SameRecords(first.metadata.zones, second.metadata.zones),
                    "zones differ after a round trip");
  VDPARK_FUZZ_CHECK(SameRecords(first.metadata.bays, second.metadata.bays),
                    "bays differ after a round trip");
  VDPARK_FUZZ_CHECK(SameRecords(first.metadata.sensors, second.metadata.sensors),
                    "sensors differ after a round trip");
  return "";
}

}  // namespace

std::string FuzzPsqlCsv(const uint8_t* data, size_t size) {
  return Guarded("psql_csv",
                 [&] { return Run(std::string_view(reinterpret_cast<const char*>(data), size)); });
}

}  // namespace vdpark::fuzz
