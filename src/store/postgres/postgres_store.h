// PostgresStore: the `postgres://user:pw@host:port/db` store (also `postgresql://`,
// `timescale://`; SPEC §1): the four tables of SPEC §2 in PostgreSQL with PostGIS, where
// parking_events may be a TimescaleDB hypertable. Query parameters (sslmode, options, ...) go to
// libpq as they are; the tables are looked up through the session's search_path.
//
// Reading: ReadMetadata and ScanEvents use COPY (SELECT ...) TO STDOUT WITH CSV, parsed with the
// csv store's reader; locations come out as ST_X/ST_Y of the geography. A row that does not map
// (NULL in a key column, an unknown status or event type, a value that does not parse, a
// duplicate key in zones/bays/sensors, a bay or sensor naming a zone that is not there) goes to
// the RejectFn with where = "parking_bays zone_id=... bay_number=..." and the CSV row as raw.
// Events are not checked for duplicate keys: they are passed through, as SPEC §3 asks.
//
// ScanEvents reads slices side by side on several connections (one per core by default), in no
// order (a sort would cost the server more than the copy), with COPY ... (FORMAT binary); `visit`
// is called one event at a time. The whole table is sliced by page ranges (TID range scans), so
// it is read once, sequentially; a window of time (since/until) is sliced by day (from
// MIN/MAX(timestamp)) through the time index, or read in one pass when no index leads on
// "timestamp".
//
// Writing: each call stages its rows with COPY ... FROM STDIN into a temporary table, then
// merges them into the real table in the same transaction. Zones, bays and sensors: INSERT ... ON
// CONFLICT (key) DO UPDATE (they need their primary keys). Events need no unique key (a
// customer's table may hold duplicates): rows whose key is there are updated where they differ,
// the others inserted, so writing the same events twice changes nothing. Within one call the last
// of the events sharing a key wins. Two stores writing the same new key at the same moment could
// both insert it; the loaders give each key to one writer.
//
// One thread at a time (ScanEvents uses threads of its own inside).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/postgres_connection.h"
#include "store/store.h"

namespace vdpark {

struct PostgresStoreOptions {
  int scan_connections = 0;  // connections reading event slices side by side; 0: one per core (2-8)
  int64_t slice_micros = kMicrosPerDay;    // the span of time one slice covers (a window's scan)
  int64_t pages_per_slice = 1024;          // at least this many pages per slice (a whole scan)
  bool truncate = false;                   // empty the four tables before the first write
  uint64_t exact_count_below = 2'000'000;  // EstimateEventCount counts when the table is smaller
};

class PostgresStore : public Store {
 public:
  // Connects and checks that the four tables exist: NotFound suggesting `vdpark schema create`
  // when they do not; InvalidArgument for a bad URL or a refused login; Unavailable when the
  // server cannot be reached. Messages never hold the password.
  static Result<std::unique_ptr<PostgresStore>> Open(std::string_view url,
                                                     const PostgresStoreOptions& options = {});

  // The URL without its password.
  std::string DisplayName() const override { return url_.display; }

  Result<Metadata> ReadMetadata(const RejectFn& rejects) override;
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override;
  bool EventsInKeyOrder() const override { return false; }
  EventOrder EventStreamOrder() const override { return EventOrder::kNone; }
  // The first row with the key (a table with duplicates may hold more); nullopt when none.
  Result<std::optional<ParkingEvent>> GetEvent(const ParkingEvent& key) override;
  // One GROUP BY query: count(DISTINCT (zone_id, bay_number, "timestamp")) per zone and UTC day.
  Result<std::optional<ZoneDayCounts>> CountEventsPerZoneDay(
      const EventScanOptions& options) override;
  // min/max("timestamp"): two index probes where an index leads on "timestamp".
  Result<std::optional<std::pair<Timestamp, Timestamp>>> EventTimeRange(
      std::optional<Timestamp> since) override;
  // Counted exactly for a small table, otherwise pg_class.reltuples.
  std::optional<uint64_t> EstimateEventCount() override;

  Status WriteMetadata(const Metadata& metadata) override;
  // One transaction per call.
  Status WriteEvents(std::span<const ParkingEvent> events) override;
  // Every write has committed when it returned: nothing is pending.
  Status Flush() override;

 private:
  PostgresStore(PostgresUrl url, std::unique_ptr<PgConnection> conn, PostgresStoreOptions o)
      : url_(std::move(url)), conn_(std::move(conn)), options_(o) {}
  Status TruncateOnce();
  // The WHERE clauses of the slices ScanEvents reads side by side on `workers` connections.
  Result<std::vector<std::string>> EventSlices(const EventScanOptions& options, size_t workers);

  PostgresUrl url_;
  std::unique_ptr<PgConnection> conn_;
  PostgresStoreOptions options_;
  bool truncated_ = false;
};

}  // namespace vdpark
