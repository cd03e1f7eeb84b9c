#include "store/dynamodb/dynamodb_request_parts.h"

#include <algorithm>
#include <random>

#include "store/dynamodb/attribute_json.h"

namespace vdpark::dynamodb_parts {

Status CheckKey(const ItemKey& key) {
  if (key.pk.empty() || key.sk.empty()) {
    return Status::InvalidArgument("key " + KeyText(key) + ": PK and SK must not be empty");
  }
  if (key.pk.size() > kMaxPartitionKeyBytes) {
    return Status::InvalidArgument("key " + KeyText(key).substr(0, 80) + "...: PK has " +
                                   std::to_string(key.pk.size()) + " bytes, over DynamoDB's " +
                                   std::to_string(kMaxPartitionKeyBytes));
  }
  if (key.sk.size() > kMaxSortKeyBytes) {
    return Status::InvalidArgument("key " + KeyText(key).substr(0, 80) + "...: SK has " +
                                   std::to_string(key.sk.size()) + " bytes, over DynamoDB's " +
                                   std::to_string(kMaxSortKeyBytes));
  }
  return Status::OK();
}

Result<ItemKey> CheckedKeyOf(const Item& item) {
  std::optional<ItemKey> key = KeyOf(item);
  if (!key) {
    return Status::InvalidArgument("item " + ItemToDynamoJson(item).substr(0, 200) +
                                   ": PK and SK must both be strings");
  }
  VDPARK_RETURN_IF_ERROR(CheckKey(*key));
  return std::move(*key);
}

boost::json::object KeyToJson(const ItemKey& key, boost::json::storage_ptr sp) {
  boost::json::object out(sp);
  out[kPkAttr] = AttributeToJson(AttributeValue::S(key.pk), sp);
  out[kSkAttr] = AttributeToJson(AttributeValue::S(key.sk), sp);
  return out;
}

std::string KeyText(const ItemKey& key) {
  return "PK=" + key.pk + " SK=" + key.sk;
}

std::optional<double> ConsumedUnits(const boost::json::object& response) {
  const boost::json::value* consumed = response.if_contains("ConsumedCapacity");
  if (consumed == nullptr) return std::nullopt;
  auto units_of = [](const boost::json::value& entry) -> std::optional<double> {
    if (!entry.is_object()) return std::nullopt;
    const boost::json::value* units = entry.get_object().if_contains("CapacityUnits");
    if (units == nullptr || !units->is_number()) return std::nullopt;
    return units->to_number<double>();
  };
  if (consumed->is_object()) return units_of(*consumed);
  if (!consumed->is_array()) return std::nullopt;
  std::optional<double> sum;
  for (const boost::json::value& entry : consumed->get_array()) {
    if (std::optional<double> units = units_of(entry)) sum = sum.value_or(0) + *units;
  }
  return sum;
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code = 0;
    if ((c & 0xe0) == 0xc0) {
      length = 2, code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3, code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4, code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

uint64_t EstimatedWriteUnits(size_t item_bytes) {
  return std::max<uint64_t>(1, (item_bytes + kWriteUnitBytes - 1) / kWriteUnitBytes);
}

std::chrono::milliseconds FullJitterBackoff(int attempt, std::chrono::milliseconds base,
                                            std::chrono::milliseconds max) {
  // A cap on the exponent keeps the shift defined; the cap on the delay does the real work.
  const int64_t ceiling =
      std::min<int64_t>(max.count(), base.count() << std::clamp(attempt, 0, 30));
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(0, ceiling));
  return std::chrono::milliseconds(pick(random));
}

}  // namespace vdpark::dynamodb_parts
