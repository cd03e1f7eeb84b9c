// The departure rule of SPEC §4: a stay's duration and its revenue.
//
// duration = the stay in whole minutes, rounded half up.
// revenue  = pricePerHour x billable hours, rounded half away from zero to 2 decimals, where the
//            billable time is the part of the stay inside the zone's operating hours, in the zone's
//            local time. No operating hours means the zone charges around the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/decimal.h"
#include "domain/model.h"
#include "domain/timestamp.h"

namespace vdpark {

// A fixed offset from UTC. Dubai (the default) has kept +04:00 with no daylight saving since 1920.
struct UtcOffset {
  int minutes = 240;
  // "Asia/Dubai", "UTC", "+04:00", "-0530", "+4"; nullopt for anything else.
  static std::optional<UtcOffset> Parse(std::string_view text);
};

int64_t DurationMinutes(Timestamp arrive, Timestamp leave);

// Microseconds of [arrive, leave) that fall inside `hours` in local time.
int64_t BillableMicros(Timestamp arrive, Timestamp leave,
                       const std::optional<OperatingHours>& hours, UtcOffset offset);

// price x billable hours, to 2 decimals.
Decimal Revenue(Decimal price_per_hour, int64_t billable_micros);

}  // namespace vdpark
