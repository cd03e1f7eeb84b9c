#include "domain/decimal.h"

#include <cmath>
#include <limits>

namespace vdpark {

Decimal Decimal::FromDouble(double v, int scale) {
  double step = std::pow(10.0, kMaxScale - scale);
  double rounded = std::round(v * std::pow(10.0, scale)) * step;
  return Decimal(static_cast<int64_t>(rounded), scale);
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    std::string msg = "bad number '";
    msg.append(text.substr(0, 64));
    msg += "': ";
    msg += why;
    return Status::InvalidArgument(msg);
  };
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return bad("empty");
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 10;
  int64_t whole = 0;
  size_t i = 0;
  int int_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_digits) {
    if (whole > kLimit / kUnit) return bad("too large");
    whole = whole * 10 + (s[i] - '0');
  }
  int64_t frac = 0;
  int scale = 0;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (++scale > kMaxScale) return bad("more than 6 fraction digits");
      frac = frac * 10 + (s[i] - '0');
    }
  }
  if (i != s.size()) return bad("not a decimal number");
  if (int_digits == 0 && scale == 0) return bad("no digits");
  for (int k = scale; k < kMaxScale; ++k) frac *= 10;
  int64_t micros = whole * kUnit + frac;
  return Decimal(negative ? -micros : micros, scale);
}

std::string Decimal::ToString() const {
  int64_t a = micros_ < 0 ? -micros_ : micros_;
  std::string out = micros_ < 0 ? "-" : "";
  out += std::to_string(a / kUnit);
  if (scale_ > 0) {
    std::string frac = std::to_string(a % kUnit);
    frac.insert(0, kMaxScale - frac.size(), '0');
    out += '.';
    out += frac.substr(0, scale_);
  }
  return out;
}

std::string Decimal::ToCanonicalString() const {
  int64_t a = micros_ < 0 ? -micros_ : micros_;
  std::string out = micros_ < 0 ? "-" : "";
  out += std::to_string(a / kUnit);
  if (a % kUnit != 0) {
    std::string frac = std::to_string(a % kUnit);
    frac.insert(0, kMaxScale - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    out += '.';
    out += frac;
  }
  return out;
}

}  // namespace vdpark
