// Pieces that the DynamoDB item store's requests share: key checks made before anything is sent,
// a key as DynamoDB JSON, and the write capacity that an answer reports.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "store/item_store.h"

namespace vdpark::dynamodb_parts {

inline constexpr size_t kMaxPartitionKeyBytes = 2048;  // DynamoDB's limits on key attributes
inline constexpr size_t kMaxSortKeyBytes = 1024;

// OK when `key` is one DynamoDB accepts: PK and SK non-empty and within their byte limits.
// kInvalidArgument otherwise, the message naming the key.
Status CheckKey(const ItemKey& key);

// The key of `item` checked as above; kInvalidArgument when PK or SK is missing or not a string.
Result<ItemKey> CheckedKeyOf(const Item& item);

// {"PK": {"S": pk}, "SK": {"S": sk}}.
boost::json::object KeyToJson(const ItemKey& key, boost::json::storage_ptr sp = {});

// "PK=ZONE#1 SK=METADATA": how messages name an item.
std::string KeyText(const ItemKey& key);

// The capacity units that an answer's ConsumedCapacity reports (an object, or an array of them as
// BatchWriteItem returns); nullopt when the answer has none (dynalite may leave it out).
std::optional<double> ConsumedUnits(const boost::json::object& response);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): DynamoDB's strings are UTF-8, and a request is JSON text.
bool IsValidUtf8(std::string_view text);

// The write units that writing an item of `item_bytes` costs: 1 per started KB, at least 1.
uint64_t EstimatedWriteUnits(size_t item_bytes);

// A delay drawn uniformly from [0, min(max, base * 2^attempt)] ("full jitter"), thread-safe.
std::chrono::milliseconds FullJitterBackoff(int attempt, std::chrono::milliseconds base,
                                            std::chrono::milliseconds max);

}  // namespace vdpark::dynamodb_parts
