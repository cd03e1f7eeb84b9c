#include "store/dynamodb/dynamodb_item_store.h"

#include <cmath>
#include <utility>
#include <vector>

#include "common/redact_url.h"
#include "store/dynamodb/attribute_json.h"
#include "store/dynamodb/dynamodb_request_parts.h"
#include "store/dynamodb/dynamodb_transaction.h"
#include "store/dynamodb/expression_builder.h"
#include "store/dynamodb/table_admin.h"

namespace vdpark {

namespace {

using dynamodb_parts::CheckedKeyOf;
using dynamodb_parts::CheckKey;
using dynamodb_parts::KeyText;
using dynamodb_parts::KeyToJson;

struct IndexKeys {
  const char* index_name;  // nullptr for the table
  std::string_view partition;
  std::string_view sort;
};

IndexKeys KeysOf(IndexName index) {
  switch (index) {
    case IndexName::kGsi1:
      return {"GSI1", kGsi1PkAttr, kGsi1SkAttr};
    case IndexName::kGsi2:
      return {"GSI2", kGsi2PkAttr, kGsi2SkAttr};
    case IndexName::kTable:
      break;
  }
  return {nullptr, kPkAttr, kSkAttr};
}

// Sets `field` to `expression` unless it is empty (DynamoDB refuses an empty expression).
void SetExpression(boost::json::object& request, std::string_view field, std::string expression) {
  if (!expression.empty()) request[field] = std::move(expression);
}

// How a query's sort condition goes to DynamoDB.
struct SortPlan {
  bool matches_nothing = false;  // answer an empty page without asking
  SortKeyCondition send;         // the condition in the KeyConditionExpression
  bool filter_here = false;      // also apply the request's own condition to each page
};

// DynamoDB refuses an empty string in a key condition and BETWEEN with reversed bounds; key
// strings are never empty, so such a condition matches nothing or everything. And a request is
// JSON, whose strings are UTF-8: a byte prefix that cuts a character (begins_with "\xc3") or any
// other value that is not UTF-8 cannot be sent, so a wider condition goes and the page is
// filtered here (no stored key is anything but UTF-8, so `=` such a value matches nothing).
SortPlan PlanSort(const SortKeyCondition& sort) {
  using Op = SortKeyCondition::Op;
  SortPlan plan{false, sort, false};
  const bool sendable = dynamodb_parts::IsValidUtf8(sort.value) &&
                        (sort.op != Op::kBetween || dynamodb_parts::IsValidUtf8(sort.value2));
  switch (sort.op) {
    case Op::kNone:
      break;
    case Op::kEq:
    case Op::kLt:
    case Op::kLe:
      if (sort.value.empty() || (sort.op == Op::kEq && !sendable)) plan.matches_nothing = true;
      break;
    case Op::kGt:
    case Op::kGe:
    case Op::kBeginsWith:
      if (sort.value.empty()) plan.send = {};
      break;
    case Op::kBetween:
      if (sort.value > sort.value2 || sort.value2.empty()) plan.matches_nothing = true;
      if (sort.value.empty()) plan.send = {Op::kLe, sort.value2, ""};
      break;
  }
  if (!plan.matches_nothing && !sendable) {
    plan.filter_here = true;
    plan.send = {};
    if (sort.op == Op::kBeginsWith) {
      // Narrow to the longest prefix that is whole characters, when there is one.
      std::string_view prefix = sort.value;
      while (!prefix.empty() && !dynamodb_parts::IsValidUtf8(prefix)) prefix.remove_suffix(1);
      if (!prefix.empty()) plan.send = {Op::kBeginsWith, std::string(prefix), ""};
    }
  }
  return plan;
}

// The items of a Query or Scan answer, and where to resume.
Result<Page> PageOf(const boost::json::object& response) {
  Page page;
  if (const boost::json::value* items = response.if_contains("Items")) {
    if (!items->is_array()) return Status::Internal("Items is not an array");
    page.items.reserve(items->get_array().size());
    for (const boost::json::value& v : items->get_array()) {
      if (!v.is_object()) return Status::Internal("an element of Items is not an object");
      VDPARK_ASSIGN_OR_RETURN(Item item, ItemFromJson(v.get_object()));
      page.items.push_back(std::move(item));
    }
  }
  if (const boost::json::value* last = response.if_contains("LastEvaluatedKey");
      last != nullptr && last->is_object()) {
    VDPARK_ASSIGN_OR_RETURN_WITH(page.last_evaluated_key, ItemFromJson(last->get_object()),
                                 "LastEvaluatedKey");
  }
  return page;
}

}  // namespace

DynamoDbItemStore::DynamoDbItemStore(std::unique_ptr<DynamoDbClient> client,
                                     DynamoDbStoreOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      batch_writer_(*client_, options_.table, options_.batch),
      concurrency_(options_.concurrency),
      adaptive_in_flight_(options_.concurrency),
      write_units_(options_.max_write_units_per_second > 0
                       ? std::make_unique<TokenBucket>(options_.max_write_units_per_second)
                       : nullptr) {}

Result<std::unique_ptr<DynamoDbItemStore>> DynamoDbItemStore::Open(
    std::unique_ptr<DynamoDbClient> client, DynamoDbStoreOptions options) {
  if (client == nullptr) return Status::InvalidArgument("DynamoDbItemStore: no client");
  std::unique_ptr<DynamoDbItemStore> store(
      new DynamoDbItemStore(std::move(client), std::move(options)));
  if (store->options_.check_table) VDPARK_RETURN_IF_ERROR(store->CheckTable());
  return store;
}

Status DynamoDbItemStore::CheckTable() {
  const std::string& table = options_.table;
  Result<TableDescription> described = DescribeTable(*client_, table);
  if (!described.ok()) {
    if (!described.status().IsNotFound()) return described.status();
    return Status::NotFound("DynamoDB table '" + table + "' does not exist at " +
                            RedactUrl(client_->settings().endpoint) + " (region " +
                            client_->settings().region +
                            "); create it with `vdpark table create --target` and this "
                            "dynamodb:// URL");
  }
  // Every request here assumes the key of SPEC §3: check it once, with a plain message.
  const std::vector<KeyElement> expected = {{"PK", "HASH"}, {"SK", "RANGE"}};
  if (described->key_schema != expected) {
    return Status::InvalidArgument("DynamoDB table '" + table +
                                   "' is not keyed as vdpark's table is (PK HASH, SK RANGE; "
                                   "SPEC §3): is it another application's table?");
  }
  return Status::OK();
}

boost::json::object DynamoDbItemStore::WriteRequestBase() const {
  boost::json::object request;
  request["TableName"] = options_.table;
  request["ReturnConsumedCapacity"] = "TOTAL";
  return request;
}

void DynamoDbItemStore::CountWriteUnits(const boost::json::object& response, uint64_t estimate) {
  stats_.single_writes.fetch_add(1);
  std::optional<double> units = dynamodb_parts::ConsumedUnits(response);
  if (!units) {
    stats_.unreported_capacity.fetch_add(1);
    units = static_cast<double>(estimate);
  }
  stats_.write_milliunits.fetch_add(static_cast<uint64_t>(std::llround(*units * 1000)));
}

uint64_t DynamoDbItemStore::ConsumedWriteUnits() const {
  return (stats_.write_milliunits.load() + 500) / 1000;
}

WriteStats DynamoDbItemStore::GetWriteStats() const {
  WriteStats out;
  out.consumed_write_units = static_cast<double>(stats_.write_milliunits.load()) / 1000;
  out.requests = stats_.batches_sent.load() + stats_.single_writes.load();
  // Both are the server asking us to slow down: a throttling answer (which the client retried)
  // and a batch answered with UnprocessedItems, DynamoDB's quieter way of saying the same.
  out.throttled = client_->stats().throttled.load() + stats_.throttled_batches.load();
  out.retried_items = stats_.unprocessed_resent.load();
  out.concurrency_cuts = static_cast<uint64_t>(adaptive_in_flight_.cuts());
  return out;
}

Result<std::optional<Item>> DynamoDbItemStore::Get(const ItemKey& key) {
  VDPARK_RETURN_IF_ERROR(CheckKey(key));
  boost::json::object request;
  request["TableName"] = options_.table;
  request["Key"] = KeyToJson(key);
  request["ConsistentRead"] = true;
  VDPARK_ASSIGN_OR_RETURN_WITH(boost::json::object response, client_->Call("GetItem", request),
                               KeyText(key));
  const boost::json::value* item = response.if_contains("Item");
  if (item == nullptr || !item->is_object()) return std::optional<Item>();
  VDPARK_ASSIGN_OR_RETURN_WITH(Item decoded, ItemFromJson(item->get_object()),
                               "GetItem " + KeyText(key));
  return std::optional<Item>(std::move(decoded));
}

Status DynamoDbItemStore::Put(const Item& item, const Condition& condition) {
  VDPARK_ASSIGN_OR_RETURN(ItemKey key, CheckedKeyOf(item));
  const size_t bytes = ItemSizeBytes(item);
  if (bytes > kMaxItemSizeBytes) {
    return Status::InvalidArgument("item " + KeyText(key) + " is " + std::to_string(bytes) +
                                   " bytes, over DynamoDB's limit of " +
                                   std::to_string(kMaxItemSizeBytes));
  }
  boost::json::object request = WriteRequestBase();
  request["Item"] = ItemToJson(item);
  ExpressionBuilder expressions;
  SetExpression(request, "ConditionExpression", expressions.ConditionExpression(condition));
  expressions.AttachTo(request);
  VDPARK_ASSIGN_OR_RETURN_WITH(boost::json::object response, client_->Call("PutItem", request),
                               KeyText(key));
  CountWriteUnits(response, dynamodb_parts::EstimatedWriteUnits(bytes));
  return Status::OK();
}

Result<Item> DynamoDbItemStore::UpdateItem(const ItemKey& key, const Update& update,
                                           const Condition& condition) {
  VDPARK_RETURN_IF_ERROR(CheckKey(key));
  boost::json::object request = WriteRequestBase();
  request["Key"] = KeyToJson(key);
  request["ReturnValues"] = "ALL_NEW";
  ExpressionBuilder expressions;
  SetExpression(request, "UpdateExpression", expressions.UpdateExpression(update));
  SetExpression(request, "ConditionExpression", expressions.ConditionExpression(condition));
  expressions.AttachTo(request);
  VDPARK_ASSIGN_OR_RETURN_WITH(boost::json::object response, client_->Call("UpdateItem", request),
                               KeyText(key));
  Item item;
  if (const boost::json::value* a = response.if_contains("Attributes"); a && a->is_object()) {
    VDPARK_ASSIGN_OR_RETURN_WITH(item, ItemFromJson(a->get_object()), "UpdateItem " + KeyText(key));
  } else {
    // ALL_NEW always returns the item; a server that does not still created it from the key.
    item = {{std::string(kPkAttr), AttributeValue::S(key.pk)},
            {std::string(kSkAttr), AttributeValue::S(key.sk)}};
  }
  CountWriteUnits(response, dynamodb_parts::EstimatedWriteUnits(ItemSizeBytes(item)));
  return item;
}

Status DynamoDbItemStore::Delete(const ItemKey& key, const Condition& condition) {
  VDPARK_RETURN_IF_ERROR(CheckKey(key));
  boost::json::object request = WriteRequestBase();
  request["Key"] = KeyToJson(key);
  ExpressionBuilder expressions;
  SetExpression(request, "ConditionExpression", expressions.ConditionExpression(condition));
  expressions.AttachTo(request);
  VDPARK_ASSIGN_OR_RETURN_WITH(boost::json::object response, client_->Call("DeleteItem", request),
                               KeyText(key));
  CountWriteUnits(response, 1);
  return Status::OK();
}

Result<Page> DynamoDbItemStore::Query(const QueryRequest& query) {
  const IndexKeys keys = KeysOf(query.index);
  const SortPlan sort = PlanSort(query.sort);
  // No stored key string is empty or anything but UTF-8: such a partition, like an impossible
  // sort condition, matches nothing (and DynamoDB would refuse the request).
  if (query.partition.empty() || !dynamodb_parts::IsValidUtf8(query.partition) ||
      sort.matches_nothing) {
    return Page{};
  }
  boost::json::object request;
  request["TableName"] = options_.table;
  if (keys.index_name != nullptr) {
    request["IndexName"] = keys.index_name;
  } else if (options_.consistent_reads) {
    request["ConsistentRead"] = true;
  }
  ExpressionBuilder expressions;
  request["KeyConditionExpression"] =
      expressions.KeyConditionExpression(keys.partition, query.partition, keys.sort, sort.send);
  expressions.AttachTo(request);
  request["ScanIndexForward"] = query.forward;
  if (query.limit > 0) request["Limit"] = query.limit;
  if (query.exclusive_start_key)
    request["ExclusiveStartKey"] = ItemToJson(*query.exclusive_start_key);
  VDPARK_ASSIGN_OR_RETURN_WITH(boost::json::object response, client_->Call("Query", request),
                               std::string(keys.partition) + "=" + query.partition);
  Result<Page> page = PageOf(response);
  if (page.ok() && sort.filter_here) {
    // A page may come back shorter than the limit, or empty, with more to follow: the contract
    // allows that, and paging resumes after the last item DynamoDB read.
    std::erase_if(page->items, [&](const Item& item) {
      std::optional<std::string> sk = GetString(item, keys.sort);
      return !sk || !query.sort.Matches(*sk);
    });
  }
  return page;
}

Result<Page> DynamoDbItemStore::Scan(const ScanRequest& scan) {
  if (scan.total_segments < 1 || scan.segment < 0 || scan.segment >= scan.total_segments) {
    return Status::InvalidArgument("Scan: segment " + std::to_string(scan.segment) + " of " +
                                   std::to_string(scan.total_segments) + " does not exist");
  }
  boost::json::object request;
  request["TableName"] = options_.table;
  if (options_.consistent_reads) request["ConsistentRead"] = true;
  if (scan.total_segments > 1) {
    request["Segment"] = scan.segment;
    request["TotalSegments"] = scan.total_segments;
  }
  if (scan.limit > 0) request["Limit"] = scan.limit;
  if (scan.exclusive_start_key)
    request["ExclusiveStartKey"] = ItemToJson(*scan.exclusive_start_key);
  ExpressionBuilder expressions;
  SetExpression(request, "FilterExpression", expressions.ConditionExpression(scan.filter));
  expressions.AttachTo(request);
  VDPARK_ASSIGN_OR_RETURN(boost::json::object response, client_->Call("Scan", request));
  return PageOf(response);
}

BatchWriteReport DynamoDbItemStore::BatchWriteWithReport(std::span<const WriteRequest> writes) {
  if (writes.empty()) return {};
  BatchWriteReport report =
      batch_writer_.Write(writes, concurrency_, {write_units_.get(), &adaptive_in_flight_});
  stats_.batches_sent.fetch_add(report.requests_sent);
  stats_.unprocessed_resent.fetch_add(report.items_resent);
  stats_.throttled_batches.fetch_add(report.throttled_requests);
  stats_.unreported_capacity.fetch_add(report.unreported_capacity);
  stats_.write_milliunits.fetch_add(static_cast<uint64_t>(std::llround(report.write_units * 1000)));
  return report;
}

Status DynamoDbItemStore::BatchWrite(std::span<const WriteRequest> writes) {
  return BatchWriteWithReport(writes).status;
}

Status DynamoDbItemStore::TransactWrite(std::span<const TransactItem> items) {
  if (items.empty()) return Status::OK();  // DynamoDB refuses an empty transaction
  VDPARK_ASSIGN_OR_RETURN(TransactWriteRequest built,
                          BuildTransactWriteRequest(options_.table, items));
  VDPARK_ASSIGN_OR_RETURN(boost::json::object response,
                          client_->Call("TransactWriteItems", built.request));
  CountWriteUnits(response, built.estimated_units);
  return Status::OK();
}

}  // namespace vdpark
