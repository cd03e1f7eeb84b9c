// EventCursor: pulls events one at a time out of a store's push-style ScanEvents, so that two
// stores can be walked side by side (a merge join). A thread runs the scan and hands batches over a
// bounded queue: memory stays bounded by a few batches.
#pragma once

#include <thread>
#include <vector>

#include "common/blocking_queue.h"
#include "store/record_store.h"

namespace vdpark {

class EventCursor {
 public:
  // `visit_filter` (optional) drops events before they are queued; `rejects` is called from the
  // cursor's thread.
  EventCursor(RecordStore& store, EventScanOptions options, RejectFn rejects,
              std::function<bool(const ParkingEvent&)> keep = {});
  ~EventCursor();
  EventCursor(const EventCursor&) = delete;
  EventCursor& operator=(const EventCursor&) = delete;

  // The current event, or nullptr at the end (then status() tells whether the scan succeeded).
  ParkingEvent* Peek();
  void Advance() { ++pos_; }
  Status status();

 private:
  static constexpr size_t kBatch = 2048;

  BlockingQueue<std::vector<ParkingEvent>> queue_{8};
  std::vector<ParkingEvent> current_;
  size_t pos_ = 0;
  bool ended_ = false;
  Status scan_status_;  // written by the thread before it closes the queue
  std::thread thread_;
};

}  // namespace vdpark
