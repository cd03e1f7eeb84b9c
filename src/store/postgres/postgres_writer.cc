// PostgresStore's writing side: COPY into a temporary staging table, then one merge statement
// per table, in one transaction per call.
#include <algorithm>
#include <charconv>
#include <set>

#include "store/csv/csv_format.h"
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
  ord bigint, zone_id text, bay_number text, sensor_id text, event_type text,
  "timestamp" timestamptz, duration_minutes integer, revenue numeric, detection_mode text)
  ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS vdpark_stage_existing (
  zone_id text, bay_number text, sensor_id text, event_type text, "timestamp" timestamptz,
  duration_minutes integer, revenue numeric, detection_mode text) ON COMMIT DELETE ROWS;
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

// No unique key is assumed on parking_events (SPEC §3: a customer's table may hold duplicates):
// rows already there with the key are updated where they differ (revenue compared as text, so a
// new scale is a change), the rest inserted. Twice the same batch changes nothing.
//
// The update runs only when a read finds rows that differ. On a hypertable an UPDATE decompresses
// every compressed batch its scan may touch before it compares a row, so even an update that
// changes nothing counts those rows against the server's decompression limit
// (timescaledb.max_tuples_decompressed_per_dml_transaction, 100,000 by default) and a rollback
// of events the table holds already failed on it. The read and the insert decompress nothing
// for DML (an insert into a compressed chunk goes to its uncompressed part). When rows do differ,
// the limit is lifted for that one transaction (SET LOCAL), for the batches holding them.
constexpr std::string_view kStagedEvents = R"sql(
WITH s AS (
  SELECT DISTINCT ON (zone_id, bay_number, "timestamp") *
  FROM vdpark_stage_events ORDER BY zone_id, bay_number, "timestamp", ord DESC)
)sql";
constexpr std::string_view kUpdateEvents = R"sql(
UPDATE parking_events e SET sensor_id = s.sensor_id, event_type = s.event_type,
  duration_minutes = s.duration_minutes, revenue = s.revenue, detection_mode = s.detection_mode
FROM s
WHERE e.zone_id = s.zone_id AND e.bay_number = s.bay_number AND e."timestamp" = s."timestamp"
  AND (e.sensor_id, e.event_type, e.duration_minutes, e.revenue::text, e.detection_mode)
      IS DISTINCT FROM (s.sensor_id, s.event_type, s.duration_minutes, s.revenue::text,
                        s.detection_mode)
)sql";
// The staged events whose key `existing` (parking_events, or the rows of it read into
// vdpark_stage_existing) holds with other values.
std::string DifferingEvents(std::string_view existing) {
  return "SELECT count(*) FROM s JOIN " + std::string(existing) +
         R"sql( e
  ON e.zone_id = s.zone_id AND e.bay_number = s.bay_number AND e."timestamp" = s."timestamp"
WHERE (e.sensor_id, e.event_type, e.duration_minutes, e.revenue::text, e.detection_mode)
      IS DISTINCT FROM (s.sensor_id, s.event_type, s.duration_minutes, s.revenue::text,
                        s.detection_mode)
)sql";
}

// The staged events whose key `existing` does not hold, inserted.
std::string InsertEvents(std::string_view existing) {
  return R"sql(
INSERT INTO parking_events (zone_id, bay_number, sensor_id, event_type, "timestamp",
                            duration_minutes, revenue, detection_mode)
SELECT s.zone_id, s.bay_number, s.sensor_id, s.event_type, s."timestamp", s.duration_minutes,
       s.revenue, s.detection_mode
FROM s
WHERE NOT EXISTS (SELECT 1 FROM )sql" +
         std::string(existing) + R"sql( e WHERE e.zone_id = s.zone_id
                  AND e.bay_number = s.bay_number AND e."timestamp" = s."timestamp")
)sql";
}

// A hypertable's rows for the batch's zones ($1, a text[]) and time span ([$2, $3]), read once:
// compressed chunks decompress only those zones' batches (zone_id is the usual segmentby) in
// that span, where a probe of parking_events per staged row decompresses a whole compressed
// batch (up to 1,000 rows) each time.
constexpr std::string_view kReadExisting = R"sql(
INSERT INTO vdpark_stage_existing
SELECT zone_id, bay_number, sensor_id, event_type, "timestamp", duration_minutes, revenue,
       detection_mode
FROM parking_events
WHERE zone_id = ANY($1::text[]) AND "timestamp" >= $2::timestamptz
  AND "timestamp" <= $3::timestamptz
)sql";

