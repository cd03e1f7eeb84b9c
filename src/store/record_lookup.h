// RecordLookup: the zone, bay or sensor with a key, strongly consistent. Both roles that work one
// record at a time read through it: the live state (live_store.h) and the API's queries
// (query_store.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/model.h"

namespace vdpark {

class RecordLookup {
 public:
  virtual ~RecordLookup() = default;

  // The store's URL with any secret taken out: safe to print.
  virtual std::string DisplayName() const = 0;

  // The record with the key; nullopt when there is none.
  virtual Result<std::optional<Zone>> GetZone(std::string_view zone_id) = 0;
  virtual Result<std::optional<Bay>> GetBay(std::string_view zone_id,
                                            std::string_view bay_number) = 0;
  virtual Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id) = 0;
};

}  // namespace vdpark
