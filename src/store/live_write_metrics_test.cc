#include "store/live_write_metrics.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(LiveWriteMetricsTest, EveryPathIsWrittenWithItsCount) {
  const std::string text =
      LiveWriteMetricsText({.transaction = 12345678901, .one_by_one = 0, .single = 7});
  EXPECT_NE(text.find("# TYPE vdpark_store_live_writes_total counter\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("vdpark_store_live_writes_total{path=\"transaction\"} 12345678901\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vdpark_store_live_writes_total{path=\"one_by_one\"} 0\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("vdpark_store_live_writes_total{path=\"single\"} 7\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace vdpark
