// StoredValueCache: the base items the embedded store has been asked for lately, as they are
// stored (ttl prefix and all) and decoded once, kept in step with every write the store commits.
//
// Why: live ingest reads the same few thousand items (bays, sensors, zones) on every message,
// and writes most of them again. Every write adds a version to the memtable's skip list, so a
// point read from RocksDB descends a list of hundreds of thousands of versions, and then decodes
// the item; from here it is one hash lookup, and the item is decoded at most once per version, not
// at all when the writer handed it over with the batch (measured: reads and their decoding were a
// fifth of the processor's time).
//
// Coherent because the store is this process's alone (RocksDB locks its folder) and every write
// goes through RocksDbItemStore::Commit, which hands the committed batch to Written(). A read
// that missed fills its entry only when no write was committed between the read's start and the
// fill (Epoch()), so a fill never puts back a value a write has just replaced. Bounded: past
// max_bytes it is emptied, and the working set fills it again. Thread-safe.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/embedded/item_codec.h"
#include "store/item_store.h"
#include "store/record_slot.h"

namespace rocksdb {
class WriteBatch;
}

namespace vdpark {

// An item decoded from `value` (a stored value, ttl prefix and all), owned by the caller.
Result<std::shared_ptr<const Item>> SharedDecode(std::string_view value);

// One stored value; its item is decoded by the first reader that asks, once. Its record slot
// (record_slot.h) holds the record made of it, by the writer or by the first reader that made one.
class CachedValue : public std::enable_shared_from_this<CachedValue> {
 public:
  explicit CachedValue(std::string value) : value_(std::move(value)) {}
  // `item` is `value` decoded already; `record` (may be null) the record made of it, `index` (may
  // be nullopt) its index entries.
  CachedValue(std::string value, Item item, std::shared_ptr<const KeptRecord> record = nullptr,
              std::optional<IndexEntries> index = std::nullopt)
      : value_(std::move(value)),
        record_(std::move(record)),
        index_(std::move(index)),
        predecoded_(true),
        item_(std::move(item)) {}
  std::string_view value() const { return value_; }
  // The item, decoded on first use; kCorruption when the value does not decode. The pointer
  // shares this value's lifetime.
  Result<std::shared_ptr<const Item>> shared_item() const;
  // The item's index entries as its writer computed them; null when it did not hand them over.
  const IndexEntries* index() const { return index_ ? &*index_ : nullptr; }
  // This value's record slot, sharing this value's lifetime.
  std::shared_ptr<const RecordSlot> record_slot() const {
    return std::shared_ptr<const RecordSlot>(shared_from_this(), &record_);
  }

 private:
  std::string value_;
  RecordSlot record_;
  const std::optional<IndexEntries> index_;
  const bool predecoded_ = false;  // item_ was set at construction and never changes
  mutable std::once_flag decoded_;
  mutable std::optional<Result<Item>> item_;
};

class StoredValueCache {
 public:
  // max_bytes 0: nothing is ever cached.
  explicit StoredValueCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  struct Hit {
    bool known = false;                        // false: a miss, ask the database
    std::shared_ptr<const CachedValue> value;  // when known: the value, or null for nothing
  };
  Hit Lookup(std::string_view key) const;
  // Lookup of every key, taking the lock once: hits[i] is keys[i]'s (a list of a zone's bays
  // took the lock once per bay, and the API's workers waited on each other for it).
  std::vector<Hit> LookupAll(std::span<const std::string> keys) const;
  // Whether every keys[i] is kept with exactly values[i] (the same entry, compared by pointer; null
  // for a key known to hold nothing): a page made of them is still the page. Copies nothing.
  bool HoldsAll(std::span<const std::string> keys,
                std::span<const std::shared_ptr<const CachedValue>> values) const;

  // Read before reading the database, passed to Fill after.
  uint64_t Epoch() const;
  // Remembers what the database held for `key` (nullopt: nothing), unless a write was committed
  // since `epoch`; returns the entry made (null when none was, or for nothing).
  std::shared_ptr<const CachedValue> Fill(std::string_view key,
                                          std::optional<std::string_view> value, uint64_t epoch);

  // After `batch` was committed: its writes to column family `family_id` replace the entries of
  // their keys. Any other family's writes are ignored; every call starts a new epoch.
  void Written(const rocksdb::WriteBatch& batch, uint32_t family_id);

  // One write of a committed batch to the base items, as its writer had it.
  struct Write {
    std::string_view key;  // the stored key
    // The stored value; null: deleted. The cache takes it (moves from it) when it keeps the key.
    std::string* value = nullptr;
    // Kept with the value as they are rather than made again from it on a later read, when
    // given: `value` decoded (`item` copied, or `item_to_take` moved from), the record made of
    // it, its index entries (moved from).
    const Item* item = nullptr;
    Item* item_to_take = nullptr;
    std::shared_ptr<const KeptRecord> record = nullptr;
    IndexEntries* index = nullptr;
  };
  // After a batch was committed whose writes to the base items are exactly `writes` (no key
  // twice), without reading the batch again. Every call starts a new epoch.
  void Written(std::span<const Write> writes);

  // Forgets everything (and starts a new epoch): after a write whose outcome is unknown.
  void Clear();

  size_t bytes() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Entry = std::shared_ptr<const CachedValue>;  // null: the key holds nothing
  // An entry's share of max_bytes: its key, its value twice (stored and decoded, about) and the
  // map's own overhead.
  static size_t Cost(std::string_view key, const Entry& value) {
    return key.size() + (value ? 2 * value->value().size() : 0) + 96;
  }
  // A batch's write replayed (no decoded item at hand). mu_ held.
  void Set(std::string_view key, std::optional<std::string_view> value);
  void ClearLocked();

  mutable std::mutex mu_;
  // Open addressing: the API's lists look up a hundred keys a request (perf).
  boost::unordered_flat_map<std::string, Entry, Hash, std::equal_to<>> map_;
  size_t bytes_ = 0;
  const size_t max_bytes_;
  uint64_t epoch_ = 0;
};

}  // namespace vdpark
