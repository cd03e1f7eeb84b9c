#include "ingest/durable_queue.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "store/embedded/rocksdb_support.h"

namespace vdpark {

using embedded_detail::FromRocks;
using embedded_detail::View;

namespace {

// ---------------------------------------------------------------------------------------------
// Keys.

constexpr std::string_view kAckedKey = "m";
constexpr char kEntryPrefix = 'q';

// Big-endian, so that byte order is number order.
std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * (7 - i)));
  return out;
}

std::optional<uint64_t> DecodeU64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string EntryKey(uint64_t sequence) {
  return kEntryPrefix + EncodeU64(sequence);
}

std::optional<uint64_t> SequenceOf(std::string_view key) {
  if (key.empty() || key[0] != kEntryPrefix) return std::nullopt;
  return DecodeU64(key.substr(1));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The queue.

DurableQueue::DurableQueue(std::string dir, std::string what, EnqueuedOf enqueued_of,
                           const DurableQueueOptions& options)
    : dir_(std::move(dir)),
      what_(std::move(what)),
      enqueued_of_(std::move(enqueued_of)),
      options_(options) {}

DurableQueue::~DurableQueue() {
  if (db_) (void)db_->Close();
}

Result<std::unique_ptr<DurableQueue>> DurableQueue::Open(const std::string& dir, std::string what,
                                                         EnqueuedOf enqueued_of,
                                                         const DurableQueueOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    if (!options.create_if_missing) return Status::NotFound(what + " " + dir + " not found");
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError(what + " " + dir + ": " + ec.message());
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  // A queue is small and short-lived: small memtables, few logs kept around.
  db_options.write_buffer_size = size_t{8} << 20;
  db_options.keep_log_file_num = 3;
  db_options.max_background_jobs = 2;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, &db);
  if (!s.ok()) return FromRocks(s, what + " " + dir);
  std::unique_ptr<DurableQueue> queue(
      new DurableQueue(dir, std::move(what), std::move(enqueued_of), options));
  queue->db_.reset(db);
  VDPARK_RETURN_IF_ERROR(queue->Load());
  return queue;
}

Status DurableQueue::Load() {
  std::string acked_value;
  uint64_t acked = 0;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kAckedKey, &acked_value);
  if (s.ok()) {
    auto v = DecodeU64(acked_value);
    if (!v) return Status::Corruption(Name() + ": the acknowledged mark");
    acked = *v;
  } else if (!s.IsNotFound()) {
    return FromRocks(s, Name());
  }

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->Seek(EntryKey(0));
  std::optional<uint64_t> first;
  if (it->Valid()) first = SequenceOf(View(it->key()));
  it->SeekToLast();
  std::optional<uint64_t> last;
  if (it->Valid()) last = SequenceOf(View(it->key()));
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), Name()));

  std::lock_guard lock(mu_);
  next_ = std::max(acked, last.value_or(0)) + 1;
  head_ = first.value_or(next_);
  size_.store(next_ - head_, std::memory_order_relaxed);
  oldest_micros_.store(EnqueuedMicrosOf(head_), std::memory_order_relaxed);
  return Status::OK();
}

int64_t DurableQueue::EnqueuedMicrosOf(uint64_t sequence) const {
  if (sequence >= next_) return kNoEntry;
  std::string value;
  if (!db_->Get(rocksdb::ReadOptions(), EntryKey(sequence), &value).ok()) return kNoEntry;
  std::optional<Timestamp> enqueued = enqueued_of_(value);
  // An entry whose time cannot be read counts as appended now: its age is unknown.
  return enqueued ? enqueued->micros() : Timestamp::Now().micros();
}

Result<uint64_t> DurableQueue::Append(std::string_view value, Timestamp now) {
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  std::lock_guard lock(mu_);
  const uint64_t sequence = next_;
  rocksdb::Status s = db_->Put(wo, EntryKey(sequence), rocksdb::Slice(value.data(), value.size()));
  if (!s.ok()) return FromRocks(s, Name() + ": append");
  ++next_;
  if (size_.fetch_add(1, std::memory_order_relaxed) == 0) {
    oldest_micros_.store(now.micros(), std::memory_order_relaxed);
  }
  return sequence;
}

Result<std::vector<QueueEntry>> DurableQueue::Peek(size_t max) const {
  std::vector<QueueEntry> out;
  uint64_t head = 0;
  {
    std::lock_guard lock(mu_);
    head = head_;
  }
  if (max == 0) return out;
  // Seeking straight to the head skips the deletions that acknowledging left behind.
  const std::string lower = EntryKey(head);
  rocksdb::Slice lower_slice(lower);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(lower); it->Valid() && out.size() < max; it->Next()) {
    auto sequence = SequenceOf(View(it->key()));
    if (!sequence) break;
    out.push_back(QueueEntry{*sequence, std::string(View(it->value()))});
  }
  VDPARK_RETURN_IF_ERROR(FromRocks(it->status(), Name() + ": peek"));
  return out;
}

Status DurableQueue::Ack(uint64_t sequence) {
  std::lock_guard lock(mu_);
  if (sequence >= next_) {
    return Status::InvalidArgument(fmt::format("{}: cannot acknowledge {}, the last appended is {}",
                                               Name(), sequence, next_ - 1));
  }
  if (sequence < head_) return Status::OK();
  rocksdb::WriteBatch batch;
  for (uint64_t s = head_; s <= sequence; ++s) batch.Delete(EntryKey(s));
  batch.Put(kAckedKey, EncodeU64(sequence));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  VDPARK_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), Name() + ": ack"));
  head_ = sequence + 1;
  size_.store(next_ - head_, std::memory_order_relaxed);
  oldest_micros_.store(EnqueuedMicrosOf(head_), std::memory_order_relaxed);
  return Status::OK();
}

std::optional<Timestamp> DurableQueue::oldest() const {
  int64_t us = oldest_micros_.load(std::memory_order_relaxed);
  if (size() == 0 || us == kNoEntry) return std::nullopt;
  return Timestamp::FromMicros(us);
}

int64_t DurableQueue::OldestAgeMicros(Timestamp now) const {
  auto t = oldest();
  return t ? std::max<int64_t>(0, now - *t) : 0;
}

uint64_t DurableQueue::next_sequence() const {
  std::lock_guard lock(mu_);
  return next_;
}

}  // namespace vdpark
