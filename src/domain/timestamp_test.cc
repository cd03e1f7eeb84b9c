#include "domain/timestamp.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(TimestampTest, PsqlFormWithOffsetIsNormalizedToUtc) {
  auto t = Timestamp::Parse("2026-01-12 23:59:43.123456+04");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ToIso(), "2026-01-12T19:59:43.123456Z");
}

}  // namespace
}  // namespace vdpark
