#include "store/dynamodb/dynamodb_transaction.h"

#include <random>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/dynamodb/attribute_json.h"
#include "store/dynamodb/dynamodb_request_parts.h"
#include "store/dynamodb/expression_builder.h"

namespace vdpark {

namespace {

// 32 random hex digits: a ClientRequestToken (DynamoDB takes 1 to 36 characters).
std::string RequestToken() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (int part = 0; part < 2; ++part) {
    uint64_t bits = random();
    for (int i = 0; i < 16; ++i, bits >>= 4) token += kHex[bits & 0xf];
  }
  return token;
}

}  // namespace

Result<TransactWriteRequest> BuildTransactWriteRequest(std::string_view table,
                                                       std::span<const TransactItem> items) {
  if (items.size() > kMaxTransactItems) {
    return Status::InvalidArgument("TransactWrite: " + std::to_string(items.size()) +
                                   " items, over the limit of " +
                                   std::to_string(kMaxTransactItems) + "; nothing was written");
  }
  TransactWriteRequest out;
  std::unordered_map<std::string, size_t> first_with_key;
  boost::json::array actions;
  actions.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const TransactItem& t = items[i];
    const std::string where = "TransactWrite item " + std::to_string(i);
    ItemKey key = t.key;
    if (t.kind == TransactItem::Kind::kPut) {
      VDPARK_ASSIGN_OR_RETURN_WITH(key, dynamodb_parts::CheckedKeyOf(t.item), where);
    } else {
      VDPARK_RETURN_IF_ERROR(dynamodb_parts::CheckKey(key).WithContext(where));
    }
    auto [it, inserted] = first_with_key.try_emplace(key.pk + '\0' + key.sk, i);
    if (!inserted) {
      return Status::InvalidArgument("TransactWrite: items " + std::to_string(it->second) +
                                     " and " + std::to_string(i) + " are both on " +
                                     dynamodb_parts::KeyText(key) + "; nothing was written");
    }
    boost::json::object action;
    action["TableName"] = table;
    ExpressionBuilder expressions;
    std::string condition = expressions.ConditionExpression(t.condition);
    const char* verb = "Put";
    uint64_t units = 2;  // transactional writes cost twice a plain write
    switch (t.kind) {
      case TransactItem::Kind::kPut:
        action["Item"] = ItemToJson(t.item);
        units = 2 * dynamodb_parts::EstimatedWriteUnits(ItemSizeBytes(t.item));
        break;
      case TransactItem::Kind::kUpdate: {
        verb = "Update";
        action["Key"] = dynamodb_parts::KeyToJson(key);
        std::string update = expressions.UpdateExpression(t.update);
        if (update.empty()) update = "REMOVE " + expressions.Name("vdpark:no-op");
        action["UpdateExpression"] = std::move(update);
        break;
      }
      case TransactItem::Kind::kDelete:
        verb = "Delete";
        action["Key"] = dynamodb_parts::KeyToJson(key);
        break;
      case TransactItem::Kind::kConditionCheck:
        verb = "ConditionCheck";
        action["Key"] = dynamodb_parts::KeyToJson(key);
        units = 0;  // read units only
        if (condition.empty()) condition = expressions.AlwaysTrue();
        break;
    }
    out.estimated_units += units;
    if (!condition.empty()) action["ConditionExpression"] = std::move(condition);
    expressions.AttachTo(action);
    boost::json::object entry;
    entry[verb] = std::move(action);
    actions.push_back(std::move(entry));
  }
  out.request["TransactItems"] = std::move(actions);
  out.request["ClientRequestToken"] = RequestToken();
  out.request["ReturnConsumedCapacity"] = "TOTAL";
  return out;
}

}  // namespace vdpark
