// Store: any place parking data lives, addressed by a URL (SPEC §1), seen as domain records.
//
// Every command (migrate, verify, audit, generate) reads and writes through this interface, so any
// store can be the source or the target of any other. A csv folder implements it directly; the
// single-table stores (embedded, dynamodb) implement it through SingleTableStore, which maps
// records to items of an ItemStore.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "domain/model.h"
#include "store/item_store.h"

namespace vdpark {

// Where a record came from: "events.csv:1234", or an item's key.
struct Origin {
  std::string_view source;  // a file name or a store's name; valid during the visit only
  uint64_t line = 0;        // 0 when not from a text file
  std::string_view raw;     // the row as read, when the store has it; valid during the visit only
  std::string ToString() const;
};

// A source row that could not be used: where it was, why, and the row itself as read.
struct Rejected {
  std::string where;
  std::string reason;
  std::string raw;
};
using RejectFn = std::function<void(Rejected)>;

// Receives one event; a non-OK status stops the scan and is returned by it.
using EventVisitor = std::function<Status(ParkingEvent&& event, const Origin& origin)>;

struct EventScanOptions {
  std::optional<Timestamp> since;  // only events at or after this time
  // Only events before this time (exclusive). Stores apply it where it saves reading (the
  // single-table stores filter on it); a store may still pass later events (csv does), so a caller
  // that needs the bound exact filters again.
  std::optional<Timestamp> until;
};

// A store's own pieces of its events, for reading them resumably (Store::PartitionEvents).
struct EventPartitions {
  std::vector<std::string> ids;  // each names one piece; in the order they should be read
  size_t read_together = 1;      // how many of them ScanEventPartitions reads side by side
};

// Events per zone per UTC day: (zone_id, "YYYY-MM-DD") -> events with distinct keys.
using ZoneDayCounts = std::map<std::pair<std::string, std::string>, uint64_t>;

// One message's worth of live change (SPEC §4), written all together or not at all.
struct LiveChange {
  // The bay as it was read: the change applies only while the stored bay still has this
  // status, last_change and last_heartbeat (kConditionFailed otherwise, and nothing is written).
  // nullopt: no bay in the change (a health message).
  std::optional<Bay> bay_before;
  std::optional<Bay> bay_after;       // the whole new bay; set whenever bay_before is
  std::optional<ParkingEvent> event;  // put with the change (an event with its key is replaced)
  int occupied_delta = 0;             // added to the zone of bay_after's occupiedBays
  std::optional<Sensor> sensor;       // the whole sensor, written with the change

  bool empty() const { return !bay_after && !event && occupied_delta == 0 && !sensor; }
};

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

class Store {
 public:
  virtual ~Store() = default;

  // The store's URL with any secret taken out: safe to print.
  virtual std::string DisplayName() const = 0;

  // All zones, bays and sensors, each sorted by key. A record that cannot be read (a bad row, an
  // item that does not map) is passed to `rejects` with its place and reason and left out; the
  // rest are returned. An error only when the store itself cannot be read.
  virtual Result<Metadata> ReadMetadata(const RejectFn& rejects) = 0;

  // Passes every event to `visit`, streamed: memory stays flat however many there are. Bad rows go
  // to `rejects`. Order: key order (zone, bay, timestamp as the single-table key sorts) when
  // EventsInKeyOrder(), otherwise the store's own.
  virtual Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                            const RejectFn& rejects) = 0;
  virtual bool EventsInKeyOrder() const = 0;

  // Whether every scan passes the events in the same order (key order, or a file's order), so a
  // position in the stream means the same events on the next run: what a resumed load relies on.
  virtual bool EventOrderIsRepeatable() const { return EventsInKeyOrder(); }
  // The order a DuplicateDetector may expect: key order when promised, otherwise time order
  // (likely for files and exports) unless the store knows its scans have none.
  virtual EventOrder EventStreamOrder() const {
    return EventsInKeyOrder() ? EventOrder::kKey : EventOrder::kTime;
  }

  // Resumable reading in pieces (migrate's checkpoints, migrate.h), for a store that reads its
  // events in no repeatable order. PartitionEvents cuts the events at or after `since` into about
  // `wanted` partitions of the store's own (PostgreSQL: page ranges of its tables). Their ids name
  // the same events on every run, however the store is opened (what a resumed load relies on), and
  // come in the order they should be read; read_together (at least 1, at most the number of ids)
  // is how many of them ScanEventPartitions reads side by side. nullopt (the default) when the
  // store has no partitions of its own, or would read this `since` better another way: migrate
  // then cuts the time range into slices.
  virtual Result<std::optional<EventPartitions>> PartitionEvents(std::optional<Timestamp> since,
                                                                 int wanted) {
    (void)since;
    (void)wanted;
    return std::optional<EventPartitions>();
  }
  // Passes every event of the partitions `ids` (PartitionEvents' ids, from this run or an earlier
  // one) at or after `since`, read side by side in no order (no two partitions share an event);
  // bad rows go to `rejects`. kInvalidArgument naming an id that is not one of the store's;
  // kFailedPrecondition naming the table when an id no longer names the same rows (the load must
  // start again); kNotSupported (the default) for a store without partitions.
  virtual Status ScanEventPartitions(std::span<const std::string> ids,
                                     std::optional<Timestamp> since, const EventVisitor& visit,
                                     const RejectFn& rejects) {
    (void)ids;
    (void)since;
    (void)visit;
    (void)rejects;
    return Status::NotSupported(DisplayName() + " has no event partitions");
  }

