#include "common/duration.h"

#include <limits>
#include <string>
#include <utility>

namespace vdpark {

namespace {

// The two-letter units first, so that "ms" is not read as minutes followed by an 's'.
constexpr std::pair<std::string_view, int64_t> kUnits[] = {
    {"us", 1},         {"ms", 1000},           {"s", 1'000'000},
    {"m", 60'000'000}, {"h", 3'600'000'000LL}, {"d", 86'400'000'000LL},
};

}  // namespace

Result<int64_t> ParseDurationMicros(std::string_view flag, std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string message(flag);
    message += " '";
    message += text;
    message += "': ";
    message += why;
    return Status::InvalidArgument(message);
  };
  constexpr std::string_view kExpected =
      "expected a duration such as 90d, 36h, 1h30m, 15m, 30s or 500ms (whole numbers, each with "
      "its unit: d, h, m, s, ms or us)";
  if (text.empty()) return bad(kExpected);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t digits = i;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i++] - '0';
      if (n > (kMax - digit) / 10) return bad("too long a duration");
      n = n * 10 + digit;
    }
    if (i == digits) return bad(kExpected);
    int64_t unit = 0;
    for (auto [suffix, micros] : kUnits) {
      if (text.substr(i).starts_with(suffix)) {
        unit = micros;
        i += suffix.size();
        break;
      }
    }
    if (unit == 0) return bad(kExpected);
    if (n > (kMax - total) / unit) return bad("too long a duration");
    total += n * unit;
  }
  return total;
}

}  // namespace vdpark
