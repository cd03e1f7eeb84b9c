// The engine of `vdpark generate`: a realistic, deterministic synthetic export of a Dubai parking
// operator's TimescaleDB (SPEC §2): zones, bays, sensors, and days of ARRIVE/LEAVE history.
//
// What comes out:
//   - zones `zone-001`, ... (about one in ten with a UUID id instead), named after real car parks
//     in real Dubai neighbourhoods ("Dubai Marina Walk P2"), with addresses (some with commas, now
//     and then one with a line break), coordinates inside the neighbourhood, prices of 4-25 AED an
//     hour, operating hours (mostly 08:00-22:00, some all day, some other windows), owned by
//     tenants `tenant-rta`, `tenant-emaar`, ...;
//   - bays `A-001`, ... in rows of 20-40 with a bay type, and one PSL01B sensor per bay
//     (`PSL01B-000001`, ...);
//   - for every bay, a history in [end - days, end) that starts vacant and strictly alternates
//     ARRIVE and LEAVE with strictly increasing timestamps (microsecond precision). Arrivals follow
//     a daily curve in local time by the zone's kind (street, mall, office, residential, leisure);
//     every LEAVE carries DurationMinutes() and Revenue() of billing.h for its stay; an ARRIVE
//     carries neither;
//   - each bay's final state agrees with its history: occupied since its last ARRIVE when that is
//     its last event, otherwise vacant with last_change at its last LEAVE. A bay with no events is
//     vacant with last_change = its sensor's install_date.
//
// How it is written: WriteMetadata once (zones, bays and sensors each sorted by key), then
// WriteEvents in batches of up to 4096 events in non-decreasing timestamp order (ties by bay), then
// Flush. One day of history is generated, sorted and written at a time, so memory holds one day's
// events whatever `days` is.
//
// The same options give the same records, byte for byte, on every run and with any standard
// library (the generator brings its own PRNG and distributions: see random.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "common/result.h"
#include "domain/billing.h"
#include "domain/timestamp.h"
#include "store/record_store.h"

namespace vdpark {

// 2026-11-01T00:00:00Z: a fixed default end, so that output does not depend on the day it is run.
inline constexpr Timestamp kDefaultGenerateEnd = Timestamp::FromSeconds(1793491200);

struct GenerateOptions {
  uint64_t seed = 42;                     // same seed (and options), same output
  int tenants = 3;                        // operators owning the zones, >= 1
  int zones = 40;                         // zones to make, >= 1
  int bays_per_zone_min = 20;             // fewest bays in a zone, >= 1
  int bays_per_zone_max = 120;            // most bays in a zone, >= min
  int days = 30;                          // history length: [end - days, end), >= 0
  Timestamp end = kDefaultGenerateEnd;    // the history ends just before this instant
  std::optional<uint64_t> target_events;  // when set: the distinct events land within 5 % of it
  double duplicate_rate = 0.0;            // fraction of events written twice with the same key
  UtcOffset utc_offset;                   // local time for traffic curves and billing (+04:00)
};

struct GenerateStats {
  uint64_t zones = 0;
  uint64_t bays = 0;
  uint64_t sensors = 0;
  uint64_t events = 0;              // distinct events (distinct keys)
  uint64_t duplicates_written = 0;  // extra rows repeating an event's key; rows = events + these
};

// Generates the export described above into `out`. `progress`, when given, is called after each
// batch of events with the number of distinct events written so far.
//
// target_events: the traffic (arrival rate, and for more events than realistic stays allow, stay
// lengths too) is scaled by a factor found with dry runs that only count (on a sample of bays,
// then one full run), so the events land within 5 % of the target for any target of a few
// hundred events or more. Duplicates come on top. A target above one event a minute per bay is
// refused. A LEAVE whose stay would end at or after `end` is not generated: that bay ends the
// history occupied.
//
// Errors: kInvalidArgument naming the option when an option is out of range (the fleet is capped
// at 10 million bays); otherwise the first error `out` returns, after which nothing more is
// written.
Result<GenerateStats> Generate(const GenerateOptions& options, RecordStore& out,
                               const std::function<void(uint64_t events_so_far)>& progress = {});

}  // namespace vdpark
