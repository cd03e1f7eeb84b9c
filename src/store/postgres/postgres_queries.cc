// The REST API's queries (store.h) on the source schema of SPEC §2: the "old API" of plan §6.2,
// answering as the single table does for the same data.
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "store/event_page_cursor.h"
#include "store/postgres/postgres_rows.h"
#include "store/postgres/postgres_store.h"

namespace vdpark {

namespace {

using Fields = std::vector<std::optional<std::string_view>>;

// Columns [first, first + count) of one row.
Fields RowFields(const PgResult& r, int row, int first, int count) {
  Fields f;
  f.reserve(static_cast<size_t>(count));
  for (int c = first; c < first + count; ++c) {
    f.push_back(r.is_null(row, c) ? std::nullopt
                                  : std::optional<std::string_view>(r.value(row, c)));
  }
  return f;
}

// Every row of `r` as a record, or kCorruption naming the first that does not map.
template <typename Record>
Result<std::vector<Record>> Records(const PgResult& r, Result<Record> (*parse)(PgFields),
                                    std::string (*where)(PgFields)) {
  std::vector<Record> records;
  records.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    Fields f = RowFields(r, i, 0, r.columns());
    VDPARK_ASSIGN_OR_RETURN_WITH(auto record, parse(f), where(f));
    records.push_back(std::move(record));
  }
  return records;
}

// Collects bound parameters: Add returns the placeholder ("$3") for the value.
class Params {
 public:
  std::string Add(std::string value) {
    values_.push_back(std::move(value));
    std::string placeholder(1, '$');
    placeholder += std::to_string(values_.size());
    return placeholder;
  }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

}  // namespace

// Zones with occupied_bays counted from their bays (PostgreSQL keeps no counter), where `where`
// (SQL over z, with its parameters in `params`) holds, sorted by key.
Result<std::vector<Zone>> PostgresStore::QueryZones(const std::string& where,
                                                    const std::vector<std::string>& params) {
  const std::string sql = "SELECT " + ZoneSelect(layout_.zone_location) +
                          ", (SELECT count(*) FROM parking_bays b WHERE b.zone_id = z.zone_id AND "
                          "lower(b.status) = 'occupied') FROM parking_zones z WHERE " +
                          where + " ORDER BY z.zone_id COLLATE \"C\"";
  VDPARK_ASSIGN_OR_RETURN_WITH(auto r, conn_->Query(sql, params), "reading zones");
  const int columns = r.columns() - 1;  // the last is the count
  std::vector<Zone> zones;
  zones.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    Fields f = RowFields(r, i, 0, columns);
    VDPARK_ASSIGN_OR_RETURN_WITH(auto z, ParseZone(f), ZoneWhere(f));
    z.occupied_bays = std::stoll(std::string(r.value(i, columns)));
    zones.push_back(std::move(z));
  }
  return zones;
}

Result<std::vector<Zone>> PostgresStore::ListZones(std::optional<std::string_view> tenant_id) {
  if (!tenant_id) return QueryZones("TRUE", {});
  return QueryZones("z.tenant_id = $1", {std::string(*tenant_id)});
}

Result<std::optional<Zone>> PostgresStore::GetZone(std::string_view zone_id) {
  VDPARK_ASSIGN_OR_RETURN(auto zones, QueryZones("z.zone_id = $1", {std::string(zone_id)}));
  if (zones.empty()) return std::optional<Zone>();
  return std::optional<Zone>(std::move(zones.front()));
}

Result<std::optional<Bay>> PostgresStore::GetBay(std::string_view zone_id,
                                                 std::string_view bay_number) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn_->Query("SELECT " + BaySelect(layout_.bay_location) +
                       " FROM parking_bays WHERE zone_id = $1 AND bay_number = $2 LIMIT 1",
                   {std::string(zone_id), std::string(bay_number)}),
      "reading a bay");
  VDPARK_ASSIGN_OR_RETURN(auto bays, Records<Bay>(r, &ParseBay, &BayWhere));
  if (bays.empty()) return std::optional<Bay>();
  return std::optional<Bay>(std::move(bays.front()));
}

