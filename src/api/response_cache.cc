#include "api/response_cache.h"

namespace vdpark {

size_t ResponseCache::Cost(const std::string& key, const ApiResponse& response) {
  // The map node, the list node, the shared response and the strings' own headers: about this.
  constexpr size_t kOverhead = 256;
  size_t cost = kOverhead + 2 * key.size() + response.body.size() + response.content_type.size() +
                response.route.size();
  for (const auto& [name, value] : response.headers) cost += 64 + name.size() + value.size();
  return cost;
}

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
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  return *kept;  // copied outside the lock
}

uint64_t ResponseCache::generation() {
  std::lock_guard lock(mu_);
  return generation_;
}

void ResponseCache::Erase(std::unordered_map<std::string, Entry>::iterator it) {
  bytes_ -= it->second.cost;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

void ResponseCache::Put(const std::string& key, const ApiResponse& response, Clock::time_point made,
                        uint64_t generation) {
  const size_t cost = Cost(key, response);
  auto kept = cost <= max_bytes_ ? std::make_shared<const ApiResponse>(response) : nullptr;
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) Erase(it);
  if (!kept) return;  // larger than the whole cache
  while (bytes_ + cost > max_bytes_ && !lru_.empty()) Erase(entries_.find(lru_.back()));
  lru_.push_front(key);
  entries_.emplace(key, Entry{std::move(kept), made, generation, cost, lru_.begin()});
  bytes_ += cost;
}

void ResponseCache::Invalidate() {
  std::lock_guard lock(mu_);
  ++generation_;
}

size_t ResponseCache::bytes() {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t ResponseCache::entries() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace vdpark
