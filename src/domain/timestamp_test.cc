#include "domain/timestamp.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

std::string Iso(std::string_view text) {
  auto t = Timestamp::Parse(text);
  return t.ok() ? t->ToIso() : "error: " + t.status().message();
}

TEST(TimestampTest, PsqlFormWithOffsetIsNormalizedToUtc) {
  EXPECT_EQ(Iso("2026-01-12 23:59:43.123456+04"), "2026-01-12T19:59:43.123456Z");
  EXPECT_EQ(Iso("2026-01-12 23:59:43+04"), "2026-01-12T19:59:43.000000Z");
  EXPECT_EQ(Iso("2026-01-12 02:00:00.5+04:30"), "2026-01-11T21:30:00.500000Z");
  EXPECT_EQ(Iso("2026-01-12 02:00:00-0130"), "2026-01-12T03:30:00.000000Z");
}

TEST(TimestampTest, IsoFormsAndFractionDigits) {
  EXPECT_EQ(Iso("2026-01-12T19:59:43.123456Z"), "2026-01-12T19:59:43.123456Z");
  EXPECT_EQ(Iso("2026-01-12T19:59:43.1Z"), "2026-01-12T19:59:43.100000Z");
  EXPECT_EQ(Iso("2026-01-12T19:59:43.123456789Z"), "2026-01-12T19:59:43.123456Z");
  EXPECT_EQ(Iso("2026-01-12T19:59Z"), "2026-01-12T19:59:00.000000Z");
  EXPECT_EQ(Iso("2026-01-12 19:59:43"), "2026-01-12T19:59:43.000000Z");  // no offset: UTC
  EXPECT_EQ(Iso("2026-01-12"), "2026-01-12T00:00:00.000000Z");
  EXPECT_EQ(Iso("  2024-02-29T00:00:00Z "), "2024-02-29T00:00:00.000000Z");
}

TEST(TimestampTest, EpochMillisecondsFromSensors) {
  EXPECT_EQ(Iso("1736678400000"), "2025-01-12T10:40:00.000000Z");
  EXPECT_EQ(Iso("1736678400123"), "2025-01-12T10:40:00.123000Z");
  EXPECT_EQ(Timestamp::FromMillis(1736678400123).ToIso(), "2025-01-12T10:40:00.123000Z");
}

TEST(TimestampTest, RejectsWhatIsNotATime) {
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "2025-02-29", "2026-01-12T25:00:00Z",
                          "2026-01-12T10:61:00Z", "12345", "2026-01-12T10:00:00+99",
                          "2026-01-12T10:00:00Zjunk", "yesterday", "2026-01-12T10:00:00."}) {
    auto t = Timestamp::Parse(bad);
    EXPECT_FALSE(t.ok()) << bad << " parsed as " << (t.ok() ? t->ToIso() : "");
    if (!t.ok()) {
      EXPECT_TRUE(t.status().IsInvalidArgument());
    }
  }
  EXPECT_NE(Timestamp::Parse("2026-13-01").status().message().find("month"), std::string::npos);
}

TEST(TimestampTest, FixedWidthIsoSortsAsTime) {
  Timestamp a = *Timestamp::Parse("1999-12-31T23:59:59.999999Z");
  Timestamp b = *Timestamp::Parse("2000-01-01T00:00:00Z");
  EXPECT_LT(a, b);
  EXPECT_LT(a.ToIso(), b.ToIso());
  EXPECT_EQ(a.ToIso().size(), 27u);
  Timestamp before_epoch = *Timestamp::Parse("1969-12-31T23:59:59.5Z");
  EXPECT_EQ(before_epoch.micros(), -500000);
  EXPECT_EQ(before_epoch.ToIso(), "1969-12-31T23:59:59.500000Z");
}

TEST(TimestampTest, ParseRefusesTimesOutsideTheRangeSayingIt) {
  // Offsets that carry a time over the edge of year 0000, 1900 or 9999 count, as do the years.
  for (const char* bad : {"0000-01-01T00:00:00+05:00", "0000-01-01", "1899-12-31T23:59:59.999999Z",
                          "1900-01-01T00:00:00+00:01", "9999-12-31T23:00:00-05:00",
                          "9999-12-31 23:59:59.999999-00:01"}) {
    auto t = Timestamp::Parse(bad);
    ASSERT_FALSE(t.ok()) << bad << " parsed as " << t->ToIso();
    EXPECT_TRUE(t.status().IsInvalidArgument());
    EXPECT_NE(t.status().message().find("1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"),
              std::string::npos)
        << t.status().message();
  }
  // The edges themselves are in, and print at fixed width.
  EXPECT_EQ(Iso("1900-01-01T00:00:00Z"), "1900-01-01T00:00:00.000000Z");
  EXPECT_EQ(Iso("9999-12-31T23:59:59.999999Z"), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(Iso("9999-12-31T23:00:00+05:00"), "9999-12-31T18:00:00.000000Z");
  EXPECT_EQ(Iso("1900-01-01T02:00:00+01:00"), "1900-01-01T01:00:00.000000Z");
}

TEST(TimestampTest, PsqlOutputTrimsFractionAsPostgresDoes) {
  EXPECT_EQ(Timestamp::Parse("2026-01-12T19:59:43.123400Z")->ToPsql(),
            "2026-01-12 19:59:43.1234+00");
  EXPECT_EQ(Timestamp::Parse("2026-01-12T19:59:43Z")->ToPsql(), "2026-01-12 19:59:43+00");
  EXPECT_EQ(Timestamp::Parse("2026-01-12T19:59:43.000001Z")->ToPsql(),
            "2026-01-12 19:59:43.000001+00");
  // psql's output parses back to the same instant.
  Timestamp t = *Timestamp::Parse("2026-03-04T05:06:07.08Z");
  EXPECT_EQ(*Timestamp::Parse(t.ToPsql()), t);
  EXPECT_EQ(t.DayIso(), "2026-03-04");
}

}  // namespace
}  // namespace vdpark
