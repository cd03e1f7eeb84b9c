// KeyListingCache: for the embedded store, the stored keys of the items whose SK is one value and
// whose PK begins with a prefix (every zone: PK ZONE#..., SK METADATA), kept in step with every
// write the store commits.
//
// Why: the single table has no index of all zones. Finding them in the table means stepping
// through it partition by partition past every bay's events (two seeks per zone and one per bay
// with events); the API lists zones on every request. Here a listing is read once and then
// changes only when such a key is put for the first time or deleted.
//
// Coherent as the StoredValueCache is (stored_value_cache.h): the store is this process's alone,
// and every commit passes its batch to Written() under the store's write lock; a listing is read
// and kept under that same lock, so no commit falls between the two. A write whose outcome is
// unknown forgets every listing (Clear). A listing holds stored keys, not items: an item whose
// ttl has passed is still listed until it is deleted, and readers read the item to know.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class WriteBatch;
}

namespace vdpark {

class KeyListingCache {
 public:
  using Keys = std::vector<std::string>;  // stored keys (EncodeTableKey), in key order

  // Listings kept at once, and keys in one listing: past them a listing is not kept (or dropped),
  // and its reader steps through the table again.
  static constexpr size_t kMaxListings = 8;
  static constexpr size_t kMaxKeys = size_t{1} << 20;

  // The listing of (pk_prefix, sk) when one is kept; null otherwise. It does not change after.
  std::shared_ptr<const Keys> Find(std::string_view pk_prefix, std::string_view sk) const;

  // Keeps `keys` (every stored key of the table matching (pk_prefix, sk), in key order) as that
  // listing. Call with the store's write lock held since `keys` were read. Not kept past
  // kMaxListings or kMaxKeys.
  void Keep(std::string pk_prefix, std::string sk, Keys keys);

  // After `batch` was committed, under the store's write lock: its puts and deletes in column
  // family `family_id` are added to and removed from the listings they match. A kind of write
  // not followed here (a range delete, a merge) forgets every listing.
  void Written(const rocksdb::WriteBatch& batch, uint32_t family_id);

  // Forgets every listing: after a write whose outcome is unknown.
  void Clear();

 private:
  struct Listing {
    std::string pk_prefix, sk;
    std::shared_ptr<const Keys> keys;
  };
  // Adds (put) or removes `key` in every listing it matches; a listing that would grow past
  // kMaxKeys is dropped. mu_ held.
  void Apply(std::string_view key, bool put);

  mutable std::mutex mu_;
  std::vector<Listing> listings_;  // guarded by mu_
};

}  // namespace vdpark
