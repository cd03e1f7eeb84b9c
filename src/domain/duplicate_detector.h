// DuplicateDetector: counts events whose key (zone, bay, timestamp) was seen before in a stream,
// with memory bounded by the stream's order rather than its length.
//
// A stream its source declares to be in key order keeps only the previous key. Otherwise the
// stream is taken to be in time order (as an export `ORDER BY timestamp` is) and only the keys of
// the current timestamp are kept. When a timestamp goes backwards, the detector switches to
// remembering a 64-bit hash of every key from then on (16 bytes an event), up to
// `max_remembered`; the count is then a lower bound, and exact() says so.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "domain/model.h"

namespace vdpark {

class DuplicateDetector {
 public:
  explicit DuplicateDetector(bool key_ordered, uint64_t max_remembered = 50'000'000)
      : mode_(key_ordered ? Mode::kKeyOrder : Mode::kTimeOrder), max_remembered_(max_remembered) {}

  // True when `e`'s key was seen before in this stream.
  bool Seen(const ParkingEvent& e);

  uint64_t duplicates() const { return duplicates_; }
  // False when the count may be short: the stream was unordered and outgrew max_remembered.
  bool exact() const { return exact_; }

 private:
  enum class Mode { kKeyOrder, kTimeOrder, kHashAll };
  static uint64_t HashKey(const ParkingEvent& e);

  Mode mode_;
  uint64_t max_remembered_;
  bool started_ = false;
  Timestamp current_;
  std::string previous_key_;                      // kKeyOrder: zone \0 bay \0 micros
  std::unordered_set<std::string> current_keys_;  // zone \0 bay of events at current_
  std::unordered_set<uint64_t> all_hashes_;       // kHashAll
  uint64_t duplicates_ = 0;
  bool exact_ = true;
};

}  // namespace vdpark
