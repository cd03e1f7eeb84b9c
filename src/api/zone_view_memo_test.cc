#include "api/zone_view_memo.h"

#include <gtest/gtest.h>

#include <string>

#include "api/json_views.h"

namespace vdpark {
namespace {

std::string Written(const Zone& z) {
  std::string out;
  AppendZoneJson(z, false, &out);
  return out;
}

std::string FromMemo(ZoneViewMemo& memo, const Zone& z) {
  std::string out;
  memo.AppendView(z, &out);
  return out;
}

// Whatever changes in a zone's record, the text is what AppendZoneJson writes from it now.
TEST(ZoneViewMemoTest, TheTextIsAlwaysWhatTheRecordSaysNow) {
  ZoneViewMemo memo;
  Zone z{.zone_id = "zone-1", .name = "North", .total_bays = 10, .occupied_bays = 3};
  z.location = GeoPoint{25.1, 55.2};
  auto check = [&](const char* after) {
    EXPECT_EQ(FromMemo(memo, z), Written(z)) << after;
    EXPECT_EQ(FromMemo(memo, z), Written(z)) << after;
  };
  check("the first listing");
  z.occupied_bays = 4;
  check("an arrival");
  z.location->lng += 1e-6;
  check("moved by a millionth of a degree");
  z.price_per_hour = Decimal::FromInt(5);
  check("a price");
  z.name.reset();
  check("no name");
  Zone other{.zone_id = "zone-2", .name = "South", .total_bays = 1, .occupied_bays = 0};
  EXPECT_EQ(FromMemo(memo, other), Written(other));
  check("another zone listed between");
}

// Past its bound it keeps nothing, and the text is still right.
TEST(ZoneViewMemoTest, StaysWithinItsBound) {
  ZoneViewMemo memo(10);
  Zone z{.zone_id = "zone-1", .name = "North", .total_bays = 10, .occupied_bays = 3};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(FromMemo(memo, z), Written(z));
}

}  // namespace
}  // namespace vdpark
