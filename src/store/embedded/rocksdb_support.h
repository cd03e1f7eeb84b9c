// What the embedded store's files share: its internal types, conversions of RocksDB's status,
// and the ttl compaction filter. Not part of the store's interface.
#pragma once

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/embedded/item_codec.h"

namespace vdpark::embedded_detail {

struct StoredState {
  bool found = false;                // a value is stored, live or expired
  int64_t ttl = 0;                   // its ttl prefix
  IndexEntries index;                // the stored item's index entries: they go when it is replaced
  std::shared_ptr<const Item> live;  // the item when asked for and not expired
};

struct PendingWrite {
  std::string key;                   // base key
  std::optional<std::string> value;  // the encoded item; nullopt deletes
  IndexEntries index;                // the new item's index entries
};

inline std::string_view View(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

inline Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::Unavailable(msg);
  return Status::IOError(msg);
}

inline std::string Describe(std::string_view pk, std::string_view sk) {
  return "PK=" + std::string(pk) + ", SK=" + std::string(sk);
}

struct MultiGetResult {
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<rocksdb::Status> statuses;
};

inline MultiGetResult MultiGet(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                               const rocksdb::ReadOptions& ro,
                               const std::vector<std::string_view>& keys) {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  MultiGetResult r{std::vector<rocksdb::PinnableSlice>(keys.size()),
                   std::vector<rocksdb::Status>(keys.size())};
  db->MultiGet(ro, family, keys.size(), slices.data(), r.values.data(), r.statuses.data());
  return r;
}

// A compaction filter that drops every entry whose ttl prefix has passed at `now()`.
std::unique_ptr<rocksdb::CompactionFilter> NewTtlCompactionFilter(std::function<int64_t()> now);

}  // namespace vdpark::embedded_detail