  // The event with `key`'s zone, bay and timestamp; nullopt when there is none. Stores that can
  // look one up directly (single-table stores) do; the others return kNotSupported.
  virtual Result<std::optional<ParkingEvent>> GetEvent(const ParkingEvent& key) {
    (void)key;
    return Status::NotSupported(DisplayName() + " cannot look up one event");
  }

  // Events per zone per UTC day, counted by the store's own engine (SQL) rather than by streaming
  // them, distinct keys only (as a load collapses duplicates), within options' since/until (both
  // exact here), rows of any kind (parseable or not) whose key columns are set. nullopt when the
  // store has no such query: a caller then counts the stream itself.
  virtual Result<std::optional<ZoneDayCounts>> CountEventsPerZoneDay(
      const EventScanOptions& options) {
    (void)options;
    return std::optional<ZoneDayCounts>();
  }

  // The first and last event time at or after `since` (nullopt: no event), found by the store's
  // own engine; kNotSupported when it has no cheaper way than a scan, which the caller then does.
  virtual Result<std::optional<std::pair<Timestamp, Timestamp>>> EventTimeRange(
      std::optional<Timestamp> since) {
    (void)since;
    return Status::NotSupported(DisplayName() + " finds its event time range only by a scan");
  }

  // How many event rows the store holds at or after `since` (all of them, with no `since`),
  // counted by its own engine apart from any scan, rows that will not parse included: what a
  // load checks its completeness against (migrate.h). nullopt when it has no way to count them
  // but the scan itself.
  virtual Result<std::optional<uint64_t>> CountEvents(std::optional<Timestamp> since) {
    (void)since;
    return std::optional<uint64_t>();
  }

  // About how many events ScanEvents will pass, for progress and ETA; nullopt when unknown.
  virtual std::optional<uint64_t> EstimateEventCount() { return std::nullopt; }

  // Writes (inserts or replaces by key) zones, bays and sensors. A single-table store recomputes
  // each zone's occupiedBays from the bays given here.
  virtual Status WriteMetadata(const Metadata& metadata) = 0;

  // Writes (inserts or replaces by key) a batch of events. Callers choose the batch size; each
  // call is applied whole before it returns OK, in order with earlier calls.
  virtual Status WriteEvents(std::span<const ParkingEvent> events) = 0;

  // Makes everything written so far durable (files flushed and closed, memtables synced).
  virtual Status Flush() = 0;

  // Whether several threads may call this store at once (the API's threads, ingest's): true for
  // the single-table stores; a store on one connection (PostgreSQL) says false.
  virtual bool SafeForConcurrentCalls() const { return true; }

  // What writing has cost so far (write units, throttling): zeros for stores without a server.
  virtual WriteStats GetWriteStats() const { return {}; }

  // --- Live state: what ingest (SPEC §4) and the API (§5) read and change one record at a time.
  // Stores that hold no live state (csv, postgres) return kNotSupported from each.

  // The record with the key, strongly consistent; nullopt when there is none.
  virtual Result<std::optional<Zone>> GetZone(std::string_view zone_id);
  virtual Result<std::optional<Bay>> GetBay(std::string_view zone_id, std::string_view bay_number);
  virtual Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id);

  // Writes `change` whole or not at all: embedded in one atomic batch, DynamoDB in one
  // TransactWriteItems. Where the server has no transactions (dynalite), the bay's conditional
  // write goes first and decides, then the event, the counter and the sensor follow; a crash
  // between them can leave occupiedBays off, which ReconcileOccupancy repairs.
  // kConditionFailed when the bay is no longer bay_before: the caller reads it again and decides
  // again, so that two writers never both count one arrival.
  virtual Status ApplyLiveChange(const LiveChange& change);

  // Sets each zone's occupiedBays to the number of its bays that are occupied, where it differs;
  // returns how many zones were corrected.
  virtual Result<uint64_t> ReconcileOccupancy();

  // --- Queries of the REST API (SPEC §5). Single-table stores answer them with Query on the
  // table and its indexes where there is one (all zones and all sensors have none: a Scan on
  // DynamoDB, a walk of the key ranges on embedded), PostgreSQL with SQL (the "old API" of plan
  // §6.2); csv returns kNotSupported. Lists come sorted by key; events of one instant in one zone
  // in no promised order; limit 0 is kInvalidArgument.

  // Every zone, or a tenant's (GSI1 TENANT#id).
  virtual Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id);
  // A zone's bays (PK ZONE#id, SK BAY#...); empty when the zone has none or is not there.
  virtual Result<std::vector<Bay>> ListBays(std::string_view zone_id);
  // Every sensor, or a zone's (GSI1 ZONE#id).
  virtual Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id);
  // One page of events, newest first (see EventQuery).
  virtual Result<EventPage> QueryEvents(const EventQuery& query);
};

struct StoreOptions {
  bool create_if_missing = true;  // make the folder/table when it does not exist
  int64_t retention_days = 90;    // events' ttl = their own time + this; 0 = no ttl
  // For writers: remove what is already there first (csv: truncate the files).
  bool truncate = false;
  // For a target about to take a large load: tune for write throughput (embedded: bigger
  // memtables, no write-ahead log until Flush()). Everything is durable after Flush() returns.
  bool bulk_load = false;
  // For a target on a server (dynamodb): write requests in flight at most, and a ceiling on write
  // units per second (0 = none).
  int concurrency = 16;
  double max_write_units_per_second = 0;
};

// Opens the store a URL names: "csv:DIR", "embedded:DIR" (more schemes come with their backends).
// kInvalidArgument names the part of the URL that is wrong.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options = {});

}  // namespace vdpark
