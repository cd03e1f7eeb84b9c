// DynamoDbItemStore: the single table (SPEC §3) in DynamoDB, or any server speaking its JSON API.
//
// Each ItemStore operation is one DynamoDB operation on one table, through DynamoDbClient (which
// retries throttling and 5xx answers):
//   Get           GetItem, ConsistentRead
//   Put           PutItem with ConditionExpression
//   UpdateItem    UpdateItem with ConditionExpression, ReturnValues=ALL_NEW
//   Delete        DeleteItem with ConditionExpression
//   Query         Query with KeyConditionExpression on PK, GSI1PK or GSI2PK (IndexName for an
//                 index), ScanIndexForward, Limit, ExclusiveStartKey; ConsistentRead on the table
//   Scan          Scan with Segment/TotalSegments, Limit, FilterExpression, ExclusiveStartKey
//   TransactWrite TransactWriteItems with a ClientRequestToken, so that the client's retries
//                 cannot apply one transaction twice
//   BatchWrite    BatchWriteItem calls, several in flight (see dynamodb_batch_writer.h)
// Conditions and updates become expressions with placeholders (expression_builder.h).
//
// Where DynamoDB's behaviour and item_store.h's contract could differ, the store keeps the
// contract: keys are checked before sending (kInvalidArgument naming the key); a sort condition
// that can match nothing (BETWEEN with reversed bounds, `=` or `<` an empty string), which
// DynamoDB would refuse, returns an empty page; TransactWrite refuses more than kMaxTransactItems
// items and repeated keys before sending. Where it cannot: expired items stay readable until
// DynamoDB's TTL process deletes them (up to days later), and GSI queries are eventually
// consistent. Scan is in no particular order (ScanInKeyOrder() is false).
//
// Errors come from dynamodb_error.h: kConditionFailed, kThrottled (after the client's retries),
// kInvalidArgument, kNotFound (a missing table), kUnavailable; a TransactWrite whose condition
// failed names "item i: ".
//
// Thread-safe: any method may be called from many threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/dynamodb/dynamodb_batch_writer.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/item_store.h"

namespace vdpark {

struct DynamoDbStoreOptions {
  std::string table;  // the table's name, e.g. "VisionDrive-Parking"
  // BatchWriteItem calls in flight per BatchWrite at most (SetConcurrency changes it). Halved on
  // throttling and grown back one at a time on success, within [1, concurrency].
  int concurrency = 16;
  double max_write_units_per_second = 0;  // a ceiling for BatchWrite (--max-wcu); 0 = none
  // Query on the table and Scan read with ConsistentRead (twice the read units, but a read after
  // a write sees it). Index queries are always eventually consistent: DynamoDB allows no other.
  bool consistent_reads = true;
  // Open() checks with DescribeTable that the table exists and is keyed on PK/SK.
  bool check_table = true;
  BatchWriterOptions batch;  // BatchWrite's resend rounds and backoff
};

// Counters since the store was opened: for reports and the loader. Read with .load().
struct DynamoDbStoreStats {
  std::atomic<uint64_t> single_writes{0};        // PutItem/UpdateItem/DeleteItem/TransactWriteItems
  std::atomic<uint64_t> batches_sent{0};         // BatchWriteItem calls, resends included
  std::atomic<uint64_t> unprocessed_resent{0};   // write requests sent again after pushback
  std::atomic<uint64_t> throttled_batches{0};    // BatchWriteItem calls the server pushed back on
  std::atomic<uint64_t> write_milliunits{0};     // consumed write units x 1000, every write
  std::atomic<uint64_t> unreported_capacity{0};  // write answers without ConsumedCapacity:
                                                 // their units are estimated
};

class DynamoDbItemStore : public ItemStore {
 public:
  // A store over `options.table` through `client`. With check_table, kNotFound when the table
  // does not exist (naming it and the endpoint, and suggesting `vdpark table create`) and
  // kInvalidArgument when its key is not PK (HASH) + SK (RANGE) strings; other errors as the
  // client returns them. The table is never created here.
  static Result<std::unique_ptr<DynamoDbItemStore>> Open(std::unique_ptr<DynamoDbClient> client,
                                                         DynamoDbStoreOptions options);

  Result<std::optional<Item>> Get(const ItemKey& key) override;
  Status Put(const Item& item, const Condition& condition = {}) override;
  Result<Item> UpdateItem(const ItemKey& key, const Update& update,
                          const Condition& condition = {}) override;
  Status Delete(const ItemKey& key, const Condition& condition = {}) override;
  Result<Page> Query(const QueryRequest& request) override;
  Result<Page> Scan(const ScanRequest& request) override;
  Status BatchWrite(std::span<const WriteRequest> writes) override;
  Status TransactWrite(std::span<const TransactItem> items) override;
  bool ScanInKeyOrder() const override { return false; }
  // Write units consumed; write calls sent (batches and single writes); throttling answers the
  // client retried plus batches answered with UnprocessedItems; requests resent.
  WriteStats GetWriteStats() const override;

  // BatchWrite with what happened on the way: calls sent, requests resent, throttling seen and
  // write units consumed. The counters below include it.
  BatchWriteReport BatchWriteWithReport(std::span<const WriteRequest> writes);

  // The BatchWriteItem calls a BatchWrite keeps in flight; takes effect at the next call sent,
  // also in BatchWrites already running. Values below 1 count as 1.
  void SetConcurrency(int in_flight) { concurrency_.store(in_flight); }
  int Concurrency() const { return concurrency_.load(); }

  // Write capacity units consumed by every write since Open(), as DynamoDB reported them
  // (ReturnConsumedCapacity=TOTAL), or estimated at 1 per started KB where it reported none.
  uint64_t ConsumedWriteUnits() const;

  const DynamoDbStoreStats& stats() const { return stats_; }
  const std::string& table() const { return options_.table; }
  DynamoDbClient& client() { return *client_; }

 private:
  DynamoDbItemStore(std::unique_ptr<DynamoDbClient> client, DynamoDbStoreOptions options);

  Status CheckTable();
  // Adds the write units an answer reports, or `estimate` when it reports none.
  void CountWriteUnits(const boost::json::object& response, uint64_t estimate);
  // A request naming the table and asking for consumed capacity.
  boost::json::object WriteRequestBase() const;

  std::unique_ptr<DynamoDbClient> client_;
  DynamoDbStoreOptions options_;
  DynamoDbBatchWriter batch_writer_;
  std::atomic<int> concurrency_;
  AdaptiveLimit adaptive_in_flight_;
  std::unique_ptr<TokenBucket> write_units_;  // null without a ceiling
  DynamoDbStoreStats stats_;
};

}  // namespace vdpark
