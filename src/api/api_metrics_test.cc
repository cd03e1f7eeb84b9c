#include "api/api_metrics.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(ApiMetricsTest, LabelsComeFromAFixedSet) {
  ApiMetrics m;
  m.Record("/zones", "GET", 200, 1000);
  m.Record("", "BREW", 405, 1000);
  m.Record("", "X-MADE-UP-1", 405, 1000);
  m.Record("/zones", "DELETE", 405, 1000);
  EXPECT_EQ(m.requests("/zones", "GET", 200), 1u);
  EXPECT_EQ(m.requests("unmatched", "other", 405), 2u);
  EXPECT_EQ(m.requests("unmatched", "BREW", 405), 2u);  // asked as it was sent: "other" too
  const std::string text = m.PrometheusText();
  EXPECT_NE(
      text.find(R"(vdpark_api_requests_total{route="unmatched",method="other",status="405"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(vdpark_api_requests_total{route="/zones",method="DELETE",status="405"} 1)"),
      std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos) << text;
  EXPECT_EQ(text.find("MADE-UP"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE vdpark_api_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_api_request_duration_seconds_bucket{le=\"0.001\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vdpark_api_request_duration_seconds_count 4\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_api_request_duration_seconds_sum 0.004\n"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
