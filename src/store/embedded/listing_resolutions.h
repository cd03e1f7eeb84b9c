// ListingResolutions: the embedded store's QueryShared pages as last made of a range listing
// (RangeListingCache): which value each listed key had in the StoredValueCache, and the items
// the page held.
//
// Why: making a page of a listing parsed each index key, built each base key, decoded each item's
// ttl and checked it against the query, for every item of every request (a quarter of an uncached
// GET /v1/zones/{id}/bays, perf). When every key still has the very value it had (compared pointer
// by pointer: a write replaces the value, never changes it), the page is what it was, but for
// items whose ttl has passed since.
//
// Coherent by identity: a resolution holds its listing and its values, so that no other listing
// or value can take their addresses. Bounded: past kMaxResolutions it is emptied, and the pages
// asked for next fill it again. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/embedded/range_listing_cache.h"
#include "store/embedded/stored_value_cache.h"

namespace vdpark {

class ListingResolutions {
 public:
  static constexpr size_t kMaxResolutions = 16384;

  struct Resolution {
    std::shared_ptr<const RangeListingCache::Keys> listing;  // held: the listing it was made of
    std::string question;                // what was asked besides the range (index, sort)
    std::vector<std::string> base_keys;  // the table keys the listing's entries name
    std::vector<std::shared_ptr<const CachedValue>> values;  // base_keys' values then; null: none
    std::vector<std::shared_ptr<const Item>> items;          // the page made
    std::vector<int64_t> ttls;                               // the items' ttl (0: none)
  };

  // The resolution last kept for `listing` and `question`; null when none is.
  std::shared_ptr<const Resolution> Find(const RangeListingCache::Keys* listing,
                                         std::string_view question) const;
  void Keep(std::shared_ptr<const Resolution> resolution);

 private:
  mutable std::mutex mu_;
  std::unordered_map<const RangeListingCache::Keys*, std::shared_ptr<const Resolution>>
      resolutions_;  // guarded by mu_
};

}  // namespace vdpark
