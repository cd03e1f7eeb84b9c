// EventArchive: events kept past the live store's retention (issue 16), read a page at a time as
// QueryStore::QueryEvents reads them: a zone's or a bay's, in [from, to), newest first (events of
// one instant by bay number, highest first), continued after a cursor of event_page_cursor.h.
// The s3:// archive answers it (store/s3/s3_event_archive.h).
#pragma once

#include <string>

#include "common/result.h"
#include "store/query_store.h"

namespace vdpark {

class EventArchive {
 public:
  virtual ~EventArchive() = default;
  // "s3://bucket/prefix": how errors and logs name the archive.
  virtual std::string DisplayName() const = 0;
  // One page of the archived events of `query` (limit 0 and a cursor of another query:
  // kInvalidArgument). Safe to call from several threads at once.
  virtual Result<EventPage> QueryEvents(const EventQuery& query) = 0;
};

}  // namespace vdpark
