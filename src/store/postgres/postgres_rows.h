// Rows of the source tables (SPEC §2) as text, to and from the domain records: the columns each
// query selects, and the parsing of one row whichever way it arrived (COPY ... TO STDOUT WITH
// CSV, or a query's text result). Shared by the reader and GetEvent.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/model.h"
#include "store/postgres/postgres_layout.h"
#include "store/psql_text_fields.h"

namespace vdpark {

// One row's values in text form as PostgreSQL prints them; nullopt is SQL NULL.
using PgFields = PsqlFields;

// The select lists, in the order the Parse* functions read them (locations as lng, lat, from
// wherever the table keeps them: postgres_layout.h).
std::string ZoneSelect(const LocationColumns& location);  // FROM parking_zones
std::string BaySelect(const LocationColumns& location);   // FROM parking_bays
extern const std::string_view kSensorSelect;              // FROM parking_sensors
extern const std::string_view kEventSelect;               // FROM parking_events

// `t` as an SQL literal: '2026-01-12T19:59:43.123456Z'::timestamptz.
std::string TimeLiteral(Timestamp t);

// Each reads its record from `f` (store/psql_text_fields.h), or kCorruption whose message is why
// the row cannot be used, naming the column: a NULL key column, a value that does not parse, an
// unknown bay status or event type, only one of lng/lat, or the wrong number of columns.
Result<Zone> ParseZone(PgFields f);
Result<Bay> ParseBay(PgFields f);
Result<Sensor> ParseSensor(PgFields f);
Result<ParkingEvent> ParseEvent(PgFields f);

// Where a row is, for rejects: "parking_events zone_id=zone-001 bay_number=A-001
// timestamp=2026-01-12 19:59:43+00" (NULL for a NULL key value).
std::string ZoneWhere(PgFields f);
std::string BayWhere(PgFields f);
std::string SensorWhere(PgFields f);
std::string EventWhere(PgFields f);

}  // namespace vdpark
