// AttributeValue and Item: DynamoDB's data model, which every single-table store speaks.
//
// A value is one of DynamoDB's types that this table uses: S (string), N (number, kept as its
// decimal text, exactly as DynamoDB does), BOOL, NULL, M (map) and L (list). An Item is a map from
// attribute name to value; its key attributes are PK and SK (and GSI1PK/GSI1SK, GSI2PK/GSI2SK for
// the indexes).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdpark {

class AttributeValue;
using Item = std::map<std::string, AttributeValue, std::less<>>;

class AttributeValue {
 public:
  enum class Type : uint8_t { kNull = 0, kS = 1, kN = 2, kBool = 3, kM = 4, kL = 5 };

  AttributeValue() = default;  // NULL
  static AttributeValue Null() { return AttributeValue(); }
  static AttributeValue S(std::string s) { return AttributeValue(Type::kS, std::move(s)); }
  // `n` must be a number's decimal text ("12.5", "-3", "1e3"); the caller checks that.
  static AttributeValue N(std::string n) { return AttributeValue(Type::kN, std::move(n)); }
  static AttributeValue N(int64_t n) { return N(std::to_string(n)); }
  // Shortest text that reads back as the same double.
  static AttributeValue N(double d);
  static AttributeValue Bool(bool b);
  static AttributeValue M(Item m);
  static AttributeValue L(std::vector<AttributeValue> l);

  // In-place assignment that reuses this value's string capacity: for hot loops that refill the
  // same item many times.
  void AssignS(std::string_view s) { Assign(Type::kS, s); }
  void AssignN(std::string_view n) { Assign(Type::kN, n); }
  void AssignNull() { Assign(Type::kNull, {}); }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_s() const { return type_ == Type::kS; }
  bool is_n() const { return type_ == Type::kN; }

  // The text of an S or N value, "true"/"false" for BOOL; empty for the others.
  const std::string& text() const { return text_; }
  bool boolean() const { return type_ == Type::kBool && text_ == "true"; }
  const Item& map() const { return map_; }
  Item& mutable_map() { return map_; }
  const std::vector<AttributeValue>& list() const { return list_; }

  // DynamoDB's own equality: N compares by numeric value ("1.50" == "1.5"), the rest exactly.
  bool operator==(const AttributeValue& other) const;

  // DynamoDB JSON of this value: {"S":"x"}, {"N":"1.5"}, {"NULL":true}, {"M":{...}}, ...
  std::string ToDynamoJson() const;

 private:
  AttributeValue(Type t, std::string text) : type_(t), text_(std::move(text)) {}
  void Assign(Type t, std::string_view text) {
    type_ = t;
    text_.assign(text);
    if (!map_.empty()) map_.clear();
    if (!list_.empty()) list_.clear();
  }

  Type type_ = Type::kNull;
  std::string text_;
  Item map_;
  std::vector<AttributeValue> list_;
};

// Compares two N texts by value; false on an unparseable operand. Returns <0, 0 or >0 in *cmp.
bool CompareNumbers(std::string_view a, std::string_view b, int* cmp);

// DynamoDB JSON of a whole item: {"PK":{"S":"..."},...}, keys in name order.
std::string ItemToDynamoJson(const Item& item);

// The attribute `name` of `item`, NULL values included; nullptr when absent.
const AttributeValue* FindAttribute(const Item& item, std::string_view name);
// The text of the S attribute `name`; nullopt when absent or not a string.
std::optional<std::string> GetString(const Item& item, std::string_view name);

}  // namespace vdpark
