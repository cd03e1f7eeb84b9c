// ExpectedState: what a correct event processor (SPEC §4) must have made of a simulated sensor
// stream once it has taken every message: each simulated bay's final status and its ARRIVE and
// LEAVE counts, and each zone's occupied bays. A test runs the stream through ingest and compares
// the store with this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/model.h"

namespace vdpark {

struct ExpectedBay {
  std::string zone_id;
  std::string bay_number;
  BayStatus status = BayStatus::kUnknown;  // after the last good message
  int64_t arrivals = 0;                    // ARRIVE events the good messages produce
  int64_t departures = 0;                  // LEAVE events the good messages produce
  bool operator==(const ExpectedBay&) const = default;
};

struct ExpectedZone {
  std::string zone_id;
  int64_t occupied_bays = 0;  // the zone's bays occupied at the end, simulated or not
  bool operator==(const ExpectedZone&) const = default;
};

struct ExpectedState {
  std::vector<ExpectedBay> bays;    // the simulated bays, sorted by (zone_id, bay_number)
  std::vector<ExpectedZone> zones;  // every zone of the fleet, sorted by zone_id

  int64_t arrivals() const;
  int64_t departures() const;
  // The bay or zone with that key; nullptr when it is not there.
  const ExpectedBay* FindBay(std::string_view zone_id, std::string_view bay_number) const;
  const ExpectedZone* FindZone(std::string_view zone_id) const;

  // {"bays":[{"zoneId":"zone-001","bayNumber":"A-001","status":"occupied","arrivals":3,
  //   "departures":2},...],"zones":[{"zoneId":"zone-001","occupiedBays":12},...]}
  std::string ToJson() const;
  // The inverse of ToJson. kInvalidArgument naming the field when `json` is not of that shape.
  static Result<ExpectedState> FromJson(std::string_view json);

  bool operator==(const ExpectedState&) const = default;
};

}  // namespace vdpark
