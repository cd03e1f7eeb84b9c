// The source schema of SPEC §2 (TimescaleDB): its DDL, creating it, and checking that a database
// holds it.
#pragma once

#include <string>

#include "common/result.h"
#include "common/status.h"
#include "store/postgres/postgres_connection.h"

namespace vdpark {

struct SchemaCreateResult {
  bool hypertable = false;  // parking_events is a TimescaleDB hypertable (else a plain table)
  std::string location;     // the locations' type: "geography(Point, 4326)", or "point"
};

// Creates, in the connection's current schema (the first of its search_path), the extension
// postgis where the server has it (locations as geography; as point where it has not) and the
// tables parking_zones, parking_bays, parking_events and parking_sensors, with
// their keys; parking_events becomes a hypertable on "timestamp" when the database has the
// timescaledb extension (CREATE EXTENSION: it is not created here), otherwise it is a plain table
// with indexes on (zone_id, bay_number, timestamp) and on timestamp. Idempotent: what exists is
// left as it is (IF NOT EXISTS). One transaction.
Result<SchemaCreateResult> CreatePostgresSchema(PgConnection& conn);

// OK when the four tables are there; NotFound naming the missing ones and suggesting
// `vdpark schema create` otherwise.
Status CheckPostgresSchema(PgConnection& conn);

}  // namespace vdpark
