// RocksDbItemStore's reads of whole listings kept in memory (rocksdb_item_store.h): a Query's
// page made from a range listing (RangeListingCache, ListingResolutions, StoredValueCache), and
// the keys of every item with one sort key (KeyListingCache). The API's lists take these on every
// request; the rest of the store reads RocksDB directly.
#include <rocksdb/db.h>

#include <algorithm>

#include "store/embedded/item_codec.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/embedded/rocksdb_support.h"

namespace vdpark {

using namespace embedded_detail;

namespace {

// Whether an item of `last` has passed its ttl since the page was made.
bool AnyExpired(const ListingResolutions::Resolution& last, int64_t now) {
  return std::any_of(last.ttls.begin(), last.ttls.end(),
                     [now](int64_t ttl) { return TtlExpired(ttl, now); });
}

}  // namespace

Result<bool> RocksDbItemStore::QueryListed(const QueryRequest& request, const std::string& range_lo,
                                           const std::string& range_hi, SharedPage* shared) {
  const KeyRange range{range_lo, range_hi};
  rocksdb::ColumnFamilyHandle* family = Family(request.index);
  std::shared_ptr<const RangeListingCache::Keys> keys =
      ranges_.Find(family->GetID(), range.lo, range.hi);
  // A listing read here may not be kept (a write came between): then neither is its page.
  const bool kept_listing = keys != nullptr;
  if (!keys) {
    // Keys only: the items come from the cache below.
    const uint64_t epoch = ranges_.Epoch();
    rocksdb::ReadOptions ro;
    rocksdb::Slice lo(range.lo), hi(range.hi);
    ro.iterate_lower_bound = &lo;
    ro.iterate_upper_bound = &hi;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, family));
    RangeListingCache::Keys read;
    for (it->Seek(lo); it->Valid(); it->Next()) {
      if (read.size() == RangeListingCache::kMaxKeys) return false;
      read.emplace_back(View(it->key()));
    }
    VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "Query " + request.partition));
    auto made = std::make_shared<const RangeListingCache::Keys>(read);
    ranges_.Keep(family->GetID(), range.lo, range.hi, std::move(read), epoch);
    keys = std::move(made);
  }
  // What is asked besides the range: a resolution of the listing answers only the same.
  std::string question(1, static_cast<char>('0' + static_cast<int>(request.index)));
  question += static_cast<char>('0' + static_cast<int>(request.sort.op));
  for (const std::string* part : {&request.partition, &request.sort.value, &request.sort.value2}) {
    question += *part;
    question += '\0';
  }
  const std::shared_ptr<const ListingResolutions::Resolution> last =
      resolutions_.Find(keys.get(), question);
  auto made = std::make_shared<ListingResolutions::Resolution>();
  // The base keys of the entries the sort condition keeps.
  const bool index = request.index != IndexName::kTable;
  if (!last) {
    made->base_keys.reserve(keys->size());
    for (const std::string& key : *keys) {
      if (index) {
        auto parts = ParseIndexKey(key);
        if (!parts) return Status::Corruption("Query: a damaged index key");
        if (!request.sort.Matches(parts->index_sk)) continue;
        made->base_keys.push_back(EncodeTableKey(parts->pk, parts->sk));
      } else {
        if (!request.sort.Matches(std::string_view(key).substr(request.partition.size() + 1))) {
          continue;
        }
        made->base_keys.push_back(key);
      }
    }
  }
  const std::vector<std::string>& base_keys = last ? last->base_keys : made->base_keys;
  const int64_t now = Now();
  if (last && cache_->HoldsAll(last->base_keys, last->values) && !AnyExpired(*last, now)) {
    shared->items = last->items;
    return true;
  }
  // Each item as it is now: from the cache, else read (and kept there).
  const uint64_t epoch = cache_->Epoch();
  const std::vector<StoredValueCache::Hit> hits = cache_->LookupAll(base_keys);
  std::vector<std::string_view> missed;
  for (size_t i = 0; i < base_keys.size(); ++i) {
    if (!hits[i].known) missed.push_back(base_keys[i]);
  }
  MultiGetResult got;
  if (!missed.empty()) got = MultiGet(db_.get(), families_[0], rocksdb::ReadOptions(), missed);
  made->values.reserve(base_keys.size());
  made->items.reserve(base_keys.size());
  bool expired = false;  // an item left out for its ttl: kept only while the clock moves on
  size_t bytes = 0;
  for (size_t i = 0, m = 0; i < base_keys.size(); ++i) {
    std::shared_ptr<const CachedValue> stored = hits[i].value;
    if (!hits[i].known) {
      const size_t at = m++;
      if (!got.statuses[at].IsNotFound()) {
        VDPARK_RETURN_IF_ERROR(FromRocks(got.statuses[at], "Query " + request.partition));
        stored = cache_->Fill(base_keys[i], View(got.values[at]), epoch);
      }
    }
    made->values.push_back(stored);
    if (!stored) continue;
    const int64_t ttl = DecodeTtlPrefix(stored->value());
    if (TtlExpired(ttl, now)) {
      expired = true;
      continue;
    }
    VDPARK_ASSIGN_OR_RETURN_WITH(std::shared_ptr<const Item> item, stored->shared_item(),
                                 "Query " + request.partition);
    if (index) {  // the entry and the item may be a write apart: the item decides
      const AttributeValue* pk = FindAttribute(*item, kGsi1PkAttr);
      const AttributeValue* sk = FindAttribute(*item, kGsi1SkAttr);
      if (pk == nullptr || !pk->is_s() || pk->text() != request.partition || sk == nullptr ||
          !sk->is_s() || !request.sort.Matches(sk->text())) {
        continue;
      }
    }
    bytes += stored->value().size();
    if (bytes >= kPageBytes) return false;  // more than a page: read as pages
    made->items.push_back(std::move(item));
    made->ttls.push_back(ttl);
  }
  shared->items = made->items;
  if (kept_listing && !expired) {
    if (last) made->base_keys = last->base_keys;
    made->listing = std::move(keys);
    made->question = std::move(question);
    resolutions_.Keep(std::move(made));
  }
  return true;
}

