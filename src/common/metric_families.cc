#include "common/metric_families.h"

#include <prometheus/text_serializer.h>

#include <cassert>
#include <limits>
#include <utility>

namespace vdpark {

namespace {

prometheus::MetricFamily OneSample(std::string name, std::string help, prometheus::MetricType type,
                                   double value) {
  prometheus::MetricFamily family = LabelledFamily(std::move(name), std::move(help), type);
  AddSample(&family, {}, value);
  return family;
}

}  // namespace

prometheus::MetricFamily CounterFamily(std::string name, std::string help, double value) {
  return OneSample(std::move(name), std::move(help), prometheus::MetricType::Counter, value);
}

prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value) {
  return OneSample(std::move(name), std::move(help), prometheus::MetricType::Gauge, value);
}

prometheus::MetricFamily LabelledFamily(std::string name, std::string help,
                                        prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(prometheus::MetricFamily* family,
               std::vector<prometheus::ClientMetric::Label> labels, double value) {
  assert(family->type == prometheus::MetricType::Counter ||
         family->type == prometheus::MetricType::Gauge);
  prometheus::ClientMetric& sample = family->metric.emplace_back();
  sample.label = std::move(labels);
  if (family->type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
}

prometheus::MetricFamily HistogramFamily(std::string name, std::string help,
                                         std::span<const double> upper_bounds,
                                         std::span<const uint64_t> counts, double sum) {
  assert(counts.size() == upper_bounds.size() + 1);
  prometheus::MetricFamily family =
      LabelledFamily(std::move(name), std::move(help), prometheus::MetricType::Histogram);
  prometheus::ClientMetric::Histogram& h = family.metric.emplace_back().histogram;
  // The count is the buckets' own total: they may be read while others record, and a scrape's
  // +Inf bucket must equal its count.
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    h.bucket.push_back({cumulative, i < upper_bounds.size()
                                        ? upper_bounds[i]
                                        : std::numeric_limits<double>::infinity()});
  }
  h.sample_count = cumulative;
  h.sample_sum = sum;
  return family;
}

std::string PrometheusText(const MetricFamilies& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace vdpark
