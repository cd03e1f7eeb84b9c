#include "store/live_write_metrics.h"

#include "common/metric_families.h"

namespace vdpark {

std::string LiveWriteMetricsText(const LiveWriteCounts& counts) {
  prometheus::MetricFamily family =
      LabelledFamily("vdpark_store_live_writes_total",
                     "Live changes applied to the store, by how they were written: in one "
                     "transaction, one write after another (a server without transactions), or "
                     "as a single write.",
                     prometheus::MetricType::Counter);
  AddSample(&family, {{"path", "transaction"}}, static_cast<double>(counts.transaction));
  AddSample(&family, {{"path", "one_by_one"}}, static_cast<double>(counts.one_by_one));
  AddSample(&family, {{"path", "single"}}, static_cast<double>(counts.single));
  return PrometheusText({family});
}

}  // namespace vdpark
