// MirrorQueue: the durable first-in first-out queue of live changes between ingest and the
// PostgreSQL mirror of SPEC §4 (dual-write, plan §4.3 Option B): a DurableQueue (durable_queue.h:
// sequences, durability, layout) whose entries are one format byte (kMirrorFormatVersion) and then
// a JSON object (EncodeQueuedChange).
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
#include "ingest/durable_queue.h"
#include "store/live_store.h"

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

// The queue of changes: a DurableQueue (durable_queue.h) of EncodeQueuedChange's bytes.
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

  // Up to `max` entries from the head, in sequence order, without removing them; an entry that
  // does not decode is passed in its place with its status. Empty when the queue is. For the
  // one consumer.
  Result<std::vector<QueuedChange>> Peek(size_t max) const;

  // As DurableQueue's.
  Status Ack(uint64_t sequence) { return queue_->Ack(sequence); }
  uint64_t size() const { return queue_->size(); }
  std::optional<Timestamp> oldest() const { return queue_->oldest(); }
  int64_t OldestAgeMicros(Timestamp now = Timestamp::Now()) const {
    return queue_->OldestAgeMicros(now);
  }
  uint64_t next_sequence() const { return queue_->next_sequence(); }
  const std::string& dir() const { return queue_->dir(); }

 private:
  explicit MirrorQueue(std::unique_ptr<DurableQueue> queue);
  const std::unique_ptr<DurableQueue> queue_;
};

}  // namespace vdpark
