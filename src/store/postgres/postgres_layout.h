// PgLayout: how one database keeps what SPEC §2 describes. Customers' schemas vary: a location
// may be a PostGIS geography or geometry, PostgreSQL's own point, two numeric columns (lat/lng,
// latitude/longitude, lat/lon) or not there at all; parking_events may be a TimescaleDB
// hypertable, a plain table (with or without inheritance children) or a declaratively
// partitioned table. The layout is read from the catalog once, when a store opens, and the
// reader's select lists and the writer's merges are built from it, so every layout is read and
// written the same way.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "store/postgres/postgres_connection.h"

namespace vdpark {

enum class LocationKind { kNone, kGeography, kGeometry, kPoint, kLatLng };

// Where a table (parking_zones, parking_bays) keeps its location.
struct LocationColumns {
  LocationKind kind = LocationKind::kNone;
  std::string lat, lng;  // kLatLng: the two columns, as quoted identifiers
  int srid = 4326;       // kGeometry: the column's SRID (0: none declared, taken as 4326)

  // Two select-list items, "<expr> AS lng, <expr> AS lat", as float8 (NULL for kNone).
  std::string SelectLngLat() const;
  // For a merge from a staging table whose float8 columns `lng` and `lat` hold the location
  // (both NULL for none): ", <target columns>", ", <values>", ", <col> = EXCLUDED.<col>...";
  // all three "" for kNone.
  std::string InsertColumns() const;
  std::string InsertValues() const;
  std::string UpdateSet() const;
  // "geography", "geometry(SRID 3857)", "point", "lat/lng columns", "none": for messages.
  std::string Describe() const;
};

enum class EventTableKind {
  kTable,        // a table (its inheritance children, if any, hold events too)
  kPartitioned,  // a declaratively partitioned table: its leaves hold the rows
  kHypertable,   // a TimescaleDB hypertable: its chunks hold the rows, some maybe compressed
};

struct PgLayout {
  LocationColumns zone_location, bay_location;
  EventTableKind events = EventTableKind::kTable;
};

// Reads the layout of the tables the connection's search_path finds. kNotSupported naming the
// table, column and type when a location column has a type that holds no point (text, jsonb).
Result<PgLayout> ReadPgLayout(PgConnection& conn);

}  // namespace vdpark
