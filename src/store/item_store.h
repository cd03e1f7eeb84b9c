// ItemStore: the single-table operations, modeled on DynamoDB's, that every single-table backend
// (embedded RocksDB, DynamoDB) implements with the same meaning. The store contract tests
// (tests/store_contract_*test.cc, store_contract_fixture.h) run unchanged against each backend and
// are the executable form of the contracts written here.
//
// Table shape (SPEC §3): string keys PK and SK; GSI1 on GSI1PK/GSI1SK projecting all attributes;
// GSI2 on GSI2PK/GSI2SK projecting keys only; TTL on the number attribute `ttl` (epoch seconds).
// An item without both attributes of an index's key is not in that index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "store/record_slot.h"
#include "table/attribute_value.h"
#include "table/item_key.h"

namespace vdpark {

enum class IndexName { kTable, kGsi1, kGsi2 };

// One test on an item's attribute. Comparisons follow DynamoDB: S by bytes, N by value; a clause on
// an absent attribute is false except kNotExists.
struct ConditionClause {
  enum class Op { kExists, kNotExists, kEq, kNe, kLt, kLe, kGt, kGe, kBeginsWith };
  Op op = Op::kExists;
  std::string attribute;
  AttributeValue value;  // unused by kExists / kNotExists
};

// A condition (or a scan filter): every clause must hold. Empty means "always".
struct Condition {
  std::vector<ConditionClause> clauses;

  bool empty() const { return clauses.empty(); }
  Condition& Add(ConditionClause::Op op, std::string attribute, AttributeValue value = {}) {
    clauses.push_back({op, std::move(attribute), std::move(value)});
    return *this;
  }
  // Whether `item` (nullptr: no item) satisfies every clause.
  bool Matches(const Item* item) const;

  static Condition NotExists(std::string attribute) {
    return Condition().Add(ConditionClause::Op::kNotExists, std::move(attribute));
  }
  static Condition Exists(std::string attribute) {
    return Condition().Add(ConditionClause::Op::kExists, std::move(attribute));
  }
};

// UpdateItem's SET, ADD (numbers) and REMOVE on one item. An absent item is created from the key.
struct Update {
  std::vector<std::pair<std::string, AttributeValue>> set;
  std::vector<std::pair<std::string, int64_t>> add;  // an absent attribute counts as 0
  std::vector<std::string> remove;

  // Applies the update to `item` in place; an error when ADD meets a non-number.
  Status ApplyTo(Item* item) const;
};

struct SortKeyCondition {
  enum class Op { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  Op op = Op::kNone;
  std::string value;
  std::string value2;  // upper bound of kBetween (inclusive)
  bool Matches(std::string_view sk) const;
};

struct QueryRequest {
  IndexName index = IndexName::kTable;
  std::string partition;  // the value of PK, GSI1PK or GSI2PK
  SortKeyCondition sort;
  bool forward = true;  // ascending sort key
  size_t limit = 0;     // at most this many items in the page; 0 means the store's page size
  // LastEvaluatedKey of the previous page: resume after it.
  std::optional<Item> exclusive_start_key;
};

struct ScanRequest {
  int segment = 0;  // this segment of `total_segments`; segments partition the items by PK
  int total_segments = 1;
  size_t limit = 0;  // items examined in the page (as DynamoDB counts), 0 = the store's page size
  std::optional<Item> exclusive_start_key;
  Condition filter;  // applied after the limit, as DynamoDB's FilterExpression
};

// A page of results. Items of a query come in sort-key order (reversed when !forward). When
// last_evaluated_key is set there may be more: pass it as exclusive_start_key. A page may be
// shorter than the limit (a store caps its pages by size) and still have a next one.
struct Page {
  std::vector<Item> items;
  std::optional<Item> last_evaluated_key;
};

// One entry of BatchWrite: a put (overwrites) or a delete, unconditional.
struct WriteRequest {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  Item item;    // kPut
  ItemKey key;  // kDelete
  // kPut: the caller promises that an item already stored under this key, if any, has the same
  // index keys as `item` (they are built from the key alone, as an event's are). A backend that
  // keeps its own indexes may then write without reading the old item first.
  bool index_keys_follow_key = false;
  static WriteRequest Put(Item item) { return {Kind::kPut, std::move(item), {}}; }
  static WriteRequest Delete(ItemKey key) { return {Kind::kDelete, {}, std::move(key)}; }
};

// One entry of TransactWrite.
struct TransactItem {
  enum class Kind { kPut, kUpdate, kDelete, kConditionCheck };
  Kind kind = Kind::kPut;
  Item item;      // kPut
  ItemKey key;    // kUpdate, kDelete, kConditionCheck
  Update update;  // kUpdate
  Condition condition;
  // kPut, optional: the record `item` was made of (a Bay, a Sensor; record_slot.h), exactly what
  // making the record of `item` again would give. A store that keeps its items in memory
  // (embedded) keeps it with the version written, so that reading it back decodes nothing; others
  // ignore it.
  std::shared_ptr<const KeptRecord> record;
};

inline constexpr size_t kMaxTransactItems = 100;

// What writing has cost so far, for a load's report. Backends fill in what they know.
struct WriteStats {
  double consumed_write_units = 0;  // as the server reports them (or as item sizes imply)
  uint64_t requests = 0;            // write requests sent to a server
  uint64_t throttled = 0;           // requests answered with throttling
  uint64_t retried_items = 0;       // items resent (unprocessed or after a failed request)
  uint64_t concurrency_cuts = 0;    // times the requests in flight were halved for throttling
};

class ItemStore {
 public:
  virtual ~ItemStore() = default;

