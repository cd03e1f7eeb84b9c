// PostgresStore's writing side: COPY into a temporary staging table, then one merge statement
// per table, in one transaction per call.
#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>
#include <vector>

#include "domain/duplicate_detector.h"
#include "domain/record_rules.h"
#include "store/csv/csv_format.h"
#include "store/postgres/postgres_rows.h"
#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store.h"

namespace vdpark {

namespace {

// Builds COPY ... FROM STDIN WITH CSV input in memory, in the csv store's psql form: NULL is an
// empty unquoted field, text is quoted when it needs to be, so "" stays an empty string.
class CsvRows {
 public:
  void Text(std::string_view t) { AppendCsvField(Begin(), t); }
  void Text(const std::string& t) { Text(std::string_view(t)); }
  void Text(const std::optional<std::string>& t) { t ? Text(std::string_view(*t)) : Null(); }
  void Null() { Begin(); }
  void Int(std::optional<int64_t> v) {
    if (!v) return Null();
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, *v);
    Begin()->append(buf, res.ptr);
  }
  void Time(std::optional<Timestamp> t) { t ? AppendPsqlTimestamp(Begin(), *t) : Null(); }
  void Dec(const std::optional<Decimal>& d) {
    if (!d) return Null();
    Begin()->append(d->ToString());
  }
  void Point(const std::optional<GeoPoint>& p) {
    if (!p) return Null(), Null();
    AppendFloat8(Begin(), p->lng);
    AppendFloat8(Begin(), p->lat);
  }
  void End() {
    out_.push_back('\n');
    first_ = true;
  }
  const std::string& data() const { return out_; }

 private:
  std::string* Begin() {
    if (!first_) out_.push_back(',');
    first_ = false;
    return &out_;
  }
  std::string out_;
  bool first_ = true;
};

// One staging row of each kind, in the staging tables' column order.
void AddRow(CsvRows* rows, int64_t ord, const Zone& z) {
  rows->Int(ord);
  rows->Text(z.zone_id);
  rows->Text(z.name);
  rows->Text(z.address);
  rows->Text(z.city);
  rows->Int(z.total_bays);
  rows->Point(z.location);
  rows->Dec(z.price_per_hour);
  rows->Text(z.operating_hours ? std::optional(z.operating_hours->ToJson()) : std::nullopt);
  rows->Text(z.tenant_id);
  rows->Time(z.created_at);
  rows->End();
}
void AddRow(CsvRows* rows, int64_t ord, const Bay& b) {
  rows->Int(ord);
  rows->Text(b.zone_id);
  rows->Text(b.bay_number);
  rows->Text(b.sensor_id);
  rows->Text(ToString(b.status));
  rows->Time(b.last_change);
  rows->Time(b.occupied_since);
  rows->Text(b.bay_type);
  rows->Point(b.location);
  rows->End();
}
void AddRow(CsvRows* rows, int64_t ord, const Sensor& x) {
  rows->Int(ord);
  rows->Text(x.sensor_id);
  rows->Text(x.model);
  rows->Text(x.firmware_version);
  rows->Time(x.install_date);
  rows->Text(x.zone_id);
  rows->Text(x.bay_number);
  rows->Text(x.status);
  rows->Int(x.last_battery);
  rows->Int(x.last_signal);
  rows->End();
}

// Staging tables live as long as the session; ON COMMIT DELETE ROWS empties them after each
// transaction, so nothing is left over from a call that failed.
constexpr std::string_view kStaging = R"sql(
CREATE TEMP TABLE IF NOT EXISTS vdpark_stage_zones (
  ord bigint, zone_id text, name text, address text, city text, total_bays integer,
  lng float8, lat float8, price_per_hour numeric, operating_hours text, tenant_id text,
  created_at timestamptz) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS vdpark_stage_bays (
  ord bigint, zone_id text, bay_number text, sensor_id text, status text,
  last_change timestamptz, occupied_since timestamptz, bay_type text, lng float8, lat float8)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS vdpark_stage_sensors (
  ord bigint, sensor_id text, model text, firmware_version text, install_date timestamptz,
  zone_id text, bay_number text, status text, last_battery integer, last_signal integer)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS vdpark_stage_events (
  op text, zone_id text, bay_number text, sensor_id text, event_type text,
  "timestamp" timestamptz, duration_minutes integer, revenue numeric, detection_mode text)
  ON COMMIT DELETE ROWS;
)sql";

