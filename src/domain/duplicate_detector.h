// DuplicateDetector: counts events whose key (zone, bay, timestamp) was seen before in a stream,
// with memory bounded by the stream's order rather than its length.
//
// A stream in key order keeps only the previous key. A stream expected in time order (as an export
// `ORDER BY timestamp` is) keeps only the keys of the current timestamp; when a timestamp goes
// backwards, the detector switches to remembering a 64-bit hash of every key from then on, and
// the count becomes a lower bound (exact() says so). A stream in no order remembers every key's
// hash from the start (8 to 16 bytes an event), and stays exact. Either way at most
// `max_remembered` hashes are kept; past that the count is a lower bound too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "domain/model.h"

namespace vdpark {

class DuplicateDetector {
 public:
  explicit DuplicateDetector(EventOrder order, uint64_t max_remembered = 50'000'000);

  // Sizes the table of a stream in no order for about `events` keys at once, so that it does not
  // grow (and hold the old table and the new one together) on the way.
  void Reserve(uint64_t events);

  // True when `e`'s key was seen before in this stream.
  bool Seen(const ParkingEvent& e);

  // Counts `e` as Seen does, but in a stream in no order decides a few events later: it fetches
  // the table slot ahead, so that a table far larger than the CPU's caches costs no wait per key.
  void Count(const ParkingEvent& e);

  // Includes every event passed to Seen or Count so far.
  uint64_t duplicates() const {
    Drain();
    return duplicates_;
  }
  // False when the count may be short: a time-ordered stream went backwards, or the keys outgrew
  // max_remembered.
  bool exact() const {
    Drain();
    return exact_;
  }

 private:
  enum class Mode { kKeyOrder, kTimeOrder, kHashAll };
  static uint64_t HashKey(const ParkingEvent& e);
  // Inserts `h` (never 0) into the open-addressing table; false when it was there.
  bool InsertHash(uint64_t h);
  bool ContainsHash(uint64_t h) const;
  // Whether hash `h` (kHashAll) was seen before; remembers it.
  bool Decide(uint64_t h);
  // Decides what Count left pending.
  void Drain() const;

  static constexpr size_t kAhead = 16;  // keys whose slots are being fetched

  Mode mode_;
  uint64_t max_remembered_;
  bool started_ = false;
  Timestamp current_;
  std::string previous_key_;                      // kKeyOrder: zone \0 bay \0 micros
  std::unordered_set<std::string> current_keys_;  // zone \0 bay of events at current_
  std::vector<uint64_t> hashes_;                  // kHashAll: linear probing, 0 = empty slot
  uint64_t hash_count_ = 0;
  // Drain() decides from const accessors: the pending keys are part of the count already.
  mutable uint64_t duplicates_ = 0;
  mutable bool exact_ = true;
  mutable uint64_t pending_[kAhead] = {};
  mutable size_t pending_count_ = 0, pending_head_ = 0;
};

// An event's key (zone, bay, timestamp) as views into the event, for hash tables of a batch's
// keys; valid while the event is.
struct EventKeyRef {
  std::string_view zone, bay;
  int64_t micros = 0;
  static EventKeyRef Of(const ParkingEvent& e) {
    return {e.zone_id, e.bay_number, e.timestamp.micros()};
  }
  bool operator==(const EventKeyRef&) const = default;
};
struct EventKeyRefHash {
  size_t operator()(const EventKeyRef& k) const;
};

// The positions of the events a write of `events` keeps: the last of each key (zone, bay,
// timestamp), as a sequence of puts would leave them, in their original order.
std::vector<size_t> LastOfEachKey(std::span<const ParkingEvent> events);

}  // namespace vdpark
