// Archive: the history past a live store's TTL kept (issue: archive and decommission, plan §8).
// DynamoDB deletes an event `retention` days after its time (SPEC §3); before it does, the events
// older than a cutoff are copied into an archive store (s3://…), with the zones, bays and sensors
// they belong to, so that the archive can be read and restored on its own.
//
// Idempotent: the archive is written by key, and an s3:// archive rewrites a day's object as the
// union of what it held and what is written, so running it daily, or twice, leaves each event
// once, and an event the live store has already let expire stays in the archive. Every event read
// is then looked for in the archive, read back: any missing is kCorruption saying how many.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "store/record_store.h"

namespace vdpark {

struct ArchiveOptions {
  Timestamp cutoff;                // events before this are archived
  std::optional<Timestamp> since;  // and at or after this, when given
  size_t batch_size = 4096;
  RejectFn on_reject;  // every record of the store that cannot be read
};

struct ArchiveReport {
  uint64_t zones = 0, bays = 0, sensors = 0;
  uint64_t events = 0;                      // archived (written and found read back)
  std::map<std::string, uint64_t> per_day;  // by UTC day, "2026-01-12"
  uint64_t rejected = 0;
  double seconds = 0;
};

Result<ArchiveReport> Archive(RecordStore& store, RecordStore& archive,
                              const ArchiveOptions& options);

}  // namespace vdpark
