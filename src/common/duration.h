// Durations as the command line spells them: "90d", "36h", "1h30m", "15m", "30s", "500ms", "250us".
// The one parser every flag that takes a duration uses (--timeout, --since, --duration, ...).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace vdpark {

// `text` in microseconds: one or more whole numbers, each followed by its unit (us, ms, s, m, h,
// d), added up ("1h30m" is 90 minutes, "0s" is zero). InvalidArgument naming `flag` and `text`
// for anything else: an empty text, a number without a unit or a unit without a number, a sign,
// a fraction, a blank, an unknown unit, or a total beyond int64 microseconds.
Result<int64_t> ParseDurationMicros(std::string_view flag, std::string_view text);

}  // namespace vdpark
