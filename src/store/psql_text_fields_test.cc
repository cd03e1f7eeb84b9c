#include "store/psql_text_fields.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace vdpark {
namespace {

constexpr std::string_view kColumns[] = {"key", "n",   "price",  "at",   "hours",
                                         "lng", "lat", "status", "type", "note"};
constexpr std::nullopt_t NUL = std::nullopt;

using Fields = std::array<std::optional<std::string_view>, std::size(kColumns)>;

// A well-formed row; each test spoils one field.
Fields Good() {
  return {"zone-001",
          "42",
          "12.50",
          "2026-01-12 19:59:43.5+00",
          R"({"open":"08:00","close":"22:00"})",
          "55.27",
          "25.2",
          "Occupied",
          "leave",
          ""};
}

TEST(PsqlFieldReaderTest, ReadsEveryKindOfField) {
  Fields f = Good();
  PsqlFieldReader r(f, kColumns);
  EXPECT_EQ(r.Key(0), "zone-001");
  EXPECT_EQ(r.Int(1), 42);
  EXPECT_EQ(r.Dec(2)->ToString(), "12.50");
  EXPECT_EQ(r.Time(3)->ToIso(), "2026-01-12T19:59:43.500000Z");
  EXPECT_EQ(r.KeyTime(3), r.Time(3));
  EXPECT_EQ(r.Hours(4)->open_minute, 8 * 60);
  EXPECT_EQ(r.Location(5, 6), (GeoPoint{.lat = 25.2, .lng = 55.27}));
  EXPECT_EQ(r.BayStatusAt(7), BayStatus::kOccupied);
  EXPECT_EQ(r.EventTypeAt(8), EventType::kLeave);
  EXPECT_EQ(r.Text(9), "");  // the empty string is a value, not NULL
  EXPECT_EQ(r.Raw(9), "");
  EXPECT_FALSE(r.failed());
  EXPECT_TRUE(r.status().ok());
}

TEST(PsqlFieldReaderTest, NullIsNoValueExceptInKeys) {
  Fields f;
  f.fill(NUL);
  PsqlFieldReader r(f, kColumns);
  EXPECT_EQ(r.Int(1), std::nullopt);
  EXPECT_EQ(r.Dec(2), std::nullopt);
  EXPECT_EQ(r.Time(3), std::nullopt);
  EXPECT_EQ(r.Hours(4), std::nullopt);
  EXPECT_EQ(r.Location(5, 6), std::nullopt);
  EXPECT_EQ(r.BayStatusAt(7), BayStatus::kUnknown);
  EXPECT_EQ(r.Text(9), std::nullopt);
  EXPECT_EQ(r.Raw(9), std::nullopt);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.Key(0), "");
  EXPECT_EQ(r.status().message(), "column 'key': NULL in a key column");

  PsqlFieldReader time(f, kColumns);
  EXPECT_EQ(time.KeyTime(3), std::nullopt);
  EXPECT_EQ(time.status().message(), "column 'at': NULL in a key column");
  PsqlFieldReader type(f, kColumns);
  EXPECT_EQ(type.EventTypeAt(8), std::nullopt);
  EXPECT_EQ(type.status().message(), "column 'type': NULL (expected ARRIVE or LEAVE)");
}

TEST(PsqlFieldReaderTest, EachRefusalNamesTheColumnAndTheValue) {
  struct Case {
    size_t column;
    std::optional<std::string_view> value;
    std::string message;
  };
  const Case cases[] = {
      {1, "ten", "column 'n': bad integer 'ten'"},
      {1, "4.5", "column 'n': bad integer '4.5'"},
      {1, "99999999999999999999", "column 'n': bad integer '99999999999999999999'"},
      {3, "2026-13-01", "column 'at': bad timestamp '2026-13-01': month out of range"},
      {5, "east", "column 'lng': bad number 'east'"},
      {6, NUL, "column 'lat': NULL while 'lng' is set"},
      {5, NUL, "column 'lng': NULL while 'lat' is set"},
      {7, "broken",
       "column 'status': unknown bay status 'broken' (expected occupied, vacant or "
       "unknown)"},
      {8, "PARK", "column 'type': unknown event type 'PARK' (expected ARRIVE or LEAVE)"},
  };
  for (const Case& c : cases) {
    Fields f = Good();
    f[c.column] = c.value;
    PsqlFieldReader r(f, kColumns);
    r.Key(0);
    r.Int(1);
    r.Dec(2);
    r.Time(3);
    r.Hours(4);
    r.Location(5, 6);
    r.BayStatusAt(7);
    r.EventTypeAt(8);
    EXPECT_TRUE(r.failed()) << c.message;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << c.message;
    EXPECT_EQ(r.status().message(), c.message);
  }
  // The parsers' own reasons follow the column's name.
  Fields f = Good();
  f[2] = "1.2.3";
  f[4] = "{}";
  PsqlFieldReader dec(f, kColumns);
  EXPECT_EQ(dec.Dec(2), std::nullopt);
  EXPECT_TRUE(dec.status().message().starts_with("column 'price': ")) << dec.status().message();
  PsqlFieldReader hours(f, kColumns);
  EXPECT_EQ(hours.Hours(4), std::nullopt);
  EXPECT_TRUE(hours.status().message().starts_with("column 'hours': ")) << hours.status().message();
}

TEST(PsqlFieldReaderTest, TheFirstProblemIsKeptAndLaterReadsAreEmpty) {
  Fields f = Good();
  f[1] = "ten";
  f[7] = "broken";
  PsqlFieldReader r(f, kColumns);
  EXPECT_EQ(r.Int(1), std::nullopt);
  EXPECT_EQ(r.BayStatusAt(7), BayStatus::kUnknown);
  EXPECT_EQ(r.Key(0), "");
  EXPECT_EQ(r.Text(9), std::nullopt);
  EXPECT_EQ(r.Time(3), std::nullopt);
  r.Fail("duplicate key, first on line 2");
  r.Fail(0, "zone 'x' is not in zones.csv");
  EXPECT_EQ(r.status().message(), "column 'n': bad integer 'ten'");

  const Fields good = Good();
  PsqlFieldReader row(good, kColumns);
  row.Fail("duplicate key, first on line 2");
  EXPECT_EQ(row.status().message(), "duplicate key, first on line 2");
}

TEST(PsqlFieldReaderTest, TheWrongNumberOfFieldsFailsAtOnce) {
  const std::vector<std::optional<std::string_view>> three = {"a", "b", "c"};
  PsqlFieldReader r(three, kColumns);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.Key(0), "");
  EXPECT_EQ(r.Location(5, 6), std::nullopt);  // reads nothing past the row's end
  EXPECT_EQ(r.status().message(), "expected 10 columns, found 3");
}

TEST(PsqlFieldReaderTest, AValueInAMessageIsCutShort) {
  Fields f = Good();
  const std::string huge(1000, '9');
  const std::string value = huge + "x";
  f[1] = value;
  PsqlFieldReader r(f, kColumns);
  EXPECT_EQ(r.Int(1), std::nullopt);
  EXPECT_EQ(r.status().message(), "column 'n': bad integer '" + huge.substr(0, 64) + "'");
}

}  // namespace
}  // namespace vdpark
