// TableStreamReader: follows one DynamoDB Stream (DescribeStream, GetShardIterator, GetRecords on
// a client made with StreamsClientOptions) on a thread of its own, and hands every record to a
// callback, in order within each shard, parents before children (stream_shards.h says which
// shards, from where). It starts at the newest record of each open shard: what was written before
// Start is not read.
//
// Errors do not stop it: an iterator that expired (15 minutes unused, or the reader was held up)
// is asked for again after the last record read; a shard whose records were trimmed is read from
// its oldest; anything else is logged, counted and tried again after a pause that grows to
// max_backoff. DynamoDB allows 5 GetRecords per second per shard and 10 DescribeStream per second:
// the defaults stay well below both.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/result.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/item_store.h"

namespace vdpark {

struct StreamRecord {
  std::string event_name;  // "INSERT", "MODIFY", "REMOVE"
  Item keys;
  std::optional<Item> new_image, old_image;
  std::string sequence_number;
};

struct TableStreamReaderOptions {
  // A pause after a round with no records: 4 GetRecords a second per shard, of the 5 DynamoDB
  // allows (AWS advises at most two readers per shard: more API processes get throttled).
  std::chrono::milliseconds poll_every{250};
  std::chrono::milliseconds describe_every{5000};  // looking for new shards (sooner on a close)
  std::chrono::milliseconds max_backoff{5000};     // the longest pause after errors
};

struct TableStreamReaderStats {
  std::atomic<uint64_t> records{0};      // handed to the callback
  std::atomic<uint64_t> get_records{0};  // GetRecords calls
  std::atomic<uint64_t> errors{0};       // calls that failed (and were tried again)
  std::atomic<uint64_t> shards_finished{0};
};

class TableStreamReader {
 public:
  using OnRecord = std::function<void(const StreamRecord&)>;

  // Describes the stream once (its errors are returned: a wrong ARN, no Streams API) and starts
  // reading. `client` must outlive the reader.
  static Result<std::unique_ptr<TableStreamReader>> Start(DynamoDbClient& client,
                                                          std::string stream_arn,
                                                          TableStreamReaderOptions options,
                                                          OnRecord on_record);
  ~TableStreamReader();  // Stop()s
  void Stop();

  const TableStreamReaderStats& stats() const;

 private:
  struct Impl;
  explicit TableStreamReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vdpark
