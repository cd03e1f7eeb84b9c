// RecordMemo: the record last made of each item, by the item's key, for an item store that hands
// out the same shared item until the item changes (the embedded store's GetShared and
// QueryShared). Making a record (a bay, a sensor) of its item reads and checks every attribute:
// the API's lists did it for every item of every request.
//
// Coherent by identity: a record is reused only for the very item (pointer) it was made of, which
// the memo holds so that no other item can take its address; an item that changed is another
// item, and its record is made again. An item that nobody else holds (a store that copies, such
// as DynamoDB's) is not remembered: it will not be handed out again. Bounded: past max_entries the
// memo is emptied, and the items read next fill it again. Thread-safe.
//
// Whole lists too: the records of a list (a zone's bays) are remembered with the items they were
// made of, and a list whose items are all the very same ones (compared pointer by pointer) is
// answered with them, shared, without a lookup per item (the API's lists of a zone's bays and
// sensors read on every request: the lookups were most of their cost, perf).
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "table/attribute_value.h"
#include "table/item_key.h"

namespace vdpark {

template <typename Record>
class RecordMemo {
 public:
  explicit RecordMemo(size_t max_entries = 65536) : max_entries_(max_entries) {}

  // The records made of `items` (in their order) by `make`, or the first error `make` returns,
  // shared: the same list while the items are. `make(item)` returns Result<Record>. `list` names
  // the question the items answer (a Query's partition and sort condition): the list's records
  // are remembered under it.
  template <typename Make>
  Result<std::shared_ptr<const std::vector<Record>>> MakeList(
      std::string_view list, std::span<const std::shared_ptr<const Item>> items, const Make& make) {
    std::shared_ptr<const List> last;
    {
      std::lock_guard lock(mu_);
      if (auto it = lists_.find(list); it != lists_.end()) last = it->second;
    }
    if (last && std::equal(items.begin(), items.end(), last->items.begin(), last->items.end())) {
      return std::shared_ptr<const std::vector<Record>>(last, &last->records);
    }
    VDPARK_ASSIGN_OR_RETURN(std::vector<Record> records, MakeAll(items, make));
    auto kept = std::make_shared<const List>(List{
        std::vector<std::shared_ptr<const Item>>(items.begin(), items.end()), std::move(records)});
    {
      std::lock_guard lock(mu_);
      if (lists_.size() >= max_lists_ && !lists_.contains(list)) lists_.clear();
      lists_.insert_or_assign(std::string(list), kept);
    }
    return std::shared_ptr<const std::vector<Record>>(kept, &kept->records);
  }

  // The records made of `items` (in their order) by `make`, or the first error `make` returns.
  // `make(item)` returns Result<Record>.
  template <typename Make>
  Result<std::vector<Record>> MakeAll(std::span<const std::shared_ptr<const Item>> items,
                                      const Make& make) {
    std::vector<Record> records;
    records.reserve(items.size());
    std::string key;
    std::unique_lock lock(mu_);
    for (const std::shared_ptr<const Item>& item : items) {
      KeyText(*item, &key);
      auto made = made_.find(key);
      if (made != made_.end() && made->second.item == item) {
        records.push_back(made->second.record);
        continue;
      }
      lock.unlock();
      Result<Record> record = make(*item);
      if (!record.ok()) return record.status();
      lock.lock();
      // use_count() 1: only the caller holds it, so the store will not hand it out again.
      if (item.use_count() > 1) {
        // Crude, and rare: the items listed are far fewer than the bound.
        if (made_.size() >= max_entries_ && !made_.contains(key)) made_.clear();
        made_.insert_or_assign(key, Made{item, *record});
      }
      records.push_back(std::move(*record));
    }
    return records;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Made {
    std::shared_ptr<const Item> item;  // held, so that no other item can take its address
    Record record;
  };
  struct List {
    std::vector<std::shared_ptr<const Item>> items;  // held, as Made's
    std::vector<Record> records;
  };
  // PK '\0' SK of `item` into `out` (empty parts when absent).
  static void KeyText(const Item& item, std::string* out) {
    out->clear();
    if (const AttributeValue* pk = FindAttribute(item, kPkAttr); pk && pk->is_s())
      *out += pk->text();
    *out += '\0';
    if (const AttributeValue* sk = FindAttribute(item, kSkAttr); sk && sk->is_s())
      *out += sk->text();
  }

  const size_t max_entries_;
  const size_t max_lists_ = max_entries_ / 16;
  std::mutex mu_;
  std::unordered_map<std::string, Made, Hash, std::equal_to<>> made_;  // guarded by mu_
  std::unordered_map<std::string, std::shared_ptr<const List>, Hash, std::equal_to<>>
      lists_;  // guarded by mu_
};

}  // namespace vdpark
