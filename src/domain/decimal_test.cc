#include "domain/decimal.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(DecimalTest, KeepsScaleForDisplayAndComparesByValue) {
  Decimal a = *Decimal::Parse("12.50");
  Decimal b = *Decimal::Parse("12.5");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.ToString(), "12.50");
  EXPECT_EQ(b.ToString(), "12.5");
  EXPECT_EQ(a.ToCanonicalString(), "12.5");
  EXPECT_EQ(Decimal::Parse("7")->ToString(), "7");
  EXPECT_EQ(Decimal::Parse("-0.125")->ToCanonicalString(), "-0.125");
  EXPECT_EQ(Decimal::Parse("3.000")->ToCanonicalString(), "3");
  EXPECT_LT(*Decimal::Parse("-1"), *Decimal::Parse("0.000001"));
}

TEST(DecimalTest, RejectsWhatIsNotExactMoney) {
  for (const char* bad : {"", "abc", "1.2.3", "1.1234567", "--1", ".", "1e5", "99999999999999"}) {
    auto d = Decimal::Parse(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
}

TEST(DecimalTest, FromDoubleRoundsHalfAwayFromZero) {
  EXPECT_EQ(Decimal::FromDouble(2.345, 2).ToString(), "2.35");
  EXPECT_EQ(Decimal::FromDouble(-2.5, 0).ToString(), "-3");
}

}  // namespace
}  // namespace vdpark
