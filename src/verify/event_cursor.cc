#include "verify/event_cursor.h"

namespace vdpark {

EventCursor::EventCursor(RecordStore& store, EventScanOptions options, RejectFn rejects,
                         std::function<bool(const ParkingEvent&)> keep) {
  thread_ =
      std::thread([this, &store, options, rejects = std::move(rejects), keep = std::move(keep)] {
        std::vector<ParkingEvent> batch;
        batch.reserve(kBatch);
        Status s = store.ScanEvents(
            options,
            [&](ParkingEvent&& e, const Origin&) {
              if (keep && !keep(e)) return Status::OK();
              batch.push_back(std::move(e));
              if (batch.size() == kBatch) {
                if (!queue_.Push(std::move(batch))) return Status::Aborted("cursor closed");
                batch = {};
                batch.reserve(kBatch);
              }
              return Status::OK();
            },
            rejects);
        if (s.ok() && !batch.empty()) queue_.Push(std::move(batch));
        scan_status_ = s;
        queue_.Close();
      });
}

EventCursor::~EventCursor() {
  queue_.Close();
  thread_.join();
}

ParkingEvent* EventCursor::Peek() {
  while (pos_ >= current_.size()) {
    if (ended_) return nullptr;
    auto next = queue_.Pop();
    if (!next) {
      ended_ = true;
      return nullptr;
    }
    current_ = std::move(*next);
    pos_ = 0;
  }
  return &current_[pos_];
}

Status EventCursor::status() {
  if (!ended_) return Status::OK();
  // The queue is closed only after scan_status_ is written; Pop() returning nullopt happened after.
  return scan_status_;
}

}  // namespace vdpark