  // The item with `key`, strongly consistent; nullopt when there is none (or it has expired).
  virtual Result<std::optional<Item>> Get(const ItemKey& key) = 0;
  // The same, shared rather than copied (null when there is none): a store that keeps items in
  // memory hands out its own, read-only. The default copies Get's.
  virtual Result<std::shared_ptr<const Item>> GetShared(const ItemKey& key);

  // Writes `item` whole, replacing any item with its key, when `condition` holds on the current
  // item. kConditionFailed when it does not; kInvalidArgument when PK/SK are missing or empty.
  virtual Status Put(const Item& item, const Condition& condition = {}) = 0;

  // Applies `update` to the item with `key` (creating it when absent) when `condition` holds, and
  // returns the item as it is afterwards.
  virtual Result<Item> UpdateItem(const ItemKey& key, const Update& update,
                                  const Condition& condition = {}) = 0;

  // Deletes the item with `key` when `condition` holds. Deleting an absent item is OK.
  virtual Status Delete(const ItemKey& key, const Condition& condition = {}) = 0;

  // Items of one partition of the table or an index. GSI2 returns keys only (PK, SK, GSI2PK,
  // GSI2SK). Expired items are never returned.
  virtual Result<Page> Query(const QueryRequest& request) = 0;

  // Items of one scan segment. Every item is in exactly one segment of a given total.
  virtual Result<Page> Scan(const ScanRequest& request) = 0;

  // How many unexpired items of the table have a sort key that starts with `sk_prefix`, counted
  // from the keys alone where the backend can (embedded: its own keys, no item decoded); nullopt
  // where it cannot do better than a Scan (DynamoDB), which the caller then does.
  virtual Result<std::optional<uint64_t>> CountBySortKeyPrefix(std::string_view sk_prefix) {
    (void)sk_prefix;
    return std::optional<uint64_t>();
  }

  // Writes every request; not atomic as a whole, but each request is applied whole. Any number of
  // requests: a backend with a smaller batch limit splits them, and retries what its server left
  // unprocessed, so that OK means every request is applied. Two requests for one key in one call
  // are an error (as in DynamoDB).
  virtual Status BatchWrite(std::span<const WriteRequest> writes) = 0;

  // All or nothing: every condition is checked and every write applied atomically, or none is.
  // At most kMaxTransactItems items, each on a distinct key. kConditionFailed names the index of
  // the first item whose condition failed ("item 2: ...").
  virtual Status TransactWrite(std::span<const TransactItem> items) = 0;
  // TransactWrite, for a caller that has no use for the items once they are written: on OK the
  // store may have moved from their `item` (a store that keeps what it writes in memory takes it
  // rather than copying it); on any error every item is left as given, for the caller to try
  // again. By default the same as TransactWrite.
  virtual Status TransactWriteTaking(std::span<TransactItem> items) { return TransactWrite(items); }

  // Whether Scan with total_segments == 1 returns items in key order: PK by bytes, then SK by
  // bytes.
  virtual bool ScanInKeyOrder() const = 0;

  // Totals since the store was opened; zeros where a backend has nothing to report.
  virtual WriteStats GetWriteStats() const { return {}; }
};

}  // namespace vdpark
