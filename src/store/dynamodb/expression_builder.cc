#include "store/dynamodb/expression_builder.h"

#include "store/dynamodb/attribute_json.h"

namespace vdpark {

namespace {

const char* Comparator(ConditionClause::Op op) {
  switch (op) {
    case ConditionClause::Op::kEq:
      return " = ";
    case ConditionClause::Op::kNe:
      return " <> ";
    case ConditionClause::Op::kLt:
      return " < ";
    case ConditionClause::Op::kLe:
      return " <= ";
    case ConditionClause::Op::kGt:
      return " > ";
    case ConditionClause::Op::kGe:
      return " >= ";
    default:
      return nullptr;
  }
}

// DynamoDB orders only S, N (and B, which this table does not use).
bool Orderable(const AttributeValue& value) {
  return value.is_s() || value.is_n();
}

}  // namespace

std::string ExpressionBuilder::Name(std::string_view attribute) {
  auto it = placeholder_of_.find(attribute);
  if (it != placeholder_of_.end()) return it->second;
  std::string placeholder = "#n" + std::to_string(placeholder_of_.size());
  names_[placeholder] = attribute;
  placeholder_of_.emplace(std::string(attribute), placeholder);
  return placeholder;
}

std::string ExpressionBuilder::Value(const AttributeValue& value) {
  std::string placeholder = ":v" + std::to_string(next_value_++);
  values_[placeholder] = AttributeToJson(value);
  return placeholder;
}

std::string ExpressionBuilder::Clause(const ConditionClause& clause) {
  using Op = ConditionClause::Op;
  std::string n = Name(clause.attribute);
  // DynamoDB has no literal false: an attribute that both exists and does not is the idiom.
  auto never = [&n] { return "(attribute_exists(" + n + ") AND attribute_not_exists(" + n + "))"; };
  switch (clause.op) {
    case Op::kExists:
      return "attribute_exists(" + n + ")";
    case Op::kNotExists:
      return "attribute_not_exists(" + n + ")";
    case Op::kEq:
      return n + " = " + Value(clause.value);
    case Op::kNe:
      // DynamoDB's `<>` holds on an absent attribute; our contract says it does not.
      return "(attribute_exists(" + n + ") AND " + n + " <> " + Value(clause.value) + ")";
    case Op::kBeginsWith:
      if (!clause.value.is_s()) return never();
      return "begins_with(" + n + ", " + Value(clause.value) + ")";
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      if (!Orderable(clause.value)) return never();
      return n + Comparator(clause.op) + Value(clause.value);
  }
  return never();
}

std::string ExpressionBuilder::ConditionExpression(const Condition& condition) {
  std::string out;
  for (const ConditionClause& clause : condition.clauses) {
    if (!out.empty()) out += " AND ";
    out += Clause(clause);
  }
  return out;
}

std::string ExpressionBuilder::AlwaysTrue() {
  std::string n = Name(kPkAttr);
  return "(attribute_exists(" + n + ") OR attribute_not_exists(" + n + "))";
}

std::string ExpressionBuilder::UpdateExpression(const Update& update) {
  std::string out;
  auto section = [&out](const char* keyword, size_t count, auto&& each) {
    if (count == 0) return;
    if (!out.empty()) out += ' ';
    out += keyword;
    for (size_t i = 0; i < count; ++i) {
      out += i == 0 ? " " : ", ";
      out += each(i);
    }
  };
  section("SET", update.set.size(), [&](size_t i) {
    return Name(update.set[i].first) + " = " + Value(update.set[i].second);
  });
  section("ADD", update.add.size(), [&](size_t i) {
    return Name(update.add[i].first) + " " + Value(AttributeValue::N(update.add[i].second));
  });
  section("REMOVE", update.remove.size(), [&](size_t i) { return Name(update.remove[i]); });
  return out;
}

std::string ExpressionBuilder::KeyConditionExpression(std::string_view partition_attribute,
                                                      std::string_view partition,
                                                      std::string_view sort_attribute,
                                                      const SortKeyCondition& sort) {
  using Op = SortKeyCondition::Op;
  std::string out =
      Name(partition_attribute) + " = " + Value(AttributeValue::S(std::string(partition)));
  if (sort.op == Op::kNone) return out;
  std::string n = Name(sort_attribute);
  std::string v = Value(AttributeValue::S(sort.value));
  out += " AND ";
  switch (sort.op) {
    case Op::kEq:
      return out + n + " = " + v;
    case Op::kLt:
      return out + n + " < " + v;
    case Op::kLe:
      return out + n + " <= " + v;
    case Op::kGt:
      return out + n + " > " + v;
    case Op::kGe:
      return out + n + " >= " + v;
    case Op::kBetween:
      return out + n + " BETWEEN " + v + " AND " + Value(AttributeValue::S(sort.value2));
    case Op::kBeginsWith:
      return out + "begins_with(" + n + ", " + v + ")";
    case Op::kNone:
      break;
  }
  return out;
}

void ExpressionBuilder::AttachTo(boost::json::object& request) const {
  if (!names_.empty()) request["ExpressionAttributeNames"] = names_;
  if (!values_.empty()) request["ExpressionAttributeValues"] = values_;
}

}  // namespace vdpark
