#include "store/embedded/rocksdb_item_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <unordered_set>
#include <utility>

#include "store/embedded/item_codec.h"
#include "store/embedded/rocksdb_support.h"

namespace vdpark {

namespace {

using namespace embedded_detail;

constexpr size_t kMaxPkBytes = 2048;  // DynamoDB's limits, so that what loads here loads there
constexpr size_t kMaxSkBytes = 1024;

Status CheckKey(std::string_view pk, std::string_view sk) {
  if (pk.empty() || sk.empty()) {
    return Status::InvalidArgument("PK and SK must be non-empty strings (" + Describe(pk, sk) +
                                   ")");
  }
  if (pk.find('\0') != std::string_view::npos || sk.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("PK and SK may not contain NUL in the embedded store");
  }
  if (pk.size() > kMaxPkBytes || sk.size() > kMaxSkBytes) {
    return Status::InvalidArgument("PK over 2048 or SK over 1024 bytes (" +
                                   Describe(pk.substr(0, 64), sk.substr(0, 64)) + "...)");
  }
  return Status::OK();
}

// Validates `item` and encodes it with its index entries; its key into `key_out` when given.
Result<PendingWrite> Prepare(const Item& item, ItemKey* key_out = nullptr) {
  auto key = KeyOf(item);
  if (!key) return Status::InvalidArgument("the item has no PK or SK string");
  VDPARK_RETURN_IF_ERROR(CheckKey(key->pk, key->sk));
  auto index = CheckedIndexEntriesOf(item, key->pk, key->sk);
  // The item's description only when the check fails: every write passes here.
  if (!index.ok()) return index.status().WithContext(Describe(key->pk, key->sk));
  if (NestedTooDeep(item)) {
    return Status::InvalidArgument("nested over 32 levels: " + Describe(key->pk, key->sk));
  }
  PendingWrite write{EncodeTableKey(key->pk, key->sk), EncodeItem(item), std::move(*index)};
  if (key_out != nullptr) *key_out = std::move(*key);
  return write;
}

Status CheckUpdate(const Update& update) {
  std::vector<std::string_view> names(update.remove.begin(), update.remove.end());
  for (const auto& s : update.set) names.push_back(s.first);
  for (const auto& a : update.add) names.push_back(a.first);
  for (auto name : names) {
    if (name == kPkAttr || name == kSkAttr) {
      return Status::InvalidArgument("an update cannot change PK or SK");
    }
  }
  return Status::OK();
}

Item KeyItem(const ItemKey& key) {
  return Item{{std::string(kPkAttr), AttributeValue::S(key.pk)},
              {std::string(kSkAttr), AttributeValue::S(key.sk)}};
}

const Item* LiveOf(const StoredState& s) {
  return s.live.get();
}

Status ConditionFailedOn(const ItemKey& key) {
  return Status::ConditionFailed("the condition does not hold on " + Describe(key.pk, key.sk));
}

std::function<int64_t()> ClockOf(const RocksDbOptions& options) {
  if (options.now_seconds) return options.now_seconds;
  return [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

rocksdb::ColumnFamilyOptions FamilyOptions(const RocksDbOptions& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache,
                                           const rocksdb::CompactionFilter* filter) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups (Get, and BatchWrite's MultiGet of mostly absent keys during a load) skip
  // every table file whose filter says no.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compaction_filter = filter;
  cf.level_compaction_dynamic_level_bytes = true;
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  if (options.bulk_load) {
    // An unsorted memtable, sorted once when it is flushed: inserts cost a push_back instead of
    // a skip-list descent (measured here: 120k puts/s with the skip list, 470k-1.9M/s with this).
    // Point reads of keys in the memtable are slow until FlushToDisk(); its bloom filter keeps
    // reads of absent keys fast.
    cf.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
    // 64 MB memtables, at most 192 MB of them in all (db_write_buffer_size): a load's peak memory
    // stays under 500 MB however large it is.
    cf.write_buffer_size = size_t{64} << 20;
    cf.max_write_buffer_number = 3;
    cf.level0_file_num_compaction_trigger = 8;
    cf.level0_slowdown_writes_trigger = 48;
    cf.level0_stop_writes_trigger = 72;
    cf.target_file_size_base = uint64_t{64} << 20;
    cf.max_bytes_for_level_base = uint64_t{512} << 20;
  } else {
    // A server rewrites the same few thousand items (bays, sensors) all day, and every write
    // descends the memtable's skip list of all versions since the last flush: 16 MB instead of
    // the default 64 keeps that list short (live ingest end to end: about 5 % faster, measured)
    // and memory lower; the point reads that would now reach table files come from the
    // StoredValueCache.
    cf.write_buffer_size = size_t{16} << 20;
  }
  return cf;
}

}  // namespace

Result<std::unique_ptr<RocksDbItemStore>> RocksDbItemStore::Open(const std::string& dir,
                                                                 const RocksDbOptions& options) {
  std::error_code ec;
  bool exists = std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec);
  if (!exists) {
    if (!options.create_if_missing) {
      return Status::NotFound("embedded store " + dir + " does not exist");
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("embedded store " + dir + ": " + ec.message());
  }
  std::unique_ptr<RocksDbItemStore> store(new RocksDbItemStore());
  store->options_ = options;
  store->options_.now_seconds = ClockOf(options);
  store->ttl_filter_ = NewTtlCompactionFilter(store->options_.now_seconds);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  // A new store gets its indexes; an existing one without them was not made by us, unless its
  // creation was cut short (killed after RocksDB wrote CURRENT, before every index family was
  // made): a database holding only families of ours is finished.
  bool interrupted_creation = false;
  if (exists && options.create_if_missing) {
    std::vector<std::string> names;
    interrupted_creation =
        rocksdb::DB::ListColumnFamilies(db_options, dir, &names).ok() && names.size() < 3 &&
        std::all_of(names.begin(), names.end(), [](const std::string& n) {
          return n == rocksdb::kDefaultColumnFamilyName || n == "gsi1" || n == "gsi2";
        });
  }
  db_options.create_missing_column_families = !exists || interrupted_creation;
  // Items and their index entries live in three column families: with the WAL off, only an
  // atomic flush keeps them from disagreeing after a crash.
  db_options.atomic_flush = true;
  db_options.max_background_jobs = 4;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 5;
  if (options.bulk_load) {
    db_options.db_write_buffer_size = size_t{192} << 20;
    db_options.allow_concurrent_memtable_write = false;  // the vector memtable cannot
  }

  // A load reads next to nothing: its memory goes to the memtables instead.
  auto cache = rocksdb::NewLRUCache(
      options.bulk_load ? std::min<size_t>(options.block_cache_bytes, size_t{16} << 20)
                        : options.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf = FamilyOptions(options, cache, store->ttl_filter_.get());
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {"gsi1", cf}, {"gsi2", cf}};
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, families, &store->families_, &db);
  if (!s.ok()) return FromRocks(s, "embedded store " + dir);
  store->db_.reset(db);
  store->cache_ = std::make_unique<StoredValueCache>(options.item_cache_bytes);
  if (options.background_purge)
    store->purge_thread_ = std::thread([p = store.get()] { p->PurgeLoop(); });
  return store;
}

RocksDbItemStore::~RocksDbItemStore() {
  if (purge_thread_.joinable()) {
    {
      std::lock_guard lock(purge_mu_);
      stop_ = true;
    }
    purge_cv_.notify_all();
    db_->DisableManualCompaction();  // a compaction under way returns early
    purge_thread_.join();
  }
  if (!db_) return;
  for (auto* family : families_) db_->DestroyColumnFamilyHandle(family);
  db_->Close();
  db_.reset();
}

int64_t RocksDbItemStore::Now() const {
  return options_.now_seconds();
}

rocksdb::ColumnFamilyHandle* RocksDbItemStore::Family(IndexName index) const {
  static_assert(static_cast<int>(IndexName::kTable) == 0 &&
                    static_cast<int>(IndexName::kGsi1) == 1 &&
                    static_cast<int>(IndexName::kGsi2) == 2,
                "families_ holds default, gsi1, gsi2 in IndexName's order");
  return families_[static_cast<size_t>(index)];
}

Result<std::vector<StoredState>> RocksDbItemStore::ReadStored(
    const std::vector<std::string_view>& keys, bool decode) {
  // Cached items first; the database for the rest (not cached here: most are keys about to be
  // written for the first time, such as new events).
  std::vector<StoredValueCache::Hit> hits(keys.size());
  std::vector<std::string_view> missed;
  for (size_t i = 0; i < keys.size(); ++i) {
    hits[i] = cache_->Lookup(keys[i]);
    if (!hits[i].known) missed.push_back(keys[i]);
  }
  MultiGetResult got;
  if (!missed.empty()) got = MultiGet(db_.get(), families_[0], rocksdb::ReadOptions(), missed);
  int64_t now = Now();
  std::vector<StoredState> states(keys.size());
  for (size_t i = 0, m = 0; i < keys.size(); ++i) {
    std::string_view value;
    const CachedValue* cached = hits[i].value.get();
    if (hits[i].known) {
      if (!cached) continue;
      value = cached->value();
    } else {
      const size_t at = m++;
      if (got.statuses[at].IsNotFound()) continue;
      VDPARK_RETURN_IF_ERROR(FromRocks(got.statuses[at], "read"));
      value = View(got.values[at]);
    }
    StoredState& st = states[i];
    st.found = true;
    st.ttl = DecodeTtlPrefix(value);
    auto key = ParseTableKey(keys[i]);
    // The index entries its writer computed, when it handed them over (a live write's items):
    // the same as computing them again of the item.
    const IndexEntries* written_index = cached ? cached->index() : nullptr;
    if (decode && !TtlExpired(st.ttl, now)) {
      VDPARK_ASSIGN_OR_RETURN_WITH(std::shared_ptr<const Item> item,
                                   cached ? cached->shared_item() : SharedDecode(value),
                                   Describe(key->pk, key->sk));
      st.index = written_index ? *written_index : IndexEntriesOf(*item, key->pk, key->sk);
      st.live = std::move(item);
      continue;
    }
    if (written_index) {
      st.index = *written_index;
      continue;
    }
    VDPARK_ASSIGN_OR_RETURN_WITH(st.index, IndexEntriesOfStored(value, key->pk, key->sk),
                                 Describe(key->pk, key->sk));
  }
  return states;
}

void RocksDbItemStore::Stage(rocksdb::WriteBatch* batch, const StoredState& old,
                             const PendingWrite& write) const {
  if (write.value) {
    batch->Put(families_[0], write.key, *write.value);
  } else if (old.found) {
    batch->Delete(families_[0], write.key);
  }
  std::string ttl = write.value ? write.value->substr(0, kTtlPrefixBytes) : std::string();
  // An entry that stays as it is (same index key, same ttl: a bay's heartbeat) is not written
  // again: each write is a memtable insert, the live path's main cost.
  const bool same_ttl = old.found && write.value && old.ttl == DecodeTtlPrefix(*write.value);
  auto stage_index = [&](rocksdb::ColumnFamilyHandle* family,
                         const std::optional<std::string>& before,
                         const std::optional<std::string>& after) {
    if (before && before != after) batch->Delete(family, *before);
    if (after && !(same_ttl && before == after)) batch->Put(family, *after, ttl);
  };
  stage_index(families_[1], old.index.gsi1, write.index.gsi1);
  stage_index(families_[2], old.index.gsi2, write.index.gsi2);
}

Status RocksDbItemStore::Commit(rocksdb::WriteBatch* batch,
                                const std::vector<StoredValueCache::Write>* base_writes) {
  if (batch->Count() == 0) return Status::OK();
  rocksdb::WriteOptions wo;
  wo.disableWAL = options_.disable_wal;
  Status s = FromRocks(db_->Write(wo, batch), "write");
  // Every write of the store passes here: the cache follows it, or forgets everything when the
  // write failed (it may still have reached the memtable).
  if (s.ok()) {
    if (base_writes != nullptr) {
      cache_->Written(*base_writes);
    } else {
      cache_->Written(*batch, families_[0]->GetID());
    }
    listings_.Written(*batch, families_[0]->GetID());
    ranges_.Written(*batch);
  } else {
    cache_->Clear();
    listings_.Clear();
    ranges_.Clear();
  }
  return s;
}

Result<std::optional<Item>> RocksDbItemStore::Get(const ItemKey& key) {
  VDPARK_ASSIGN_OR_RETURN(std::shared_ptr<const Item> item, GetShared(key));
  if (!item) return std::optional<Item>();
  return std::optional<Item>(*item);
}

Result<std::shared_ptr<const Item>> RocksDbItemStore::GetShared(const ItemKey& key) {
  VDPARK_ASSIGN_OR_RETURN(SharedRecordRead read, GetWithSlot(key));
  return std::move(read.item);
}

Result<SharedRecordRead> RocksDbItemStore::GetWithSlot(const ItemKey& key) {
  VDPARK_RETURN_IF_ERROR(CheckKey(key.pk, key.sk));
  const std::string stored_key = EncodeTableKey(key.pk, key.sk);
  auto hit = cache_->Lookup(stored_key);
  if (!hit.known) {
    const uint64_t epoch = cache_->Epoch();
    rocksdb::PinnableSlice read;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), families_[0], stored_key, &read);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "get " + Describe(key.pk, key.sk));
    hit.value =
        cache_->Fill(stored_key, s.IsNotFound() ? std::nullopt : std::optional(View(read)), epoch);
  }
  if (!hit.value || TtlExpired(DecodeTtlPrefix(hit.value->value()), Now())) {
    return SharedRecordRead{};
  }
  VDPARK_ASSIGN_OR_RETURN_WITH(std::shared_ptr<const Item> item, hit.value->shared_item(),
                               Describe(key.pk, key.sk));
  // A value Fill did not keep (the cache is off) has a slot too: what is kept there is dropped
  // with it.
  return SharedRecordRead{std::move(item), hit.value->record_slot()};
}

