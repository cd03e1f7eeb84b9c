// QueryStore: the queries of the REST API (SPEC §5), and its two creates (POST /zones, POST
// /sensors). The single-table stores answer the queries with Query on the table and its indexes
// where there is one (all zones and all sensors have none: a Scan on DynamoDB, a walk of the key
// ranges on embedded), PostgreSQL with SQL (the "old API" of plan §6.2); a csv folder answers
// none, and OpenStoreRoles (open_store.h) hands out no QueryStore for it. Lists come sorted by
// key; events of one instant in one zone in no promised order; limit 0 is kInvalidArgument.
#pragma once

#include <cstddef>
#include <memory>
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

// What a conditional create did. Losing a race is an outcome, not an error: the API answers 409.
enum class CreateOutcome {
  kCreated,   // written
  kExists,    // a record with the id exists already (whoever's it is): nothing written
  kBayTaken,  // RegisterSensor: the bay has another sensor: nothing written
};

class QueryStore : public RecordLookup {
 public:
  // Every zone, or a tenant's (GSI1 TENANT#id).
  virtual Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id) = 0;
  // A zone's bays (PK ZONE#id, SK BAY#...); empty when the zone has none or is not there.
  virtual Result<std::vector<Bay>> ListBays(std::string_view zone_id) = 0;
  // Every sensor, or a zone's (GSI1 ZONE#id).
  virtual Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id) = 0;

  // ListBays and ListSensors(zone), shared rather than copied, for a caller that only reads them
  // (the API's list of a zone's bays, on every request). A store that keeps its records in memory
  // (embedded) hands out the same list while nothing in it changes; the others a fresh one.
  template <typename T>
  using SharedList = std::shared_ptr<const std::vector<T>>;
  virtual Result<SharedList<Bay>> SharedBays(std::string_view zone_id) {
    VDPARK_ASSIGN_OR_RETURN(std::vector<Bay> bays, ListBays(zone_id));
    return std::make_shared<const std::vector<Bay>>(std::move(bays));
  }
  virtual Result<SharedList<Sensor>> SharedZoneSensors(std::string_view zone_id) {
    VDPARK_ASSIGN_OR_RETURN(std::vector<Sensor> sensors, ListSensors(zone_id));
    return std::make_shared<const std::vector<Sensor>>(std::move(sensors));
  }
  // One page of events, newest first (see EventQuery).
  virtual Result<EventPage> QueryEvents(const EventQuery& query) = 0;

  // --- The API's creates: each is one conditional write (or transaction), so that of callers
  // racing on one id exactly one gets kCreated, whether they share this store object (threads)
  // or each has its own on one table or database (processes; not embedded, which one process
  // holds). Errors are the store's own (kUnavailable, kIOError, ...), never a lost race.
  //
  // Writes `zone` when no zone with its id exists; kExists (nothing written) when one does.
  virtual Result<CreateOutcome> CreateZone(const Zone& zone) = 0;
  // Writes `sensor` and gives its bay (bay.zone_id, bay.bay_number) the sensor bay.sensor_id
  // (which must be sensor.sensor_id): a bay that is absent is written as `bay`; one that exists
  // without a sensor (or with this one) keeps its state and gets the sensor, and bay.bay_type and
  // bay.location where they are set. kExists when the sensor exists already, kBayTaken when the
  // bay has another sensor; either way nothing is written. kInvalidArgument when bay.sensor_id is
  // not the sensor's. The zone is not read or changed (the caller has checked it exists).
  virtual Result<CreateOutcome> RegisterSensor(const Sensor& sensor, const Bay& bay) = 0;
};

}  // namespace vdpark
