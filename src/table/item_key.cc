#include "table/item_key.h"

namespace vdpark {

std::optional<ItemKey> KeyOf(const Item& item) {
  auto pk = GetString(item, kPkAttr);
  auto sk = GetString(item, kSkAttr);
  if (!pk || !sk) return std::nullopt;
  return ItemKey{std::move(*pk), std::move(*sk)};
}

}  // namespace vdpark
