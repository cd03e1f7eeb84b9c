#include "api/api_metrics.h"

#include <fmt/format.h>

#include <iterator>

namespace vdpark {

namespace {

std::string Seconds(int64_t micros) {
  return fmt::format("{}", static_cast<double>(micros) / 1e6);
}

// A label value with the characters Prometheus escapes escaped.
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void ApiMetrics::Record(std::string_view route, std::string_view method, int status,
                        int64_t micros) {
  latency_.Record(micros);
  std::lock_guard lock(mu_);
  ++counts_[{std::string(route.empty() ? "unmatched" : route), std::string(method), status}];
}

uint64_t ApiMetrics::requests(std::string_view route, std::string_view method, int status) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(std::tuple{std::string(route), std::string(method), status});
  return it == counts_.end() ? 0 : it->second;
}

std::string ApiMetrics::PrometheusText() const {
  std::string out;
  auto add = std::back_inserter(out);
  fmt::format_to(add,
                 "# HELP vdpark_api_requests_total API requests answered, by route pattern, "
                 "method and status.\n# TYPE vdpark_api_requests_total counter\n");
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : counts_) {
      const auto& [route, method, status] = key;
      fmt::format_to(add,
                     "vdpark_api_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                     Label(route), Label(method), status, n);
    }
  }
  fmt::format_to(add,
                 "# HELP vdpark_api_request_duration_seconds From a request read to its response "
                 "made.\n# TYPE vdpark_api_request_duration_seconds histogram\n");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LagHistogram::kBuckets; ++i) {
    cumulative += latency_.bucket(i);
    const std::string le = i < LagHistogram::kBoundsMicros.size()
                               ? Seconds(LagHistogram::kBoundsMicros[i])
                               : std::string("+Inf");
    fmt::format_to(add, "vdpark_api_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", le,
                   cumulative);
  }
  fmt::format_to(add,
                 "vdpark_api_request_duration_seconds_sum {}\n"
                 "vdpark_api_request_duration_seconds_count {}\n",
                 Seconds(latency_.sum_micros()), cumulative);
  return out;
}

}  // namespace vdpark
