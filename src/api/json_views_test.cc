#include "api/json_views.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace vdpark
