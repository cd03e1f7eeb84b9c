#include "ingest/ingest_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace vdpark {

namespace {

std::string Seconds(int64_t micros) {
  if (micros == LagHistogram::kOverflow) return "+Inf";
  return fmt::format("{}", static_cast<double>(micros) / 1e6);
}

void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(*out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void Counter(std::string* out, std::string_view name, std::string_view help,
             const std::atomic<uint64_t>& value) {
  Family(out, name, "counter", help);
  fmt::format_to(std::back_inserter(*out), "{} {}\n", name, value.load(std::memory_order_relaxed));
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

std::string FormatPrometheus(const IngestMetrics& m) {
  std::string out;
  out.reserve(4096);
  Counter(&out, "vdpark_ingest_messages_total", "Sensor messages handed to the processor.",
          m.messages);
  Counter(&out, "vdpark_ingest_status_messages_total", "Status messages parsed.", m.status);
  Counter(&out, "vdpark_ingest_health_messages_total", "Health messages parsed.", m.health);
  Counter(&out, "vdpark_ingest_arrivals_total", "ARRIVE events written.", m.arrivals);
  Counter(&out, "vdpark_ingest_departures_total", "LEAVE events written.", m.departures);
  Counter(&out, "vdpark_ingest_vacated_total", "Bays of unknown status reported vacant.",
          m.vacated);
  Counter(&out, "vdpark_ingest_heartbeats_total", "Messages that confirmed a bay's status.",
          m.heartbeats);
  Counter(&out, "vdpark_ingest_late_total", "Messages older than their bay's last change.", m.late);
  Counter(&out, "vdpark_ingest_duplicates_total", "Redelivered messages that changed nothing.",
          m.duplicates);

  Family(&out, "vdpark_ingest_errors_total", "counter", "Messages that could not be used.");
  for (int i = 0; i < kMessageFaultCount; ++i) {
    fmt::format_to(std::back_inserter(out), "vdpark_ingest_errors_total{{reason=\"{}\"}} {}\n",
                   ToString(static_cast<MessageFault>(i)),
                   m.errors_by_reason[i].load(std::memory_order_relaxed));
  }

  Counter(&out, "vdpark_ingest_conflicts_retried_total",
          "Messages decided again because another writer changed the bay first.",
          m.conflicts_retried);
  Counter(&out, "vdpark_ingest_low_battery_alerts_total", "Low-battery alerts raised.",
          m.low_battery_alerts);
  Counter(&out, "vdpark_ingest_offline_total", "Sensors marked offline.", m.offline);
  Counter(&out, "vdpark_ingest_back_online_total", "Offline sensors heard from again.",
          m.back_online);
  Counter(&out, "vdpark_ingest_store_failures_total",
          "Messages left unacknowledged because the store failed.", m.store_failures);

  const LagHistogram& lag = m.lag;
  Family(&out, "vdpark_ingest_lag_seconds", "histogram",
         "From a message's ts to the end of its processing.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LagHistogram::kBuckets; ++i) {
    cumulative += lag.bucket(i);
    std::string le = i < LagHistogram::kBoundsMicros.size()
                         ? Seconds(LagHistogram::kBoundsMicros[i])
                         : std::string("+Inf");
    fmt::format_to(std::back_inserter(out), "vdpark_ingest_lag_seconds_bucket{{le=\"{}\"}} {}\n",
                   le, cumulative);
  }
  fmt::format_to(std::back_inserter(out),
                 "vdpark_ingest_lag_seconds_sum {}\nvdpark_ingest_lag_seconds_count {}\n",
                 Seconds(lag.sum_micros()), cumulative);
  Family(&out, "vdpark_ingest_lag_last_seconds", "gauge", "The last message's lag.");
  fmt::format_to(std::back_inserter(out), "vdpark_ingest_lag_last_seconds {}\n",
                 Seconds(lag.last_micros()));
  Family(&out, "vdpark_ingest_lag_p50_seconds", "gauge",
         "Median lag, as the upper bound of its histogram bucket.");
  fmt::format_to(std::back_inserter(out), "vdpark_ingest_lag_p50_seconds {}\n",
                 Seconds(lag.QuantileMicros(0.5)));
  Family(&out, "vdpark_ingest_lag_p99_seconds", "gauge",
         "99th percentile lag, as the upper bound of its histogram bucket.");
  fmt::format_to(std::back_inserter(out), "vdpark_ingest_lag_p99_seconds {}\n",
                 Seconds(lag.QuantileMicros(0.99)));
  return out;
}

}  // namespace vdpark
