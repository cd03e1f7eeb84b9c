// ZoneViewMemo: the JSON text of the zones GET /zones lists, remembered per zone for as long as the
// zone's record stays what it was (compared in full, Zone::operator==, on every use), as
// BayViewMemo does for bays: writing twenty zones' views was a fifth of an uncached list's time
// (perf). The store is still read on every request: only the text is kept. Bounded: past
// max_bytes the memo is emptied. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "domain/model.h"

namespace vdpark {

class ZoneViewMemo {
 public:
  explicit ZoneViewMemo(size_t max_bytes = 8 * 1024 * 1024) : max_bytes_(max_bytes) {}
  ZoneViewMemo(const ZoneViewMemo&) = delete;
  ZoneViewMemo& operator=(const ZoneViewMemo&) = delete;

  // Appends AppendZoneJson(zone, false, out)'s text.
  void AppendView(const Zone& zone, std::string* out);

 private:
  struct View {
    Zone zone;
    std::string text;
  };
  const size_t max_bytes_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const View>> views_;  // guarded by mu_
  size_t bytes_ = 0;                                                    // guarded by mu_
};

}  // namespace vdpark
