// StoreOptions: how a store is opened (open_store.h), for each backend's Open.
#pragma once

#include <cstdint>
#include <string>

namespace vdpark {

struct StoreOptions {
  bool create_if_missing = true;  // make the folder/table when it does not exist
  int64_t retention_days = 90;    // events' ttl = their own time + this; 0 = no ttl
  // For writers: remove what is already there first (csv: truncate the files).
  bool truncate = false;
  // For a target about to take a large load: tune for write throughput (embedded: bigger
  // memtables, no write-ahead log until Flush()). Everything is durable after Flush() returns.
  bool bulk_load = false;
  // For a target on a server (dynamodb): write requests in flight at most, and a ceiling on write
  // units per second (0 = none).
  int concurrency = 16;
  double max_write_units_per_second = 0;
  // For a target that records where its data came from (s3://'s manifest): the source store's
  // display name; "" when not known.
  std::string written_from;
};

}  // namespace vdpark
