// ItemCodec: how the embedded store lays items and keys out in RocksDB, and how queries and
// scans map onto those keys.
//
// Value of a base item: an 8-byte little-endian int64 ttl (epoch seconds, 0 = none), one format
// byte, then the attributes in name order as [varint name length][name][value]. A value is a type
// byte (AttributeValue::Type) followed by: nothing (NULL); one byte 0/1 (BOOL); [varint length]
// [bytes] (S, N: N keeps its decimal text exactly); [varint count] then entries (M as name/value
// pairs, L as values). The ttl comes first so that a compaction filter reads it without decoding.
//
// Keys (no part may contain '\0', which is the separator, so byte order of keys is the order of
// their parts):
//   base table:  PK '\0' SK
//   an index:    indexPK '\0' indexSK '\0' PK '\0' SK   (value: the item's 8-byte ttl)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "store/item_store.h"
#include "table/attribute_value.h"

namespace vdpark {

inline constexpr size_t kTtlPrefixBytes = 8;

// The item's `ttl` attribute as whole epoch seconds: 0 when absent, not a number, or not positive.
// A fractional ttl is rounded down.
int64_t TtlOf(const Item& item);

// The 8-byte little-endian form of `ttl`, as it prefixes every stored value.
std::string EncodeTtl(int64_t ttl);

// The ttl in the first 8 bytes of a stored value; 0 when the value is shorter than that.
int64_t DecodeTtlPrefix(std::string_view value);

// Whether a stored ttl has passed at `now` (epoch seconds): ttl != 0 && ttl <= now.
inline bool TtlExpired(int64_t ttl, int64_t now) {
  return ttl != 0 && ttl <= now;
}

// The stored value of `item`, prefixed with TtlOf(item). One allocation.
std::string EncodeItem(const Item& item);

// DynamoDB's limit on nested M and L levels; DecodeItem reads up to twice as deep.
inline constexpr int kMaxNesting = 32;
// Whether `item` has M or L values nested more than kMaxNesting levels deep.
bool NestedTooDeep(const Item& item);

// The item a stored value holds. kCorruption when the bytes are not one whole encoded item
// (truncated, unknown type or format, trailing bytes, names out of order, nesting over 64 levels).
Result<Item> DecodeItem(std::string_view value);

// Walks the top-level attributes of a stored value without building the item: `visit` gets each
// attribute's name, type and, for S and N, its text (empty for the other types). The views point
// into `value`. kCorruption as DecodeItem.
using TopLevelVisitor =
    std::function<void(std::string_view name, AttributeValue::Type type, std::string_view text)>;
Status VisitTopLevel(std::string_view value, const TopLevelVisitor& visit);

// Key layout. The Encode functions do not check their parts; callers reject '\0' first.
std::string EncodeTableKey(std::string_view pk, std::string_view sk);
std::string EncodeIndexKey(std::string_view index_pk, std::string_view index_sk,
                           std::string_view pk, std::string_view sk);

struct TableKeyParts {
  std::string_view pk, sk;
};
struct IndexKeyParts {
  std::string_view index_pk, index_sk, pk, sk;
};
// The parts of a stored key (views into `key`); nullopt when it does not have the layout.
std::optional<TableKeyParts> ParseTableKey(std::string_view key);
std::optional<IndexKeyParts> ParseIndexKey(std::string_view key);

// The half-open range [lo, hi) of stored keys (table or index layout) that can match a query of
// `partition` with `sort`. A superset: entries inside it are still checked with sort.Matches().
struct KeyRange {
  std::string lo, hi;
};
KeyRange QueryKeyRange(std::string_view partition, const SortKeyCondition& sort);

// The stored key an exclusive_start_key names in `index`. kInvalidArgument when it lacks PK, SK
// or (for an index) the index's key attributes, or belongs to a partition other than `partition`.
Result<std::string> StartKeyOf(const Item& start, IndexName index, std::string_view partition);

// The key attributes of the entry stored under `key` in `index`: PK and SK, and for an index its
// two key attributes too (a LastEvaluatedKey, and GSI2's whole KEYS_ONLY item). Empty when `key`
// does not have the layout.
Item KeyAttributesOf(IndexName index, std::string_view key);

// Which of `total` (>= 1) scan segments the partition `pk` is in: a stable hash of the PK, so a
// partition's items stay together and every item is in exactly one segment.
int ScanSegmentOf(std::string_view pk, int total);

// The keys (EncodeIndexKey) of an item's entries in GSI1 and GSI2: an item is in an index when
// both of the index's key attributes are S values.
struct IndexEntries {
  std::optional<std::string> gsi1, gsi2;
};
IndexEntries IndexEntriesOf(const Item& item, std::string_view pk, std::string_view sk);
// The same from a stored value, without decoding it whole. kCorruption as DecodeItem.
Result<IndexEntries> IndexEntriesOfStored(std::string_view value, std::string_view pk,
                                          std::string_view sk);
// IndexEntriesOf, checked: kInvalidArgument when an index key attribute of `item` is an empty S
// or holds '\0' (DynamoDB refuses the first; the key layout cannot hold the second).
Result<IndexEntries> CheckedIndexEntriesOf(const Item& item, std::string_view pk,
                                           std::string_view sk);

}  // namespace vdpark
