#include "domain/duplicate_detector.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

ParkingEvent E(const char* zone, const char* bay, int64_t sec) {
  return ParkingEvent{.zone_id = zone, .bay_number = bay, .timestamp = Timestamp::FromSeconds(sec)};
}

TEST(DuplicateDetectorTest, TimeOrderedStreamIsExactWithSmallMemory) {
  DuplicateDetector d(false);
  EXPECT_FALSE(d.Seen(E("z1", "A", 10)));
  EXPECT_FALSE(d.Seen(E("z1", "B", 10)));  // same time, other bay
  EXPECT_TRUE(d.Seen(E("z1", "A", 10)));
  EXPECT_FALSE(d.Seen(E("z1", "A", 11)));
  EXPECT_TRUE(d.Seen(E("z1", "A", 11)));
  EXPECT_EQ(d.duplicates(), 2u);
  EXPECT_TRUE(d.exact());
}

TEST(DuplicateDetectorTest, KeyOrderedStreamComparesWithThePreviousKey) {
  DuplicateDetector d(true);
  EXPECT_FALSE(d.Seen(E("z1", "A", 10)));
  EXPECT_TRUE(d.Seen(E("z1", "A", 10)));
  EXPECT_FALSE(d.Seen(E("z1", "A", 20)));
  EXPECT_FALSE(d.Seen(E("z1", "B", 5)));
  EXPECT_EQ(d.duplicates(), 1u);
  EXPECT_TRUE(d.exact());
}

TEST(DuplicateDetectorTest, UnorderedStreamFallsBackAndSaysTheCountIsALowerBound) {
  DuplicateDetector d(false);
  d.Seen(E("z1", "A", 10));
  d.Seen(E("z1", "A", 20));
  EXPECT_FALSE(d.Seen(E("z1", "B", 5)));  // back in time: switch to remembering everything
  EXPECT_TRUE(d.Seen(E("z1", "B", 5)));
  EXPECT_FALSE(d.exact());
  EXPECT_EQ(d.duplicates(), 1u);
}

}  // namespace
}  // namespace vdpark
