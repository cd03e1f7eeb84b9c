#include "store/item_store.h"

#include <charconv>

namespace vdpark {

Result<std::shared_ptr<const Item>> ItemStore::GetShared(const ItemKey& key) {
  VDPARK_ASSIGN_OR_RETURN(std::optional<Item> item, Get(key));
  if (!item) return std::shared_ptr<const Item>();
  return std::shared_ptr<const Item>(std::make_shared<const Item>(std::move(*item)));
}

namespace {

// <0, 0, >0 as DynamoDB orders two values of one type; nullopt when they cannot be ordered.
std::optional<int> Order(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return std::nullopt;
  if (a.is_s()) {
    int c = a.text().compare(b.text());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_n()) {
    int c = 0;
    if (!CompareNumbers(a.text(), b.text(), &c)) return std::nullopt;
    return c;
  }
  return std::nullopt;
}

bool ClauseHolds(const ConditionClause& c, const Item* item) {
  const AttributeValue* v = item ? FindAttribute(*item, c.attribute) : nullptr;
  using Op = ConditionClause::Op;
  switch (c.op) {
    case Op::kExists:
      return v != nullptr;
    case Op::kNotExists:
      return v == nullptr;
    case Op::kEq:
      return v && *v == c.value;
    case Op::kNe:
      return v && !(*v == c.value);
    case Op::kBeginsWith:
      return v && v->is_s() && c.value.is_s() && v->text().starts_with(c.value.text());
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      if (!v) return false;
      auto o = Order(*v, c.value);
      if (!o) return false;
      if (c.op == Op::kLt) return *o < 0;
      if (c.op == Op::kLe) return *o <= 0;
      if (c.op == Op::kGt) return *o > 0;
      return *o >= 0;
    }
  }
  return false;
}

}  // namespace

bool Condition::Matches(const Item* item) const {
  for (const auto& c : clauses) {
    if (!ClauseHolds(c, item)) return false;
  }
  return true;
}

Status Update::ApplyTo(Item* item) const {
  for (const auto& [name, value] : set) (*item)[name] = value;
  for (const auto& [name, delta] : add) {
    auto it = item->find(name);
    if (it == item->end()) {
      (*item)[name] = AttributeValue::N(delta);
      continue;
    }
    if (!it->second.is_n()) {
      return Status::InvalidArgument("ADD " + name + ": the attribute is not a number");
    }
    // Counters are whole numbers; a fraction or an overflow is refused, never truncated.
    const std::string& text = it->second.text();
    int64_t current = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current);
    int64_t sum = 0;
    if (ec != std::errc() || end != text.data() + text.size() ||
        __builtin_add_overflow(current, delta, &sum)) {
      return Status::InvalidArgument("ADD " + name + ": '" + text +
                                     "' is not a whole number that can take " +
                                     std::to_string(delta));
    }
    it->second = AttributeValue::N(sum);
  }
  for (const auto& name : remove) item->erase(name);
  return Status::OK();
}

bool SortKeyCondition::Matches(std::string_view sk) const {
  switch (op) {
    case Op::kNone:
      return true;
    case Op::kEq:
      return sk == value;
    case Op::kLt:
      return sk < value;
    case Op::kLe:
      return sk <= value;
    case Op::kGt:
      return sk > value;
    case Op::kGe:
      return sk >= value;
    case Op::kBetween:
      return sk >= value && sk <= value2;
    case Op::kBeginsWith:
      return sk.starts_with(value);
  }
  return false;
}

}  // namespace vdpark
