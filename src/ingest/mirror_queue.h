// MirrorQueue: a durable first-in first-out queue of live changes on disk (RocksDB, in a folder of
// its own), between ingest and the PostgreSQL mirror of SPEC §4 (dual-write, plan §4.3 Option B).
//
// One or more threads Append; one consumer Peeks a batch from the head, writes it somewhere, and
// Acks it. Each change gets the next sequence number (1, 2, ...); sequences keep counting across
// restarts, also after the queue was emptied, so a number is never given twice.
//
// Durability: Append returns once the change is in RocksDB's write-ahead log, written to the
// operating system (no fsync by default). That survives the process being killed at any moment
// (SIGKILL, a crash), not the machine losing power; MirrorQueueOptions::sync adds an fsync per
// Append for that.
//
// Layout: entry keys are 'q' + the sequence as 8 big-endian bytes, so key order is queue order; the
// key "m" holds the highest sequence acknowledged. An entry's value is one format byte
// (kMirrorFormatVersion) and then a JSON object (EncodeQueuedChange).
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "domain/timestamp.h"
#include "store/live_store.h"

namespace rocksdb {
class DB;
}

namespace vdpark {

// The first byte of every stored entry.
inline constexpr uint8_t kMirrorFormatVersion = 1;

// One change as the queue holds it.
struct QueuedChange {
  uint64_t sequence = 0;
  Timestamp enqueued;  // when it was appended
  // What to mirror: bay_after, event, sensor and occupied_delta (bay_before is not kept). Empty
  // when `status` is not OK.
  LiveChange change;
  // Corruption when the stored bytes do not decode (an unknown format version, a broken
  // value): the entry is still passed, in its place, so that the consumer can decide about it.
  Status status;
};

// The stored form of `change` appended at `enqueued`: kMirrorFormatVersion, then
// {"t":micros,"z":zone,"d":delta,"b":{bay},"e":{event},"s":{sensor}}; fields that are unset are
// left out, timestamps are epoch microseconds, decimals their text (so "12.50" stays "12.50").
std::string EncodeQueuedChange(const LiveChange& change, Timestamp enqueued);

// The change and its enqueue time back from EncodeQueuedChange's bytes (sequence 0, status OK).
// kCorruption naming what is wrong: another format version, not JSON, a field of the wrong type,
// a delta whose zone is not the bay's.
Result<QueuedChange> DecodeQueuedChange(std::string_view stored);

struct MirrorQueueOptions {
  bool create_if_missing = true;  // make the folder when it does not exist
  bool sync = false;              // fsync the WAL on each Append (survives power loss)
};

class MirrorQueue {
 public:
  // Opens (or creates) the queue in `dir`, which nothing else may use. Finds the head (the first
  // entry not acknowledged) and the next sequence. NotFound when the folder has no queue and
  // create_if_missing is false; IOError / Corruption from RocksDB otherwise.
  static Result<std::unique_ptr<MirrorQueue>> Open(const std::string& dir,
                                                   const MirrorQueueOptions& options = {});
  ~MirrorQueue();
  MirrorQueue(const MirrorQueue&) = delete;
  MirrorQueue& operator=(const MirrorQueue&) = delete;

  // Appends `change` (as of `now`) and returns its sequence once durable as described above.
  // Safe from any thread; appends are ordered as their calls return.
  Result<uint64_t> Append(const LiveChange& change, Timestamp now = Timestamp::Now());

  // Up to `max` entries from the head, in sequence order, without removing them. Empty when the
  // queue is. For the one consumer.
  Result<std::vector<QueuedChange>> Peek(size_t max) const;

  // Removes every entry with a sequence up to and including `sequence` (Peek's last one, when a
  // batch is done with). Acknowledging less than the head does nothing; InvalidArgument for a
  // sequence not yet given. Durable as Append is.
  Status Ack(uint64_t sequence);

  // Entries appended and not acknowledged. Any thread.
  uint64_t size() const { return size_.load(std::memory_order_relaxed); }
  // When the head entry was appended; nullopt when the queue is empty. Any thread.
  std::optional<Timestamp> oldest() const;
  // now - oldest(), in microseconds; 0 when empty.
  int64_t OldestAgeMicros(Timestamp now = Timestamp::Now()) const;
  // The sequence the next Append gets.
  uint64_t next_sequence() const;

  const std::string& dir() const { return dir_; }

 private:
  MirrorQueue(std::string dir, const MirrorQueueOptions& options);
  Status Load();
  static constexpr int64_t kNoEntry = std::numeric_limits<int64_t>::min();
  // The enqueue time of the entry `sequence`, kNoEntry when there is none (requires mu_).
  int64_t EnqueuedMicrosOf(uint64_t sequence) const;

  const std::string dir_;
  const MirrorQueueOptions options_;
  std::unique_ptr<rocksdb::DB> db_;

  // Guards head_, next_ and the writes that move them, so that they always agree with the disk.
  mutable std::mutex mu_;
  uint64_t head_ = 1;  // the first sequence not acknowledged (== next_ when empty)
  uint64_t next_ = 1;  // the sequence the next Append gets
  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> oldest_micros_{kNoEntry};  // the head's enqueue time
};

}  // namespace vdpark
