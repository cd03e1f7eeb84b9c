// RangeListingCache: for the embedded store, the stored keys of whole Query results (a zone's
// bays in the table, its sensors' entries in GSI1), by column family and key range, kept in step
// with every write the store commits.
//
// Why: with the items themselves in the StoredValueCache, what was left of listing a zone's bays
// was RocksDB's iterator: a merge of the memtables and every level's files, stepped key by key
// (a third of the uncached API's time on GET /v1/zones/{id}/bays, perf). Here the keys of such a
// range are one hash lookup away.
//
// Coherent as the StoredValueCache is: every commit passes its batch to Written() (every column
// family), and a range read from the database is kept only when no commit was passed since the
// read began (Epoch), so a listing never misses a key written meanwhile. A write whose outcome is
// unknown forgets every listing (Clear). Keys only: an entry whose ttl has passed stays listed
// until it is deleted, and readers read the item to know. Bounded in listings and keys per listing.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rocksdb {
class WriteBatch;
}

namespace vdpark {

class RangeListingCache {
 public:
  using Keys = std::vector<std::string>;  // stored keys in [lo, hi), in key order

  static constexpr size_t kMaxListings = 16384;  // past it, ranges read are not kept
  static constexpr size_t kMaxKeys = 1000;       // a listing growing past it is dropped

  // The listing of [lo, hi) in column family `family` when one is kept; null otherwise. Every key
  // of a listing has the same partition (its part before the first '\0') as `lo`.
  std::shared_ptr<const Keys> Find(uint32_t family, std::string_view lo, std::string_view hi) const;

  // Read before reading a range from the database, passed to Keep after.
  uint64_t Epoch() const;
  // Keeps `keys` (every key of [lo, hi) in `family`, read since `epoch`) unless a commit was
  // passed to Written() since, or a bound is reached.
  void Keep(uint32_t family, std::string lo, std::string hi, Keys keys, uint64_t epoch);

  // After `batch` was committed: its puts and deletes are added to and removed from the listings
  // whose ranges hold their keys. A kind of write not followed here (a range delete, a merge)
  // forgets every listing. Every call starts a new epoch.
  void Written(const rocksdb::WriteBatch& batch);

  // Forgets every listing (and starts a new epoch): after a write whose outcome is unknown.
  void Clear();

 private:
  struct Listing {
    std::string lo, hi;
    std::shared_ptr<const Keys> keys;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // The map's key: the family's id (4 bytes) and the partition.
  static std::string PartitionOf(uint32_t family, std::string_view key);
  void Apply(uint32_t family, std::string_view key, bool put);  // mu_ held

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<Listing>, Hash, std::equal_to<>> by_partition_;
  size_t listings_ = 0;
  uint64_t epoch_ = 0;
};

}  // namespace vdpark
