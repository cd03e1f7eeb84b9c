#include "api/json_views.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace vdpark {
namespace {

// Strings are escaped as Boost.JSON's serializer escapes them: every byte value, alone and
// between other text, in values and in keys.
TEST(JsonViewsTest, StringsAreWrittenAsBoostJsonWritesThem) {
  for (int c = 0; c < 256; ++c) {
    std::string s = "a";
    s += static_cast<char>(c);
    s += "b\xc3\xa9";
    const json::value v(s);
    EXPECT_EQ(ToJsonText(v), json::serialize(v)) << "byte " << c;
    const json::value o = json::object{{s, 1}};
    EXPECT_EQ(ToJsonText(o), json::serialize(o)) << "byte " << c;
  }
  EXPECT_EQ(ToJsonText(json::value("")), "\"\"");
  EXPECT_EQ(ToJsonText(json::value("\"\\\n")), R"("\"\\\n")");
}

// Numbers as people write them, and a whole view in the order of its fields.
TEST(JsonViewsTest, ViewsKeepTheirFieldOrderAndPlainNumbers) {
  Zone z;
  z.zone_id = "zone-1";
  z.name = "North";
  z.total_bays = 4;
  z.occupied_bays = 1;
  z.location = GeoPoint{25.0805, 55.1403};
  EXPECT_EQ(ToJsonText(ZoneJson(z, false)),
            R"({"zoneId":"zone-1","name":"North","address":null,"city":null,"totalBays":4,)"
            R"("occupiedBays":1,"vacantBays":3,"occupancyRate":25,"location":{"lat":25.0805,)"
            R"("lng":55.1403},"pricePerHour":null,"operatingHours":null})");
}

// Doubles are written as fmt writes them (the shortest text that reads back as the same double),
// whether by the path for exact millionths (coordinates, prices) or by fmt itself: at the edges of
// that path, on either side of them, and over many values of every magnitude.
TEST(JsonViewsTest, DoublesAreTheShortestTextThatReadsBack) {
  std::vector<double> values = {
      0,       -0.0,     1,           -1,        25,        0.1 + 0.2,
      1e-3,    9.99e-4,  0.0010001,   0.000999,  1e9,       999999999.999999,
      1e9 - 1, 1e15,     25.118396,   55.38836,  -55.1403,  12.5,
      0.5,     1.000001, 123456.7891, 1e-7,      1.5e300,   -2.5e-300,
      47.1,    99.9,     100,         1.0 / 3.0, 2.0 / 3.0, 0.30000000000000004};
  std::mt19937_64 rng(20261206);
  for (int i = 0; i < 200000; ++i) {
    const double millionths = static_cast<double>(rng() % 2000000000000000ULL);
    const int shift = static_cast<int>(rng() % 13);  // from 10^-12 to 10^0 times them
    values.push_back((rng() % 2 ? -1 : 1) * millionths / 1e6 / std::pow(10.0, shift));
    values.push_back(
        std::bit_cast<double>((rng() & ~(0x7ffULL << 52)) | ((rng() % 2046 + 1) << 52)));
  }
  for (double d : values) {
    EXPECT_EQ(ToJsonText(json::value(d)), fmt::format("{}", d)) << fmt::format("{:.17g}", d);
  }
}

// The views written straight to text are the objects as ToJsonText writes them, field for field,
// with every field present or absent.
TEST(JsonViewsTest, ViewsWrittenAsTextAreTheObjectsWritten) {
  Zone bare;
  bare.zone_id = "z\"1";
  Zone full = bare;
  full.name = "North \\ \x01";
  full.address = "Sheikh Zayed Rd";
  full.city = "Dubai";
  full.total_bays = 7;
  full.occupied_bays = 9;
  full.location = GeoPoint{25.0805, -55.1403};
  full.price_per_hour = *Decimal::Parse("12.5");
  full.operating_hours = *OperatingHours::ParseJson(R"({"open":"08:05","close":"24:00"})");
  full.tenant_id = "tenant-a";
  full.created_at = *Timestamp::Parse("2024-05-01T05:00:00.123456Z");
  for (const Zone& z : {bare, full}) {
    for (bool detail : {false, true}) {
      std::string text;
      AppendZoneJson(z, detail, &text);
      EXPECT_EQ(text, ToJsonText(ZoneJson(z, detail))) << z.zone_id << " " << detail;
    }
  }
  const Timestamp now = *Timestamp::Parse("2026-03-04T22:00:00Z");
  Bay bay;
  bay.zone_id = "zone-1";
  bay.bay_number = "A-001";
  Bay occupied = bay;
  occupied.sensor_id = "PSL01B-1";
  occupied.status = BayStatus::kOccupied;
  occupied.last_change = *Timestamp::Parse("2026-03-04T20:00:00Z");
  occupied.occupied_since = occupied.last_change;
  occupied.last_heartbeat = now;
  occupied.bay_type = "ev";
  occupied.location = GeoPoint{25.08, 55.14};
  Sensor sensor;
  sensor.last_battery = 88;
  Sensor full_sensor = sensor;
  full_sensor.last_signal = -71;
  for (const Bay& b : {bay, occupied}) {
    const Sensor* sensors[] = {nullptr, &sensor, &full_sensor};
    for (const Sensor* s : sensors) {
      for (bool detail : {false, true}) {
        std::string text;
        AppendBayJson(b, s, now, detail, &text);
        EXPECT_EQ(text, ToJsonText(BayJson(b, s, now, detail))) << b.bay_number << " " << detail;
      }
    }
  }
}

}  // namespace
}  // namespace vdpark
