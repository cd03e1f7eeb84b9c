// Migrate: copies zones, bays, sensors and events from any store to any other (SPEC §1, plan §5).
//
// The metadata is read whole (it is small), checked, and written first; the events are streamed
// through a bounded queue from the source's reader to a writer thread, so memory stays flat however
// many there are and reading overlaps writing. A record that cannot be used is rejected with its
// place and reason, and the rest goes on.
//
// Resuming (SPEC §7: a load killed at any moment and started again finishes with every item
// exactly once). Every target but csv writes by key (insert or replace), so writing an event again
// is harmless: the only question is how far the load got, and the answer may err on the early side
// but never on the late side. Migrate reports its progress through `on_durable`, and only after
// target.Flush() has made everything before it durable; the caller records it (ResumableLoad
// keeps it in a checkpoint file, see resumable_load.h) and passes it back as `resume` to carry on.
// Progress is kept in one of two forms, chosen by the source:
//   - a position in the event stream, when the stream comes in the same order on every scan
//     (csv: file order; a store that scans in key order, as embedded does): events before it are
//     read again (so counts, rejects and duplicates still cover the whole source) but not written;
//   - slices, when it does not (dynamodb's parallel scan, postgres's parallel reading): the events
//     are cut into about `slices` pieces named by ids, and a slice counts once all of it is
//     durable. A source with partitions of its own (RecordStore::PartitionEvents; PostgreSQL: page
//     ranges) names them, and they are read `read_together` at a time with ScanEventPartitions;
//     otherwise a first pass finds the first and last event and the range is cut into equal time
//     slices, "time:<fromMicros>:<toMicros>", each scanned with since/until. The ids are kept
//     from the first run on, and on resume the slices already done are not read at all (counts
//     then cover only the rest). A source whose partitions no longer name the same rows fails
//     the load with kFailedPrecondition, telling the user to start again (--restart).
// Completeness (SPEC §1: every load proves it). Before reading, the source counts its events in
// the window by its own engine (RecordStore::CountEvents: SQL count(*) through a hypertable, a csv
// file's records, a single table's event items), and the count is kept with the progress. Every
// event row the source then passes in the window is counted as read, whatever becomes of it
// (loaded, a duplicate, past the retention, rejected as unreadable or for an unknown bay). A load
// that read fewer rows than the source held fails with kCorruption naming the source and both
// counts, after writing what it read: nothing it was given is lost, and no success is reported
// with less. A source that can also check each piece as it reads it does, and names the piece
// (PostgreSQL: each COPY against the row count the server reports for it; a hypertable's chunk
// dropped since the load began).
//
// A csv target appends, so writing again would duplicate rows: the caller cuts events.csv back to
// the length it had at the checkpoint before resuming (ResumableLoad does, see resumable_load.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/record_store.h"

namespace vdpark {

// How far a load got; everything it counts is durable in the target.
struct MigrateProgress {
  bool metadata_written = false;
  uint64_t events_scanned = 0;      // position mode: events of the source's stream done
  uint64_t events_loaded = 0;       // events handed to the target in all runs so far
  std::vector<std::string> slices;  // slice mode: the slices' ids, in the order they are read
  uint64_t slices_done = 0;         // slice mode: the first slices_done slices are done
  size_t read_together = 1;         // slice mode: partitions read side by side (PartitionEvents)
  // The completeness guard: the events the source held when the load began
  // (RecordStore::CountEvents; nullopt when it cannot count them), and the event rows read so far
  // (slice mode: by the slices done, in all runs).
  std::optional<uint64_t> source_events;
  uint64_t rows_read = 0;
  bool sliced() const { return !slices.empty(); }
};

// The id of the time slice [from, to): "time:<fromMicros>:<toMicros>".
std::string TimeSliceId(Timestamp from, Timestamp to);
// The bounds a TimeSliceId() names; nullopt when `id` is not one (a store's partition).
std::optional<std::pair<Timestamp, Timestamp>> ParseTimeSliceId(std::string_view id);
// Records `progress` (after the target's Flush); an error stops the load.
using ProgressFn = std::function<Status(const MigrateProgress& progress)>;

struct MigrateOptions {
  std::optional<Timestamp> since;    // only events at or after this time (--since 90d)
  int64_t retention_days = 90;       // events whose ttl has passed are skipped; 0 keeps all
  Timestamp now = Timestamp::Now();  // "now" for the ttl test
  size_t batch_size = 4096;          // events per WriteEvents call
  size_t queue_batches = 8;          // batches in flight between reader and writer
  RejectFn on_reject;                // every rejected record, from one thread at a time
  bool show_progress = true;         // a progress line on stderr when it is a terminal
  // Resuming: the progress an earlier run recorded; its since must be the one given here.
  std::optional<MigrateProgress> resume;
  ProgressFn on_durable;                // empty: no checkpoints, the target is flushed at the end
  uint64_t checkpoint_every = 200'000;  // position mode: events written between checkpoints
  int slices = 16;                      // slice mode: about how many slices the events are cut into
  bool force_slices = false;            // slice mode even when the source's order is repeatable
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
  // The completeness guard: what the source held when the load began (nullopt: it cannot say),
  // and the event rows read from it in all runs (events, and rows rejected as unreadable). A
  // load that read fewer fails (kCorruption); more is rows written while it ran.
  std::optional<uint64_t> source_events;
  uint64_t rows_read = 0;
  bool resumed = false;                // carried on from options.resume
  uint64_t events_already_loaded = 0;  // loaded by earlier runs (not written again)
  bool sliced = false;                 // progress was kept in slices
};

Result<MigrateStats> Migrate(RecordStore& source, RecordStore& target,
                             const MigrateOptions& options);

// Checks that every bay's zone and every sensor's zone exist; moves the ones that do not to
// `rejects` (with the reason) and returns how many it removed.
uint64_t RejectDanglingMetadata(Metadata* metadata, std::string_view source_name,
                                const RejectFn& rejects);

}  // namespace vdpark
