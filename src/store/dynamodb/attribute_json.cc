#include "store/dynamodb/attribute_json.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace vdpark {

namespace {

using Type = AttributeValue::Type;

// DynamoDB's type descriptors. The ones without a Type are valid DynamoDB JSON that vdpark's table
// never holds.
struct Descriptor {
  std::string_view key;
  std::optional<Type> type;
};

constexpr std::array kDescriptors{
    Descriptor{"S", Type::kS},       Descriptor{"N", Type::kN},
    Descriptor{"BOOL", Type::kBool}, Descriptor{"NULL", Type::kNull},
    Descriptor{"M", Type::kM},       Descriptor{"L", Type::kL},
    Descriptor{"SS", std::nullopt},  Descriptor{"NS", std::nullopt},
    Descriptor{"BS", std::nullopt},  Descriptor{"B", std::nullopt},
};

const Descriptor* FindDescriptor(std::string_view key) {
  for (const Descriptor& d : kDescriptors) {
    if (d.key == key) return &d;
  }
  return nullptr;
}

std::string Child(std::string_view path, std::string_view name) {
  std::string out;
  out.reserve(path.size() + 1 + name.size());
  out.append(path);
  if (!out.empty()) out += '.';
  out.append(name);
  return out;
}

std::string Element(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

Status Malformed(std::string_view path, std::string_view why) {
  return Status::Corruption("attribute " + std::string(path) + ": " + std::string(why));
}

// Decodes the members of an "M" (or a whole item) into `out`, naming children below `path`.
Status DecodeMap(const boost::json::object& json, std::string_view path, Item* out) {
  for (const auto& member : json) {
    std::string child = Child(path, member.key());
    VDPARK_ASSIGN_OR_RETURN(AttributeValue v, AttributeFromJson(member.value(), child));
    out->emplace_hint(out->end(), std::string(member.key()), std::move(v));
  }
  return Status::OK();
}

}  // namespace

boost::json::value AttributeToJson(const AttributeValue& value, boost::json::storage_ptr sp) {
  boost::json::object o(sp);
  switch (value.type()) {
    case Type::kNull:
      o.emplace("NULL", true);
      break;
    case Type::kS:
      o.emplace("S", value.text());
      break;
    case Type::kN:
      o.emplace("N", value.text());
      break;
    case Type::kBool:
      o.emplace("BOOL", value.boolean());
      break;
    case Type::kM:
      o.emplace("M", ItemToJson(value.map(), sp));
      break;
    case Type::kL: {
      boost::json::array a(sp);
      a.reserve(value.list().size());
      for (const AttributeValue& e : value.list()) a.push_back(AttributeToJson(e, sp));
      o.emplace("L", std::move(a));
      break;
    }
  }
  return o;
}

boost::json::object ItemToJson(const Item& item, boost::json::storage_ptr sp) {
  boost::json::object o(sp);
  o.reserve(item.size());
  for (const auto& [name, value] : item) o.emplace(name, AttributeToJson(value, sp));
  return o;
}

Result<AttributeValue> AttributeFromJson(const boost::json::value& json, std::string_view path) {
  const boost::json::object* o = json.if_object();
  if (o == nullptr || o->size() != 1) {
    return Malformed(path, "not a DynamoDB value (an object with one type key)");
  }
  const auto& [key, v] = *o->begin();
  const Descriptor* d = FindDescriptor(key);
  if (d == nullptr) return Malformed(path, "unknown type '" + std::string(key) + "'");
  if (!d->type) {
    return Status::NotSupported("attribute " + std::string(path) + " has type " + std::string(key) +
                                ", which vdpark's table does not use");
  }
  switch (*d->type) {
    case Type::kS:
      if (!v.is_string()) return Malformed(path, "S value is not a string");
      return AttributeValue::S(std::string(v.get_string()));
    case Type::kN:
      if (!v.is_string()) return Malformed(path, "N value is not a string");
      return AttributeValue::N(std::string(v.get_string()));
    case Type::kBool:
      if (!v.is_bool()) return Malformed(path, "BOOL value is not true or false");
      return AttributeValue::Bool(v.get_bool());
    case Type::kNull:
      if (!v.is_bool() || !v.get_bool()) return Malformed(path, "NULL value is not true");
      return AttributeValue::Null();
    case Type::kM: {
      if (!v.is_object()) return Malformed(path, "M value is not an object");
      Item m;
      VDPARK_RETURN_IF_ERROR(DecodeMap(v.get_object(), path, &m));
      return AttributeValue::M(std::move(m));
    }
    case Type::kL: {
      if (!v.is_array()) return Malformed(path, "L value is not an array");
      const boost::json::array& a = v.get_array();
      std::vector<AttributeValue> l;
      l.reserve(a.size());
      for (size_t i = 0; i < a.size(); ++i) {
        VDPARK_ASSIGN_OR_RETURN(AttributeValue e, AttributeFromJson(a[i], Element(path, i)));
        l.push_back(std::move(e));
      }
      return AttributeValue::L(std::move(l));
    }
  }
  return Malformed(path, "unknown type");
}

Result<Item> ItemFromJson(const boost::json::object& json) {
  Item item;
  VDPARK_RETURN_IF_ERROR(DecodeMap(json, "", &item));
  return item;
}

size_t NumberSizeBytes(std::string_view number) {
  std::string_view s = number;
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  // The significant digits and the power of ten of the first one: DynamoDB stores the digits in
  // base 100, pairs aligned on even powers, so the exponent's parity decides whether an even
  // count of digits straddles one more pair (1.5 takes two pairs, 15 one).
  int64_t first = -1, last = -1, index = 0, int_digits = 0;
  bool fraction = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !fraction) {
      fraction = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    if (!fraction) ++int_digits;
    if (c != '0') {
      if (first < 0) first = index;
      last = index;
    }
    ++index;
  }
  int64_t exponent = 0;
  if (i < s.size()) {
    if ((s[i] != 'e' && s[i] != 'E') || i + 1 >= s.size()) return number.size();
    std::string_view e = s.substr(i + 1);
    bool neg_exp = e[0] == '-';
    if (e[0] == '-' || e[0] == '+') e.remove_prefix(1);
    if (e.empty() || e.size() > 6) return number.size();
    for (char c : e) {
      if (c < '0' || c > '9') return number.size();
      exponent = exponent * 10 + (c - '0');
    }
    if (neg_exp) exponent = -exponent;
  }
  if (index == 0) return number.size();
  if (first < 0) return 1;  // zero
  int64_t digits = last - first + 1;
  int64_t power = int_digits - 1 - first + exponent;
  size_t size = 1 + static_cast<size_t>((digits + 1) / 2);
  if (digits % 2 == 0 && power % 2 == 0) ++size;
  if (negative) ++size;
  return size;
}

size_t AttributeSizeBytes(const AttributeValue& value) {
  switch (value.type()) {
    case Type::kS:
      return value.text().size();
    case Type::kN:
      return NumberSizeBytes(value.text());
    case Type::kNull:
    case Type::kBool:
      return 1;
    case Type::kM: {
      size_t size = 3;
      for (const auto& [name, v] : value.map()) size += 1 + name.size() + AttributeSizeBytes(v);
      return size;
    }
    case Type::kL: {
      size_t size = 3;
      for (const AttributeValue& v : value.list()) size += 1 + AttributeSizeBytes(v);
      return size;
    }
  }
  return 0;
}

size_t ItemSizeBytes(const Item& item) {
  size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + AttributeSizeBytes(value);
  return size;
}

uint64_t WriteUnits(const Item& item) {
  size_t size = ItemSizeBytes(item);
  return size == 0 ? 1 : (size + kWriteUnitBytes - 1) / kWriteUnitBytes;
}

}  // namespace vdpark
