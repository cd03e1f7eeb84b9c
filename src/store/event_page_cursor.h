// The cursor of a page of events (QueryStore::QueryEvents): base64url (no padding) of
// {"z":zone,"b":bay,"t":timestamp} of the last event of the page. Every store writes and reads
// the same form, so a page's nextCursor means the same position whichever store answered.
#pragma once

#include <string>

#include "common/result.h"
#include "domain/model.h"
#include "store/query_store.h"
#include "store/record_store.h"

namespace vdpark {

// A position in a zone's or a bay's events: after the event of this bay at this time.
struct EventCursor {
  std::string bay_number;
  Timestamp timestamp;
};

// The nextCursor after `last`.
std::string EncodeEventCursor(const ParkingEvent& last);

// The position `query.cursor` names; kInvalidArgument naming "cursor" when it is not one written
// for the query's zone (and bay).
Result<EventCursor> DecodeEventCursor(const EventQuery& query);

}  // namespace vdpark
