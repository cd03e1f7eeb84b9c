// IntakeLog: the sensor messages serve has taken from the broker, kept on disk until the Ingestor
// has handled them (issue 17). Paho sends a message's PUBACK when the message callback returns, and
// no packaged MQTT client lets the application send it later; so the callback appends the message
// here (a few microseconds) and returns, and another thread hands the log's messages to the
// Ingestor, in order, and acknowledges them in the log once handled.
//
// Nothing acknowledged to the broker is lost: an entry is durable when Append returns (a
// DurableQueue, durable_queue.h: RocksDB's write-ahead log written to the operating system,
// which survives SIGKILL as the embedded store's own writes do). Nothing is doubled: an entry
// handled but not yet acknowledged here when the process dies is handled again at the next
// start with its original receive time, and the Ingestor decides it a duplicate (a redelivery
// from the broker is decided the same way). Per-bay order is the broker's: one thread appends
// (Paho's), one thread applies, in sequence order.
//
// An entry is one format byte (1), the receive time (epoch microseconds, 8 bytes big-endian),
// the topic's length (4 bytes big-endian), the topic, and the payload as received.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "domain/timestamp.h"
#include "ingest/durable_queue.h"

namespace vdpark {

struct IntakeMessage {
  uint64_t sequence = 0;
  Timestamp received;
  std::string topic, payload;
  Status status;  // kCorruption when the entry does not decode (topic and payload then empty)
};

// The stored form of a message, and back (kCorruption naming what is wrong).
std::string EncodeIntakeMessage(Timestamp received, std::string_view topic,
                                std::string_view payload);
Result<IntakeMessage> DecodeIntakeMessage(std::string_view stored);

class IntakeLog {
 public:
  // Opens (or creates) the log in `dir`, which nothing else may use. What it holds from before
  // (appended, not acknowledged) comes first from Take.
  static Result<std::unique_ptr<IntakeLog>> Open(const std::string& dir);

  // Appends a message received at `received`; durable when it returns. Any thread.
  Result<uint64_t> Append(Timestamp received, std::string_view topic, std::string_view payload);
  // Up to `max` messages not taken yet, in order, waiting up to `wait` for the first; empty when
  // none came (or after Close). An entry found at Open that does not decode comes in its place
  // with its status. Taken messages stay on disk until acknowledged. For the one consumer: the
  // log keeps what was appended in memory too, so that taking reads no disk.
  std::vector<IntakeMessage> Take(size_t max, std::chrono::milliseconds wait);
  // Removes the messages up to and including `sequence` from the disk.
  Status Ack(uint64_t sequence) { return queue_->Ack(sequence); }
  // Take returns at once from now on.
  void Close();

  uint64_t size() const { return queue_->size(); }  // appended and not acknowledged
  int64_t OldestAgeMicros(Timestamp now = Timestamp::Now()) const {
    return queue_->OldestAgeMicros(now);
  }
  const std::string& dir() const { return queue_->dir(); }

 private:
  explicit IntakeLog(std::unique_ptr<DurableQueue> queue) : queue_(std::move(queue)) {}
  const std::unique_ptr<DurableQueue> queue_;
  std::mutex mu_;  // guards what follows
  std::condition_variable taken_;
  std::deque<IntakeMessage> untaken_;  // appended (or found at Open), not taken yet
  bool waiting_ = false;               // Take waits: an Append wakes it
  bool closed_ = false;
};

}  // namespace vdpark
