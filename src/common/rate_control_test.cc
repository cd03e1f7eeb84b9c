#include <gtest/gtest.h>

#include "common/adaptive_limit.h"
#include "common/token_bucket.h"

namespace vdpark {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucketTest, UnlimitedNeverWaits) {
  TokenBucket b(0);
  EXPECT_TRUE(b.unlimited());
  EXPECT_EQ(b.Reserve(1e9).count(), 0);
}

TEST(TokenBucketTest, DebtTurnsIntoAWaitProportionalToTheRate) {
  TokenBucket::Clock::time_point t{};
  TokenBucket b(1000, 100, [&] { return t; });   // 1000 tokens/s, burst 100
  EXPECT_EQ(b.Reserve(100).count(), 0);          // the burst is there at once
  EXPECT_EQ(b.Reserve(50), milliseconds(50));    // 50 owed at 1000/s
  EXPECT_EQ(b.Reserve(100), milliseconds(150));  // queued behind the debt
  t += milliseconds(150);                        // the debt is paid...
  EXPECT_EQ(b.Reserve(20), milliseconds(20));    // ...and the bucket is empty
  t += milliseconds(1000);                       // refills up to the burst only
  EXPECT_EQ(b.Reserve(100).count(), 0);
  EXPECT_EQ(b.Reserve(1), milliseconds(1));
}

TEST(TokenBucketTest, ARequestLargerThanTheBurstStillPasses) {
  TokenBucket::Clock::time_point t{};
  TokenBucket b(10, 5, [&] { return t; });
  EXPECT_EQ(b.Reserve(50).count(), 0);  // takes the full bucket, not 50
  EXPECT_GT(b.Reserve(1), milliseconds(0));
}

TEST(AdaptiveLimitTest, HalvesOnThrottlingAndGrowsBackOnSuccess) {
  AdaptiveLimit l(16, 1, 4, milliseconds(0));
  EXPECT_EQ(l.limit(), 16);
  l.OnThrottled();
  EXPECT_EQ(l.limit(), 8);
  l.OnThrottled();
  l.OnThrottled();
  l.OnThrottled();
  l.OnThrottled();
  EXPECT_EQ(l.limit(), 1);  // never below min
  for (int i = 0; i < 4 * 3; ++i) l.OnSuccess();
  EXPECT_EQ(l.limit(), 4);
  for (int i = 0; i < 1000; ++i) l.OnSuccess();
  EXPECT_EQ(l.limit(), 16);  // never above max
}

TEST(AdaptiveLimitTest, OneBurstOfThrottlingCutsOnce) {
  AdaptiveLimit l(16, 1, 4, milliseconds(10000));
  for (int i = 0; i < 10; ++i) l.OnThrottled();
  EXPECT_EQ(l.limit(), 8);
  EXPECT_EQ(l.cuts(), 1);
}

}  // namespace
}  // namespace vdpark
