// Migrate: copies zones, bays, sensors and events from any store to any other (SPEC §1, plan §5).
//
// The metadata is read whole (it is small), checked, and written first; the events are streamed
// through a bounded queue from the source's reader to a writer thread, so memory stays flat however
// many there are and reading overlaps writing. A record that cannot be used is rejected with its
// place and reason, and the rest goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/result.h"
#include "store/store.h"

namespace vdpark {

struct MigrateOptions {
  std::optional<Timestamp> since;    // only events at or after this time (--since 90d)
  int64_t retention_days = 90;       // events whose ttl has passed are skipped; 0 keeps all
  Timestamp now = Timestamp::Now();  // "now" for the ttl test
  size_t batch_size = 4096;          // events per WriteEvents call
  size_t queue_batches = 8;          // batches in flight between reader and writer
  RejectFn on_reject;                // every rejected record, from one thread at a time
  bool show_progress = true;         // a progress line on stderr when it is a terminal
};

struct MigrateStats {
  uint64_t zones = 0, bays = 0, sensors = 0;  // written
  uint64_t events_read = 0;                   // events the source passed (rejects not included)
  uint64_t events_written = 0;                // events handed to the target
  uint64_t rejected = 0;                      // records set aside (metadata and events)
  uint64_t duplicates = 0;       // events whose key came earlier in the source: the target keeps
                                 // the last one, so it holds events_written - duplicates events
  bool duplicates_exact = true;  // false when the source was in no order the count relies on
  uint64_t expired = 0;          // skipped: older than the retention
  WriteStats target_writes;      // what the writes cost the target (write units, throttling)
  double seconds = 0;
};

Result<MigrateStats> Migrate(Store& source, Store& target, const MigrateOptions& options);

// Checks that every bay's zone and every sensor's zone exist; moves the ones that do not to
// `rejects` (with the reason) and returns how many it removed.
uint64_t RejectDanglingMetadata(Metadata* metadata, std::string_view source_name,
                                const RejectFn& rejects);

}  // namespace vdpark
