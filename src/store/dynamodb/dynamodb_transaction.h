// The TransactWriteItems request for ItemStore::TransactWrite, built without a server so that its
// shape is tested even where the test server (dynalite) has no transactions.
//
// Checked before anything is built (kInvalidArgument, nothing sent): at most kMaxTransactItems
// items, each with a valid key ("TransactWrite item i: ..."), no two on one key. Each item becomes
// one Put, Update, Delete or ConditionCheck with its own ConditionExpression and placeholders.
// Where DynamoDB requires an expression that our TransactItem may leave empty:
//   - an Update with an empty Update removes an attribute no item has ("vdpark:no-op"), which
//     changes nothing but, like an empty UpdateItem, creates an absent item from its key;
//   - a ConditionCheck with an empty Condition checks one that always holds.
// A random ClientRequestToken makes DynamoDB apply the transaction once however many times the
// client resends it (within 10 minutes), so retries after a lost answer cannot double an ADD.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "store/item_store.h"

namespace vdpark {

struct TransactWriteRequest {
  boost::json::object request;  // the body of TransactWriteItems
  // Write units it costs, estimated: twice a plain write's (1 per started KB for a put, 1 for
  // an update or delete), a condition check none.
  uint64_t estimated_units = 0;
};

// The request for `items` (not empty) on `table`, or why it cannot be sent.
Result<TransactWriteRequest> BuildTransactWriteRequest(std::string_view table,
                                                       std::span<const TransactItem> items);

}  // namespace vdpark
