#include "domain/duplicate_detector.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace vdpark {

DuplicateDetector::DuplicateDetector(EventOrder order, uint64_t max_remembered)
    : mode_(order == EventOrder::kKey    ? Mode::kKeyOrder
            : order == EventOrder::kTime ? Mode::kTimeOrder
                                         : Mode::kHashAll),
      max_remembered_(max_remembered) {}

uint64_t DuplicateDetector::HashKey(const ParkingEvent& e) {
  // Two independent string hashes mixed with the time: a 64-bit key, so that ten million keys
  // collide with a probability of about 3e-6.
  uint64_t h = std::hash<std::string_view>{}(e.zone_id);
  h ^= std::hash<std::string_view>{}(e.bay_number) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= static_cast<uint64_t>(e.timestamp.micros()) * 0xff51afd7ed558ccdULL;
  h ^= h >> 33;  // the table indexes by the low bits: fold the high ones in
  return h == 0 ? 1 : h;
}

bool DuplicateDetector::ContainsHash(uint64_t h) const {
  if (hashes_.empty()) return false;
  const size_t mask = hashes_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    if (hashes_[i] == h) return true;
    if (hashes_[i] == 0) return false;
  }
}

namespace {
// Slots for `keys` keys at most three quarters full: a power of two, at least 1024.
size_t SlotsFor(uint64_t keys) {
  size_t slots = 1024;
  while (slots / 4 * 3 < keys) slots *= 2;
  return slots;
}
}  // namespace

void DuplicateDetector::Reserve(uint64_t events) {
  if (mode_ != Mode::kHashAll) return;
  const size_t slots = SlotsFor(std::min(events, max_remembered_));
  if (slots <= hashes_.size()) return;
  std::vector<uint64_t> old = std::move(hashes_);
  hashes_.assign(slots, 0);
  hash_count_ = 0;
  for (uint64_t x : old) {
    if (x != 0) InsertHash(x);
  }
}

bool DuplicateDetector::InsertHash(uint64_t h) {
  // A flat table at most three quarters full: 8 bytes a slot, no allocation per key.
  if (hashes_.size() / 4 * 3 < hash_count_ + 1) Reserve(std::max<uint64_t>(hash_count_ * 2, 1));
  const size_t mask = hashes_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    if (hashes_[i] == h) return false;
    if (hashes_[i] == 0) {
      hashes_[i] = h;
      ++hash_count_;
      return true;
    }
  }
}

bool DuplicateDetector::Decide(uint64_t h) {
  if (hash_count_ >= max_remembered_) {
    exact_ = false;
    return ContainsHash(h);
  }
  return !InsertHash(h);
}

void DuplicateDetector::Drain() const {
  auto* self = const_cast<DuplicateDetector*>(this);
  while (pending_count_ > 0) {
    if (self->Decide(pending_[pending_head_])) ++duplicates_;
    pending_head_ = (pending_head_ + 1) % kAhead;
    --pending_count_;
  }
}

void DuplicateDetector::Count(const ParkingEvent& e) {
  if (mode_ != Mode::kHashAll) {
    Seen(e);
    return;
  }
  const uint64_t h = HashKey(e);
  if (!hashes_.empty()) __builtin_prefetch(&hashes_[h & (hashes_.size() - 1)]);
  if (pending_count_ == kAhead) {
    if (Decide(pending_[pending_head_])) ++duplicates_;
    pending_head_ = (pending_head_ + 1) % kAhead;
    --pending_count_;
  }
  pending_[(pending_head_ + pending_count_) % kAhead] = h;
  ++pending_count_;
}

bool DuplicateDetector::Seen(const ParkingEvent& e) {
  Drain();  // in stream order
  bool seen = false;
  switch (mode_) {
    case Mode::kKeyOrder: {
      std::string key = e.zone_id;
      key += '\0';
      key += e.bay_number;
      key += '\0';
      key += std::to_string(e.timestamp.micros());
      seen = started_ && key == previous_key_;
      previous_key_ = std::move(key);
      break;
    }
    case Mode::kTimeOrder: {
      if (started_ && e.timestamp < current_) {
        // Out of time order: from here on remember everything. Keys of earlier timestamps are
        // gone, so a later duplicate of one of them would go uncounted.
        mode_ = Mode::kHashAll;
        exact_ = false;
        return Seen(e);
      }
      if (!started_ || e.timestamp != current_) {
        current_ = e.timestamp;
        current_keys_.clear();
      }
      std::string key = e.zone_id;
      key += '\0';
      key += e.bay_number;
      seen = !current_keys_.insert(std::move(key)).second;
      break;
    }
    case Mode::kHashAll: {
      seen = Decide(HashKey(e));
      break;
    }
  }
  started_ = true;
  if (seen) ++duplicates_;
  return seen;
}

size_t EventKeyRefHash::operator()(const EventKeyRef& k) const {
  const size_t h =
      std::hash<std::string_view>{}(k.zone) * 31 + std::hash<std::string_view>{}(k.bay);
  return h * 1000003 ^ std::hash<int64_t>{}(k.micros);
}

std::vector<size_t> LastOfEachKey(std::span<const ParkingEvent> events) {
  std::unordered_map<EventKeyRef, size_t, EventKeyRefHash> last;
  last.reserve(events.size());
  bool any = false;
  for (size_t i = 0; i < events.size(); ++i) {
    auto [it, inserted] = last.try_emplace(EventKeyRef::Of(events[i]), i);
    if (!inserted) it->second = i, any = true;
  }
  std::vector<size_t> keep;
  keep.reserve(last.size());
  for (size_t i = 0; i < events.size(); ++i) {
    if (!any || last[EventKeyRef::Of(events[i])] == i) keep.push_back(i);
  }
  return keep;
}

}  // namespace vdpark
