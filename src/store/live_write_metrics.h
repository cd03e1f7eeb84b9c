// The live-write counters of a LiveStore (live_store.h: LiveWriteCounts) for GET /metrics:
//   vdpark_store_live_writes_total{path="transaction"|"one_by_one"|"single"}
// so that an operator (and a test) sees which way ingest's changes went: on a server with
// transactions (DynamoDB, DynamoDB Local, embedded) "one_by_one" stays 0.
#pragma once

#include <string>

#include "store/live_store.h"

namespace vdpark {

// The counter family in Prometheus text exposition format, every path written even when 0.
std::string LiveWriteMetricsText(const LiveWriteCounts& counts);

}  // namespace vdpark
