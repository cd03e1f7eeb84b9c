// LiveWritePlan: the item writes one LiveChange (store.h) makes in the single table, built by the
// mapper, before any of them is sent.
//
// The writes come in the order a store without transactions sends them one by one, the deciding
// write first:
//   0  the bay:    Put bay_after whole, on condition that the bay exists and still has
//                  bay_before's status, lastChange and lastHeartbeat
//      the event:  Put, unconditional (an event with the same key is replaced); ttl as the mapper
//                  computes it
//      the zone:   Update ADD occupiedBays occupied_delta, on condition that the zone exists;
//                  only when occupied_delta != 0
//      the sensor: Put whole (its GSI1 keys as the mapper builds them)
// A change without a bay (a health message) is the sensor's unconditional Put alone.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/item_store.h"
#include "store/live_store.h"
#include "table/single_table_mapper.h"

namespace vdpark {

struct LiveWritePlan {
  std::vector<TransactItem> writes;  // in the order above; empty for an empty change
  bool has_bay = false;              // writes[0] is the bay's conditional Put
  std::optional<size_t> zone_index;  // the position of the zone's Update, when there is one
  std::string zone_id;               // the bay's, when has_bay: for messages
  std::string bay_number;
};

// The plan for `change`. kInvalidArgument when the change does not hang together: bay_after
// without bay_before or the other way round, bay_before and bay_after on different bays, an event
// of another bay, an event or occupied_delta without a bay.
Result<LiveWritePlan> PlanLiveChange(const LiveChange& change, const SingleTableMapper& mapper);

// The bay attributes whose values a live change is conditioned on.
inline constexpr std::string_view kLiveBayAttributes[] = {"status", "lastChange", "lastHeartbeat"};

// Condition that the bay item exists and holds `before`'s status, lastChange and lastHeartbeat as
// the mapper writes them (a missing time as a NULL attribute).
Condition BayUnchangedCondition(const Bay& before, const SingleTableMapper& mapper);

// When `stored` (the bay item as read back after BayUnchangedCondition failed) still means
// `before` in those three attributes but spells one of them differently (an absent attribute
// rather than NULL, another case or timestamp form, as another writer may have stored it): the
// condition on exactly what is stored. nullopt when it means something else, or is spelled just
// as the mapper spells it (the condition failed for a real change, or a race since).
std::optional<Condition> BayUnchangedAsStored(const Item& stored, const Bay& before,
                                              const SingleTableMapper& mapper);

// The index of the failed item that a TransactWrite's kConditionFailed names ("item 2: ...");
// nullopt when it names none.
std::optional<size_t> FailedTransactItem(const Status& status);

}  // namespace vdpark
