#include "audit/audit.h"

#include <chrono>
#include <set>
#include <unordered_set>

#include "common/progress.h"
#include "domain/duplicate_detector.h"
#include "migrate/migrate.h"

namespace vdpark {

Result<AuditReport> Audit(RecordStore& source, const AuditOptions& options) {
  auto start = std::chrono::steady_clock::now();
  AuditReport r;
  r.source_name = source.DisplayName();
  auto reject = [&](Rejected x) {
    ++r.rejected;
    if (options.on_reject) options.on_reject(std::move(x));
  };
  VDPARK_ASSIGN_OR_RETURN_WITH(auto md, source.ReadMetadata(reject),
                               "reading " + source.DisplayName());
  RejectDanglingMetadata(&md, source.DisplayName(), reject);
  r.zones = md.zones.size();
  r.bays = md.bays.size();
  r.sensors = md.sensors.size();
  std::unordered_set<std::string> bays;
  for (const Bay& b : md.bays) bays.insert(b.zone_id + '\0' + b.bay_number);

  DuplicateDetector duplicates(source.EventStreamOrder());
  std::unordered_set<std::string> sensors;
  Progress progress("events", source.EstimateEventCount());
  std::string key;
  Status s = source.ScanEvents(
      {},
      [&](ParkingEvent&& e, const Origin& origin) {
        ++r.events;
        if (options.show_progress) progress.Update(r.events);
        ++(e.event_type == EventType::kArrive ? r.arrivals : r.departures);
        if (!r.first_event || e.timestamp < *r.first_event) r.first_event = e.timestamp;
        if (!r.last_event || e.timestamp > *r.last_event) r.last_event = e.timestamp;
        if (e.sensor_id && !sensors.count(*e.sensor_id)) sensors.insert(*e.sensor_id);
        ++r.events_per_zone[e.zone_id];
        if (duplicates.Seen(e) && r.duplicate_examples.size() < options.max_listed) {
          r.duplicate_examples.push_back(origin.ToString() + " " + e.zone_id + "/" + e.bay_number +
                                         "/" + e.timestamp.ToIso());
        }
        key.assign(e.zone_id);
        key += '\0';
        key += e.bay_number;
        if (!bays.count(key)) ++r.events_of_unknown_bays;
        return Status::OK();
      },
      reject);
  if (options.show_progress) progress.Finish(r.events);
  if (!s.ok()) return s.WithContext("reading " + source.DisplayName());
  r.distinct_event_sensors = sensors.size();
  r.duplicate_keys = duplicates.duplicates();
  r.duplicates_exact = duplicates.exact();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace vdpark