// Of rows sharing a key, the last one given wins (ord DESC), as "insert or replace" means. The
// location goes wherever the table keeps it (PgLayout).
std::string MergeZones(const LocationColumns& location) {
  return "INSERT INTO parking_zones (zone_id, name, address, city, total_bays" +
         location.InsertColumns() +
         ", price_per_hour, operating_hours, tenant_id, created_at) "
         "SELECT DISTINCT ON (zone_id) zone_id, name, address, city, total_bays" +
         location.InsertValues() +
         ", price_per_hour, operating_hours::jsonb, tenant_id, created_at "
         "FROM vdpark_stage_zones ORDER BY zone_id, ord DESC "
         "ON CONFLICT (zone_id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, "
         "city = EXCLUDED.city, total_bays = EXCLUDED.total_bays" +
         location.UpdateSet() +
         ", price_per_hour = EXCLUDED.price_per_hour, operating_hours = EXCLUDED.operating_hours, "
         "tenant_id = EXCLUDED.tenant_id, created_at = EXCLUDED.created_at";
}

std::string MergeBays(const LocationColumns& location) {
  return "INSERT INTO parking_bays (zone_id, bay_number, sensor_id, status, last_change, "
         "occupied_since, bay_type" +
         location.InsertColumns() +
         ") SELECT DISTINCT ON (zone_id, bay_number) zone_id, bay_number, sensor_id, status, "
         "last_change, occupied_since, bay_type" +
         location.InsertValues() +
         " FROM vdpark_stage_bays ORDER BY zone_id, bay_number, ord DESC "
         "ON CONFLICT (zone_id, bay_number) DO UPDATE SET sensor_id = EXCLUDED.sensor_id, "
         "status = EXCLUDED.status, last_change = EXCLUDED.last_change, "
         "occupied_since = EXCLUDED.occupied_since, bay_type = EXCLUDED.bay_type" +
         location.UpdateSet();
}

constexpr std::string_view kMergeSensors = R"sql(
INSERT INTO parking_sensors (sensor_id, model, firmware_version, install_date, zone_id,
                             bay_number, status, last_battery, last_signal)
SELECT DISTINCT ON (sensor_id) sensor_id, model, firmware_version, install_date, zone_id,
       bay_number, status, last_battery, last_signal
FROM vdpark_stage_sensors ORDER BY sensor_id, ord DESC
ON CONFLICT (sensor_id) DO UPDATE SET
  model = EXCLUDED.model, firmware_version = EXCLUDED.firmware_version,
  install_date = EXCLUDED.install_date, zone_id = EXCLUDED.zone_id,
  bay_number = EXCLUDED.bay_number, status = EXCLUDED.status,
  last_battery = EXCLUDED.last_battery, last_signal = EXCLUDED.last_signal
)sql";

// The creates of the API: the staged row inserted only when its key is free (RETURNING says
// whether it was). Under READ COMMITTED a second inserter of the same key waits for the first
// transaction and then finds the conflict, so of racing creates, in any number of sessions,
// exactly one inserts.
std::string InsertZoneIfAbsent(const LocationColumns& location) {
  return "INSERT INTO parking_zones (zone_id, name, address, city, total_bays" +
         location.InsertColumns() +
         ", price_per_hour, operating_hours, tenant_id, created_at) "
         "SELECT zone_id, name, address, city, total_bays" +
         location.InsertValues() +
         ", price_per_hour, operating_hours::jsonb, tenant_id, created_at "
         "FROM vdpark_stage_zones ON CONFLICT (zone_id) DO NOTHING RETURNING zone_id";
}

constexpr std::string_view kInsertSensorIfAbsent = R"sql(
INSERT INTO parking_sensors (sensor_id, model, firmware_version, install_date, zone_id,
                             bay_number, status, last_battery, last_signal)
SELECT sensor_id, model, firmware_version, install_date, zone_id, bay_number, status,
       last_battery, last_signal
FROM vdpark_stage_sensors ON CONFLICT (sensor_id) DO NOTHING RETURNING sensor_id
)sql";

