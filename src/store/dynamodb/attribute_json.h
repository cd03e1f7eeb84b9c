// AttributeValue and Item <-> DynamoDB's JSON ({"S":"x"}, {"N":"1.5"}, {"M":{...}}, ...), as
// boost::json values built and read directly: no text in between, so bulk loads pay one
// serialization per request and nothing per item.
//
// Only the types vdpark's table uses are accepted: S, N, BOOL, NULL, M, L. Sets (SS, NS, BS) and
// binaries (B) are refused with kNotSupported naming the attribute; a value that is not DynamoDB
// JSON at all is kCorruption naming the attribute. Attribute paths in messages read
// "location.lat", "tags[2]".
//
// Sizes follow DynamoDB's accounting (developer guide, "Item sizes and formats"): an item is the
// sum of its attribute names' and values' sizes; S is its UTF-8 bytes; N is 1 byte plus a byte per
// two significant digits (as DynamoDB stores them, base 100 aligned on the exponent, plus a byte
// for a negative sign); BOOL and NULL 1 byte; M and L 3 bytes plus 1 byte per element plus the
// elements (and, for M, their names).
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "table/attribute_value.h"

namespace vdpark {

inline constexpr size_t kMaxItemSizeBytes = 400 * 1024;  // DynamoDB's limit on one item
inline constexpr size_t kWriteUnitBytes = 1024;          // one write capacity unit

// {"S":"x"}, {"N":"1.5"}, {"BOOL":true}, {"NULL":true}, {"M":{...}}, {"L":[...]}, allocated from
// `sp` (a monotonic resource makes building a large request cheap; default: the heap).
boost::json::value AttributeToJson(const AttributeValue& value, boost::json::storage_ptr sp = {});

// {"PK":{"S":"..."}, ...}: an item as PutItem's "Item" or GetItem's "Key" wants it.
boost::json::object ItemToJson(const Item& item, boost::json::storage_ptr sp = {});

// The value that `json` describes. `path` names it in errors ("location.lat").
Result<AttributeValue> AttributeFromJson(const boost::json::value& json, std::string_view path);

// The item that `json` describes (GetItem's "Item", an element of Query's "Items").
Result<Item> ItemFromJson(const boost::json::object& json);

// The bytes DynamoDB counts for `item` (against kMaxItemSizeBytes, and for capacity units).
size_t ItemSizeBytes(const Item& item);
// The bytes DynamoDB counts for one value, without its attribute name.
size_t AttributeSizeBytes(const AttributeValue& value);
// The bytes of a number's value as DynamoDB stores it ("1.50" -> 3, "-12" -> 3, "0" -> 1). Text
// that is not a number is counted by its length.
size_t NumberSizeBytes(std::string_view number);

// Write capacity units to put `item` once: 1 per started KB, at least 1.
uint64_t WriteUnits(const Item& item);

}  // namespace vdpark
