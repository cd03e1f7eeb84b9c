// ExpressionBuilder: our Condition, Update, SortKeyCondition and scan filters as DynamoDB
// expressions (ConditionExpression, FilterExpression, UpdateExpression, KeyConditionExpression).
//
// Every attribute name becomes a placeholder #n0, #n1, ... and every value :v0, :v1, ..., never
// inlined, so any name (reserved words such as `status` or `name`, names holding '.', '#' or
// spaces) and any value is safe. One builder serves one request: DynamoDB rejects a request that
// declares a placeholder none of its expressions uses, and every placeholder a builder declares is
// used by an expression it returned. The same attribute name always gets the same placeholder
// within one builder; values are not shared.
//
// Semantics follow item_store.h, not DynamoDB where the two differ:
//   - a clause on an absent attribute is false except kNotExists; DynamoDB's `<>` is true on an
//     absent attribute, so kNe becomes (attribute_exists(#n) AND #n <> :v);
//   - an ordering clause (<, <=, >, >=) whose operand is not S or N, and begins_with whose operand
//     is not S, cannot hold (DynamoDB would refuse the expression): it becomes a clause that is
//     always false.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "store/item_store.h"

namespace vdpark {

class ExpressionBuilder {
 public:
  // The expression for `condition` (every clause must hold); "" when it is empty (always true).
  // Also serves as a Scan's FilterExpression, whose grammar is the same.
  std::string ConditionExpression(const Condition& condition);

  // An expression that always holds, for requests that require a condition (ConditionCheck).
  std::string AlwaysTrue();

  // "SET #n0 = :v0, ... ADD #n1 :v1, ... REMOVE #n2, ..."; "" when `update` changes nothing.
  std::string UpdateExpression(const Update& update);

  // "#n0 = :v0" on `partition_attribute`, and " AND <sort clause>" on `sort_attribute` unless the
  // sort condition is kNone. The caller handles conditions that can match nothing (an empty value,
  // BETWEEN with its bounds reversed), which DynamoDB refuses.
  std::string KeyConditionExpression(std::string_view partition_attribute,
                                     std::string_view partition, std::string_view sort_attribute,
                                     const SortKeyCondition& sort);

  // The placeholder of `attribute`, declaring it on first use.
  std::string Name(std::string_view attribute);
  // A new placeholder for `value`.
  std::string Value(const AttributeValue& value);

  // Puts ExpressionAttributeNames and ExpressionAttributeValues into `request`, each only when
  // the builder declared some (DynamoDB refuses an empty map).
  void AttachTo(boost::json::object& request) const;

  const boost::json::object& names() const { return names_; }
  const boost::json::object& values() const { return values_; }

 private:
  std::string Clause(const ConditionClause& clause);

  boost::json::object names_;                                       // "#n0" -> "status"
  boost::json::object values_;                                      // ":v0" -> {"S": "occupied"}
  std::map<std::string, std::string, std::less<>> placeholder_of_;  // "status" -> "#n0"
  size_t next_value_ = 0;
};

}  // namespace vdpark
