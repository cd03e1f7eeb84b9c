#include "api/api_metrics.h"

#include <array>

#include "common/metric_families.h"

namespace vdpark {

namespace {

// The methods that are counted by name; any other is counted as "other", so that a client
// sending made-up methods cannot add a series per method.
constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                      "PATCH", "DELETE", "OPTIONS"};

std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : kMethods) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

void ApiMetrics::Record(std::string_view route, std::string_view method, int status,
                        int64_t micros) {
  latency_.Record(micros);
  std::lock_guard lock(mu_);
  ++counts_[{std::string(route.empty() ? "unmatched" : route), std::string(MethodLabel(method)),
             status}];
}

uint64_t ApiMetrics::requests(std::string_view route, std::string_view method, int status) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(std::tuple{std::string(route), std::string(MethodLabel(method)), status});
  return it == counts_.end() ? 0 : it->second;
}

std::string ApiMetrics::PrometheusText() const {
  MetricFamilies families;
  prometheus::MetricFamily& requests = families.emplace_back(LabelledFamily(
      "vdpark_api_requests_total", "API requests answered, by route pattern, method and status.",
      prometheus::MetricType::Counter));
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : counts_) {
      const auto& [route, method, status] = key;
      AddSample(&requests,
                {{"route", route}, {"method", method}, {"status", std::to_string(status)}},
                static_cast<double>(n));
    }
  }
  families.push_back(LagHistogramFamily("vdpark_api_request_duration_seconds",
                                        "From a request read to its response made.", latency_));
  return vdpark::PrometheusText(families);
}

}  // namespace vdpark
