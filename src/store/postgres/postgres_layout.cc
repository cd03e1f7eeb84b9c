#include "store/postgres/postgres_layout.h"

#include <charconv>
#include <map>

namespace vdpark {

namespace {

// A quoted identifier: "lat", "Latitude".
std::string Ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The SRID in a type as format_type prints it: "geometry(Point,3857)" -> 3857; 0 when none.
int SridOf(std::string_view type) {
  const size_t comma = type.rfind(',');
  if (comma == std::string_view::npos) return 0;
  int srid = 0;
  std::from_chars(type.data() + comma + 1, type.data() + type.size(), srid);
  return srid;
}

// The location of `table` from its columns (name -> format_type).
Result<LocationColumns> LocationOf(std::string_view table,
                                   const std::map<std::string, std::string>& columns) {
  LocationColumns loc;
  if (auto it = columns.find("location"); it != columns.end()) {
    const std::string& type = it->second;
    if (type.starts_with("geography")) {
      loc.kind = LocationKind::kGeography;
    } else if (type.starts_with("geometry")) {
      loc.kind = LocationKind::kGeometry;
      loc.srid = SridOf(type);
    } else if (type == "point") {
      loc.kind = LocationKind::kPoint;
    } else {
      return Status::NotSupported(std::string(table) + ".location is of type " + type +
                                  ": vdpark reads a location from PostGIS geography or geometry, "
                                  "point, or two numeric columns lat and lng");
    }
    return loc;
  }
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"lat", "lng"}, {"latitude", "longitude"}, {"lat", "lon"}};
  for (auto [lat, lng] : kPairs) {
    if (columns.count(std::string(lat)) && columns.count(std::string(lng))) {
      loc.kind = LocationKind::kLatLng;
      loc.lat = Ident(lat);
      loc.lng = Ident(lng);
      return loc;
    }
  }
  return loc;  // no location
}

}  // namespace

std::string LocationColumns::SelectLngLat() const {
  switch (kind) {
    case LocationKind::kGeography:
      return "ST_X(location::geometry) AS lng, ST_Y(location::geometry) AS lat";
    case LocationKind::kGeometry:
      if (srid != 0 && srid != 4326) {
        return "ST_X(ST_Transform(location, 4326)) AS lng, ST_Y(ST_Transform(location, 4326)) AS "
               "lat";
      }
      return "ST_X(location) AS lng, ST_Y(location) AS lat";
    case LocationKind::kPoint:
      return "(location)[0] AS lng, (location)[1] AS lat";
    case LocationKind::kLatLng:
      return lng + "::float8 AS lng, " + lat + "::float8 AS lat";
    case LocationKind::kNone:
      break;
  }
  return "NULL::float8 AS lng, NULL::float8 AS lat";
}

std::string LocationColumns::InsertColumns() const {
  switch (kind) {
    case LocationKind::kNone:
      return "";
    case LocationKind::kLatLng:
      return ", " + lat + ", " + lng;
    default:
      return ", location";
  }
}

std::string LocationColumns::InsertValues() const {
  switch (kind) {
    case LocationKind::kGeography:
      return ", ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography";
    case LocationKind::kGeometry:
      if (srid != 0 && srid != 4326) {
        return ", ST_Transform(ST_SetSRID(ST_MakePoint(lng, lat), 4326), " + std::to_string(srid) +
               ")";
      }
      return srid == 0 ? ", ST_MakePoint(lng, lat)" : ", ST_SetSRID(ST_MakePoint(lng, lat), 4326)";
    case LocationKind::kPoint:
      return ", CASE WHEN lng IS NULL THEN NULL ELSE point(lng, lat) END";
    case LocationKind::kLatLng:
      return ", lat, lng";
    case LocationKind::kNone:
      break;
  }
  return "";
}

std::string LocationColumns::UpdateSet() const {
  switch (kind) {
    case LocationKind::kNone:
      return "";
    case LocationKind::kLatLng:
      return ", " + lat + " = EXCLUDED." + lat + ", " + lng + " = EXCLUDED." + lng;
    default:
      return ", location = EXCLUDED.location";
  }
}

std::string LocationColumns::Describe() const {
  switch (kind) {
    case LocationKind::kGeography:
      return "geography";
    case LocationKind::kGeometry:
      return srid == 0 || srid == 4326 ? "geometry" : "geometry(SRID " + std::to_string(srid) + ")";
    case LocationKind::kPoint:
      return "point";
    case LocationKind::kLatLng:
      return lat + "/" + lng + " columns";
    case LocationKind::kNone:
      break;
  }
  return "none";
}

Result<PgLayout> ReadPgLayout(PgConnection& conn) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto columns,
      conn.Query(
          "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
          "JOIN pg_class c ON c.oid = a.attrelid WHERE a.attrelid IN ('parking_zones'::regclass, "
          "'parking_bays'::regclass) AND a.attnum > 0 AND NOT a.attisdropped"),
      "reading the tables' columns");
  std::map<std::string, std::map<std::string, std::string>> by_table;
  for (int i = 0; i < columns.rows(); ++i) {
    by_table[std::string(columns.value(i, 0))][std::string(columns.value(i, 1))] =
        std::string(columns.value(i, 2));
  }
  PgLayout layout;
  VDPARK_ASSIGN_OR_RETURN(layout.zone_location,
                          LocationOf("parking_zones", by_table["parking_zones"]));
  VDPARK_ASSIGN_OR_RETURN(layout.bay_location,
                          LocationOf("parking_bays", by_table["parking_bays"]));

  // A hypertable is known to TimescaleDB's catalog; the view is there only with the extension.
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto kind,
      conn.Query(
          "SELECT c.relkind, EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') "
          "FROM pg_class c WHERE c.oid = 'parking_events'::regclass"),
      "reading parking_events' kind");
  if (kind.value(0, 0) == "p") layout.events = EventTableKind::kPartitioned;
  if (kind.value(0, 1) == "t") {
    VDPARK_ASSIGN_OR_RETURN_WITH(
        auto hyper,
        conn.Query("SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE "
                   "format('%I.%I', hypertable_schema, hypertable_name)::regclass = "
                   "'parking_events'::regclass)"),
        "asking TimescaleDB about parking_events");
    if (hyper.value(0, 0) == "t") layout.events = EventTableKind::kHypertable;
  }
  return layout;
}

}  // namespace vdpark
