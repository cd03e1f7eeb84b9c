#include "store/embedded/stored_value_cache.h"

#include "store/embedded/item_codec.h"
#include "store/embedded/write_batch_replay.h"

namespace vdpark {

Result<std::shared_ptr<const Item>> SharedDecode(std::string_view value) {
  VDPARK_ASSIGN_OR_RETURN(Item item, DecodeItem(value));
  return std::shared_ptr<const Item>(std::make_shared<const Item>(std::move(item)));
}

Result<std::shared_ptr<const Item>> CachedValue::shared_item() const {
  if (!predecoded_) std::call_once(decoded_, [this] { item_.emplace(DecodeItem(value_)); });
  if (!item_->ok()) return item_->status();
  // Aliasing: the item lives as long as this value does.
  return std::shared_ptr<const Item>(shared_from_this(), &**item_);
}

StoredValueCache::Hit StoredValueCache::Lookup(std::string_view key) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return {};
  return {true, it->second};
}

std::vector<StoredValueCache::Hit> StoredValueCache::LookupAll(
    std::span<const std::string> keys) const {
  std::vector<Hit> hits(keys.size());
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (auto it = map_.find(keys[i]); it != map_.end()) hits[i] = {true, it->second};
  }
  return hits;
}

bool StoredValueCache::HoldsAll(std::span<const std::string> keys,
                                std::span<const std::shared_ptr<const CachedValue>> values) const {
  if (keys.size() != values.size()) return false;
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = map_.find(keys[i]);
    if (it == map_.end() || it->second != values[i]) return false;
  }
  return true;
}

uint64_t StoredValueCache::Epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

std::shared_ptr<const CachedValue> StoredValueCache::Fill(std::string_view key,
                                                          std::optional<std::string_view> value,
                                                          uint64_t epoch) {
  Entry entry = value ? std::make_shared<const CachedValue>(std::string(*value)) : nullptr;
  const size_t cost = Cost(key, entry);
  if (cost > max_bytes_) return entry;  // also when the cache is off (max_bytes 0)
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return entry;  // a write may have replaced what was read
  if (auto it = map_.find(key); it != map_.end()) {
    bytes_ -= Cost(key, it->second);
    map_.erase(it);
  }
  // Crude, and rare: the working set is far smaller than the bound.
  if (bytes_ + cost > max_bytes_) ClearLocked();
  map_.emplace(std::string(key), entry);
  bytes_ += cost;
  return entry;
}

void StoredValueCache::Set(std::string_view key, std::optional<std::string_view> value) {
  auto it = map_.find(key);
  if (it == map_.end()) return;  // only what was read is kept: a load's writes pass by
  bytes_ -= Cost(key, it->second);
  it->second = value ? std::make_shared<const CachedValue>(std::string(*value)) : nullptr;
  bytes_ += Cost(key, it->second);
}

void StoredValueCache::Written(const rocksdb::WriteBatch& batch, uint32_t family_id) {
  std::lock_guard lock(mu_);
  ++epoch_;
  if (map_.empty()) return;
  // Replays the batch's records onto the entries they touch.
  const bool followed = ReplayWrites(
      batch,
      [&](uint32_t cf, std::string_view key, std::string_view value) {
        if (cf == family_id) Set(key, value);
      },
      [&](uint32_t cf, std::string_view key) {
        if (cf == family_id) Set(key, std::nullopt);
      });
  if (!followed || bytes_ > max_bytes_) ClearLocked();
}

void StoredValueCache::Written(std::span<const Write> writes) {
  std::lock_guard lock(mu_);
  ++epoch_;
  if (map_.empty()) return;
  for (const Write& w : writes) {
    auto it = map_.find(w.key);
    if (it == map_.end()) continue;  // only what was read is kept: a load's writes pass by
    bytes_ -= Cost(w.key, it->second);
    if (w.value == nullptr) {
      it->second = nullptr;
    } else if (w.item != nullptr || w.item_to_take != nullptr) {
      // Not a conditional expression: its result would be a const Item, copied again.
      Item item;
      if (w.item_to_take != nullptr) {
        item = std::move(*w.item_to_take);
      } else {
        item = *w.item;
      }
      std::optional<IndexEntries> index;
      if (w.index != nullptr) index = std::move(*w.index);
      it->second = std::make_shared<const CachedValue>(std::move(*w.value), std::move(item),
                                                       w.record, std::move(index));
    } else {
      it->second = std::make_shared<const CachedValue>(std::move(*w.value));
    }
    bytes_ += Cost(w.key, it->second);
  }
  if (bytes_ > max_bytes_) ClearLocked();
}

void StoredValueCache::Clear() {
  std::lock_guard lock(mu_);
  ++epoch_;
  ClearLocked();
}

void StoredValueCache::ClearLocked() {
  map_.clear();
  bytes_ = 0;
}

size_t StoredValueCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace vdpark
