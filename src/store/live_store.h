// LiveStore: the live state of SPEC §4, which ingest reads and changes one message at a time.
// The single-table stores (embedded, dynamodb) keep it; a csv folder and PostgreSQL do not, and
// OpenStoreRoles (open_store.h) hands out no LiveStore for them.
#pragma once

#include <cstdint>
#include <optional>

#include "common/result.h"
#include "common/status.h"
#include "domain/model.h"
#include "store/record_lookup.h"

namespace vdpark {

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

// How a LiveStore wrote the live changes it applied, counted since it was opened (GET /metrics:
// vdpark_store_live_writes_total{path=...}, live_write_metrics.h).
struct LiveWriteCounts {
  uint64_t transaction = 0;  // changes of several writes committed in one transaction
  uint64_t one_by_one = 0;   // changes of several writes made one by one (no transactions)
  uint64_t single = 0;       // changes of one write (a health message's sensor): a plain Put

  bool operator==(const LiveWriteCounts&) const = default;
};

class LiveStore : public RecordLookup {
 public:
  // Writes `change` whole or not at all: embedded in one atomic batch, DynamoDB in one
  // TransactWriteItems. Where the server has no transactions (dynalite), the bay's conditional
  // write goes first and decides, then the event, the counter and the sensor follow; a crash
  // between them can leave occupiedBays off, which ReconcileOccupancy repairs.
  // kConditionFailed when the bay is no longer bay_before: the caller reads it again and decides
  // again, so that two writers never both count one arrival.
  virtual Status ApplyLiveChange(const LiveChange& change) = 0;

  // Sets each zone's occupiedBays to the number of its bays that are occupied, where it differs;
  // returns how many zones were corrected.
  virtual Result<uint64_t> ReconcileOccupancy() = 0;

  // The changes ApplyLiveChange has applied (returned OK), by the way they were written; a change
  // that failed is not counted. All zero for a store that does not count them.
  virtual LiveWriteCounts GetLiveWriteCounts() const { return {}; }
};

}  // namespace vdpark
