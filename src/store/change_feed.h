// ChangeFeed: the bay changes a store commits, told by the store itself, whoever wrote them: this
// process, another vdpark process sharing the table, or any other writer. On DynamoDB it is the
// table's stream (NEW_AND_OLD_IMAGES); an embedded store is one process's alone, and that process
// tells its own changes (ingest's ChangeSink) without a feed.
//
// A change is told when a bay's status becomes occupied or vacant (an arrival, a departure, a bay
// found vacant): what the live view (GET /stream) shows. Heartbeats, health, the offline sweep and
// the other items' writes are not told. In commit order for each bay, once each; changes committed
// before Start are not told (a restarted process starts at the newest).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "domain/model.h"

namespace vdpark {

struct BayChange {
  Bay bay;                            // as it is after the change
  std::optional<ParkingEvent> event;  // the arrival or departure that came with it, if any
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;

  // Starts telling changes to `on_change`, on a thread of the feed's (it must not block long: a
  // slow callback delays the feed, never the writers). kNotSupported, naming what to do, when the
  // store cannot tell its changes (a DynamoDB table without a stream, a server without the
  // Streams API); errors met later are logged and retried, not returned. Once per feed.
  virtual Status Start(std::function<void(const BayChange&)> on_change) = 0;
  // Stops telling (the callback is not running once it returns). Idempotent.
  virtual void Stop() = 0;
  // Counters in Prometheus text format (records read, changes told, errors); "" before Start.
  virtual std::string MetricsText() const = 0;
};

}  // namespace vdpark
