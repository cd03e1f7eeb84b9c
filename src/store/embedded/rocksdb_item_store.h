// RocksDbItemStore: the single table (SPEC §3) inside the process, on RocksDB.
//
// Column families: "default" holds the base items (key PK '\0' SK), "gsi1" and "gsi2" the index
// entries (key indexPK '\0' indexSK '\0' PK '\0' SK, value the item's ttl); see item_codec.h.
// Every write is one rocksdb::WriteBatch covering the item and its index entries, and conditions
// are checked and writes applied under one mutex, so the indexes never disagree with the table,
// TransactWrite is all or nothing, and conditional writes are race-free between threads. Reads
// take no lock of the store's: each reads one consistent snapshot. Get (and QueryShared) of an
// item read before is answered from memory (stored_value_cache.h), and KeysWithSortKey from a
// listing (key_listing_cache.h), both kept in step with every committed write.
//
// As DynamoDB does, writes refuse (kInvalidArgument) a PK over 2048 bytes or an SK over 1024, an
// empty index key string, M/L nesting over 32 levels, and an update that changes PK or SK.
// Beyond DynamoDB: PK, SK and the index key attributes may not contain '\0' (kInvalidArgument),
// and expired items (ttl <= now) are invisible at once, to reads and to conditions alike; they are
// removed for good by PurgeExpired(), by a compaction filter, and by a background thread that
// compacts every purge_interval.
//
// Thread-safe: any method may be called from many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "store/embedded/key_listing_cache.h"
#include "store/embedded/listing_resolutions.h"
#include "store/embedded/range_listing_cache.h"
#include "store/embedded/stored_value_cache.h"
#include "store/item_store.h"
#include "store/shared_item_reads.h"

