// SharedItemReads: what an item store that keeps its items in memory (embedded) offers beyond
// ItemStore, for the API's lists read on every request. A SingleTableStore asks its item store
// for this role (dynamic_cast) and reads through ItemStore's Query and Scan where it is absent
// (DynamoDB).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/item_store.h"
#include "store/record_slot.h"

namespace vdpark {

// A page of QueryShared: Page's items shared rather than copied.
struct SharedPage {
  std::vector<std::shared_ptr<const Item>> items;
  std::optional<Item> last_evaluated_key;
};

// An item read with the record slot of its stored version (record_slot.h).
struct SharedRecordRead {
  std::shared_ptr<const Item> item;  // null: there is none (or it has expired)
  // The same slot while the item is unchanged, a new one once it is written; sharing the item's
  // lifetime. Null when the store keeps no slot for it.
  std::shared_ptr<const RecordSlot> slot;
};

class SharedItemReads {
 public:
  virtual ~SharedItemReads() = default;

  // ItemStore::GetShared's item, with its version's record slot: a reader that makes a record of
  // the item keeps it there, and the next reader of the same version takes it from there.
  virtual Result<SharedRecordRead> GetWithSlot(const ItemKey& key) = 0;

  // ItemStore::Query's page with its items shared rather than copied: the store's own, read-only,
  // and the same one until the item changes (so that a caller may remember what it made of it).
  // For small partitions read often (a zone's bays, its sensors): what it reads is kept in memory.
  virtual Result<SharedPage> QueryShared(const QueryRequest& request) = 0;

  // The keys of every item whose SK is `sk` and whose PK begins with `pk_prefix` (every zone: PK
  // ZONE#..., SK METADATA), in key order, without a Scan. A key listed may have expired: read the
  // item to know.
  virtual Result<std::vector<ItemKey>> KeysWithSortKey(std::string_view pk_prefix,
                                                       std::string_view sk) = 0;
};

}  // namespace vdpark
