// InProcessFleet: the demo's sensors without a broker (`vdpark serve --simulate`).
#pragma once

#include <atomic>
#include <thread>

#include "ingest/ingestor.h"
#include "store/record_store.h"

namespace vdpark::cli {

// A FleetSimulator over the store's fleet (its metadata), paced in wall time at `speed`
// simulated seconds per second, each message handed to an Ingestor of its own that writes to
// `store` and tells `on_change`, on a thread of its own from construction until destruction.
// A failure to read the fleet or to handle a message is logged, not returned.
class InProcessFleet {
 public:
  InProcessFleet(LiveStore& live, RecordStore& records, const IngestConfig& config,
                 ChangeSink on_change, int sensors, double speed);
  ~InProcessFleet();  // stops the thread (a message being handled finishes first)
  const Ingestor& ingestor() const { return ingestor_; }

 private:
  void Run(RecordStore& store, int sensors, double speed);

  Ingestor ingestor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace vdpark::cli
