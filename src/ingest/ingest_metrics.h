// IngestMetrics: what the event processor has done, as counters any thread may read while one
// thread ingests, and their Prometheus text form (GET /metrics, names prefixed vdpark_ingest_).
// Counting stays a relaxed atomic increment per message; prometheus-cpp's own counters and
// histograms would take a compare-and-swap loop or a mutex there, so the values are copied into
// its metric families only when /metrics is asked (common/metric_families.h).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "common/metric_families.h"
#include "ingest/sensor_message.h"

namespace vdpark {

// Publish -> processed lag in fixed buckets, from which quantiles can be read to within a bucket.
class LagHistogram {
 public:
  // Upper bounds of the buckets, in microseconds; one more bucket holds everything above.
  static constexpr std::array<int64_t, 17> kBoundsMicros = {
      500,    1000,    2500,    5000,    10000,    25000,    50000,    100000,   250000,
      500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000, 300000000};
  static constexpr size_t kBuckets = kBoundsMicros.size() + 1;
  // What QuantileMicros answers for the bucket above the last bound.
  static constexpr int64_t kOverflow = std::numeric_limits<int64_t>::max();

  // Records one lag; a negative one (a sensor clock ahead) counts as zero.
  void Record(int64_t micros);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  int64_t sum_micros() const { return sum_.load(std::memory_order_relaxed); }
  int64_t last_micros() const { return last_.load(std::memory_order_relaxed); }
  // The lags recorded in bucket i (not cumulative).
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }

  // The upper bound of the bucket holding the q-quantile (0 < q <= 1): at least that share of
  // the lags are at most this. kOverflow when it lies above the last bound; 0 when nothing was
  // recorded.
  int64_t QuantileMicros(double q) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> sum_{0};
  std::atomic<int64_t> last_{0};
};

struct IngestMetrics {
  std::atomic<uint64_t> messages{0};  // every message handed to the processor
  std::atomic<uint64_t> status{0};    // of which parsed status messages
  std::atomic<uint64_t> health{0};    // of which parsed health messages
  std::atomic<uint64_t> arrivals{0};
  std::atomic<uint64_t> departures{0};
  std::atomic<uint64_t> vacated{0};
  std::atomic<uint64_t> heartbeats{0};
  std::atomic<uint64_t> late{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> errors{0};  // messages that could not be used, all reasons
  std::array<std::atomic<uint64_t>, kMessageFaultCount> errors_by_reason{};  // by MessageFault
  std::atomic<uint64_t> conflicts_retried{0};   // decided again after another writer went first
  std::atomic<uint64_t> low_battery_alerts{0};  // raised (once per sensor per episode)
  std::atomic<uint64_t> offline{0};             // sensors marked offline by the sweep
  std::atomic<uint64_t> back_online{0};         // sensors heard from again after that
  std::atomic<uint64_t> store_failures{0};      // messages left unacknowledged for redelivery
  // Messages given up on after their bounded tries (an error a retry cannot fix): published to
  // the errors topic and acknowledged; and the tries made again before that.
  std::atomic<uint64_t> unhandleable{0};
  std::atomic<uint64_t> unhandleable_retries{0};
  LagHistogram lag;  // message ts -> processed, for messages that carry ts

  uint64_t errors_for(MessageFault reason) const {
    return errors_by_reason[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }
};

// `histogram` as a Prometheus histogram in seconds (common/metric_families.h).
prometheus::MetricFamily LagHistogramFamily(std::string name, std::string help,
                                            const LagHistogram& histogram);

// The metrics in Prometheus text exposition format (version 0.0.4), written by prometheus-cpp:
// counters as vdpark_ingest_*_total, errors labelled by reason (one sample per MessageFault,
// zeros too), the lag as a histogram in seconds with its last value and p50/p99 as gauges.
std::string FormatPrometheus(const IngestMetrics& metrics);

}  // namespace vdpark
