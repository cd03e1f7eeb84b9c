#include "common/metric_families.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>

namespace vdpark {
namespace {

TEST(MetricFamiliesTest, CountersAndGaugesInTextFormat) {
  prometheus::MetricFamily errors =
      LabelledFamily("vdpark_x_errors_total", "Errors.", prometheus::MetricType::Counter);
  AddSample(&errors, {{"reason", "bad_json"}}, 3);
  AddSample(&errors, {{"reason", "say \"hi\"\\\n"}}, 0);
  EXPECT_EQ(PrometheusText({CounterFamily("vdpark_x_total", "Things seen.", 12345678901),
                            GaugeFamily("vdpark_x_lag_seconds", "The lag.", 0.25), errors}),
            "# HELP vdpark_x_total Things seen.\n"
            "# TYPE vdpark_x_total counter\n"
            "vdpark_x_total 12345678901\n"
            "# HELP vdpark_x_lag_seconds The lag.\n"
            "# TYPE vdpark_x_lag_seconds gauge\n"
            "vdpark_x_lag_seconds 0.25\n"
            "# HELP vdpark_x_errors_total Errors.\n"
            "# TYPE vdpark_x_errors_total counter\n"
            "vdpark_x_errors_total{reason=\"bad_json\"} 3\n"
            "vdpark_x_errors_total{reason=\"say \\\"hi\\\"\\\\\\n\"} 0\n");
}

TEST(MetricFamiliesTest, LabelsKeepTheirOrder) {
  prometheus::MetricFamily f =
      LabelledFamily("vdpark_x_requests_total", "Requests.", prometheus::MetricType::Counter);
  AddSample(&f, {{"route", "/zones"}, {"method", "GET"}, {"status", "200"}}, 2);
  EXPECT_NE(PrometheusText({f}).find(
                "vdpark_x_requests_total{route=\"/zones\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos);
}

TEST(MetricFamiliesTest, HistogramBucketsAreCumulativeAndEndAtInf) {
  const std::array<double, 3> bounds = {0.0005, 0.25, 300};
  const std::array<uint64_t, 4> counts = {2, 0, 1, 4};
  const std::string text =
      PrometheusText({HistogramFamily("vdpark_x_seconds", "Latency.", bounds, counts, 1.5)});
  for (const char* line :
       {"# TYPE vdpark_x_seconds histogram\n", "vdpark_x_seconds_bucket{le=\"0.0005\"} 2\n",
        "vdpark_x_seconds_bucket{le=\"0.25\"} 2\n", "vdpark_x_seconds_bucket{le=\"300\"} 3\n",
        "vdpark_x_seconds_bucket{le=\"+Inf\"} 7\n", "vdpark_x_seconds_sum 1.5\n",
        "vdpark_x_seconds_count 7\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

TEST(MetricFamiliesTest, AnInfiniteGaugeIsWrittenAsInf) {
  EXPECT_NE(PrometheusText({GaugeFamily("vdpark_x_p99_seconds", "p99.",
                                        std::numeric_limits<double>::infinity())})
                .find("vdpark_x_p99_seconds +Inf\n"),
            std::string::npos);
}

}  // namespace
}  // namespace vdpark
