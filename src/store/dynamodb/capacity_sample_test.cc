#include "store/dynamodb/capacity_sample.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(CapacitySampleTest, TheFirstCallAndThenOneInEveryAsk) {
  CapacitySample sample(4);
  std::vector<bool> asks;
  for (int i = 0; i < 9; ++i) asks.push_back(sample.NextAsks());
  EXPECT_EQ(asks, (std::vector<bool>{true, false, false, false, true, false, false, false, true}));
}

TEST(CapacitySampleTest, EveryBelowOneMeansEveryCall) {
  CapacitySample sample(0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(sample.NextAsks()) << i;
}

TEST(CapacitySampleTest, EstimatesAreScaledByWhatTheAskingCallsReported) {
  CapacitySample sample(16);
  EXPECT_DOUBLE_EQ(sample.Scaled(25), 25) << "nothing observed yet: the estimate as it is";
  sample.Observe(75, 25);  // each item also written to two indexes
  EXPECT_DOUBLE_EQ(sample.Scaled(10), 30);
  sample.Observe(25, 25);
  EXPECT_DOUBLE_EQ(sample.Scaled(10), 20) << "the scale is over every observation, not the last";
}

}  // namespace
}  // namespace vdpark