// Single writes are transactions of one item, whose errors need no item number.
Status RocksDbItemStore::Put(const Item& item, const Condition& condition) {
  TransactItem put{TransactItem::Kind::kPut, item, {}, {}, condition};
  return Apply({&put, 1}, false).status();
}

Result<Item> RocksDbItemStore::UpdateItem(const ItemKey& key, const Update& update,
                                          const Condition& condition) {
  TransactItem t{TransactItem::Kind::kUpdate, {}, key, update, condition};
  return Apply({&t, 1}, false);
}

Status RocksDbItemStore::Delete(const ItemKey& key, const Condition& condition) {
  TransactItem t{TransactItem::Kind::kDelete, {}, key, {}, condition};
  return Apply({&t, 1}, false).status();
}

Status RocksDbItemStore::BatchWrite(std::span<const WriteRequest> writes) {
  // Validation and encoding, the costly part of a load, happen before taking the lock.
  std::vector<PendingWrite> pending;
  pending.reserve(writes.size());
  std::vector<std::string_view> keys;
  keys.reserve(writes.size());
  std::unordered_set<std::string_view> seen(writes.size());
  size_t bytes = 0;
  for (size_t i = 0; i < writes.size(); ++i) {
    const WriteRequest& w = writes[i];
    if (w.kind == WriteRequest::Kind::kPut) {
      VDPARK_ASSIGN_OR_RETURN_WITH(PendingWrite write, Prepare(w.item),
                                   "write " + std::to_string(i));
      pending.push_back(std::move(write));
    } else {
      if (Status s = CheckKey(w.key.pk, w.key.sk); !s.ok()) {
        return s.WithContext("write " + std::to_string(i));
      }
      pending.push_back({EncodeTableKey(w.key.pk, w.key.sk), std::nullopt, {}});
    }
    const PendingWrite& p = pending.back();  // `pending` never reallocates: the views hold
    if (!seen.insert(p.key).second) {
      return Status::InvalidArgument("write " + std::to_string(i) +
                                     ": a second request for one key in one BatchWrite");
    }
    keys.push_back(p.key);
    bytes += 2 * p.key.size() + (p.value ? p.value->size() + 64 : 16);
  }
  if (pending.empty()) return Status::OK();
  // Only the items whose index keys may differ from the new ones need reading: a bulk load of
  // events reads nothing.
  std::vector<std::string_view> to_read;
  std::vector<size_t> read_index(pending.size(), SIZE_MAX);
  for (size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].kind == WriteRequest::Kind::kPut && writes[i].index_keys_follow_key) continue;
    read_index[i] = to_read.size();
    to_read.push_back(keys[i]);
  }
  std::lock_guard lock(mu_);
  VDPARK_ASSIGN_OR_RETURN(std::vector<StoredState> read, ReadStored(to_read, false));
  const StoredState kNothing{};
  auto old_of = [&](size_t i) -> const StoredState& {
    return read_index[i] == SIZE_MAX ? kNothing : read[read_index[i]];
  };
  // In key order, each memtable insert lands next to the previous one: far fewer cache misses
  // in the skip list than the loader's arbitrary order.
  std::vector<size_t> order(pending.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  rocksdb::WriteBatch batch(bytes);
  for (size_t i : order) Stage(&batch, old_of(i), pending[i]);
  return Commit(&batch);
}

