// Timestamp: an instant in UTC with microsecond precision, and the text forms it travels in.
//
// Every timestamp that vdpark writes into a key or an attribute is ISO-8601 UTC at fixed width
// with microseconds ("2026-01-12T19:59:43.123456Z"), so that string order is time order and
// TimescaleDB's precision survives a round trip. Inputs in other forms are normalized:
//   - ISO-8601 with 'T' or ' ' between date and time, 0 to 9 fraction digits (beyond 6 truncated),
//     and an offset of 'Z', '+HH', '+HHMM' or '+HH:MM' (psql writes "2026-01-12 23:59:43.1+04");
//     no offset means UTC;
//   - epoch milliseconds, as sensors send them (a string of 11 to 14 digits, or a number).
//
// The range. vdpark holds times from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z
// inclusive, and nothing from outside it: Parse and FromMillisChecked / FromMicrosChecked (every
// conversion of outside input) refuse anything else with an error that says the range, and the
// record rules (record_rules.h) refuse a record holding such a time before any store writes it.
// Why these bounds: a four-digit year keeps the ISO text fixed width, so that string order is time
// order in every key; 9999 is the last such year. 1900 keeps the lower end as far from year 0 as
// the ±18 h of an offset could ever need, holds every date a parking record has (nothing in a
// fleet was installed or parked before then) and still reads the odd time before 1970 that a
// source database holds; a negative epoch number from a sign error or an overflow (year 0, 1969
// from 2^63 ms) lands outside it. Within the range microseconds are below 2^58, so sums and
// differences of two times, and a time plus a day or a year, cannot overflow.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vdpark {

class Timestamp {
 public:
  constexpr Timestamp() = default;
  static constexpr Timestamp FromMicros(int64_t us) { return Timestamp(us); }
  static constexpr Timestamp FromMillis(int64_t ms) { return Timestamp(ms * 1000); }
  static constexpr Timestamp FromSeconds(int64_t s) { return Timestamp(s * 1000000); }
  static Timestamp Now();

  // The range above, in microseconds since the epoch, and as the errors word it.
  static constexpr int64_t kMinMicros = -2208988800LL * 1000000;  // 1900-01-01T00:00:00Z
  static constexpr int64_t kMaxMicros =
      253402300800LL * 1000000 - 1;  // 9999-12-31T23:59:59.999999Z
  static constexpr std::string_view kRangeText =
      "1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z";

  // Whether the time is within the range.
  constexpr bool InRange() const { return us_ >= kMinMicros && us_ <= kMaxMicros; }
  // OK, or kInvalidArgument "TEXT is outside the range ... (kRangeText)".
  Status CheckRange() const;

  // Epoch milliseconds (microseconds) from outside input: kInvalidArgument saying the range when
  // the time would fall outside it (never an overflow).
  static Result<Timestamp> FromMillisChecked(int64_t ms);
  static Result<Timestamp> FromMicrosChecked(int64_t us);

  // Parses any of the accepted forms above, within the range. The error names what was wrong with
  // `text`: its form, or that it is outside the range (an offset may carry a time over the edge of
  // year 9999 or 1900: "9999-12-31T23:00-05:00" is refused).
  static Result<Timestamp> Parse(std::string_view text);

  constexpr int64_t micros() const { return us_; }
  constexpr int64_t seconds() const { return FloorDiv(us_, 1000000); }

  // "2026-01-12T19:59:43.123456Z": 27 characters, always.
  std::string ToIso() const;
  // Appends ToIso() to `out` without allocating a temporary.
  void AppendIso(std::string* out) const;
  // psql's text form in a session whose TimeZone is UTC: "2026-01-12 19:59:43.1234+00", fraction
  // digits trimmed of trailing zeros and left out when zero, as PostgreSQL prints timestamptz.
  std::string ToPsql() const;
  // "2026-01-12": the UTC calendar day.
  std::string DayIso() const;

  constexpr auto operator<=>(const Timestamp&) const = default;
  constexpr Timestamp operator+(int64_t us) const { return Timestamp(us_ + us); }
  constexpr int64_t operator-(Timestamp other) const { return us_ - other.us_; }

  static constexpr int64_t FloorDiv(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
  }

 private:
  constexpr explicit Timestamp(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// Days since 1970-01-01 for a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

// Writes "YYYY-MM-DD<sep>HH:MM:SS" (19 characters, UTC) of `t` at `out`, and its microseconds
// past the second to *frac_micros. False, writing nothing, when the year is outside 0-9999 (not
// fixed width). By hand: the single table's items and the csv export format times by the million,
// and snprintf cost more than the rest of a row together.
bool WriteCivilSeconds(Timestamp t, char sep, char* out, int64_t* frac_micros);

// Writes `v` as exactly `width` decimal digits at `out` (v >= 0, leading zeros).
inline void WriteDigits(char* out, int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) out[i] = static_cast<char>('0' + v % 10);
}

}  // namespace vdpark
