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
// A TimescaleDB hypertable (PgLayout) is read chunk by chunk (from TimescaleDB's catalog), each
// through the chunk itself, which decompresses what is compressed, instead of by pages: a
// compressed chunk's rows are not in its pages, and a TID range condition through a hypertable
// with a compressed chunk is an error. Every copy (a range, a
// slice) is checked against the number of rows the server says it sent, and fails naming it when
// another number was decoded; what the whole table holds is counted apart (CountEvents), through
// the hypertable, for migrate's completeness guard.
//
// A resumable load (migrate's checkpoints) reads the events in partitions instead, which name the
// same rows on every run: PartitionEvents cuts the pages of parking_events and of each of its
// inheritance children (a hypertable's chunks) into ranges, "pg:<oid>:<relfilenode>:<from>:<to>"
// (the last range of each table open-ended, so rows added at its end are read too), and
// ScanEventPartitions reads a few of them side by side with the same TID range scans and binary
// COPY as ScanEvents. A table that has since been rewritten (VACUUM FULL, CLUSTER: a new
// relfilenode) no longer has the same rows on the same pages, and a table dropped since took its
// rows with it: reading either is refused, naming it. A hypertable's partitions are time ranges
// instead, "ts:<from>:<to>:<chunks>", cut where its chunks begin, the first open below and the
// last open above so that together they cover all time; a range is read from the chunks that
// overlap it when it is read, so a chunk made after the cut is read with the range it falls in.
// A chunk compressed, decompressed or recompressed since holds the same rows and reads the same;
// one the range named that has been dropped since is refused, naming it. With --since a
// load keeps to time slices: a window is read better through the time index.
//
// Writing: one transaction per call, rows staged with COPY ... FROM STDIN into a temporary
// table. Zones, bays and sensors: INSERT ... ON CONFLICT (key) DO UPDATE (they need their primary
// keys). Events need no unique key (a customer's table may hold duplicates): the rows the table
// holds for the call's zones within its time span are read in one COPY and compared here, and
// only the events missing are inserted and those that differ updated (postgres_writer.cc says
// why, for compressed chunks), so writing the same events twice changes nothing. Within one call
// the last of the events sharing a key wins. Two stores writing the same new key at the same
// moment could both insert it; the loaders give each key to one writer.
//
// One thread at a time (ScanEvents and ScanEventPartitions use threads of their own inside).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/operator_store.h"
#include "store/postgres/postgres_connection.h"
#include "store/postgres/postgres_layout.h"
#include "store/query_store.h"
#include "store/record_store.h"
#include "store/store_options.h"

namespace vdpark {

struct PostgresStoreOptions {
  int scan_connections = 0;  // connections reading event slices side by side; 0: one per core (2-8)
  int64_t slice_micros = kMicrosPerDay;    // the span of time one slice covers (a window's scan)
  int64_t pages_per_slice = 1024;          // at least this many pages per slice (a whole scan)
  bool truncate = false;                   // empty the four tables before the first write
  uint64_t exact_count_below = 2'000'000;  // EstimateEventCount counts when the table is smaller
};

class PostgresStore : public RecordStore, public QueryStore, public OperatorStore {
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
  // Page ranges (see above); nullopt when `since` is set. read_together: the scan connections.
  Result<std::optional<EventPartitions>> PartitionEvents(std::optional<Timestamp> since,
                                                         int wanted) override;
  Status ScanEventPartitions(std::span<const std::string> ids, std::optional<Timestamp> since,
                             const EventVisitor& visit, const RejectFn& rejects) override;
  EventOrder EventStreamOrder() const override { return EventOrder::kNone; }
  bool SafeForConcurrentCalls() const override { return false; }  // one connection
  // The first row with the key (a table with duplicates may hold more); nullopt when none.
  Result<std::optional<ParkingEvent>> GetEvent(const ParkingEvent& key) override;
  // One GROUP BY query: count(DISTINCT (zone_id, bay_number, "timestamp")) per zone and UTC day.
  Result<std::optional<ZoneDayCounts>> CountEventsPerZoneDay(
      const EventScanOptions& options) override;
  // min/max("timestamp"): two index probes where an index leads on "timestamp".
  Result<std::optional<std::pair<Timestamp, Timestamp>>> EventTimeRange(
      std::optional<Timestamp> since) override;
  // SELECT count(*) FROM parking_events, through the hypertable where it is one.
  Result<std::optional<uint64_t>> CountEvents(std::optional<Timestamp> since) override;
  // Counted exactly for a small table, otherwise pg_class.reltuples (a hypertable's
  // approximate_row_count).
  std::optional<uint64_t> EstimateEventCount() override;

  Status WriteMetadata(const Metadata& metadata) override;
  // One transaction per call.
  Status WriteEvents(std::span<const ParkingEvent> events) override;
  // Every write has committed when it returned: nothing is pending.
  Status Flush() override;

