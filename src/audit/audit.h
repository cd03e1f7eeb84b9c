// Audit: what a source holds, before anything is moved (plan §2.2 and §2.3): record counts, the
// events' date range, distinct sensors, events per zone, and the problems a load would meet:
// duplicate event keys, rows that cannot be read, events of bays the source does not have.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/record_store.h"

namespace vdpark {

struct AuditOptions {
  size_t max_listed = 20;     // duplicate keys listed by example (all are counted)
  RejectFn on_reject;         // every row that could not be read
  bool show_progress = true;  // a progress line on stderr when it is a terminal
};

struct AuditReport {
  std::string source_name;
  uint64_t zones = 0, bays = 0, sensors = 0;
  uint64_t events = 0;  // rows read, duplicates included (SELECT COUNT(*) FROM parking_events)
  uint64_t arrivals = 0, departures = 0;
  std::optional<Timestamp> first_event, last_event;  // SELECT MIN(timestamp), MAX(timestamp)
  uint64_t distinct_event_sensors =
      0;  // SELECT COUNT(DISTINCT sensor_id): 0 when events carry none
  std::map<std::string, uint64_t> events_per_zone;  // SELECT zone_id, COUNT(*) ... GROUP BY zone_id
  uint64_t duplicate_keys = 0;  // rows whose (zone, bay, timestamp) came earlier
  bool duplicates_exact = true;
  std::vector<std::string> duplicate_examples;
  uint64_t events_of_unknown_bays = 0;  // would be rejected by a load
  uint64_t rejected = 0;                // rows that could not be read
  double seconds = 0;
};

Result<AuditReport> Audit(RecordStore& source, const AuditOptions& options);

}  // namespace vdpark