Result<std::vector<ItemKey>> RocksDbItemStore::KeysWithSortKey(std::string_view pk_prefix,
                                                               std::string_view sk) {
  std::shared_ptr<const KeyListingCache::Keys> keys = listings_.Find(pk_prefix, sk);
  if (!keys) {
    // Under the write lock no commit falls between reading the listing and keeping it.
    std::lock_guard lock(mu_);
    keys = listings_.Find(pk_prefix, sk);
    if (!keys) {
      VDPARK_ASSIGN_OR_RETURN(KeyListingCache::Keys read, ReadKeysWithSortKey(pk_prefix, sk));
      auto made = std::make_shared<const KeyListingCache::Keys>(read);
      listings_.Keep(std::string(pk_prefix), std::string(sk), std::move(read));
      keys = std::move(made);
    }
  }
  std::vector<ItemKey> out;
  out.reserve(keys->size());
  for (const std::string& key : *keys) {
    auto parts = ParseTableKey(key);
    out.push_back({std::string(parts->pk), std::string(parts->sk)});
  }
  return out;
}

Result<KeyListingCache::Keys> RocksDbItemStore::ReadKeysWithSortKey(std::string_view pk_prefix,
                                                                    std::string_view sk) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // the blocks of the partitions passed over are not read again
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, families_[0]));
  KeyListingCache::Keys keys;
  std::string pk, wanted;
  // Each step lands on the first key of a partition, seeks to its key with `sk`, and then past
  // the partition: no key part holds '\0', so PK '\x01' sorts after all of the partition's keys.
  for (it->Seek(pk_prefix); it->Valid();) {
    auto parts = ParseTableKey(View(it->key()));
    if (!parts) return Status::Corruption("KeysWithSortKey: a damaged key");
    if (!parts->pk.starts_with(pk_prefix)) break;
    pk.assign(parts->pk);  // `parts` views the iterator's key: gone after the next seek
    wanted = EncodeTableKey(pk, sk);
    if (parts->sk < sk) it->Seek(wanted);
    if (it->Valid() && View(it->key()) == wanted) keys.push_back(wanted);
    pk += '\x01';
    it->Seek(pk);
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "KeysWithSortKey"));
  return keys;
}

}  // namespace vdpark
