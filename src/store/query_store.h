// QueryStore: the queries of the REST API (SPEC §5). The single-table stores answer them with
// Query on the table and its indexes where there is one (all zones and all sensors have none: a
// Scan on DynamoDB, a walk of the key ranges on embedded), PostgreSQL with SQL (the "old API" of
// plan §6.2); a csv folder answers none, and OpenStoreRoles (open_store.h) hands out no
// QueryStore for it. Lists come sorted by key; events of one instant in one zone in no promised
// order; limit 0 is kInvalidArgument.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/model.h"
#include "store/record_lookup.h"

namespace vdpark {

// Which events the API asks for: a zone's (GSI1 ZONE#id, EVENT#ts) or one bay's (PK
// ZONE#id#BAY#bay), in [from, to), of one type or both, newest first, at most `limit`, continuing
// after `cursor` (what the previous page returned as next_cursor; opaque to the caller).
struct EventQuery {
  std::string zone_id;
  std::optional<std::string> bay_number;
  std::optional<Timestamp> from, to;
  std::optional<EventType> event_type;
  size_t limit = 100;
  std::string cursor;
};
struct EventPage {
  std::vector<ParkingEvent> events;
  std::string next_cursor;  // "" when there are no more
};

class QueryStore : public RecordLookup {
 public:
  // Every zone, or a tenant's (GSI1 TENANT#id).
  virtual Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id) = 0;
  // A zone's bays (PK ZONE#id, SK BAY#...); empty when the zone has none or is not there.
  virtual Result<std::vector<Bay>> ListBays(std::string_view zone_id) = 0;
  // Every sensor, or a zone's (GSI1 ZONE#id).
  virtual Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id) = 0;
  // One page of events, newest first (see EventQuery).
  virtual Result<EventPage> QueryEvents(const EventQuery& query) = 0;
};

}  // namespace vdpark
