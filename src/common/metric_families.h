// GET /metrics on prometheus-cpp. What is counted stays in our own counters (relaxed atomics that
// the hot path bumps, as ingest does per message); when /metrics is asked, their values are copied
// into prometheus-cpp's metric families, and its TextSerializer writes the text exposition format
// (version 0.0.4). These build the families and write them.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vdpark {

using MetricFamilies = std::vector<prometheus::MetricFamily>;

// A counter or a gauge with one sample and no labels.
prometheus::MetricFamily CounterFamily(std::string name, std::string help, double value);
prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value);

// A counter or gauge family with no samples yet, for samples with labels (AddSample).
prometheus::MetricFamily LabelledFamily(std::string name, std::string help,
                                        prometheus::MetricType type);
// Adds one sample to a counter or gauge family: `labels` in the order they are to be written.
void AddSample(prometheus::MetricFamily* family,
               std::vector<prometheus::ClientMetric::Label> labels, double value);

// A histogram from fixed buckets: counts[i] observations at most upper_bounds[i] (not cumulative),
// and one more count, of those above every bound. `sum` in the unit of the bounds.
prometheus::MetricFamily HistogramFamily(std::string name, std::string help,
                                         std::span<const double> upper_bounds,
                                         std::span<const uint64_t> counts, double sum);

// The families in Prometheus text exposition format, in the order given.
std::string PrometheusText(const MetricFamilies& families);

}  // namespace vdpark
