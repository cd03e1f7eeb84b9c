#include "store/dynamodb/dynamodb_change_feed.h"

#include <spdlog/spdlog.h>

#include "common/metric_families.h"
#include "store/dynamodb/table_admin.h"

namespace vdpark {

DynamoDbChangeFeed::DynamoDbChangeFeed(DynamoDbClient& table_client, std::string table,
                                       ItemStore& items, MapperOptions mapper_options,
                                       TableStreamReaderOptions reader_options)
    : table_client_(table_client),
      table_(std::move(table)),
      items_(items),
      mapper_(mapper_options),
      reader_options_(reader_options) {}

DynamoDbChangeFeed::~DynamoDbChangeFeed() {
  Stop();
}

Status DynamoDbChangeFeed::Start(std::function<void(const BayChange&)> on_change) {
  if (reader_) return Status::FailedPrecondition("the change feed was started already");
  VDPARK_ASSIGN_OR_RETURN(TableDescription table, DescribeTable(table_client_, table_));
  if (table.latest_stream_arn.empty() || !table.stream_enabled) {
    return Status::NotSupported(
        "table " + table_ +
        " has no stream: tables made by `vdpark table create` have one (a server without "
        "DynamoDB Streams, such as dynalite, makes them without)");
  }
  if (table.stream_view_type != "NEW_AND_OLD_IMAGES") {
    return Status::NotSupported("the stream of table " + table_ + " shows " +
                                table.stream_view_type + ", not NEW_AND_OLD_IMAGES");
  }
  DynamoDbClientOptions options;
  options.settings = table_client_.settings();
  VDPARK_ASSIGN_OR_RETURN(streams_client_,
                          DynamoDbClient::Create(StreamsClientOptions(std::move(options))));
  on_change_ = std::move(on_change);
  auto reader = TableStreamReader::Start(*streams_client_, table.latest_stream_arn, reader_options_,
                                         [this](const StreamRecord& r) { OnRecord(r); });
  if (!reader.ok()) {
    if (reader.status().message().find("UnknownOperation") != std::string::npos) {
      return Status::NotSupported("the server has no DynamoDB Streams API: " +
                                  reader.status().message());
    }
    return reader.status();
  }
  reader_ = std::move(*reader);
  return Status::OK();
}

void DynamoDbChangeFeed::Stop() {
  if (reader_) reader_->Stop();
}

void DynamoDbChangeFeed::OnRecord(const StreamRecord& record) {
  if (!record.new_image || SingleTableMapper::KindOf(record.keys) != EntityKind::kBay) return;
  Result<Bay> after = mapper_.ToBay(*record.new_image);
  if (!after.ok()) {
    ++unreadable_;
    spdlog::warn("stream: {}", after.status().ToString());
    return;
  }
  if (after->status != BayStatus::kOccupied && after->status != BayStatus::kVacant) return;
  std::optional<BayStatus> before;
  if (record.old_image) {
    if (Result<Bay> b = mapper_.ToBay(*record.old_image); b.ok()) before = b->status;
  }
  if (before == after->status) return;  // a heartbeat, a sensor registered: no change of status
  BayChange change{*after, std::nullopt};
  // An arrival or a departure wrote its event with the bay, stamped with the bay's lastChange.
  const bool moved = after->status == BayStatus::kOccupied || before == BayStatus::kOccupied;
  if (moved && after->last_change) {
    auto item = items_.Get(
        SingleTableMapper::EventKey(after->zone_id, after->bay_number, *after->last_change));
    if (!item.ok()) {
      spdlog::warn("stream: the event of bay {}/{}: {}", after->zone_id, after->bay_number,
                   item.status().ToString());
    } else if (*item) {
      if (Result<ParkingEvent> e = mapper_.ToEvent(**item); e.ok()) change.event = std::move(*e);
    }
  }
  ++told_;
  on_change_(change);
}

std::string DynamoDbChangeFeed::MetricsText() const {
  if (!reader_) return "";
  const TableStreamReaderStats& s = reader_->stats();
  auto count = [](const std::atomic<uint64_t>& v) { return static_cast<double>(v.load()); };
  return PrometheusText({
      CounterFamily("vdpark_stream_feed_records_total", "Records read from the table's stream.",
                    count(s.records)),
      CounterFamily("vdpark_stream_feed_changes_total",
                    "Bay changes told to the live view from the table's stream.", count(told_)),
      CounterFamily("vdpark_stream_feed_errors_total",
                    "Calls to DynamoDB Streams that failed and were tried again.", count(s.errors)),
      CounterFamily("vdpark_stream_feed_unreadable_total",
                    "Bay records in the stream that could not be read.", count(unreadable_)),
  });
}

}  // namespace vdpark