// `values` as a PostgreSQL text[] literal: {"a","b \"c\""}.
std::string TextArray(const std::set<std::string_view>& values) {
  std::string out = "{";
  for (std::string_view v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
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

Status PostgresStore::TruncateOnce() {
  if (!options_.truncate || truncated_) return Status::OK();
  VDPARK_RETURN_IF_ERROR(
      conn_->Exec("TRUNCATE parking_zones, parking_bays, parking_events, parking_sensors"));
  truncated_ = true;
  return Status::OK();
}

Status PostgresStore::WriteMetadata(const Metadata& m) {
  VDPARK_RETURN_IF_ERROR(TruncateOnce());
  CsvRows zones, bays, sensors;
  int64_t ord = 0;
  for (const Zone& z : m.zones) {
    zones.Int(ord++);
    zones.Text(z.zone_id);
    zones.Text(z.name);
    zones.Text(z.address);
    zones.Text(z.city);
    zones.Int(z.total_bays);
    zones.Point(z.location);
    zones.Dec(z.price_per_hour);
    zones.Text(z.operating_hours ? std::optional(z.operating_hours->ToJson()) : std::nullopt);
    zones.Text(z.tenant_id);
    zones.Time(z.created_at);
    zones.End();
  }
  for (const Bay& b : m.bays) {
    bays.Int(ord++);
    bays.Text(b.zone_id);
    bays.Text(b.bay_number);
    bays.Text(b.sensor_id);
    bays.Text(ToString(b.status));
    bays.Time(b.last_change);
    bays.Time(b.occupied_since);
    bays.Text(b.bay_type);
    bays.Point(b.location);
    bays.End();
  }
  for (const Sensor& x : m.sensors) {
    sensors.Int(ord++);
    sensors.Text(x.sensor_id);
    sensors.Text(x.model);
    sensors.Text(x.firmware_version);
    sensors.Time(x.install_date);
    sensors.Text(x.zone_id);
    sensors.Text(x.bay_number);
    sensors.Text(x.status);
    sensors.Int(x.last_battery);
    sensors.Int(x.last_signal);
    sensors.End();
  }
  Status s = InTransaction(*conn_, [&]() -> Status {
    VDPARK_RETURN_IF_ERROR(conn_->Exec(kStaging));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_zones", zones));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_bays", bays));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_sensors", sensors));
    VDPARK_RETURN_IF_ERROR(conn_->Exec(MergeZones(layout_.zone_location)));
    VDPARK_RETURN_IF_ERROR(conn_->Exec(MergeBays(layout_.bay_location)));
    return conn_->Exec(kMergeSensors);
  });
  return s.WithContext("write metadata");
}

Status PostgresStore::WriteEvents(std::span<const ParkingEvent> events) {
  VDPARK_RETURN_IF_ERROR(TruncateOnce());
  if (events.empty()) return Status::OK();
  CsvRows rows;
  int64_t ord = 0;
  for (const ParkingEvent& e : events) {
    rows.Int(ord++);
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
  Status s = InTransaction(*conn_, [&]() -> Status {
    VDPARK_RETURN_IF_ERROR(conn_->Exec(kStaging));
    VDPARK_RETURN_IF_ERROR(Stage(*conn_, "vdpark_stage_events", rows));
    std::string_view existing = "parking_events";
    if (layout_.events == EventTableKind::kHypertable) {
      std::set<std::string_view> zones;
      Timestamp first = events.front().timestamp, last = first;
      for (const ParkingEvent& e : events) {
        zones.insert(e.zone_id);
        first = std::min(first, e.timestamp);
        last = std::max(last, e.timestamp);
      }
      auto read = conn_->Query(kReadExisting, {TextArray(zones), first.ToIso(), last.ToIso()});
      if (!read.ok()) return read.status();
      existing = "vdpark_stage_existing";
    }
    auto differing = conn_->Query(std::string(kStagedEvents) + DifferingEvents(existing));
    if (!differing.ok()) return differing.status();
    if (differing->value(0, 0) != "0") {
      if (layout_.events == EventTableKind::kHypertable) {
        VDPARK_RETURN_IF_ERROR(
            conn_->Exec("SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction = 0"));
      }
      VDPARK_RETURN_IF_ERROR(conn_->Exec(std::string(kStagedEvents) + std::string(kUpdateEvents)));
    }
    return conn_->Exec(std::string(kStagedEvents) + InsertEvents(existing));
  });
  return s.WithContext("write events");
}

Status PostgresStore::Flush() {
  return TruncateOnce();
}

}  // namespace vdpark
