#include "domain/billing.h"

#include <algorithm>

namespace vdpark {

namespace {
// 128-bit arithmetic for money x time, which overflows 64 bits on long stays at high prices.
__extension__ typedef __int128 Int128;
}  // namespace

std::optional<UtcOffset> UtcOffset::Parse(std::string_view text) {
  if (text == "Asia/Dubai" || text == "Asia/Muscat") return UtcOffset{240};
  if (text == "UTC" || text == "Etc/UTC" || text == "Z") return UtcOffset{0};
  if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  int sign = text[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : text.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  int h = 0, m = 0;
  if (digits.size() <= 2) {
    h = std::stoi(digits);
  } else if (digits.size() == 4) {
    h = std::stoi(digits.substr(0, 2));
    m = std::stoi(digits.substr(2));
  } else {
    return std::nullopt;
  }
  if (h > 14 || m > 59) return std::nullopt;
  return UtcOffset{sign * (h * 60 + m)};
}

int64_t DurationMinutes(Timestamp arrive, Timestamp leave) {
  int64_t us = leave - arrive;
  if (us <= 0) return 0;
  return (us + kMicrosPerMinute / 2) / kMicrosPerMinute;
}

int64_t BillableMicros(Timestamp arrive, Timestamp leave,
                       const std::optional<OperatingHours>& hours, UtcOffset offset) {
  if (leave <= arrive) return 0;
  if (!hours || hours->AllDay()) return leave - arrive;
  // Walk the local calendar days the stay touches and add the overlap with each day's window(s).
  const int64_t off = offset.minutes * kMicrosPerMinute;
  const int64_t a = arrive.micros() + off;
  const int64_t b = leave.micros() + off;
  const int64_t open = hours->open_minute * kMicrosPerMinute;
  const int64_t close = hours->close_minute * kMicrosPerMinute;
  auto overlap = [&](int64_t lo, int64_t hi) {
    int64_t s = std::max(lo, a), e = std::min(hi, b);
    return e > s ? e - s : 0;
  };
  int64_t total = 0;
  // Start a day early so a window that spans midnight from the day before is counted.
  for (int64_t day = Timestamp::FloorDiv(a, kMicrosPerDay) - 1; day * kMicrosPerDay < b; ++day) {
    int64_t base = day * kMicrosPerDay;
    if (open < close) {
      total += overlap(base + open, base + close);
    } else {
      total += overlap(base + open, base + kMicrosPerDay + close);
    }
  }
  return total;
}

Decimal Revenue(Decimal price_per_hour, int64_t billable_micros) {
  // micros of money = price_micros * billable_us / us_per_hour, in 128 bits: a long stay at a high
  // price overflows 64.
  Int128 num = static_cast<Int128>(price_per_hour.micros()) * billable_micros;
  Int128 den = static_cast<Int128>(kMicrosPerHour) * 10000;  // to cents
  Int128 cents = (num >= 0 ? num + den / 2 : num - den / 2) / den;
  return Decimal::FromMicros(static_cast<int64_t>(cents) * 10000, 2);
}

}  // namespace vdpark
