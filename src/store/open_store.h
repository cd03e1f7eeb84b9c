// OpenStore: from a store URL (SPEC §1) to the store it names, in the roles it plays.
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"
#include "common/status.h"
#include "store/change_feed.h"
#include "store/event_archive.h"
#include "store/live_store.h"
#include "store/operator_store.h"
#include "store/query_store.h"
#include "store/record_store.h"
#include "store/store_options.h"

namespace vdpark {

// One opened store in each role it plays. Every store holds records; the single-table stores
// (embedded, dynamodb) also keep live state and answer queries; PostgreSQL answers queries.
// `live` and `queries` point into the object `records` owns, or are null for a role the store
// does not play.
struct OpenedStore {
  std::unique_ptr<RecordStore> records;
  LiveStore* live = nullptr;
  QueryStore* queries = nullptr;
  OperatorStore* operators = nullptr;  // alerts and settings: wherever queries are answered
  // The store's own account of its bay changes, by whoever made them (change_feed.h): dynamodb://
  // (its table's stream); null for the others. After `records`, whose items it reads: it goes
  // first.
  std::unique_ptr<ChangeFeed> feed;

  // OK when the store plays the role; otherwise kInvalidArgument (the URL given is the wrong kind
  // of store for what is asked) naming the store, the role, `needed_by` (a command and flag) and
  // which stores play it.
  Status NeedLive(std::string_view needed_by) const;
  Status NeedQueries(std::string_view needed_by) const;
};

// Opens the store a URL names: csv:DIR, embedded:DIR, dynamodb://TABLE?..., postgres://... (also
// postgresql:// and timescale://). kInvalidArgument names the part of the URL that is wrong.
Result<OpenedStore> OpenStoreRoles(std::string_view url, const StoreOptions& options = {});

// The same, seen as records only: what migrate, verify, audit and generate need.
Result<std::unique_ptr<RecordStore>> OpenStore(std::string_view url,
                                               const StoreOptions& options = {});

// The archive of events past a live store's retention (event_archive.h) at `url`: an s3:// store
// that `vdpark archive` writes (s3_event_archive.h). kInvalidArgument for another kind of store.
Result<std::unique_ptr<EventArchive>> OpenEventArchive(std::string_view url);

}  // namespace vdpark
