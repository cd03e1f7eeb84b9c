// DynamoDbChangeFeed: ChangeFeed (store/change_feed.h) on the table's DynamoDB Stream, which the
// table is created with (NEW_AND_OLD_IMAGES, table_admin.h). Reads every shard
// (table_stream_reader.h) and keeps, of the records, those of bay items (PK ZONE#z, SK BAY#b)
// whose status became occupied or vacant; the arrival or departure that came with such a change
// (written in the same transaction, under its own key: another shard) is read by its key, the bay
// number and the bay's lastChange, so that a bay's changes are told in the order of its own shard.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "store/change_feed.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/dynamodb/table_stream_reader.h"
#include "store/item_store.h"
#include "table/single_table_mapper.h"

namespace vdpark {

class DynamoDbChangeFeed : public ChangeFeed {
 public:
  // `table_client` is the table's client (its settings make the streams client), `items` reads
  // the events; both must outlive the feed.
  DynamoDbChangeFeed(DynamoDbClient& table_client, std::string table, ItemStore& items,
                     MapperOptions mapper_options, TableStreamReaderOptions reader_options = {});
  ~DynamoDbChangeFeed() override;

  // kNotSupported when the table has no stream (a table made without one, dynalite) or the
  // server has no Streams API, saying so.
  Status Start(std::function<void(const BayChange&)> on_change) override;
  void Stop() override;
  std::string MetricsText() const override;

 private:
  void OnRecord(const StreamRecord& record);

  DynamoDbClient& table_client_;
  const std::string table_;
  ItemStore& items_;
  const SingleTableMapper mapper_;
  const TableStreamReaderOptions reader_options_;
  std::function<void(const BayChange&)> on_change_;
  std::unique_ptr<DynamoDbClient> streams_client_;
  std::unique_ptr<TableStreamReader> reader_;
  std::atomic<uint64_t> told_{0}, unreadable_{0};
};

}  // namespace vdpark
