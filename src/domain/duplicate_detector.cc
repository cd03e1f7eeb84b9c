#include "domain/duplicate_detector.h"

#include <functional>

namespace vdpark {

uint64_t DuplicateDetector::HashKey(const ParkingEvent& e) {
  // Two independent string hashes mixed with the time: a 64-bit key, so that ten million keys
  // collide with a probability of about 3e-6.
  uint64_t h = std::hash<std::string_view>{}(e.zone_id);
  h ^= std::hash<std::string_view>{}(e.bay_number) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= static_cast<uint64_t>(e.timestamp.micros()) * 0xff51afd7ed558ccdULL;
  return h;
}

bool DuplicateDetector::Seen(const ParkingEvent& e) {
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
      if (all_hashes_.size() >= max_remembered_) {
        exact_ = false;
        seen = all_hashes_.count(HashKey(e)) > 0;
      } else {
        seen = !all_hashes_.insert(HashKey(e)).second;
      }
      break;
    }
  }
  started_ = true;
  if (seen) ++duplicates_;
  return seen;
}

}  // namespace vdpark
