// Changes as ingest commits them (AppliedChange), for the tests of the dual-write mirror: against
// PostgreSQL (src/ingest/postgres_mirror_test.cc) and against TimescaleDB with compressed chunks
// (tests/timescaledb/mirror_test.cc).
#pragma once

#include <optional>
#include <string>

#include "ingest/ingestor.h"

namespace vdpark::testing {

// A change of bay `bay` of zone-001 to `status` at `at`, as ingest commits it: the bay, the
// event, the sensor, the zone's delta.
inline AppliedChange BayChange(const std::string& bay, BayStatus status, Timestamp at,
                               std::optional<Timestamp> occupied_since = std::nullopt) {
  AppliedChange a;
  LiveChange& c = a.change;
  Bay b;
  b.zone_id = "zone-001";
  b.bay_number = bay;
  b.sensor_id = "PSL01B-" + bay;
  b.status = status;
  b.last_change = at;
  b.occupied_since = status == BayStatus::kOccupied ? std::optional(at) : std::nullopt;
  b.last_heartbeat = at;
  b.bay_type = "standard";
  b.location = GeoPoint{25.0805123456789, 55.1403};
  c.bay_after = b;
  ParkingEvent e;
  e.zone_id = "zone-001";
  e.bay_number = bay;
  e.sensor_id = b.sensor_id;
  e.timestamp = at;
  e.detection_mode = "magnetic";
  if (status == BayStatus::kOccupied) {
    e.event_type = EventType::kArrive;
    c.occupied_delta = 1;
    a.outcome = IngestOutcome::kArrive;
  } else {
    e.event_type = EventType::kLeave;
    if (occupied_since) e.duration_minutes = (at - *occupied_since) / kMicrosPerMinute;
    e.revenue = *Decimal::Parse("12.50");
    c.occupied_delta = -1;
    a.outcome = IngestOutcome::kLeave;
  }
  c.event = e;
  Sensor s;
  s.sensor_id = *b.sensor_id;
  s.model = "PSL01B";
  s.zone_id = "zone-001";
  s.bay_number = bay;
  s.status = "active";
  s.last_battery = 90;
  s.last_signal = -70;
  s.last_seen = at;
  c.sensor = s;
  a.event_time = at;
  a.received = at;
  return a;
}

// The same change passed again for a redelivered message: the stored state, no delta.
inline AppliedChange Replayed(AppliedChange a) {
  a.replayed = true;
  a.outcome = IngestOutcome::kDuplicate;
  a.change.occupied_delta = 0;
  return a;
}

}  // namespace vdpark::testing
