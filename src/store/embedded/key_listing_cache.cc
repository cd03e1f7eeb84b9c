#include "store/embedded/key_listing_cache.h"

#include <rocksdb/write_batch.h>

#include <algorithm>

#include "store/embedded/item_codec.h"

namespace vdpark {

std::shared_ptr<const KeyListingCache::Keys> KeyListingCache::Find(std::string_view pk_prefix,
                                                                   std::string_view sk) const {
  std::lock_guard lock(mu_);
  for (const Listing& l : listings_) {
    if (l.pk_prefix == pk_prefix && l.sk == sk) return l.keys;
  }
  return nullptr;
}

void KeyListingCache::Keep(std::string pk_prefix, std::string sk, Keys keys) {
  if (keys.size() > kMaxKeys) return;
  std::lock_guard lock(mu_);
  for (Listing& l : listings_) {
    if (l.pk_prefix == pk_prefix && l.sk == sk) {
      l.keys = std::make_shared<const Keys>(std::move(keys));
      return;
    }
  }
  if (listings_.size() == kMaxListings) return;
  listings_.push_back(
      {std::move(pk_prefix), std::move(sk), std::make_shared<const Keys>(std::move(keys))});
}

void KeyListingCache::Apply(std::string_view key, bool put) {
  std::optional<TableKeyParts> parts;
  for (auto l = listings_.begin(); l != listings_.end();) {
    if (!parts) parts = ParseTableKey(key);
    if (!parts || parts->sk != l->sk || !parts->pk.starts_with(l->pk_prefix)) {
      ++l;
      continue;
    }
    const Keys& keys = *l->keys;
    auto at = std::lower_bound(keys.begin(), keys.end(), key);
    const bool listed = at != keys.end() && *at == key;
    if (put == listed) {  // a put of a listed key (a zone's counter moving), or nothing to delete
      ++l;
      continue;
    }
    if (put && keys.size() == kMaxKeys) {
      l = listings_.erase(l);
      continue;
    }
    // Copied, not changed in place: readers hold the listing they found without a lock.
    auto changed = std::make_shared<Keys>(keys);
    const auto offset = at - keys.begin();
    if (put) {
      changed->insert(changed->begin() + offset, std::string(key));
    } else {
      changed->erase(changed->begin() + offset);
    }
    l->keys = std::move(changed);
    ++l;
  }
}

void KeyListingCache::Written(const rocksdb::WriteBatch& batch, uint32_t family_id) {
  struct Replay : rocksdb::WriteBatch::Handler {
    KeyListingCache* cache = nullptr;
    uint32_t family = 0;
    bool untracked = false;  // a kind of write not followed here: forget every listing
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice&) override {
      if (cf == family) cache->Apply({key.data(), key.size()}, true);
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      if (cf == family) cache->Apply({key.data(), key.size()}, false);
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
  if (listings_.empty()) return;
  Replay replay;
  replay.cache = this;
  replay.family = family_id;
  rocksdb::Status s = batch.Iterate(&replay);
  if (!s.ok() || replay.untracked) listings_.clear();
}

void KeyListingCache::Clear() {
  std::lock_guard lock(mu_);
  listings_.clear();
}

}  // namespace vdpark