namespace rocksdb {
class ColumnFamilyHandle;
class CompactionFilter;
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace vdpark {

namespace embedded_detail {
struct StoredState;
struct PendingWrite;
}  // namespace embedded_detail

struct RocksDbOptions {
  bool create_if_missing = true;  // create the folder and the database when they do not exist
  // Tuning for loading millions of items: bigger memtables, more files before compaction
  // slows writes down. Costs memory (up to 192 MB of memtables), not safety.
  bool bulk_load = false;
  // Writes skip the write-ahead log: faster loads, but what was written since the last
  // FlushToDisk() is lost if the process dies. Each write stays atomic (items and their index
  // entries are flushed together). A loader that records progress calls FlushToDisk() first.
  bool disable_wal = false;
  size_t block_cache_bytes = size_t{128} << 20;  // shared by the three column families
  // "Now" in epoch seconds for ttl; empty means the system clock. Called from any thread.
  std::function<int64_t()> now_seconds;
  // Base items read lately, kept in step with every write (stored_value_cache.h): at most this
  // many bytes; 0 turns it off.
  size_t item_cache_bytes = size_t{32} << 20;
  bool background_purge = true;  // a thread compacts every purge_interval to drop expired items
  std::chrono::milliseconds purge_interval = std::chrono::hours(24);
};

class RocksDbItemStore : public ItemStore, public SharedItemReads {
 public:
  // Opens (or, with create_if_missing, creates) the store in folder `dir`. kNotFound when it does
  // not exist and create_if_missing is false; kIOError when RocksDB cannot open it (for example,
  // another RocksDbItemStore has it open).
  static Result<std::unique_ptr<RocksDbItemStore>> Open(const std::string& dir,
                                                        const RocksDbOptions& options);

  // Stops the purge thread and closes the database (flushing memtables when the WAL is off).
  ~RocksDbItemStore() override;
  RocksDbItemStore(const RocksDbItemStore&) = delete;
  RocksDbItemStore& operator=(const RocksDbItemStore&) = delete;

  Result<std::optional<Item>> Get(const ItemKey& key) override;
  // From the StoredValueCache when it has the item: no copy.
  Result<std::shared_ptr<const Item>> GetShared(const ItemKey& key) override;
  // GetShared, with the slot of the StoredValueCache's entry; a TransactWrite's put that carries
  // its record (TransactItem::record) leaves it in the slot of the version it writes.
  Result<SharedRecordRead> GetWithSlot(const ItemKey& key) override;
  Status Put(const Item& item, const Condition& condition = {}) override;
  Result<Item> UpdateItem(const ItemKey& key, const Update& update,
                          const Condition& condition = {}) override;
  Status Delete(const ItemKey& key, const Condition& condition = {}) override;
  Result<Page> Query(const QueryRequest& request) override;
  // Query's keys and index entries from one snapshot; each item from the StoredValueCache when it
  // is there (as it is now: never older than the snapshot), else decoded and kept there. An item
  // of a GSI1 page that a newer write moved out of the partition is left out. A whole partition
  // (no start key, no limit, forward) of the table or GSI1, of at most
  // RangeListingCache::kMaxKeys keys, is read once and then listed from memory, kept in step with
  // every write (range_listing_cache.h).
  Result<SharedPage> QueryShared(const QueryRequest& request) override;
  // From the KeyListingCache; the first call for a (pk_prefix, sk) steps through the table's
  // partitions under the write lock (one seek per partition under the prefix, no item decoded;
  // writes wait meanwhile) and keeps the listing.
  Result<std::vector<ItemKey>> KeysWithSortKey(std::string_view pk_prefix,
                                               std::string_view sk) override;
  Result<Page> Scan(const ScanRequest& request) override;
  // One pass over the table's keys (and each value's ttl prefix); no item is decoded.
  Result<std::optional<uint64_t>> CountBySortKeyPrefix(std::string_view sk_prefix) override;
  Status BatchWrite(std::span<const WriteRequest> writes) override;
  Status TransactWrite(std::span<const TransactItem> items) override;
  Status TransactWriteTaking(std::span<TransactItem> items) override;
  bool ScanInKeyOrder() const override { return true; }

  // Makes every write so far durable: memtables of all column families flushed to table files
  // together, and the WAL synced. Call at the end of a load (required with disable_wal).
  Status FlushToDisk();

  // Deletes every item expired at now, with its index entries, and any index entry whose ttl has
  // passed. Runs alongside other calls; holds the write lock only briefly per chunk of items.
  Status PurgeExpired();

  // What the background thread runs: a full compaction of every column family, during which the
  // compaction filter drops the entries whose ttl has passed.
  Status CompactExpired();

  // How many times the background thread has finished CompactExpired(): for monitoring and tests.
  uint64_t BackgroundPurgeRuns() const { return purge_runs_.load(); }

  // Query and Scan pages end after this many items (when the request's limit is 0) or once they
  // hold this many bytes of items, as DynamoDB's 1 MB pages do.
  static constexpr size_t kPageItems = 1000;
  static constexpr size_t kPageBytes = size_t{1} << 20;
  // A Scan whose limit is at most this many items reads through the block cache, without reading
  // ahead; longer ones read ahead and leave the cache alone.
  static constexpr size_t kShortScanItems = 100;

 private:
  using StoredState = embedded_detail::StoredState;
  using PendingWrite = embedded_detail::PendingWrite;

  RocksDbItemStore() = default;

  // Checks every item's key and condition, then commits all its writes in one batch; item i's
  // errors are prefixed "item i: " when `numbered`. Returns the last kUpdate's item afterwards.
  // `takeable`: the same items as `items`, whose puts' items the cache may move from once the
  // batch is committed (TransactWriteTaking); empty: they are copied.
  Result<Item> Apply(std::span<const TransactItem> items, bool numbered,
                     std::span<TransactItem> takeable = {});
  int64_t Now() const;
  rocksdb::ColumnFamilyHandle* Family(IndexName index) const;
  // What is stored under each base key: its index entries, and the live item when `decode`.
  Result<std::vector<StoredState>> ReadStored(const std::vector<std::string_view>& keys,
                                              bool decode);
  // Adds to `batch` the writes that replace `old` by `write` (its item, or nothing).
  void Stage(rocksdb::WriteBatch* batch, const StoredState& old, const PendingWrite& write) const;
  // Writes `batch` and tells the caches. `base_writes`, when given: exactly the batch's writes to
  // the base items, as the caller had them (the StoredValueCache takes them from there rather than
  // reading the batch again).
  Status Commit(rocksdb::WriteBatch* batch,
                const std::vector<StoredValueCache::Write>* base_writes = nullptr);
  Status PurgeFamily(size_t family);
  // Query and QueryShared: the page's items decoded into `page`, or shared into `shared`.
  Status QueryInto(const QueryRequest& request, Page* page, SharedPage* shared);
  // QueryShared of a whole range [lo, hi) of the table or GSI1 (no start key, no limit, forward)
  // from the RangeListingCache and the StoredValueCache; false (and `shared` untouched) when the
  // range is longer than a listing holds or its items than a page.
  Result<bool> QueryListed(const QueryRequest& request, const std::string& range_lo,
                           const std::string& range_hi, SharedPage* shared);
  // The listing of KeysWithSortKey read from the table. mu_ held.
  Result<KeyListingCache::Keys> ReadKeysWithSortKey(std::string_view pk_prefix,
                                                    std::string_view sk);
  void PurgeLoop();

  RocksDbOptions options_;
  std::unique_ptr<rocksdb::CompactionFilter> ttl_filter_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;  // default, gsi1, gsi2; owned, closed last

  std::mutex mu_;                            // held while a write checks its conditions and commits
  std::unique_ptr<StoredValueCache> cache_;  // point reads of the base items; see Commit
  KeyListingCache listings_;                 // KeysWithSortKey; see Commit
  RangeListingCache ranges_;                 // QueryShared's whole ranges; see Commit
  ListingResolutions resolutions_;           // QueryShared's pages made of those ranges

  std::mutex purge_mu_;  // guards stop_ for the background thread
  std::condition_variable purge_cv_;
  bool stop_ = false;
  std::atomic<uint64_t> purge_runs_{0};
  std::thread purge_thread_;
};

}  // namespace vdpark
