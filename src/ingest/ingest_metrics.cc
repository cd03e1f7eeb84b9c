#include "ingest/ingest_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace vdpark {

namespace {

double Seconds(int64_t micros) {
  if (micros == LagHistogram::kOverflow) return std::numeric_limits<double>::infinity();
  return static_cast<double>(micros) / 1e6;
}

double Value(const std::atomic<uint64_t>& counter) {
  return static_cast<double>(counter.load(std::memory_order_relaxed));
}

}  // namespace

void LagHistogram::Record(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  size_t i =
      std::lower_bound(kBoundsMicros.begin(), kBoundsMicros.end(), micros) - kBoundsMicros.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(micros, std::memory_order_relaxed);
  last_.store(micros, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

int64_t LagHistogram::QuantileMicros(double q) const {
  // The buckets are read one by one while others may record: their own total is the count.
  std::array<uint64_t, kBuckets> counts;
  uint64_t total = 0;
  for (size_t i = 0; i < kBuckets; ++i) total += counts[i] = bucket(i);
  if (total == 0) return 0;
  auto rank =
      static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBoundsMicros.size(); ++i) {
    seen += counts[i];
    if (seen >= rank) return kBoundsMicros[i];
  }
  return kOverflow;
}

prometheus::MetricFamily LagHistogramFamily(std::string name, std::string help,
                                            const LagHistogram& histogram) {
  static const std::array<double, LagHistogram::kBoundsMicros.size()> kBoundsSeconds = [] {
    std::array<double, LagHistogram::kBoundsMicros.size()> seconds;
    for (size_t i = 0; i < seconds.size(); ++i)
      seconds[i] = Seconds(LagHistogram::kBoundsMicros[i]);
    return seconds;
  }();
  std::array<uint64_t, LagHistogram::kBuckets> counts;
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = histogram.bucket(i);
  return HistogramFamily(std::move(name), std::move(help), kBoundsSeconds, counts,
                         Seconds(histogram.sum_micros()));
}

std::string FormatPrometheus(const IngestMetrics& m) {
  MetricFamilies out;
  out.reserve(26);
  auto counter = [&](const char* name, const char* help, const std::atomic<uint64_t>& value) {
    out.push_back(CounterFamily(name, help, Value(value)));
  };
  counter("vdpark_ingest_messages_total", "Sensor messages handed to the processor.", m.messages);
  counter("vdpark_ingest_status_messages_total", "Status messages parsed.", m.status);
  counter("vdpark_ingest_health_messages_total", "Health messages parsed.", m.health);
  counter("vdpark_ingest_arrivals_total", "ARRIVE events written.", m.arrivals);
  counter("vdpark_ingest_departures_total", "LEAVE events written.", m.departures);
  counter("vdpark_ingest_vacated_total", "Bays of unknown status reported vacant.", m.vacated);
  counter("vdpark_ingest_heartbeats_total", "Messages that confirmed a bay's status.",
          m.heartbeats);
  counter("vdpark_ingest_late_total", "Messages older than their bay's last change.", m.late);
  counter("vdpark_ingest_duplicates_total", "Redelivered messages that changed nothing.",
          m.duplicates);

  prometheus::MetricFamily errors =
      LabelledFamily("vdpark_ingest_errors_total", "Messages that could not be used.",
                     prometheus::MetricType::Counter);
  for (int i = 0; i < kMessageFaultCount; ++i) {
    AddSample(&errors, {{"reason", std::string(ToString(static_cast<MessageFault>(i)))}},
              Value(m.errors_by_reason[i]));
  }
  out.push_back(std::move(errors));

  counter("vdpark_ingest_conflicts_retried_total",
          "Messages decided again because another writer changed the bay first.",
          m.conflicts_retried);
  counter("vdpark_ingest_low_battery_alerts_total", "Low-battery alerts raised.",
          m.low_battery_alerts);
  counter("vdpark_ingest_offline_total", "Sensors marked offline.", m.offline);
  counter("vdpark_ingest_back_online_total", "Offline sensors heard from again.", m.back_online);
  counter("vdpark_ingest_store_failures_total",
          "Messages left unacknowledged because the store failed.", m.store_failures);
  counter("vdpark_ingest_messages_unhandleable_total",
          "Messages given up on after their bounded tries (an error a retry cannot fix): "
          "published to the errors topic and acknowledged.",
          m.unhandleable);
  counter("vdpark_ingest_unhandleable_retries_total",
          "Tries made again after an error a retry cannot fix, before giving up.",
          m.unhandleable_retries);

  const LagHistogram& lag = m.lag;
  out.push_back(LagHistogramFamily("vdpark_ingest_lag_seconds",
                                   "From a message's ts to the end of its processing.", lag));
  out.push_back(GaugeFamily("vdpark_ingest_lag_last_seconds", "The last message's lag.",
                            Seconds(lag.last_micros())));
  out.push_back(GaugeFamily("vdpark_ingest_lag_p50_seconds",
                            "Median lag, as the upper bound of its histogram bucket.",
                            Seconds(lag.QuantileMicros(0.5))));
  out.push_back(GaugeFamily("vdpark_ingest_lag_p99_seconds",
                            "99th percentile lag, as the upper bound of its histogram bucket.",
                            Seconds(lag.QuantileMicros(0.99))));
  return PrometheusText(out);
}

}  // namespace vdpark
