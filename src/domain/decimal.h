// Decimal: an exact decimal number for money (prices, revenue), as PostgreSQL's `numeric` and
// DynamoDB's N type hold them. Kept as an integer count of millionths, so sums and comparisons are
// exact; the number of fraction digits it was written with (its scale) is kept for display, so
// "12.50" read from the source is written back as "12.50". Equality compares values only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vdpark {

class Decimal {
 public:
  static constexpr int kMaxScale = 6;
  static constexpr int64_t kUnit = 1000000;  // millionths in one

  constexpr Decimal() = default;
  static constexpr Decimal FromMicros(int64_t micros, int scale) { return Decimal(micros, scale); }
  static Decimal FromInt(int64_t v) { return Decimal(v * kUnit, 0); }
  // Rounds `v` half away from zero to `scale` fraction digits.
  static Decimal FromDouble(double v, int scale);

  // "-12.50", "7", "0.125", "3." ; at most 6 fraction digits, or it is an error (no silent rounding
  // of money). The error names `text`.
  static Result<Decimal> Parse(std::string_view text);

  constexpr int64_t micros() const { return micros_; }
  constexpr int scale() const { return scale_; }
  double ToDouble() const { return static_cast<double>(micros_) / kUnit; }

  // The value with exactly scale() fraction digits: "12.50".
  std::string ToString() const;
  // The value with no trailing zeros: "12.5", as DynamoDB's N type and JSON carry it.
  std::string ToCanonicalString() const;

  constexpr bool operator==(const Decimal& o) const { return micros_ == o.micros_; }
  constexpr auto operator<=>(const Decimal& o) const { return micros_ <=> o.micros_; }

 private:
  constexpr Decimal(int64_t micros, int scale) : micros_(micros), scale_(scale) {}
  int64_t micros_ = 0;
  int scale_ = 0;
};

}  // namespace vdpark