Result<std::optional<Sensor>> PostgresStore::GetSensor(std::string_view sensor_id) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn_->Query("SELECT " + std::string(kSensorSelect) +
                       " FROM parking_sensors WHERE sensor_id = $1 LIMIT 1",
                   {std::string(sensor_id)}),
      "reading a sensor");
  VDPARK_ASSIGN_OR_RETURN(auto sensors, Records<Sensor>(r, &ParseSensor, &SensorWhere));
  if (sensors.empty()) return std::optional<Sensor>();
  return std::optional<Sensor>(std::move(sensors.front()));
}

Result<std::vector<Bay>> PostgresStore::ListBays(std::string_view zone_id) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn_->Query("SELECT " + BaySelect(layout_.bay_location) +
                       " FROM parking_bays WHERE zone_id = $1 ORDER BY bay_number COLLATE "
                       "\"C\"",
                   {std::string(zone_id)}),
      "listing the bays of zone " + std::string(zone_id));
  return Records<Bay>(r, &ParseBay, &BayWhere);
}

Result<std::vector<Sensor>> PostgresStore::ListSensors(std::optional<std::string_view> zone_id) {
  Params params;
  std::string sql = "SELECT " + std::string(kSensorSelect) + " FROM parking_sensors";
  if (zone_id) sql += " WHERE zone_id = " + params.Add(std::string(*zone_id));
  sql += " ORDER BY sensor_id COLLATE \"C\"";
  VDPARK_ASSIGN_OR_RETURN_WITH(auto r, conn_->Query(sql, params.values()), "listing sensors");
  return Records<Sensor>(r, &ParseSensor, &SensorWhere);
}

Result<EventPage> PostgresStore::QueryEvents(const EventQuery& query) {
  if (query.limit == 0) return Status::InvalidArgument("limit: must be at least 1");
  std::optional<EventCursor> cursor;
  if (!query.cursor.empty()) {
    VDPARK_ASSIGN_OR_RETURN(cursor, DecodeEventCursor(query));
  }
  Params params;
  // DISTINCT ON keeps one row per key (zone and, here, "timestamp" and bay): the ORDER BY must
  // begin with its expressions.
  std::string sql = "SELECT DISTINCT ON (\"timestamp\", bay_number COLLATE \"C\") " +
                    std::string(kEventSelect) +
                    " FROM parking_events WHERE zone_id = " + params.Add(query.zone_id);
  if (query.bay_number) sql += " AND bay_number = " + params.Add(*query.bay_number);
  if (query.from)
    sql += " AND \"timestamp\" >= " + params.Add(query.from->ToIso()) + "::timestamptz";
  if (query.to) sql += " AND \"timestamp\" < " + params.Add(query.to->ToIso()) + "::timestamptz";
  if (query.event_type) {
    sql += " AND upper(event_type) = " + params.Add(std::string(ToString(*query.event_type)));
  }
  if (cursor) {
    // After the cursor in the order below: older, or as old and a lower bay.
    const std::string ts = params.Add(cursor->timestamp.ToIso()) + "::timestamptz";
    const std::string bay = params.Add(cursor->bay_number);
    sql += " AND (\"timestamp\" < " + ts + " OR (\"timestamp\" = " + ts +
           " AND bay_number COLLATE \"C\" < " + bay + "))";
  }
  // One more than the page, to know whether another follows.
  const uint64_t limit = std::min<uint64_t>(query.limit, std::numeric_limits<int64_t>::max() - 1);
  sql += " ORDER BY \"timestamp\" DESC, bay_number COLLATE \"C\" DESC LIMIT " +
         params.Add(std::to_string(limit + 1));
  VDPARK_ASSIGN_OR_RETURN_WITH(auto r, conn_->Query(sql, params.values()),
                               "querying the events of zone " + query.zone_id);
  EventPage page;
  VDPARK_ASSIGN_OR_RETURN(page.events, Records<ParkingEvent>(r, &ParseEvent, &EventWhere));
  if (page.events.size() > limit) {
    page.events.resize(limit);
    page.next_cursor = EncodeEventCursor(page.events.back());
  }
  return page;
}

}  // namespace vdpark