Status RocksDbItemStore::TransactWrite(std::span<const TransactItem> items) {
  if (items.size() > kMaxTransactItems) {
    return Status::InvalidArgument("TransactWrite: " + std::to_string(items.size()) +
                                   " items, at most " + std::to_string(kMaxTransactItems));
  }
  return Apply(items, true).status();
}

Status RocksDbItemStore::TransactWriteTaking(std::span<TransactItem> items) {
  if (items.size() > kMaxTransactItems) return TransactWrite(items);  // refused there
  return Apply(items, true, items).status();
}

Result<Item> RocksDbItemStore::Apply(std::span<const TransactItem> items, bool numbered,
                                     std::span<TransactItem> takeable) {
  auto in = [numbered](size_t i, const Status& s) {
    return numbered ? s.WithContext("item " + std::to_string(i)) : s;
  };
  std::vector<ItemKey> item_keys;
  std::vector<std::string> stored_keys;
  std::vector<std::optional<PendingWrite>> puts(
      items.size());    // an update's, a delete's too, below
  bool decode = false;  // only conditions and updates need the stored items decoded
  for (size_t i = 0; i < items.size(); ++i) {
    const TransactItem& t = items[i];
    ItemKey key = t.key;
    if (t.kind == TransactItem::Kind::kPut) {
      auto write = Prepare(t.item, &key);
      if (!write.ok()) return in(i, write.status());
      puts[i] = std::move(*write);
    }
    VDPARK_RETURN_IF_ERROR(in(i, CheckKey(key.pk, key.sk)));
    if (t.kind == TransactItem::Kind::kUpdate) VDPARK_RETURN_IF_ERROR(in(i, CheckUpdate(t.update)));
    decode = decode || !t.condition.empty() || t.kind == TransactItem::Kind::kUpdate;
    std::string stored = EncodeTableKey(key.pk, key.sk);
    if (std::find(stored_keys.begin(), stored_keys.end(), stored) != stored_keys.end()) {
      return in(i, Status::InvalidArgument("a second operation on " + Describe(key.pk, key.sk)));
    }
    item_keys.push_back(std::move(key));
    stored_keys.push_back(std::move(stored));
  }
  std::vector<std::string_view> keys(stored_keys.begin(), stored_keys.end());
  std::lock_guard lock(mu_);
  VDPARK_ASSIGN_OR_RETURN(std::vector<StoredState> old, ReadStored(keys, decode));
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].condition.Matches(LiveOf(old[i]))) return in(i, ConditionFailedOn(item_keys[i]));
  }
  rocksdb::WriteBatch batch;
  // Each item's write (an update's and a delete's too), and an update's item as it is afterwards:
  // the cache takes them as they are.
  std::vector<std::optional<Item>> updated(items.size());
  const Item* last_updated = nullptr;  // the last update's item: what UpdateItem returns
  for (size_t i = 0; i < items.size(); ++i) {
    StoredState& state = old[i];
    switch (items[i].kind) {
      case TransactItem::Kind::kPut:
        Stage(&batch, state, *puts[i]);
        break;
      case TransactItem::Kind::kUpdate: {
        Item& now = updated[i].emplace(state.live ? *state.live : KeyItem(item_keys[i]));
        Status applied = items[i].update.ApplyTo(&now);
        if (!applied.ok())
          return in(i, applied.WithContext(Describe(item_keys[i].pk, item_keys[i].sk)));
        auto write = Prepare(now);
        if (!write.ok()) return in(i, write.status());
        puts[i] = std::move(*write);
        Stage(&batch, state, *puts[i]);
        last_updated = &now;
        break;
      }
      case TransactItem::Kind::kDelete:
        puts[i] = PendingWrite{stored_keys[i], std::nullopt, {}};
        Stage(&batch, state, *puts[i]);
        break;
      case TransactItem::Kind::kConditionCheck:
        break;
    }
  }
  // The batch's writes to the base items, as Stage made them: a put of every value, a delete of
  // every key found. The items put come as the caller gave them, and the updated ones as made
  // here: what the cache holds of them needs no decoding. The values and index entries made here
  // are not needed after the commit: the cache takes them, and the items put when the caller
  // lets it.
  std::vector<StoredValueCache::Write> written;
  written.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!puts[i] || (!puts[i]->value && !old[i].found)) continue;
    PendingWrite& p = *puts[i];
    StoredValueCache::Write& w = written.emplace_back();
    w.key = p.key;
    if (!p.value) continue;
    w.value = &*p.value;
    w.index = &p.index;
    if (items[i].kind == TransactItem::Kind::kPut) {
      if (takeable.empty()) {
        w.item = &items[i].item;
      } else {
        w.item_to_take = &takeable[i].item;
      }
      w.record = items[i].record;
    } else {
      w.item = &*updated[i];
    }
  }
  VDPARK_RETURN_IF_ERROR(Commit(&batch, &written));
  return last_updated ? *last_updated : Item();
}

Status RocksDbItemStore::FlushToDisk() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  VDPARK_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, families_), "flush"));
  if (!options_.disable_wal) VDPARK_RETURN_IF_ERROR(FromRocks(db_->FlushWAL(true), "sync WAL"));
  return Status::OK();
}

}  // namespace vdpark
