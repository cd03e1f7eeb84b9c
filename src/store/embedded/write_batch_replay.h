// What the embedded store's caches share to stay in step with its commits: the replay of a
// committed WriteBatch's puts and deletes, and a sorted key list changed by one of them.
#pragma once

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vdpark {

// Calls on_put(family, key, value) for each put of `batch` and on_delete(family, key) for each
// delete, in order. False when the batch cannot be read or holds a write these two cannot follow
// (a range delete, a merge): the caller then forgets what it kept, which is always safe.
template <typename OnPut, typename OnDelete>
bool ReplayWrites(const rocksdb::WriteBatch& batch, OnPut on_put, OnDelete on_delete) {
  struct Replay : rocksdb::WriteBatch::Handler {
    Replay(OnPut& put, OnDelete& del) : put(put), del(del) {}
    OnPut& put;
    OnDelete& del;
    bool untracked = false;
    rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
      put(cf, std::string_view(key.data(), key.size()),
          std::string_view(value.data(), value.size()));
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      del(cf, std::string_view(key.data(), key.size()));
      return rocksdb::Status::OK();
    }
    rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
      return DeleteCF(cf, key);
    }
    rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
      untracked = true;
      return rocksdb::Status::OK();
    }
    rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
      untracked = true;
      return rocksdb::Status::OK();
    }
  };
  Replay replay(on_put, on_delete);
  return batch.Iterate(&replay).ok() && !replay.untracked;
}

// `keys` (sorted, no key twice) with `key` put in or taken out, as a new list: readers hold the
// list they found without a lock, so it is copied, never changed in place. nullptr when nothing
// changes (a put of a listed key, a delete of an absent one).
inline std::shared_ptr<const std::vector<std::string>> WithKey(const std::vector<std::string>& keys,
                                                               std::string_view key, bool put) {
  auto at = std::lower_bound(keys.begin(), keys.end(), key);
  const bool listed = at != keys.end() && *at == key;
  if (put == listed) return nullptr;
  auto changed = std::make_shared<std::vector<std::string>>(keys);
  const auto offset = at - keys.begin();
  if (put) {
    changed->insert(changed->begin() + offset, std::string(key));
  } else {
    changed->erase(changed->begin() + offset);
  }
  return changed;
}

}  // namespace vdpark
