// The embedded store's ttl purge: a compaction filter, a background compaction, and an explicit
// purge of expired items with their index entries.
#include <rocksdb/write_batch.h>

#include "store/embedded/rocksdb_item_store.h"
#include "store/embedded/rocksdb_support.h"

namespace vdpark {

using namespace embedded_detail;

namespace {

constexpr size_t kPurgeChunk = 1000;

// Drops, during compaction, every entry whose ttl prefix has passed: base items and index
// entries alike, since both begin with the item's ttl. RocksDB turns a drop into a tombstone
// where older versions may lie below, so nothing older resurfaces.
class TtlCompactionFilter : public rocksdb::CompactionFilter {
 public:
  explicit TtlCompactionFilter(std::function<int64_t()> now) : now_(std::move(now)) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    int64_t ttl = DecodeTtlPrefix(View(value));
    return ttl != 0 && TtlExpired(ttl, now_());
  }
  const char* Name() const override { return "vdpark.TtlCompactionFilter"; }

 private:
  std::function<int64_t()> now_;
};

}  // namespace

std::unique_ptr<rocksdb::CompactionFilter> embedded_detail::NewTtlCompactionFilter(
    std::function<int64_t()> now) {
  return std::make_unique<TtlCompactionFilter>(std::move(now));
}

Status RocksDbItemStore::CompactExpired() {
  rocksdb::CompactRangeOptions co;
  co.exclusive_manual_compaction = false;  // automatic compactions go on meanwhile
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* family : families_) {
    VDPARK_RETURN_IF_ERROR(
        FromRocks(db_->CompactRange(co, family, nullptr, nullptr), "compact " + family->GetName()));
  }
  return Status::OK();
}

Status RocksDbItemStore::PurgeExpired() {
  // The base items first: deleting them takes their index entries along; then any index entry
  // left expired on its own (its item dropped by the compaction filter first).
  for (size_t family = 0; family < families_.size(); ++family) {
    VDPARK_RETURN_IF_ERROR(PurgeFamily(family));
  }
  return Status::OK();
}

Status RocksDbItemStore::PurgeFamily(size_t family) {
  const int64_t now = Now();
  std::vector<std::string> expired;
  // Candidates are found without the lock and checked again under it: a writer may have
  // replaced one since.
  auto purge = [&]() -> Status {
    std::vector<std::string_view> keys(expired.begin(), expired.end());
    std::lock_guard lock(mu_);
    rocksdb::WriteBatch batch;
    if (family == 0) {
      VDPARK_ASSIGN_OR_RETURN(std::vector<StoredState> old, ReadStored(keys, false));
      for (size_t i = 0; i < keys.size(); ++i) {
        const StoredState& state = old[i];
        if (state.found && TtlExpired(state.ttl, now)) {
          Stage(&batch, state, PendingWrite{expired[i], std::nullopt, {}});
        }
      }
    } else {
      MultiGetResult got = MultiGet(db_.get(), families_[family], rocksdb::ReadOptions(), keys);
      for (size_t i = 0; i < keys.size(); ++i) {
        if (got.statuses[i].ok() && TtlExpired(DecodeTtlPrefix(View(got.values[i])), now)) {
          batch.Delete(families_[family], expired[i]);
        }
      }
    }
    expired.clear();
    return Commit(&batch);
  };
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), families_[family]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!TtlExpired(DecodeTtlPrefix(View(it->value())), now)) continue;
    expired.emplace_back(View(it->key()));
    if (expired.size() == kPurgeChunk) VDPARK_RETURN_IF_ERROR(purge());
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), "purge"));
  return expired.empty() ? Status::OK() : purge();
}

void RocksDbItemStore::PurgeLoop() {
  std::unique_lock lock(purge_mu_);
  while (!purge_cv_.wait_for(lock, options_.purge_interval, [this] { return stop_; })) {
    lock.unlock();
    // A failure (or the early return when closing) is retried at the next interval.
    if (CompactExpired().ok()) ++purge_runs_;
    lock.lock();
  }
}

}  // namespace vdpark
