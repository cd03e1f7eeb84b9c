// The static half of a synthetic export: zones, bays and sensors, and what shapes each one's
// traffic. The generator then walks the bays through time (traffic_model.h).
#pragma once

#include <cstdint>
#include <vector>

#include "domain/model.h"
#include "generate/generator.h"
#include "generate/traffic_model.h"

namespace vdpark::generate {

struct Fleet {
  // In the order they were made (not key order). bays[i] and sensors[i] belong together;
  // bays' status, last_change and occupied_since are left for the generator to fill in from the
  // history it makes.
  std::vector<Zone> zones;
  std::vector<Bay> bays;
  std::vector<Sensor> sensors;

  std::vector<ZoneKind> zone_kind;      // per zone
  std::vector<double> zone_popularity;  // per zone: multiplies its arrival rate
  std::vector<uint32_t> bay_zone;       // per bay: index into zones
  std::vector<double> bay_popularity;   // per bay: by bay type and place in the car park
};

// Makes the zones, bays and sensors `options` ask for, from the seed alone: the same options give
// the same fleet. `options` must already be valid (see Generate).
Fleet BuildFleet(const GenerateOptions& options);

}  // namespace vdpark::generate