// The staged bay inserted, or an existing bay without a sensor (or with this one) given the
// sensor, and the type and location when the caller set them; its state stays. The row is
// locked and the WHERE judged on its latest version, so a sensor given to the bay by another
// session meanwhile makes this return no row.
std::string GiveBaySensor(const LocationColumns& location, bool set_type, bool set_location) {
  std::string sql =
      "INSERT INTO parking_bays (zone_id, bay_number, sensor_id, status, last_change, "
      "occupied_since, bay_type" +
      location.InsertColumns() +
      ") SELECT zone_id, bay_number, sensor_id, status, last_change, occupied_since, bay_type" +
      location.InsertValues() +
      " FROM vdpark_stage_bays ON CONFLICT (zone_id, bay_number) DO UPDATE SET sensor_id = "
      "EXCLUDED.sensor_id";
  if (set_type) sql += ", bay_type = EXCLUDED.bay_type";
  if (set_location) sql += location.UpdateSet();
  sql +=
      " WHERE parking_bays.sensor_id IS NULL OR parking_bays.sensor_id = EXCLUDED.sensor_id "
      "RETURNING bay_number";
  return sql;
}

// What a create's transaction returns when it lost: not an error, but rolled back like one.
Status LostCreate() {
  return Status::Aborted("the key is taken: rolled back");
}

// No unique key is assumed on parking_events (SPEC §3: a customer's table may hold duplicates).
// Each call reads the rows the table already holds for the batch's zones (and bays, when there
// are few) within its time span, in one COPY, and compares them here: the events whose key is
// not there are inserted, those there with other values updated, and the rest left as they are,
// so twice the same batch changes nothing. Values are compared as events (revenue by value: the
// single table keeps a DynamoDB number, which has no scale, and 4.60 comes back as 4.6; a
// rollback from it must not rewrite every departure of the table it came from for a trailing
// zero).
//
// Why one read and not a merge in SQL: probing parking_events once per staged row decompresses a
// whole compressed batch (up to 1,000 rows) of a hypertable's chunk each time, and an UPDATE
// decompresses every batch its scan may touch before it compares a row, so even an update that
// changes nothing counts those rows against the server's decompression limit
// (timescaledb.max_tuples_decompressed_per_dml_transaction, 100,000 by default) and leaves the
// chunks partly decompressed. One read of the batch's zones decompresses only their batches in
// that span (zone_id is the usual segmentby), and an insert into a compressed chunk goes to its
// uncompressed part. When rows do differ, the limit is lifted for that one transaction (SET
// LOCAL), for the batches holding them.
constexpr std::string_view kInsertStaged = R"sql(
INSERT INTO parking_events (zone_id, bay_number, sensor_id, event_type, "timestamp",
                            duration_minutes, revenue, detection_mode)
SELECT zone_id, bay_number, sensor_id, event_type, "timestamp", duration_minutes, revenue,
       detection_mode
FROM vdpark_stage_events WHERE op = 'i'
)sql";
constexpr std::string_view kUpdateStaged = R"sql(
UPDATE parking_events e SET sensor_id = s.sensor_id, event_type = s.event_type,
  duration_minutes = s.duration_minutes, revenue = s.revenue, detection_mode = s.detection_mode
FROM vdpark_stage_events s
WHERE s.op = 'u' AND e.zone_id = s.zone_id AND e.bay_number = s.bay_number
  AND e."timestamp" = s."timestamp"
)sql";

// Above this many bays a batch's read of existing rows names its zones only.
constexpr size_t kMaxBaysNamed = 1000;

// `values` as an SQL text[] literal: ARRAY['a','b'].
std::string TextArray(const std::set<std::string_view>& values) {
  std::string out = "ARRAY[";
  for (std::string_view v : values) {
    if (out.size() > 6) out += ',';
    out += SqlLiteral(v);
  }
  return out + "]::text[]";
}

// Runs `body` inside BEGIN/COMMIT; rolls back when it fails.
template <typename Body>
Status InTransaction(PgConnection& conn, Body&& body) {
  VDPARK_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  Status s = body();
  if (s.ok()) s = conn.Exec("COMMIT");
  if (!s.ok()) (void)conn.Exec("ROLLBACK");
  return s;
}

