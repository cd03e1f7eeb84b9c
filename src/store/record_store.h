// RecordStore: any place parking data lives, addressed by a URL (SPEC §1), seen as domain records
// in bulk: what migrate, verify, audit and generate read and write, so that any store can be the
// source or the target of any other. Every store is one (open_store.h). A csv folder and
// PostgreSQL implement it directly; the single-table stores (embedded, dynamodb) through
// SingleTableStore, which maps records to items of an ItemStore. The live state that ingest
// changes is another role (live_store.h), the API's queries a third (query_store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
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

// A store's own pieces of its events, for reading them resumably (RecordStore::PartitionEvents).
struct EventPartitions {
  std::vector<std::string> ids;  // each names one piece; in the order they should be read
  size_t read_together = 1;      // how many of them ScanEventPartitions reads side by side
};

// Events per zone per UTC day: (zone_id, "YYYY-MM-DD") -> events with distinct keys.
using ZoneDayCounts = std::map<std::pair<std::string, std::string>, uint64_t>;

class RecordStore {
 public:
  virtual ~RecordStore() = default;

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
  // each zone's occupiedBays from the bays given here. The csv and single-table stores refuse a
  // record that breaks the record rules (domain/record_rules.h), which their readers apply:
  // kInvalidArgument naming the record and the field, and nothing of the call is written. The
  // same for WriteEvents.
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
};

}  // namespace vdpark
