// ApiMetrics: what the API has answered, for GET /metrics: requests by route, method and status,
// and one latency histogram. Any thread may record while another formats.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "ingest/ingest_metrics.h"

namespace vdpark {

class ApiMetrics {
 public:
  // One answered request: its route pattern ("/zones/{zoneId}"; "" for none matched), method,
  // status and time from the request read to the response made. Every label comes from a fixed
  // set, so no request can add a series of its own: the route is a pattern of the route table or
  // "unmatched", the method GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or else "other".
  void Record(std::string_view route, std::string_view method, int status, int64_t micros);

  // vdpark_api_requests_total{route,method,status} and vdpark_api_request_duration_seconds, in
  // Prometheus text format (written by prometheus-cpp: common/metric_families.h).
  std::string PrometheusText() const;

  // The requests counted under these labels (a method outside the set above is "other").
  uint64_t requests(std::string_view route, std::string_view method, int status) const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> counts_;
  LagHistogram latency_;  // the same fixed buckets as ingest's lag: 0.5 ms to 300 s
};

}  // namespace vdpark
