#include "domain/duplicate_detector.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

ParkingEvent E(const char* zone, const char* bay, int64_t sec) {
  return ParkingEvent{.zone_id = zone, .bay_number = bay, .timestamp = Timestamp::FromSeconds(sec)};
}

TEST(DuplicateDetectorTest, TimeOrderedStreamIsExactWithSmallMemory) {
  DuplicateDetector d(EventOrder::kTime);
  EXPECT_FALSE(d.Seen(E("z1", "A", 10)));
  EXPECT_FALSE(d.Seen(E("z1", "B", 10)));  // same time, other bay
  EXPECT_TRUE(d.Seen(E("z1", "A", 10)));
  EXPECT_FALSE(d.Seen(E("z1", "A", 11)));
  EXPECT_TRUE(d.Seen(E("z1", "A", 11)));
  EXPECT_EQ(d.duplicates(), 2u);
  EXPECT_TRUE(d.exact());
}

TEST(DuplicateDetectorTest, KeyOrderedStreamComparesWithThePreviousKey) {
  DuplicateDetector d(EventOrder::kKey);
  EXPECT_FALSE(d.Seen(E("z1", "A", 10)));
  EXPECT_TRUE(d.Seen(E("z1", "A", 10)));
  EXPECT_FALSE(d.Seen(E("z1", "A", 20)));
  EXPECT_FALSE(d.Seen(E("z1", "B", 5)));
  EXPECT_EQ(d.duplicates(), 1u);
  EXPECT_TRUE(d.exact());
}

TEST(DuplicateDetectorTest, UnorderedStreamFallsBackAndSaysTheCountIsALowerBound) {
  DuplicateDetector d(EventOrder::kTime);
  d.Seen(E("z1", "A", 10));
  d.Seen(E("z1", "A", 20));
  EXPECT_FALSE(d.Seen(E("z1", "B", 5)));  // back in time: switch to remembering everything
  EXPECT_TRUE(d.Seen(E("z1", "B", 5)));
  EXPECT_FALSE(d.exact());
  EXPECT_EQ(d.duplicates(), 1u);
}

TEST(DuplicateDetectorTest, StreamInNoOrderRemembersEveryKeyAndStaysExact) {
  DuplicateDetector d(EventOrder::kNone);
  // Enough keys to grow the table several times; every tenth is sent again much later.
  for (int i = 0; i < 20000; ++i) EXPECT_FALSE(d.Seen(E("z1", "A", (i * 7919) % 20000)));
  for (int i = 0; i < 20000; i += 10) EXPECT_TRUE(d.Seen(E("z1", "A", i)));
  EXPECT_FALSE(d.Seen(E("z1", "B", 3)));  // same time, other bay
  EXPECT_FALSE(d.Seen(E("z2", "A", 3)));  // same time, other zone
  EXPECT_EQ(d.duplicates(), 2000u);
  EXPECT_TRUE(d.exact());
}

TEST(DuplicateDetectorTest, CountDecidesLaterButCountsTheSameAsSeen) {
  DuplicateDetector seen(EventOrder::kNone), counted(EventOrder::kNone);
  for (int i = 0; i < 5000; ++i) {
    const ParkingEvent e = E(i % 3 ? "z1" : "z2", "A", (i * 37) % 1500);
    seen.Seen(e);
    counted.Count(e);
  }
  EXPECT_GT(seen.duplicates(), 0u);
  EXPECT_EQ(counted.duplicates(), seen.duplicates());
  counted.Count(E("z9", "A", 1));  // pending until asked
  counted.Count(E("z9", "A", 1));
  EXPECT_EQ(counted.duplicates(), seen.duplicates() + 1);
  EXPECT_TRUE(counted.exact());
}

TEST(DuplicateDetectorTest, PastItsLimitTheCountIsALowerBound) {
  DuplicateDetector d(EventOrder::kNone, /*max_remembered=*/3);
  for (int i = 0; i < 5; ++i) d.Seen(E("z1", "A", i));
  EXPECT_TRUE(d.Seen(E("z1", "A", 1)));   // remembered
  EXPECT_FALSE(d.Seen(E("z1", "A", 4)));  // not remembered: missed
  EXPECT_EQ(d.duplicates(), 1u);
  EXPECT_FALSE(d.exact());
}

}  // namespace
}  // namespace vdpark
