#include "api/response_cache.h"

namespace vdpark {

std::optional<ApiResponse> ResponseCache::Get(const std::string& key, Clock::time_point now) {
  std::shared_ptr<const ApiResponse> kept;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    const auto age = now - it->second.made;
    const bool fresh = it->second.generation == generation_ ? age < max_age_ : age < min_age_;
    if (!fresh) return std::nullopt;
    kept = it->second.response;
  }
  return *kept;  // copied outside the lock
}

uint64_t ResponseCache::generation() {
  std::lock_guard lock(mu_);
  return generation_;
}

void ResponseCache::Put(const std::string& key, const ApiResponse& response, Clock::time_point made,
                        uint64_t generation) {
  auto kept = std::make_shared<const ApiResponse>(response);
  std::lock_guard lock(mu_);
  // A bounded map: when full, start again (the routes a client repeats come back at once).
  if (entries_.size() >= max_entries_ && !entries_.contains(key)) entries_.clear();
  Entry& e = entries_[key];
  e = Entry{std::move(kept), made, generation};
}

void ResponseCache::Invalidate() {
  std::lock_guard lock(mu_);
  ++generation_;
}

}  // namespace vdpark
