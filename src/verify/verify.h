// Verify: proves that two stores hold the same parking data (plan §5.4 and §6.1), or lists every
// difference.
//
// 1. Counts: zones, bays, sensors, events, and events per zone per UTC day, on both sides.
// 2. Items: every zone, bay and sensor compared field by field; then every event, the two sides
//    walked in key order side by side (a merge join, memory bounded). A store that cannot deliver
//    its events in key order (csv) is first staged into a scratch embedded store, which also
//    collapses duplicate keys the way a load does (the last row wins). With `sample`, the
//    events are counted in full and only a random sample of source events is compared, each looked
//    up in the target.
//    Duplicate keys (rows sharing zone, bay and timestamp; only a store that keeps rows, csv or a
//    table without a unique key, can hold them) are counted: exactly when every event is compared
//    (rows staged less keys kept), and with `sample` as DuplicateDetector can (a lower bound when
//    the stream is out of order; the target's only when it is csv). The source's are its own
//    data, which a load collapses: reported, not a difference. So are a PostgreSQL target's (its
//    rows are merged by key, so a duplicate there is a row it held before; it counts once, as in
//    its own SQL counts). A csv target's are differences: a csv target is appended to, and one
//    holding more duplicate rows than the source was loaded twice. Those beyond the source's
//    count are one difference each, listed as one line of kind "duplicate" naming the first (a
//    csv copy of a source's duplicates, row for row, is not flagged).
// 3. Where a side can count its events per zone per day itself (PostgreSQL, in SQL), those counts
//    are checked against the ones streamed from that side: a disagreement is a difference of
//    entity "zone-day", kind "sql-count". Skipped with `sample` (the sample does not collapse the
//    target's duplicate keys) and when any record was rejected (the SQL counts rows the stream sets
//    aside).
// Fields that only the live system sets (a zone's occupiedBays, a bay's lastHeartbeat, a sensor's
// lastSeen) are not compared; occupiedBays is checked against the store's own bays instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/record_store.h"

namespace vdpark {

struct VerifyOptions {
  size_t sample = 0;               // 0: compare every event; N: a random sample of N
  uint64_t seed = 1;               // for the sample
  size_t max_listed = 100;         // differences listed (all are counted)
  std::optional<Timestamp> since;  // only events at or after this time, on both sides
  int64_t retention_days = 90;     // events past their ttl are left out on both sides; 0: none
  Timestamp now = Timestamp::Now();
  std::string scratch_dir;  // for staging; empty: a folder under the system's temp dir
  RejectFn on_reject;       // records either side could not read
};

struct EntityCounts {
  uint64_t source = 0, target = 0;
  uint64_t missing = 0;    // in the source, not in the target
  uint64_t extra = 0;      // in the target, not in the source
  uint64_t different = 0;  // in both, with a field that differs
  uint64_t compared = 0;   // compared item by item
};

struct Difference {
  std::string entity;  // "zone", "bay", "sensor", "event", "zone-day"
  std::string kind;    // "missing", "extra", "different", "count", "sql-count", "duplicate"
  std::string key;     // zone-001, zone-001/A-001, zone-001/A-001/2026-...Z, zone-001 2026-01-12
  std::string detail;  // field by field: "revenue: 12.50 != 12.00"
  uint64_t count = 1;  // differences this line stands for (a "duplicate" line: all of them)
};

struct ZoneDayCount {
  std::string zone_id;
  std::string day;  // YYYY-MM-DD, UTC
  uint64_t source = 0, target = 0;
};

struct VerifyReport {
  std::string source_name, target_name;
  EntityCounts zones, bays, sensors, events;
  uint64_t zone_days = 0;  // (zone, day) pairs compared
  std::vector<ZoneDayCount> zone_day_mismatches;
  uint64_t sql_zone_days =
      0;  // (zone, day) counts a side's own SQL gave, checked against its stream
  uint64_t source_duplicates = 0;  // source rows sharing a key with an earlier one
  uint64_t target_duplicates = 0;  // target rows sharing a key with an earlier one
  uint64_t excess_duplicates = 0;  // of those, the differences: a csv target's beyond the source's
  bool duplicates_exact = true;    // false when a count is a lower bound (--sample, out of order)
  uint64_t rejected = 0;  // records either side could not read or map (as a load rejects them):
                          // reported, not compared
  bool sampled = false;
  std::vector<Difference> differences;  // the first max_listed
  uint64_t total_differences = 0;
  double seconds = 0;

  bool ok() const { return total_differences == 0; }
};

Result<VerifyReport> Verify(RecordStore& source, RecordStore& target, const VerifyOptions& options);

}  // namespace vdpark