Status Stage(PgConnection& conn, std::string_view table, const CsvRows& rows) {
  return conn.CopyIn("COPY " + std::string(table) + " FROM STDIN WITH (FORMAT csv)", rows.data());
}

}  // namespace

Status PostgresStore::EnsureStaging() {
  if (staging_ready_) return Status::OK();
  VDPARK_RETURN_IF_ERROR(conn_->Exec(kStaging));
  // Inside the caller's transaction: should it roll back, the tables go with it, and the caller
  // clears the flag so that the next call makes them again.
  staging_ready_ = true;
  return Status::OK();
}

Status PostgresStore::TruncateOnce() {
  if (!options_.truncate || truncated_) return Status::OK();
  VDPARK_RETURN_IF_ERROR(
      conn_->Exec("TRUNCATE parking_zones, parking_bays, parking_events, parking_sensors"));
  truncated_ = true;
  return Status::OK();
}

Status PostgresStore::WriteMetadata(const Metadata& m) {
  VDPARK_RETURN_IF_ERROR(CheckRecords(m));  // nothing stored that the readers would refuse
  VDPARK_RETURN_IF_ERROR(TruncateOnce());
  CsvRows zones, bays, sensors;
  int64_t ord = 0;
  for (const Zone& z : m.zones) AddRow(&zones, ord++, z);
  for (const Bay& b : m.bays) AddRow(&bays, ord++, b);
  for (const Sensor& x : m.sensors) AddRow(&sensors, ord++, x);
  Status s = InTransaction(*conn_, [&]() -> Status {
    VDPARK_RETURN_IF_ERROR(EnsureStaging());
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_zones", zones));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_bays", bays));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_sensors", sensors));
    VDPARK_RETURN_IF_ERROR(conn_->Exec(MergeZones(layout_.zone_location)));
    VDPARK_RETURN_IF_ERROR(conn_->Exec(MergeBays(layout_.bay_location)));
    return conn_->Exec(kMergeSensors);
  });
  if (!s.ok()) staging_ready_ = false;  // rolled back, with the tables if it made them
  return s.WithContext("write metadata");
}

Result<CreateOutcome> PostgresStore::CreateZone(const Zone& zone) {
  VDPARK_RETURN_IF_ERROR(CheckRecord(zone));
  VDPARK_RETURN_IF_ERROR(TruncateOnce());
  CsvRows rows;
  AddRow(&rows, 0, zone);
  CreateOutcome outcome = CreateOutcome::kCreated;
  Status s = InTransaction(*conn_, [&]() -> Status {
    VDPARK_RETURN_IF_ERROR(EnsureStaging());
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_zones", rows));
    VDPARK_ASSIGN_OR_RETURN(auto inserted, conn_->Query(InsertZoneIfAbsent(layout_.zone_location)));
    if (inserted.rows() == 1) return Status::OK();
    outcome = CreateOutcome::kExists;
    return LostCreate();
  });
  if (s.ok()) return outcome;
  staging_ready_ = false;  // rolled back, with the tables if it made them
  if (outcome != CreateOutcome::kCreated) return outcome;
  return s.WithContext("creating zone " + zone.zone_id);
}

Result<CreateOutcome> PostgresStore::RegisterSensor(const Sensor& sensor, const Bay& bay) {
  VDPARK_RETURN_IF_ERROR(CheckRecord(sensor));
  VDPARK_RETURN_IF_ERROR(CheckRecord(bay));
  if (bay.sensor_id != sensor.sensor_id) {
    return Status::InvalidArgument("registering sensor " + sensor.sensor_id + ": bay " +
                                   bay.zone_id + "/" + bay.bay_number + " names sensor " +
                                   bay.sensor_id.value_or("(none)"));
  }
  VDPARK_RETURN_IF_ERROR(TruncateOnce());
  CsvRows sensors, bays;
  AddRow(&sensors, 0, sensor);
  AddRow(&bays, 0, bay);
  CreateOutcome outcome = CreateOutcome::kCreated;
  Status s = InTransaction(*conn_, [&]() -> Status {
    VDPARK_RETURN_IF_ERROR(EnsureStaging());
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_sensors", sensors));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_bays", bays));
    // The sensor first, then the bay: every registration locks in that order, so two never
    // wait on each other.
    VDPARK_ASSIGN_OR_RETURN(auto claimed, conn_->Query(kInsertSensorIfAbsent));
    if (claimed.rows() != 1) {
      outcome = CreateOutcome::kExists;
      return LostCreate();
    }
    VDPARK_ASSIGN_OR_RETURN(
        auto given, conn_->Query(GiveBaySensor(layout_.bay_location, bay.bay_type.has_value(),
                                               bay.location.has_value())));
    if (given.rows() == 1) return Status::OK();
    outcome = CreateOutcome::kBayTaken;
    return LostCreate();
  });
  if (s.ok()) return outcome;
  staging_ready_ = false;  // rolled back, with the tables if it made them
  if (outcome != CreateOutcome::kCreated) return outcome;
  return s.WithContext("registering sensor " + sensor.sensor_id);
}

