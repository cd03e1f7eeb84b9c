// DynamoDbBatchWriter: ItemStore::BatchWrite over DynamoDB's BatchWriteItem, for any number of
// requests, with nothing ever dropped.
//
// First every request is checked, and on any error nothing is sent (kInvalidArgument):
//   - a put's PK and SK are non-empty strings within DynamoDB's key limits, and the item is at
//     most kMaxItemSizeBytes as DynamoDB counts it (the message names the item's PK/SK and size);
//   - a delete's key is valid the same way;
//   - no two requests are for one key (DynamoDB refuses such a batch; refusing the whole call
//     here keeps the answer the same however the requests are split).
// Then the requests go out in BatchWriteItem calls of at most kMaxBatchItems items and
// kMaxBatchBytes of items, with at most `in_flight_limit` calls in flight (read before each call,
// so a change applies to a BatchWrite already running). A round ends when every call of it has
// answered. What the server left in UnprocessedItems, and the whole of any call that still failed
// with a retryable error (throttled, unavailable) after the client's own retries, is sent again in
// the next round, after a backoff with full jitter, until nothing is left: OK means every request
// was applied. After max_rounds rounds with requests left the call returns kThrottled saying how
// many. A non-retryable error stops new calls, waits for those in flight, and is returned; the
// requests applied until then stay applied (BatchWrite is not atomic as a whole).
//
// Write capacity: one call in options.capacity_sample_every asks for ReturnConsumedCapacity=TOTAL
// and counts what the server reports; the others, and an asking call answered without a figure
// (dynalite may not give one), count their applied requests at 1 unit per started KB of item (a
// delete at 1), scaled by what the asking calls reported against that estimate (CapacitySample).
//
// Thread-safe: one writer serves any number of concurrent Write calls.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/adaptive_limit.h"
#include "common/status.h"
#include "common/token_bucket.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/item_store.h"

namespace vdpark {

class CapacitySample;

inline constexpr size_t kMaxBatchItems = 25;  // DynamoDB's BatchWriteItem limits
inline constexpr size_t kMaxBatchBytes = size_t{16} << 20;

struct BatchWriterOptions {
  int max_rounds = 40;                          // rounds of resending before kThrottled
  std::chrono::milliseconds base_backoff{50};   // wait before the second round
  std::chrono::milliseconds max_backoff{5000};  // longest wait between two rounds
  int capacity_sample_every = 16;               // 1 in this many calls asks for its capacity
};

// What one Write call did, for the loader's rate control and reports.
struct BatchWriteReport {
  Status status;
  uint64_t requests_sent = 0;       // BatchWriteItem calls, resends included
  uint64_t items_resent = 0;        // write requests sent again (unprocessed or throttled)
  uint64_t throttled_requests = 0;  // calls answered with UnprocessedItems or failed throttled
  // Throttling answers that the client retried on its own while the call ran. The client's
  // counter is shared, so concurrent users of the client add theirs: a signal, not an account.
  uint64_t throttled_answers = 0;
  uint64_t rounds = 0;               // rounds of calls (1 when nothing had to be resent)
  double write_units = 0;            // consumed write capacity, as reported or estimated
  uint64_t capacity_asked = 0;       // answered calls that asked for their consumed capacity
  uint64_t unreported_capacity = 0;  // of those, answered without it (their units estimated)

  // Whether the server pushed back during the call: the loader's signal to slow down.
  bool throttled() const { return throttled_requests > 0 || throttled_answers > 0; }
};

// A load's optional controls: a ceiling on write units per second (each call waits for its
// estimated units before it is sent), and an in-flight limit that halves on throttling and grows
// back on success (the effective limit is the smaller of it and `in_flight_limit`).
struct WriteControls {
  TokenBucket* write_units = nullptr;
  AdaptiveLimit* in_flight = nullptr;
};

class DynamoDbBatchWriter {
 public:
  // `client` must outlive the writer.
  DynamoDbBatchWriter(DynamoDbClient& client, std::string table, BatchWriterOptions options = {});
  ~DynamoDbBatchWriter();

  // Writes every request as described above; blocks until done. `in_flight_limit` below 1 counts
  // as 1.
  BatchWriteReport Write(std::span<const WriteRequest> writes,
                         const std::atomic<int>& in_flight_limit,
                         const WriteControls& controls = {}) const;

 private:
  DynamoDbClient& client_;
  std::string table_;
  BatchWriterOptions options_;
  std::unique_ptr<CapacitySample> capacity_;  // shared by every Write: the scale spans them
};

}  // namespace vdpark
