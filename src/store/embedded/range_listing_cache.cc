#include "store/embedded/range_listing_cache.h"

#include "store/embedded/write_batch_replay.h"

namespace vdpark {

std::string RangeListingCache::PartitionOf(uint32_t family, std::string_view key) {
  std::string out(reinterpret_cast<const char*>(&family), sizeof family);
  out += key.substr(0, key.find('\0'));
  return out;
}

std::shared_ptr<const RangeListingCache::Keys> RangeListingCache::Find(uint32_t family,
                                                                       std::string_view lo,
                                                                       std::string_view hi) const {
  const std::string partition = PartitionOf(family, lo);
  std::lock_guard lock(mu_);
  auto it = by_partition_.find(partition);
  if (it == by_partition_.end()) return nullptr;
  for (const Listing& l : it->second) {
    if (l.lo == lo && l.hi == hi) return l.keys;
  }
  return nullptr;
}

uint64_t RangeListingCache::Epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

void RangeListingCache::Keep(uint32_t family, std::string lo, std::string hi, Keys keys,
                             uint64_t epoch) {
  if (keys.size() > kMaxKeys) return;
  const std::string partition = PartitionOf(family, lo);
  std::lock_guard lock(mu_);
  if (epoch != epoch_ || listings_ >= kMaxListings) return;
  std::vector<Listing>& listings = by_partition_[partition];
  for (Listing& l : listings) {
    if (l.lo == lo && l.hi == hi) {
      l.keys = std::make_shared<const Keys>(std::move(keys));
      return;
    }
  }
  listings.push_back({std::move(lo), std::move(hi), std::make_shared<const Keys>(std::move(keys))});
  ++listings_;
}

void RangeListingCache::Apply(uint32_t family, std::string_view key, bool put) {
  thread_local std::string partition;  // one allocation per thread, not one per write
  partition.assign(reinterpret_cast<const char*>(&family), sizeof family);
  partition += key.substr(0, key.find('\0'));
  auto it = by_partition_.find(partition);
  if (it == by_partition_.end()) return;
  std::vector<Listing>& listings = it->second;
  for (auto l = listings.begin(); l != listings.end();) {
    if (key < l->lo || key >= l->hi) {
      ++l;
      continue;
    }
    auto changed = WithKey(*l->keys, key, put);  // nullptr: a bay's new status
    if (changed && changed->size() > kMaxKeys) {
      l = listings.erase(l);
      --listings_;
      continue;
    }
    if (changed) l->keys = std::move(changed);
    ++l;
  }
  if (listings.empty()) by_partition_.erase(it);
}

void RangeListingCache::Written(const rocksdb::WriteBatch& batch) {
  std::lock_guard lock(mu_);
  ++epoch_;
  if (by_partition_.empty()) return;
  const bool followed = ReplayWrites(
      batch, [&](uint32_t cf, std::string_view key, std::string_view) { Apply(cf, key, true); },
      [&](uint32_t cf, std::string_view key) { Apply(cf, key, false); });
  if (!followed) {
    by_partition_.clear();
    listings_ = 0;
  }
}

void RangeListingCache::Clear() {
  std::lock_guard lock(mu_);
  ++epoch_;
  by_partition_.clear();
  listings_ = 0;
}

}  // namespace vdpark
