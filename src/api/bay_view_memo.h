// BayViewMemo: the JSON text of the bays GET /zones/{zoneId}/bays lists, remembered per zone and
// bay for as long as the bay's record and its sensor's battery and signal stay what they were.
//
// Why: writing some fifty bays' views (about 20 KB) was a third of an uncached list's time
// (perf), and between two requests few bays change. Exact: every use compares the bay's record in
// full (Bay::operator==) and the sensor's two readings with those the text was written from, and
// writes a bay again when anything differs; currentDuration, which moves with the clock, is
// written fresh every time. The store is still read on every request: only the text is kept.
// Bounded: past max_bytes the memo is emptied, and the zones listed next fill it again.
// Thread-safe; the requests of one zone do not wait for each other while they write.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/model.h"
#include "domain/timestamp.h"

namespace vdpark {

class BayViewMemo {
 public:
  explicit BayViewMemo(size_t max_bytes = 32 * 1024 * 1024) : max_bytes_(max_bytes) {}
  BayViewMemo(const BayViewMemo&) = delete;
  BayViewMemo& operator=(const BayViewMemo&) = delete;

  // Appends to `out` the views of `bays` (the zone `zone_id`'s), separated by commas, exactly as
  // AppendBayJson(bays[i], sensors[i], now, false, out) writes them. `sensors` has one entry per
  // bay: its sensor, or null when it has none or it is unknown.
  void AppendViews(std::string_view zone_id, std::span<const Bay> bays,
                   std::span<const Sensor* const> sensors, Timestamp now, std::string* out);

  size_t zones() const;  // the zones whose views are kept (for tests)

 private:
  // One bay's view without its currentDuration, and what it was written from.
  struct View {
    Bay bay;
    std::optional<int64_t> battery, signal;
    std::string head, tail;
    bool WrittenFrom(const Bay& b, const Sensor* sensor) const;
  };
  struct ZoneViews {
    std::vector<std::shared_ptr<const View>> views;  // in the order last listed
    size_t bytes = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const ZoneViews>, Hash, std::equal_to<>>
      zones_;         // guarded by mu_
  size_t bytes_ = 0;  // guarded by mu_: the sum of zones_' bytes
};

}  // namespace vdpark
