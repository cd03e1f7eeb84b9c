// RocksDbItemStore's reads of key ranges: Query (a partition of the table or an index, either
// way, from a start key, up to a limit), QueryShared, Scan (segments, a filter after the limit)
// and CountBySortKeyPrefix. Point reads and writes: rocksdb_item_store.cc; whole listings kept
// in memory: rocksdb_listed_reads.cc.
#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>

#include <algorithm>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include "store/embedded/item_codec.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/embedded/rocksdb_support.h"

namespace vdpark {

using namespace embedded_detail;

Result<Page> RocksDbItemStore::Query(const QueryRequest& request) {
  Page page;
  VDPARK_RETURN_IF_ERROR(QueryInto(request, &page, nullptr));
  return page;
}

Result<SharedPage> RocksDbItemStore::QueryShared(const QueryRequest& request) {
  SharedPage page;
  VDPARK_RETURN_IF_ERROR(QueryInto(request, nullptr, &page));
  return page;
}

Status RocksDbItemStore::QueryInto(const QueryRequest& request, Page* page, SharedPage* shared) {
  const std::string& partition = request.partition;
  if (partition.empty() || partition.find('\0') != std::string::npos) {
    return Status::InvalidArgument("Query: the partition must be a non-empty string without NUL");
  }
  const SortKeyCondition& sort = request.sort;
  if (sort.op == SortKeyCondition::Op::kBetween && sort.value > sort.value2) {
    return Status::InvalidArgument("Query: BETWEEN needs its lower bound <= its upper bound");
  }
  KeyRange range = QueryKeyRange(partition, sort);
  if (request.exclusive_start_key) {
    VDPARK_ASSIGN_OR_RETURN(std::string start,
                            StartKeyOf(*request.exclusive_start_key, request.index, partition));
    if (request.forward) {
      range.lo = std::max(range.lo, start + '\0');  // the first key after it
    } else {
      range.hi = std::min(range.hi, start);
    }
  }
  if (range.lo >= range.hi) return Status::OK();
  if (shared && !request.exclusive_start_key && request.limit == 0 && request.forward &&
      request.index != IndexName::kGsi2) {
    VDPARK_ASSIGN_OR_RETURN(bool listed, QueryListed(request, range.lo, range.hi, shared));
    if (listed) return Status::OK();
  }

  // Read before the snapshot: what is read from the database is kept in the cache only when no
  // write was committed since (StoredValueCache::Fill).
  const uint64_t epoch = shared ? cache_->Epoch() : 0;
  // GSI1 reads the base items after the index entries: one snapshot makes them agree.
  const bool full_items = request.index == IndexName::kGsi1;
  std::optional<rocksdb::ManagedSnapshot> snapshot;
  rocksdb::ReadOptions ro;
  if (full_items) ro.snapshot = snapshot.emplace(db_.get()).snapshot();
  rocksdb::Slice lo(range.lo), hi(range.hi);
  ro.iterate_lower_bound = &lo;
  ro.iterate_upper_bound = &hi;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Family(request.index)));
  request.forward ? it->Seek(lo) : it->SeekToLast();

  const int64_t now = Now();
  const size_t max_items = request.limit != 0 ? request.limit : kPageItems;
  size_t bytes = 0, items = 0;
  bool more = false;
  std::string last_key;
  std::vector<std::string> entries;  // GSI1: the index keys of the page
  // A base item stored under `key` into the page: decoded from `value`, as read at the snapshot;
  // or shared: `hit` when the cache had it (as it is now), else `value` kept in the cache. A hit
  // may be newer than the snapshot: `in_partition` then says whether it still belongs in the page
  // (GSI1: a newer write may have moved it to another partition).
  auto add = [&](std::string_view key, std::string_view value, const StoredValueCache::Hit& hit,
                 const std::function<bool(const Item&)>& in_partition) -> Status {
    if (!shared) {
      VDPARK_ASSIGN_OR_RETURN_WITH(Item item, DecodeItem(value), "Query " + partition);
      page->items.push_back(std::move(item));
      return Status::OK();
    }
    std::shared_ptr<const CachedValue> stored = hit.value;
    if (!hit.known) {
      stored = cache_->Fill(key, value, epoch);
    } else if (!stored || TtlExpired(DecodeTtlPrefix(stored->value()), now)) {
      return Status::OK();  // deleted or expired since the snapshot
    }
    VDPARK_ASSIGN_OR_RETURN_WITH(std::shared_ptr<const Item> item, stored->shared_item(),
                                 "Query " + partition);
    if (hit.known && in_partition && !in_partition(*item)) return Status::OK();
    shared->items.push_back(std::move(item));
    return Status::OK();
  };
  for (; it->Valid(); request.forward ? it->Next() : it->Prev()) {
    std::string_view key = View(it->key());
    std::optional<IndexKeyParts> parts;
    std::string_view sk;
    if (request.index == IndexName::kTable) {
      sk = key.substr(partition.size() + 1);
    } else {
      parts = ParseIndexKey(key);
      if (!parts) return Status::Corruption("Query: a damaged index key");
      sk = parts->index_sk;
    }
    if (!sort.Matches(sk)) continue;
    std::string_view value = View(it->value());
    if (TtlExpired(DecodeTtlPrefix(value), now)) continue;
    // The page is full and one more item follows: only now is there a next page.
    if (items + entries.size() == max_items || bytes >= kPageBytes) {
      more = true;
      break;
    }
    last_key.assign(key);
    if (request.index == IndexName::kTable) {
      VDPARK_RETURN_IF_ERROR(
          add(key, value, shared ? cache_->Lookup(key) : StoredValueCache::Hit{}, nullptr));
      ++items;
      bytes += value.size();
    } else if (request.index == IndexName::kGsi2) {  // KEYS_ONLY: the key holds all of it
      Item keys = KeyAttributesOf(IndexName::kGsi2, key);
      if (shared) {
        shared->items.push_back(std::make_shared<const Item>(std::move(keys)));
      } else {
        page->items.push_back(std::move(keys));
      }
      ++items;
      bytes += key.size();
    } else {
      entries.emplace_back(key);
    }
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "Query " + partition));

  // GSI1 projects ALL: fetch the base items in small batches, and end the page by size.
  auto still_in_partition = [&](const Item& item) {
    const AttributeValue* pk = FindAttribute(item, kGsi1PkAttr);
    const AttributeValue* sk = FindAttribute(item, kGsi1SkAttr);
    return pk != nullptr && pk->is_s() && pk->text() == partition && sk != nullptr && sk->is_s() &&
           sort.Matches(sk->text());
  };
  constexpr size_t kFetch = 64;
  for (size_t from = 0; from < entries.size(); from += kFetch) {
    size_t n = std::min(kFetch, entries.size() - from);
    std::vector<std::string> base_keys;
    std::vector<std::string_view> views;
    for (size_t i = from; i < from + n; ++i) {
      auto parts = ParseIndexKey(entries[i]);
      base_keys.push_back(EncodeTableKey(parts->pk, parts->sk));
    }
    // Shared: what the cache has is not read from the database.
    std::vector<StoredValueCache::Hit> hits(n);
    for (size_t j = 0; j < n; ++j) {
      if (shared) hits[j] = cache_->Lookup(base_keys[j]);
      if (!hits[j].known) views.push_back(base_keys[j]);
    }
    MultiGetResult got;
    if (!views.empty()) got = MultiGet(db_.get(), families_[0], ro, views);
    for (size_t j = 0, m = 0; j < n; ++j) {
      std::string_view value;
      if (hits[j].known) {
        if (!hits[j].value) continue;  // deleted since the snapshot
        value = hits[j].value->value();
      } else {
        const size_t at = m++;
        if (got.statuses[at].IsNotFound()) continue;  // dropped by ttl compaction: expired anyway
        VDPARK_RETURN_IF_ERROR(FromRocks(got.statuses[at], "Query " + partition));
        value = View(got.values[at]);
      }
      if (TtlExpired(DecodeTtlPrefix(value), now)) continue;
      VDPARK_RETURN_IF_ERROR(add(base_keys[j], value, hits[j], still_in_partition));
      bytes += value.size();
      if (bytes >= kPageBytes && from + j + 1 < entries.size()) {
        more = true;
        last_key = entries[from + j];
        from = entries.size();  // ends the outer loop too
        break;
      }
    }
  }
  if (more) {
    (shared ? shared->last_evaluated_key : page->last_evaluated_key) =
        KeyAttributesOf(request.index, last_key);
  }
  return Status::OK();
}

