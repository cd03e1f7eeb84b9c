// ItemKey: an item's primary key in the single table (SPEC §3), and the names of the key, index
// and TTL attributes every single-table backend and the mapper agree on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "table/attribute_value.h"

namespace vdpark {

inline constexpr std::string_view kPkAttr = "PK";
inline constexpr std::string_view kSkAttr = "SK";
inline constexpr std::string_view kGsi1PkAttr = "GSI1PK";
inline constexpr std::string_view kGsi1SkAttr = "GSI1SK";
inline constexpr std::string_view kGsi2PkAttr = "GSI2PK";
inline constexpr std::string_view kGsi2SkAttr = "GSI2SK";
inline constexpr std::string_view kTtlAttr = "ttl";

struct ItemKey {
  std::string pk;
  std::string sk;
  bool operator==(const ItemKey&) const = default;
};

// The key of `item` (its PK and SK strings); nullopt when either is missing or not a string.
std::optional<ItemKey> KeyOf(const Item& item);

}  // namespace vdpark