  // --- Queries of the REST API (store.h; the "old API" of plan §6.2), in postgres_queries.cc:
  // one SQL statement each, every value a bound parameter, lists ordered by key in byte order
  // (COLLATE "C", as the single table sorts). The records equal what a single-table store
  // returns for the same data: a zone's occupied_bays (no column here) is counted from its bays
  // whose status is occupied (any case). A row that does not map is kCorruption naming it.
  //
  // QueryEvents: ORDER BY "timestamp" DESC, bay_number DESC, LIMIT limit + 1 (next_cursor is ""
  // exactly when nothing follows); the cursor is the keyset (timestamp, bay) of the last event
  // returned, base64url of {"z":zone,"b":bay,"t":timestamp} as SingleTableStore writes it, so a
  // page's cursor is the same on both; a bad one is kInvalidArgument naming "cursor". Rows that
  // share a key (a customer's table may hold duplicates) come once, as a load into the single
  // table collapses them (DISTINCT ON; which of them is unspecified). The event type is matched
  // in any case. One bay's page is a range of the key index (zone_id, bay_number, "timestamp").
  // A zone's has no index of its own in SPEC §2's schema: the planner walks the time index
  // backward and filters on the zone (measured: 40 ms for the first page, 175 ms at three weeks
  // deep, on 3 million events of 60 zones), so a deep page costs more; an index on (zone_id,
  // "timestamp") would make it a range read. A limit of 0 is kInvalidArgument.
  // Point reads for the API (the "old API" of plan §6.2); occupied_bays counted from the bays.
  Result<std::optional<Zone>> GetZone(std::string_view zone_id) override;
  Result<std::optional<Bay>> GetBay(std::string_view zone_id, std::string_view bay_number) override;
  Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id) override;
  Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id) override;
  Result<std::vector<Bay>> ListBays(std::string_view zone_id) override;
  Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id) override;
  Result<EventPage> QueryEvents(const EventQuery& query) override;

  // --- The API's creates (query_store.h), in postgres_writer.cc: one transaction each, rows
  // staged as WriteMetadata stages them. CreateZone: INSERT ... ON CONFLICT (zone_id) DO NOTHING
  // RETURNING, no row returned being kExists. RegisterSensor: the sensor the same way, then the
  // bay: INSERT ... ON CONFLICT (zone_id, bay_number) DO UPDATE SET sensor_id (and bay_type,
  // location when given) WHERE the stored bay has no sensor or this one; no row returned there
  // is kBayTaken. A lost create rolls back, so nothing of it is written. Other sessions racing
  // on the same keys wait on the row locks and then find the conflict: exactly one wins.
  Result<CreateOutcome> CreateZone(const Zone& zone) override;
  Result<CreateOutcome> RegisterSensor(const Sensor& sensor, const Bay& bay) override;

  // --- Alerts and settings (operator_store.h), in postgres_operator.cc: tables of vdpark's own
  // beside SPEC §2's four, vdpark_alerts and vdpark_settings, made (IF NOT EXISTS) the first time
  // one is used. One open alert per sensor and kind is a partial unique index; every change is
  // one statement conditioned on the alert as read.
  Result<CreateOutcome> RaiseAlert(const Alert& alert) override;
  Result<std::optional<Alert>> GetOpenAlert(std::string_view sensor_id, AlertKind kind) override;
  Result<std::optional<Alert>> GetAlert(const AlertId& id) override;
  Result<std::vector<Alert>> ListAlerts(const AlertQuery& query) override;
  Status ReplaceOpenAlert(const Alert& as_read, const Alert& changed) override;
  Status ResolveAlert(const Alert& as_read, const Alert& resolved) override;
  Result<std::optional<OperatorSettings>> GetSettings(
      const std::optional<std::string>& tenant_id) override;
  Status PutSettings(const std::optional<std::string>& tenant_id,
                     const OperatorSettings& settings) override;

 private:
  Status EnsureOperatorTables();
  // The alerts `where` selects (SQL over the table, its parameters in `params`).
  Result<std::vector<Alert>> SelectAlerts(const std::string& where,
                                          const std::vector<std::string>& params);
  // Writes `changed` over the stored alert while it is still `as_read`: kConditionFailed if not.
  Status UpdateAlert(const Alert& as_read, const Alert& changed);

  PostgresStore(PostgresUrl url, std::unique_ptr<PgConnection> conn, PgLayout layout,
                PostgresStoreOptions o)
      : url_(std::move(url)), conn_(std::move(conn)), layout_(std::move(layout)), options_(o) {}
  Status TruncateOnce();
  // Makes the session's staging tables (temporary) the first time a write needs them.
  Status EnsureStaging();
  Result<std::vector<Zone>> QueryZones(const std::string& where,
                                       const std::vector<std::string>& params);
  // The WHERE clauses of the slices ScanEvents reads side by side on `workers` connections.
  Result<std::vector<std::string>> EventSlices(const EventScanOptions& options, size_t workers);
  // Connections reading events side by side: scan_connections, or one per core (2-8).
  size_t ScanConnections() const;
  // One COPY of events: what to read ("parking_events WHERE ...", "ONLY t WHERE ctid ...") and
  // its name in messages.
  struct EventSource {
    std::string from_where;
    std::string name;
  };
  // Reads `SELECT kEventBinarySelect FROM <from_where>` for every source, side by side on up to
  // ScanConnections() connections, each source whole on one, and passes the events to `visit`
  // one at a time, in no order. A copy that decodes another number of rows than the server says
  // it sent fails with kCorruption naming the source and both numbers.
  Status CopyEventsSideBySide(std::span<const EventSource> sources, const EventVisitor& visit,
                              const RejectFn& rejects);
  // The hypertable's partitions `ids` (postgres_partitions.cc) as sources; kFailedPrecondition
  // naming a chunk an id covered that has been dropped since.
  Result<std::vector<EventSource>> HypertableSources(std::span<const std::string> ids,
                                                     std::optional<Timestamp> since);
  // All of the hypertable's events, by its chunks' time ranges.
  Result<std::vector<EventSource>> AllHypertableSources();

  PostgresUrl url_;
  std::unique_ptr<PgConnection> conn_;
  PgLayout layout_;
  PostgresStoreOptions options_;
  bool truncated_ = false;
  bool staging_ready_ = false;
  bool operator_tables_ready_ = false;
};

}  // namespace vdpark