Result<Page> RocksDbItemStore::Scan(const ScanRequest& request) {
  const int total = request.total_segments;
  if (total < 1 || request.segment < 0 || request.segment >= total) {
    return Status::InvalidArgument("Scan: segment " + std::to_string(request.segment) + " of " +
                                   std::to_string(total));
  }
  std::string start;
  if (request.exclusive_start_key) {
    auto pk = GetString(*request.exclusive_start_key, kPkAttr);
    auto sk = GetString(*request.exclusive_start_key, kSkAttr);
    if (!pk || !sk) return Status::InvalidArgument("exclusive_start_key: PK and SK are required");
    start = EncodeTableKey(*pk, *sk) + '\0';  // the first key after it
  }
  // A long scan reads each block once: keep it out of the block cache, and read ahead. A short
  // one (ListZones steps through the table one item at a time) reads a block or two: 2 MB read
  // ahead, and blocks read from the file and decompressed again, were 40 % of its time (perf).
  rocksdb::ReadOptions scan_options;
  if (request.limit == 0 || request.limit > kShortScanItems) {
    scan_options.fill_cache = false;
    scan_options.readahead_size = size_t{2} << 20;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan_options, families_[0]));
  it->Seek(start);

  const int64_t now = Now();
  const size_t max_items = request.limit != 0 ? request.limit : kPageItems;
  Page page;
  size_t examined = 0, bytes = 0;
  bool more = false;
  std::string last_key, pk;
  bool have_pk = false, in_segment = false;
  while (it->Valid()) {
    std::string_view key = View(it->key());
    auto parts = ParseTableKey(key);
    if (!parts) return Status::Corruption("Scan: a damaged key");
    if (!have_pk || parts->pk != pk) {
      pk.assign(parts->pk);
      have_pk = true;
      in_segment = total == 1 || ScanSegmentOf(pk, total) == request.segment;
    }
    if (!in_segment) {
      it->Seek(pk + '\x01');  // past the whole partition: every key of it sorts below this
      continue;
    }
    std::string_view value = View(it->value());
    if (!TtlExpired(DecodeTtlPrefix(value), now)) {
      if (examined == max_items || bytes >= kPageBytes) {
        more = true;
        break;
      }
      VDPARK_ASSIGN_OR_RETURN_WITH(Item item, DecodeItem(value), Describe(parts->pk, parts->sk));
      ++examined;
      bytes += value.size();
      last_key.assign(key);
      if (request.filter.Matches(&item)) page.items.push_back(std::move(item));
    }
    it->Next();
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "Scan"));
  if (more) page.last_evaluated_key = KeyAttributesOf(IndexName::kTable, last_key);
  return page;
}

Result<std::optional<uint64_t>> RocksDbItemStore::CountBySortKeyPrefix(std::string_view sk_prefix) {
  rocksdb::ReadOptions scan_options;
  scan_options.fill_cache = false;
  scan_options.readahead_size = size_t{2} << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan_options, families_[0]));
  const int64_t now = Now();
  uint64_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto parts = ParseTableKey(View(it->key()));
    if (!parts) return Status::Corruption("CountBySortKeyPrefix: a damaged key");
    if (parts->sk.starts_with(sk_prefix) && !TtlExpired(DecodeTtlPrefix(View(it->value())), now)) {
      ++count;
    }
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "CountBySortKeyPrefix"));
  return std::optional<uint64_t>(count);
}

}  // namespace vdpark
