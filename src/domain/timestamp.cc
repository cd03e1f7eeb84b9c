#include "domain/timestamp.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace vdpark {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

Timestamp Timestamp::Now() {
  using namespace std::chrono;
  return FromMicros(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

namespace {

// Reads exactly `n` digits at `*p`; false when there are fewer.
bool ReadDigits(std::string_view s, size_t* p, int n, int* out) {
  if (*p + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*p + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status Bad(std::string_view text, std::string_view why) {
  std::string msg = "bad timestamp '";
  msg.append(text.substr(0, 64));
  msg += "': ";
  msg += why;
  return Status::InvalidArgument(msg);
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

Status Timestamp::CheckRange() const {
  if (InRange()) return Status::OK();
  std::string msg = "'";
  AppendIso(&msg);
  msg += "' is outside the range ";
  msg += kRangeText;
  return Status::InvalidArgument(msg);
}

Result<Timestamp> Timestamp::FromMicrosChecked(int64_t us) {
  if (us < kMinMicros || us > kMaxMicros) {
    return Status::InvalidArgument("epoch " + std::to_string(us) + " µs is outside the range " +
                                   std::string(kRangeText));
  }
  return FromMicros(us);
}

Result<Timestamp> Timestamp::FromMillisChecked(int64_t ms) {
  // Compared before multiplying: ms * 1000 overflows long before int64's end.
  if (ms < FloorDiv(kMinMicros, 1000) || ms > FloorDiv(kMaxMicros, 1000)) {
    return Status::InvalidArgument("epoch " + std::to_string(ms) + " ms is outside the range " +
                                   std::string(kRangeText));
  }
  return FromMillis(ms);
}

Result<Timestamp> Timestamp::Parse(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return Bad(text, "empty");

  // Epoch milliseconds: 11 to 14 digits covers 1973 to 2286; a shorter run of digits is far more
  // likely a mistake (seconds, or a truncated value) than a time in 1970.
  if (AllDigits(s)) {
    if (s.size() < 11 || s.size() > 14) return Bad(text, "digits alone must be epoch milliseconds");
    int64_t ms = 0;
    std::from_chars(s.data(), s.data() + s.size(), ms);
    return FromMillis(ms);  // 14 digits at most: years 1973 to 5138, within the range
  }

  size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, &p, 4, &year) || p >= s.size() || s[p++] != '-' ||
      !ReadDigits(s, &p, 2, &month) || p >= s.size() || s[p++] != '-' ||
      !ReadDigits(s, &p, 2, &day)) {
    return Bad(text, "expected YYYY-MM-DD");
  }
  if (month < 1 || month > 12) return Bad(text, "month out of range");
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month)) {
    return Bad(text, "day out of range");
  }
  int64_t us = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return Bad(text, "expected 'T' after the date");
    ++p;
    if (!ReadDigits(s, &p, 2, &hour) || p >= s.size() || s[p++] != ':' ||
        !ReadDigits(s, &p, 2, &minute)) {
      return Bad(text, "expected HH:MM after the date");
    }
    second = 0;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!ReadDigits(s, &p, 2, &second)) return Bad(text, "expected seconds after HH:MM:");
    }
    if (hour > 23 || minute > 59 || second > 59) return Bad(text, "time of day out of range");
    int64_t frac = 0;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      int digits = 0;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        if (digits < 6) frac = frac * 10 + (s[p] - '0');
        ++digits;
        ++p;
      }
      if (digits == 0) return Bad(text, "expected digits after the decimal point");
      for (int i = digits; i < 6; ++i) frac *= 10;
    }
    us = ((hour * 60LL + minute) * 60 + second) * kMicrosPerSecond + frac;
    // The offset: Z, +HH, +HHMM, +HH:MM (psql prints "+04"; some tools "+04:00").
    if (p < s.size()) {
      char c = s[p];
      if (c == 'Z' || c == 'z') {
        ++p;
      } else if (c == '+' || c == '-') {
        ++p;
        int oh = 0, om = 0;
        if (!ReadDigits(s, &p, 2, &oh)) return Bad(text, "expected an offset of +HH[:MM]");
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size() && !ReadDigits(s, &p, 2, &om)) {
          return Bad(text, "expected offset minutes");
        }
        if (oh > 18 || om > 59) return Bad(text, "offset out of range");
        int64_t off = (oh * 60LL + om) * kMicrosPerMinute;
        us += c == '+' ? -off : off;
      }
      if (p != s.size()) return Bad(text, "unexpected text after the time");
    }
  }
  const Timestamp t = FromMicros(DaysFromCivil(year, month, day) * kMicrosPerDay + us);
  if (!t.InRange()) {
    return Bad(text, "outside the range " + std::string(kRangeText) + " (in UTC)");
  }
  return t;
}

bool WriteCivilSeconds(Timestamp t, char sep, char* out, int64_t* frac_micros) {
  const int64_t days = Timestamp::FloorDiv(t.micros(), kMicrosPerDay);
  const int64_t rem = t.micros() - days * kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) return false;
  const int64_t secs = rem / kMicrosPerSecond;
  WriteDigits(out, y, 4);
  out[4] = '-';
  WriteDigits(out + 5, m, 2);
  out[7] = '-';
  WriteDigits(out + 8, d, 2);
  out[10] = sep;
  WriteDigits(out + 11, secs / 3600, 2);
  out[13] = ':';
  WriteDigits(out + 14, secs / 60 % 60, 2);
  out[16] = ':';
  WriteDigits(out + 17, secs % 60, 2);
  *frac_micros = rem % kMicrosPerSecond;
  return true;
}

void Timestamp::AppendIso(std::string* out) const {
  char buf[40];
  int64_t frac = 0;
  if (WriteCivilSeconds(*this, 'T', buf, &frac)) {
    buf[19] = '.';
    WriteDigits(buf + 20, frac, 6);
    buf[26] = 'Z';
    out->append(buf, 27);
    return;
  }
  // A year that is not four digits: printf spells the sign and the width.
  const int64_t days = FloorDiv(us_, kMicrosPerDay);
  const int64_t rem = us_ - days * kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / kMicrosPerSecond;
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                        static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                        static_cast<long long>(rem % kMicrosPerSecond));
  out->append(buf, n);
}

std::string Timestamp::ToIso() const {
  std::string s;
  s.reserve(27);
  AppendIso(&s);
  return s;
}

std::string Timestamp::ToPsql() const {
  std::string iso = ToIso();  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  std::string out = iso.substr(0, 19);
  out[10] = ' ';
  std::string frac = iso.substr(20, 6);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += "." + frac;
  out += "+00";
  return out;
}

std::string Timestamp::DayIso() const {
  return ToIso().substr(0, 10);
}

}  // namespace vdpark
