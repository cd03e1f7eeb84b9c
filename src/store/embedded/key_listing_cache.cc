#include "store/embedded/key_listing_cache.h"

#include "store/embedded/item_codec.h"
#include "store/embedded/write_batch_replay.h"

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
    auto changed = WithKey(*l->keys, key, put);  // nullptr: a zone's counter moving
    if (changed && changed->size() > kMaxKeys) {
      l = listings_.erase(l);
      continue;
    }
    if (changed) l->keys = std::move(changed);
    ++l;
  }
}

void KeyListingCache::Written(const rocksdb::WriteBatch& batch, uint32_t family_id) {
  std::lock_guard lock(mu_);
  if (listings_.empty()) return;
  const bool followed = ReplayWrites(
      batch,
      [&](uint32_t cf, std::string_view key, std::string_view) {
        if (cf == family_id) Apply(key, true);
      },
      [&](uint32_t cf, std::string_view key) {
        if (cf == family_id) Apply(key, false);
      });
  if (!followed) listings_.clear();
}

void KeyListingCache::Clear() {
  std::lock_guard lock(mu_);
  listings_.clear();
}

}  // namespace vdpark
