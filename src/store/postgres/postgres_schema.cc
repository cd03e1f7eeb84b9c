#include "store/postgres/postgres_schema.h"

#include <array>
#include <string_view>

namespace vdpark {

namespace {

constexpr std::array<std::string_view, 4> kTables = {"parking_zones", "parking_bays",
                                                     "parking_events", "parking_sensors"};

// SPEC §2. No unique key on parking_events: a customer's table may hold duplicate keys (SPEC §3),
// so writes stay idempotent without one (see PostgresStore::WriteEvents).
constexpr std::string_view kTablesDdl = R"sql(
CREATE TABLE IF NOT EXISTS parking_zones (
  zone_id         text PRIMARY KEY,
  name            text,
  address         text,
  city            text,
  total_bays      integer,
  location        %LOCATION%,
  price_per_hour  numeric,
  operating_hours jsonb,
  tenant_id       text,
  created_at      timestamptz
);
CREATE TABLE IF NOT EXISTS parking_bays (
  zone_id        text NOT NULL,
  bay_number     text NOT NULL,
  sensor_id      text,
  status         text,
  last_change    timestamptz,
  occupied_since timestamptz,
  bay_type       text,
  location       %LOCATION%,
  PRIMARY KEY (zone_id, bay_number)
);
CREATE TABLE IF NOT EXISTS parking_events (
  zone_id          text NOT NULL,
  bay_number       text NOT NULL,
  sensor_id        text,
  event_type       text,
  "timestamp"      timestamptz NOT NULL,
  duration_minutes integer,
  revenue          numeric,
  detection_mode   text
);
CREATE TABLE IF NOT EXISTS parking_sensors (
  sensor_id        text PRIMARY KEY,
  model            text,
  firmware_version text,
  install_date     timestamptz,
  zone_id          text,
  bay_number       text,
  status           text,
  last_battery     integer,
  last_signal      integer
);
CREATE INDEX IF NOT EXISTS parking_events_key_idx
  ON parking_events (zone_id, bay_number, "timestamp");
)sql";

}  // namespace

Result<SchemaCreateResult> CreatePostgresSchema(PgConnection& conn) {
  SchemaCreateResult result;
  VDPARK_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  auto run = [&]() -> Status {
    // A hypertable where the database has the timescaledb extension. Not created here when it
    // is merely installed: it must be preloaded by the server's configuration, and whether a
    // database uses it is its owner's choice.
    VDPARK_ASSIGN_OR_RETURN(
        auto available,
        conn.Query("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'), "
                   "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')"));
    const bool can_timescale = available.value(0, 0) == "t";
    // SPEC §2's geography where PostGIS is there; PostgreSQL's own point where it is not (vdpark
    // reads and writes either: postgres_layout.h).
    const bool postgis = available.value(0, 1) == "t";
    if (postgis) VDPARK_RETURN_IF_ERROR(conn.Exec("CREATE EXTENSION IF NOT EXISTS postgis"));
    result.location = postgis ? "geography(Point, 4326)" : "point";
    std::string ddl(kTablesDdl);
    for (size_t at; (at = ddl.find("%LOCATION%")) != std::string::npos;) {
      ddl.replace(at, 10, result.location);
    }
    VDPARK_RETURN_IF_ERROR(conn.Exec(ddl));
    if (!can_timescale) {
      // Slices of ScanEvents read by time: without this index each would scan the whole table
      // (a hypertable has its own time index).
      VDPARK_RETURN_IF_ERROR(conn.Exec(
          "CREATE INDEX IF NOT EXISTS parking_events_time_idx ON parking_events (\"timestamp\")"));
    }
    if (can_timescale) {
      // if_not_exists: a table that is a hypertable already is left as it is; migrate_data: a
      // plain table that already holds rows is converted with them.
      VDPARK_RETURN_IF_ERROR(conn.Exec(
          "SELECT create_hypertable('parking_events', 'timestamp', if_not_exists => TRUE, "
          "migrate_data => TRUE)"));
      result.hypertable = true;
    }
    return Status::OK();
  };
  Status s = run();
  if (!s.ok()) {
    (void)conn.Exec("ROLLBACK");
    return s;
  }
  VDPARK_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  return result;
}

Status CheckPostgresSchema(PgConnection& conn) {
  std::string missing;
  for (std::string_view table : kTables) {
    VDPARK_ASSIGN_OR_RETURN(auto r,
                            conn.Query("SELECT to_regclass($1) IS NOT NULL", {std::string(table)}));
    if (r.value(0, 0) != "t") missing += (missing.empty() ? "" : ", ") + std::string(table);
  }
  if (missing.empty()) return Status::OK();
  return Status::NotFound(conn.display() + ": the schema is missing (no table " + missing +
                          "): create it with `vdpark schema create --target " + conn.display() +
                          "`");
}

}  // namespace vdpark
