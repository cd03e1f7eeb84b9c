// DurableQueue: a first-in first-out queue of byte strings on disk (RocksDB, in a folder of its
// own), for what must outlive the process between a producer and one consumer: the changes on
// their way to the PostgreSQL mirror (mirror_queue.h), the messages on their way from the broker
// to the store (intake_log.h).
//
// One or more threads Append; one consumer Peeks a batch from the head, does its work, and Acks
// it. Each entry gets the next sequence number (1, 2, ...); sequences keep counting across
// restarts, also after the queue was emptied, so a number is never given twice.
//
// Durability: Append returns once the entry is in RocksDB's write-ahead log, written to the
// operating system (no fsync by default). That survives the process being killed at any moment
// (SIGKILL, a crash), not the machine losing power; DurableQueueOptions::sync adds an fsync per
// Append and Ack for that.
//
// Layout: entry keys are 'q' + the sequence as 8 big-endian bytes, so key order is queue order; the
// key "m" holds the highest sequence acknowledged. An entry's value is the caller's bytes, in
// which the caller keeps the entry's enqueue time (read back by the EnqueuedOf function).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
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

namespace rocksdb {
class DB;
}

namespace vdpark {

struct DurableQueueOptions {
  bool create_if_missing = true;  // make the folder when it does not exist
  bool sync = false;              // fsync the WAL on each Append and Ack (survives power loss)
};

// One entry as Peek returns it.
struct QueueEntry {
  uint64_t sequence = 0;
  std::string value;
};

class DurableQueue {
 public:
  // An entry's enqueue time from its value; nullopt when the value holds none that can be read
  // (its age is then taken as 0).
  using EnqueuedOf = std::function<std::optional<Timestamp>(std::string_view value)>;

  // Opens (or creates) the queue in `dir`, which nothing else may use; `what` names it in errors
  // ("mirror queue"). Finds the head (the first entry not acknowledged) and the next sequence.
  // NotFound when the folder has no queue and create_if_missing is false; IOError / Corruption
  // from RocksDB otherwise.
  static Result<std::unique_ptr<DurableQueue>> Open(const std::string& dir, std::string what,
                                                    EnqueuedOf enqueued_of,
                                                    const DurableQueueOptions& options = {});
  ~DurableQueue();
  DurableQueue(const DurableQueue&) = delete;
  DurableQueue& operator=(const DurableQueue&) = delete;

  // Appends `value`, enqueued at `now`, and returns its sequence once durable as described above.
  // Safe from any thread; appends are ordered as their calls return.
  Result<uint64_t> Append(std::string_view value, Timestamp now);

  // Up to `max` entries from the head, in sequence order, without removing them. Empty when the
  // queue is. For the one consumer.
  Result<std::vector<QueueEntry>> Peek(size_t max) const;

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
  // "mirror queue DIR": how errors name the queue.
  std::string Name() const { return what_ + " " + dir_; }

 private:
  DurableQueue(std::string dir, std::string what, EnqueuedOf enqueued_of,
               const DurableQueueOptions& options);
  Status Load();
  static constexpr int64_t kNoEntry = std::numeric_limits<int64_t>::min();
  // The enqueue time of the entry `sequence`, kNoEntry when there is none (requires mu_).
  int64_t EnqueuedMicrosOf(uint64_t sequence) const;

  const std::string dir_;
  const std::string what_;
  const EnqueuedOf enqueued_of_;
  const DurableQueueOptions options_;
  std::unique_ptr<rocksdb::DB> db_;

  // Guards head_, next_ and the writes that move them, so that they always agree with the disk.
  mutable std::mutex mu_;
  uint64_t head_ = 1;  // the first sequence not acknowledged (== next_ when empty)
  uint64_t next_ = 1;  // the sequence the next Append gets
  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> oldest_micros_{kNoEntry};  // the head's enqueue time
};

}  // namespace vdpark
