#include "store/embedded/stored_value_cache.h"

#include <rocksdb/write_batch.h>

#include "store/embedded/item_codec.h"

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

void StoredValueCache::Set(std::string_view key, std::optional<std::string_view> value,
                           const Item* item) {
  auto it = map_.find(key);
  if (it == map_.end()) return;  // only what was read is kept: a load's writes pass by
  bytes_ -= Cost(key, it->second);
  if (!value) {
    it->second = nullptr;
  } else if (item != nullptr) {
    it->second = std::make_shared<const CachedValue>(std::string(*value), *item);
  } else {
    it->second = std::make_shared<const CachedValue>(std::string(*value));
  }
  bytes_ += Cost(key, it->second);
}

void StoredValueCache::Written(const rocksdb::WriteBatch& batch, uint32_t family_id,
                               std::span<const WrittenItem> items) {
  // Replays the batch's records onto the entries they touch.
  struct Replay : rocksdb::WriteBatch::Handler {
    StoredValueCache* cache = nullptr;
    uint32_t family = 0;
    std::span<const WrittenItem> items;
    bool untracked = false;  // a kind of write not followed here: forget everything
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
      if (cf != family) return rocksdb::Status::OK();
      const std::string_view k(key.data(), key.size());
      const Item* item = nullptr;
      for (const WrittenItem& w : items) {
        if (w.key == k) item = w.item;
      }
      cache->Set(k, {{value.data(), value.size()}}, item);
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      if (cf == family) cache->Set({key.data(), key.size()}, std::nullopt, nullptr);
      return rocksdb::Status::OK();
    }
    rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      return DeleteCF(cf, key);
    }
    rocksdb::Status DeleteRangeCF(uint32_t cf, const rocksdb::Slice&,
                                  const rocksdb::Slice&) override {
      untracked = untracked || cf == family;
      return rocksdb::Status::OK();
    }
    rocksdb::Status MergeCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
      untracked = untracked || cf == family;
      return rocksdb::Status::OK();
    }
  };
  std::lock_guard lock(mu_);
  ++epoch_;
  if (map_.empty()) return;
  Replay replay;
  replay.cache = this;
  replay.family = family_id;
  replay.items = items;
  rocksdb::Status s = batch.Iterate(&replay);
  if (!s.ok() || replay.untracked || bytes_ > max_bytes_) ClearLocked();
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