Status PostgresStore::WriteEvents(std::span<const ParkingEvent> events) {
  for (const ParkingEvent& e : events) VDPARK_RETURN_IF_ERROR(CheckRecord(e));
  VDPARK_RETURN_IF_ERROR(TruncateOnce());
  if (events.empty()) return Status::OK();
  // Of events sharing a key the last one given wins, as "insert or replace" means.
  const std::vector<size_t> keep = LastOfEachKey(events);
  std::set<std::string_view> zones, bays;
  Timestamp first = events[keep.front()].timestamp, last = first;
  for (size_t i : keep) {
    zones.insert(events[i].zone_id);
    bays.insert(events[i].bay_number);
    first = std::min(first, events[i].timestamp);
    last = std::max(last, events[i].timestamp);
  }
  std::string where = "zone_id = ANY(" + TextArray(zones) + ")";
  if (bays.size() <= kMaxBaysNamed) where += " AND bay_number = ANY(" + TextArray(bays) + ")";
  where +=
      " AND \"timestamp\" >= " + TimeLiteral(first) + " AND \"timestamp\" <= " + TimeLiteral(last);

  Status s = InTransaction(*conn_, [&]() -> Status {
    // What the table holds of the batch's keys (a key held twice: any of its rows).
    std::unordered_map<EventKeyRef, const ParkingEvent*, EventKeyRefHash> held;
    std::vector<ParkingEvent> read;
    VDPARK_RETURN_IF_ERROR(CopyEventsSideBySide(
        std::vector<EventSource>{{"parking_events WHERE " + where, "parking_events"}},
        [&](ParkingEvent&& e, const Origin&) {
          read.push_back(std::move(e));
          return Status::OK();
        },
        {}));
    held.reserve(read.size());
    for (const ParkingEvent& e : read) {
      held.try_emplace(EventKeyRef::Of(e), &e);
    }
    CsvRows rows;
    size_t inserts = 0, updates = 0;
    for (size_t i : keep) {
      const ParkingEvent& e = events[i];
      auto it = held.find(EventKeyRef::Of(e));
      if (it != held.end() && *it->second == e) continue;  // there as it is
      const bool insert = it == held.end();
      (insert ? inserts : updates)++;
      rows.Text(std::string_view(insert ? "i" : "u"));
      rows.Text(e.zone_id);
      rows.Text(e.bay_number);
      rows.Text(e.sensor_id);
      rows.Text(ToString(e.event_type));
      rows.Time(e.timestamp);
      rows.Int(e.duration_minutes);
      rows.Dec(e.revenue);
      rows.Text(e.detection_mode);
      rows.End();
    }
    if (inserts + updates == 0) return Status::OK();
    VDPARK_RETURN_IF_ERROR(EnsureStaging());
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_events", rows));
    if (inserts > 0) VDPARK_RETURN_IF_ERROR(conn_->Exec(kInsertStaged));
    if (updates > 0) {
      if (layout_.events == EventTableKind::kHypertable) {
        VDPARK_RETURN_IF_ERROR(
            conn_->Exec("SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction = 0"));
      }
      VDPARK_RETURN_IF_ERROR(conn_->Exec(kUpdateStaged));
    }
    return Status::OK();
  });
  if (!s.ok()) staging_ready_ = false;  // rolled back, with the tables if it made them
  return s.WithContext("write events");
}

Status PostgresStore::Flush() {
  return TruncateOnce();
}

}  // namespace vdpark
