#include "table/attribute_value.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>

namespace vdpark {

AttributeValue AttributeValue::N(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return N(std::string(buf, r.ptr));
}

AttributeValue AttributeValue::Bool(bool b) {
  return AttributeValue(Type::kBool, b ? "true" : "false");
}

AttributeValue AttributeValue::M(Item m) {
  AttributeValue v(Type::kM, "");
  v.map_ = std::move(m);
  return v;
}

AttributeValue AttributeValue::L(std::vector<AttributeValue> l) {
  AttributeValue v(Type::kL, "");
  v.list_ = std::move(l);
  return v;
}

bool CompareNumbers(std::string_view a, std::string_view b, int* cmp) {
  std::string sa(a), sb(b);
  char* ea = nullptr;
  char* eb = nullptr;
  long double x = std::strtold(sa.c_str(), &ea);
  long double y = std::strtold(sb.c_str(), &eb);
  if (sa.empty() || sb.empty() || *ea != '\0' || *eb != '\0') return false;
  *cmp = x < y ? -1 : (x > y ? 1 : 0);
  return true;
}

bool AttributeValue::operator==(const AttributeValue& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNull:
      return true;
    case Type::kN: {
      int cmp = 0;
      return CompareNumbers(text_, other.text_, &cmp) ? cmp == 0 : text_ == other.text_;
    }
    case Type::kS:
    case Type::kBool:
      return text_ == other.text_;
    case Type::kM:
      return map_ == other.map_;
    case Type::kL:
      return list_ == other.list_;
  }
  return false;
}

namespace {

boost::json::value ToJsonValue(const AttributeValue& v);

boost::json::object ItemToJsonObject(const Item& item) {
  boost::json::object o;
  for (const auto& [name, value] : item) o[name] = ToJsonValue(value);
  return o;
}

boost::json::value ToJsonValue(const AttributeValue& v) {
  boost::json::object o;
  switch (v.type()) {
    case AttributeValue::Type::kNull:
      o["NULL"] = true;
      break;
    case AttributeValue::Type::kS:
      o["S"] = v.text();
      break;
    case AttributeValue::Type::kN:
      o["N"] = v.text();
      break;
    case AttributeValue::Type::kBool:
      o["BOOL"] = v.boolean();
      break;
    case AttributeValue::Type::kM:
      o["M"] = ItemToJsonObject(v.map());
      break;
    case AttributeValue::Type::kL: {
      boost::json::array a;
      for (const auto& e : v.list()) a.push_back(ToJsonValue(e));
      o["L"] = std::move(a);
      break;
    }
  }
  return o;
}

}  // namespace

std::string AttributeValue::ToDynamoJson() const {
  return boost::json::serialize(ToJsonValue(*this));
}

std::string ItemToDynamoJson(const Item& item) {
  return boost::json::serialize(ItemToJsonObject(item));
}

const AttributeValue* FindAttribute(const Item& item, std::string_view name) {
  auto it = item.find(name);
  return it == item.end() ? nullptr : &it->second;
}

std::optional<std::string> GetString(const Item& item, std::string_view name) {
  const AttributeValue* v = FindAttribute(item, name);
  if (!v || !v->is_s()) return std::nullopt;
  return v->text();
}

}  // namespace vdpark
