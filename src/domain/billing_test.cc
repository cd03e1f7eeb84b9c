#include "domain/billing.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

Timestamp T(const char* s) {
  return *Timestamp::Parse(s);
}
OperatingHours Hours(const char* json) {
  return *OperatingHours::ParseJson(json);
}

TEST(BillingTest, DurationIsRoundedWholeMinutes) {
  EXPECT_EQ(DurationMinutes(T("2026-01-12T10:00:00Z"), T("2026-01-12T10:44:29Z")), 44);
  EXPECT_EQ(DurationMinutes(T("2026-01-12T10:00:00Z"), T("2026-01-12T10:44:30Z")), 45);
  EXPECT_EQ(DurationMinutes(T("2026-01-12T10:00:00Z"), T("2026-01-12T10:00:00Z")), 0);
}

TEST(BillingTest, OnlyTheStayInsideOperatingHoursInDubaiTimeIsBilled) {
  auto h = Hours(R"({"open":"08:00","close":"22:00"})");
  UtcOffset dubai;  // +04:00
  // 07:00-09:00 Dubai = 03:00-05:00 UTC: one hour billable (08:00-09:00).
  EXPECT_EQ(BillableMicros(T("2026-01-12T03:00:00Z"), T("2026-01-12T05:00:00Z"), h, dubai),
            kMicrosPerHour);
  // 21:00 Dubai to 09:00 Dubai next day: 1 h + 1 h.
  EXPECT_EQ(BillableMicros(T("2026-01-12T17:00:00Z"), T("2026-01-13T05:00:00Z"), h, dubai),
            2 * kMicrosPerHour);
  // Entirely at night: nothing.
  EXPECT_EQ(BillableMicros(T("2026-01-12T19:00:00Z"), T("2026-01-12T23:00:00Z"), h, dubai), 0);
  // The same stay in UTC bookkeeping would be billed differently: the offset matters.
  EXPECT_NE(BillableMicros(T("2026-01-12T03:00:00Z"), T("2026-01-12T05:00:00Z"), h, UtcOffset{0}),
            kMicrosPerHour);
}

TEST(BillingTest, AllDayAndOvernightWindows) {
  auto all_day = Hours(R"({"open":"00:00","close":"23:59"})");
  EXPECT_TRUE(all_day.AllDay());
  EXPECT_EQ(BillableMicros(T("2026-01-12T00:00:00Z"), T("2026-01-13T00:00:00Z"), all_day, {}),
            kMicrosPerDay);
  EXPECT_EQ(BillableMicros(T("2026-01-12T00:00:00Z"), T("2026-01-12T01:00:00Z"), std::nullopt, {}),
            kMicrosPerHour);
  // 20:00-02:00 spans midnight: a stay 01:00-03:00 local bills one hour.
  auto night = Hours(R"({"open":"20:00","close":"02:00"})");
  EXPECT_EQ(
      BillableMicros(T("2026-01-12T01:00:00Z"), T("2026-01-12T03:00:00Z"), night, UtcOffset{0}),
      kMicrosPerHour);
}

TEST(BillingTest, RevenueIsPriceTimesBillableHoursToTwoDecimals) {
  EXPECT_EQ(Revenue(*Decimal::Parse("10"), 90 * kMicrosPerMinute).ToString(), "15.00");
  // 7.5 AED/h for 50 minutes = 6.25
  EXPECT_EQ(Revenue(*Decimal::Parse("7.50"), 50 * kMicrosPerMinute).ToString(), "6.25");
  // 4 AED/h for 1 minute = 0.0666.. -> 0.07
  EXPECT_EQ(Revenue(*Decimal::Parse("4"), kMicrosPerMinute).ToString(), "0.07");
  // No overflow on a long stay at a high price.
  EXPECT_EQ(Revenue(*Decimal::Parse("1000"), 365 * kMicrosPerDay).ToString(), "8760000.00");
}

TEST(BillingTest, UtcOffsetParsing) {
  EXPECT_EQ(UtcOffset::Parse("Asia/Dubai")->minutes, 240);
  EXPECT_EQ(UtcOffset::Parse("+05:30")->minutes, 330);
  EXPECT_EQ(UtcOffset::Parse("-0300")->minutes, -180);
  EXPECT_FALSE(UtcOffset::Parse("Mars/Olympus"));
}

}  // namespace
}  // namespace vdpark
