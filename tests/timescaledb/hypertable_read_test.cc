// Reading TimescaleDB as customers run it (issue 11): parking_events a hypertable of daily chunks,
// most of them compressed. Every load from it reads every event (to embedded, csv and DynamoDB),
// verify and audit work on it, a resumable load survives chunks compressed, decompressed and
// created between its runs and refuses one dropped, and a load that reads fewer events than the
// source holds fails.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cli_run.h"
#include "dynalite.h"
#include "migrate/migrate.h"
#include "record_test_support.h"
#include "store/csv/csv_record_count.h"
#include "store/open_store.h"
#include "store/postgres/postgres_store.h"
#include "store/query_store.h"
#include "timescaledb.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::TempDir;
using testing::TimescaleDb;
using testing::U;
using testing::Vdpark;

// Loads a generated export (10 days to 2026-11-01) into the hypertable through vdpark itself and
// returns how many events it holds.
uint64_t LoadExport(TimescaleDb& db, const TempDir& tmp, const std::string& generate) {
  CliRun gen =
      Vdpark(tmp, "generate --out csv:export --end 2026-11-01T00:00:00Z --seed 11 " + generate);
  EXPECT_EQ(gen.code, 0) << gen.err;
  CliRun load =
      Vdpark(tmp, "migrate --source csv:export --target '" + db.url() + "' --retention-days 0");
  EXPECT_EQ(load.code, 0) << load.out << load.err;
  return static_cast<uint64_t>(db.Number("SELECT count(*) FROM parking_events"));
}

long long CompressedChunks(TimescaleDb& db) {
  return db.Number(
      "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = "
      "'parking_events' AND is_compressed");
}

// `vdpark migrate --json` from the hypertable to `target`: every event read, counted and written.
void ExpectWholeLoad(TimescaleDb& db, const TempDir& tmp, const std::string& target,
                     uint64_t events) {
  CliRun run = Vdpark(tmp, "migrate --source '" + db.url() + "' --target '" + target +
                               "' --retention-days 0 --json");
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  auto j = Json(run.out);
  EXPECT_EQ(U(j.at("sourceEvents")), events) << run.out;
  EXPECT_EQ(U(j.at("rowsRead")), events) << run.out;
  EXPECT_EQ(U(j.at("eventsWritten")), events) << run.out;
  EXPECT_EQ(U(j.at("rejected")), 0u) << run.out;
  CliRun verify = Vdpark(tmp, "verify --source '" + db.url() + "' --target '" + target +
                                  "' --retention-days 0 --json");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  auto v = Json(verify.out);
  const auto& e = v.at("events").as_object();
  EXPECT_EQ(U(e.at("compared")), events);
  EXPECT_EQ(U(e.at("missing")) + U(e.at("extra")) + U(e.at("different")), 0u) << verify.out;
}

TEST(TimescaleDbTest, CompressedHypertableLoadsEveryEventToEmbeddedCsvAndDynamoDb) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const uint64_t events = LoadExport(db, tmp, "--zones 8 --days 10 --events 20000");
  ASSERT_GT(events, 10000u);
  RECORD_ASSERT_OK(db.Compress());
  // The customer's shape: 10 daily chunks, 7 of them compressed.
  EXPECT_GE(db.Number("SELECT count(*) FROM show_chunks('parking_events')"), 10);
  ASSERT_GE(CompressedChunks(db), 6);

  ExpectWholeLoad(db, tmp, "embedded:" + (tmp / "store"), events);
  ExpectWholeLoad(db, tmp, "csv:" + (tmp / "out"), events);
  auto rows = CountCsvRecords(tmp / "out/events.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, events + 1);  // and the header

  const std::string endpoint = testing::DynaliteEndpoint();
  ASSERT_FALSE(endpoint.empty());
  const std::string table =
      "dynamodb://vdpark-timescale-" + std::to_string(getpid()) + "?endpoint=" + endpoint;
  ASSERT_EQ(Vdpark(tmp, "table create --target '" + table + "'").code, 0);
  ExpectWholeLoad(db, tmp, table, events);
  (void)Vdpark(tmp, "table delete --target '" + table + "'");

  // A window (--since) is read through the time index, by day, across compressed chunks.
  const std::string since = "2026-10-25T00:00:00Z";
  const uint64_t in_window = static_cast<uint64_t>(
      db.Number("SELECT count(*) FROM parking_events WHERE \"timestamp\" >= '" + since + "'"));
  ASSERT_GT(in_window, 0u);
  ASSERT_LT(in_window, events);
  CliRun window =
      Vdpark(tmp, "migrate --source '" + db.url() + "' --target embedded:" + (tmp / "window") +
                      " --retention-days 0 --since " + since + " --json");
  ASSERT_EQ(window.code, 0) << window.out << window.err;
  EXPECT_EQ(U(Json(window.out).at("sourceEvents")), in_window) << window.out;
  EXPECT_EQ(U(Json(window.out).at("eventsWritten")), in_window) << window.out;

  // A sample, and the audit, on the compressed hypertable.
  CliRun sample =
      Vdpark(tmp, "verify --source '" + db.url() + "' --target embedded:" + (tmp / "store") +
                      " --retention-days 0 --sample 50");
  EXPECT_EQ(sample.code, 0) << sample.out << sample.err;
  CliRun audit = Vdpark(tmp, "audit --source '" + db.url() + "' --json");
  ASSERT_EQ(audit.code, 0) << audit.out << audit.err;
  EXPECT_EQ(U(Json(audit.out).at("events")), events) << audit.out;
}

// The API's queries (the "old API" of plan §6.2) answer from compressed chunks as the single
// table answers from the same events.
TEST(TimescaleDbTest, ApiQueriesAnswerFromCompressedChunksAsTheSingleTableDoes) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const uint64_t events = LoadExport(db, tmp, "--zones 3 --days 6 --events 3000");
  ASSERT_GT(events, 1000u);
  RECORD_ASSERT_OK(db.Compress("1 day"));
  ASSERT_GE(CompressedChunks(db), 4);
  ASSERT_EQ(Vdpark(tmp, "migrate --source csv:export --target embedded:" + (tmp / "store") +
                            " --retention-days 0")
                .code,
            0);
  auto single = OpenStoreRoles("embedded:" + (tmp / "store"));
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  auto pg = PostgresStore::Open(db.url());
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  auto zones = (*pg)->ListZones(std::nullopt);
  ASSERT_TRUE(zones.ok()) << zones.status().ToString();
  ASSERT_EQ(zones->size(), 3u);
  for (const Zone& z : *zones) {
    EventQuery q;
    q.zone_id = z.zone_id;
    q.limit = 250;
    std::vector<std::tuple<std::string, std::string>> from_pg, from_single;
    for (QueryStore* store : {static_cast<QueryStore*>(pg->get()), single->queries}) {
      auto& out = store == static_cast<QueryStore*>(pg->get()) ? from_pg : from_single;
      for (std::string cursor;;) {
        q.cursor = cursor;
        auto page = store->QueryEvents(q);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        for (const ParkingEvent& e : page->events) {
          out.emplace_back(e.bay_number, e.timestamp.ToIso());
        }
        if (page->next_cursor.empty()) break;
        cursor = page->next_cursor;
      }
    }
    EXPECT_GT(from_pg.size(), 250u);  // pages that reach into the compressed chunks
    EXPECT_EQ(from_pg, from_single) << z.zone_id;
    auto bays = (*pg)->ListBays(z.zone_id);
    ASSERT_TRUE(bays.ok()) << bays.status().ToString();
    EXPECT_FALSE(bays->empty());
  }
}

TEST(TimescaleDbTest, SpaceDimensionHalfDayChunksAndAContinuousAggregateAreReadWhole) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  RECORD_ASSERT_OK(
      db.Exec("SELECT add_dimension('parking_events', by_hash('zone_id', 3)); "
              "SELECT set_chunk_time_interval('parking_events', INTERVAL '12 hours')"));
  TempDir tmp;
  const uint64_t events = LoadExport(db, tmp, "--zones 6 --days 4 --events 6000");
  ASSERT_GT(events, 3000u);
  RECORD_ASSERT_OK(
      db.Exec("CREATE MATERIALIZED VIEW events_per_zone_day WITH "
              "(timescaledb.continuous) AS SELECT time_bucket(INTERVAL '1 day', "
              "\"timestamp\") AS day, zone_id, count(*) AS n FROM parking_events GROUP BY "
              "1, 2 WITH DATA"));
  const long long aggregate = db.Number("SELECT sum(n) FROM events_per_zone_day");
  ASSERT_EQ(aggregate, static_cast<long long>(events));
  RECORD_ASSERT_OK(db.Compress("1 day"));
  // Several chunks share each half day, one per hash slice of zone_id.
  EXPECT_GT(db.Number("SELECT count(*) FROM show_chunks('parking_events')"), 8 * 2);
  ASSERT_GE(CompressedChunks(db), 6);

  ExpectWholeLoad(db, tmp, "embedded:" + (tmp / "store"), events);
  // The aggregate was read from, never written to.
  EXPECT_EQ(db.Number("SELECT sum(n) FROM events_per_zone_day"), aggregate);
}

// The keys of events, for exactly-once checks.
using Key = std::tuple<std::string, std::string, int64_t>;

// Reads partitions `ids` of a store opened afresh, adding each event's key to `keys` (a key seen
// twice fails the test).
Status ReadPartitions(const std::string& url, std::span<const std::string> ids,
                      std::set<Key>* keys) {
  auto store = PostgresStore::Open(url);
  if (!store.ok()) return store.status();
  return (*store)->ScanEventPartitions(
      ids, std::nullopt,
      [&](ParkingEvent&& e, const Origin&) {
        EXPECT_TRUE(keys->emplace(e.zone_id, e.bay_number, e.timestamp.micros()).second)
            << e.zone_id << " " << e.bay_number << " " << e.timestamp.ToIso() << " read twice";
        return Status::OK();
      },
      [](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; });
}

TEST(TimescaleDbTest, PartitionsOutliveCompressionAndNewChunksAndRefuseADroppedChunk) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const uint64_t events = LoadExport(db, tmp, "--zones 4 --days 8 --events 6000");
  ASSERT_GT(events, 3000u);
  RECORD_ASSERT_OK(db.Compress("5 days"));  // the oldest few compressed when the load begins

  std::vector<std::string> ids;
  {
    auto store = PostgresStore::Open(db.url());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto partitions = (*store)->PartitionEvents(std::nullopt, 16);
    ASSERT_TRUE(partitions.ok()) << partitions.status().ToString();
    ASSERT_TRUE(partitions->has_value());
    ids = (*partitions)->ids;
    EXPECT_EQ((*partitions)->read_together, 1u);  // connections=1 in the URL
  }
  ASSERT_GE(ids.size(), 8u);
  for (const std::string& id : ids) EXPECT_TRUE(id.starts_with("ts:")) << id;

  // The first run reads three partitions, then stops.
  std::set<Key> keys;
  ASSERT_TRUE(ReadPartitions(db.url(), std::span(ids).first(3), &keys).ok());

  // Between the runs: every chunk compressed, then one decompressed again, and events written
  // into a chunk of their own two days past the newest (made after the partitions were cut).
  RECORD_ASSERT_OK(db.Compress("0 days"));
  RECORD_ASSERT_OK(
      db.Exec("SELECT decompress_chunk(c) FROM show_chunks('parking_events') c ORDER BY "
              "c DESC LIMIT 2 OFFSET 1"));
  const long long chunks_before = db.Number("SELECT count(*) FROM show_chunks('parking_events')");
  RECORD_ASSERT_OK(
      db.Exec("INSERT INTO parking_events SELECT zone_id, bay_number, sensor_id, "
              "event_type, \"timestamp\" + INTERVAL '3 days', duration_minutes, revenue, "
              "detection_mode FROM parking_events WHERE \"timestamp\" >= (SELECT "
              "max(\"timestamp\") FROM parking_events) - INTERVAL '1 day'"));
  EXPECT_GT(db.Number("SELECT count(*) FROM show_chunks('parking_events')"), chunks_before);
  const uint64_t now_held = static_cast<uint64_t>(db.Number("SELECT count(*) FROM parking_events"));
  ASSERT_GT(now_held, events);

  // The second run reads the rest by the same ids: every event of now, each once.
  Status rest = ReadPartitions(db.url(), std::span(ids).subspan(3), &keys);
  ASSERT_TRUE(rest.ok()) << rest.ToString();
  EXPECT_EQ(keys.size(), now_held);

  // A chunk dropped (as a retention policy drops one) under a partition not yet read: reading
  // it is refused, naming the chunk and --restart, never passed over.
  auto oldest = db.Row(
      "SELECT format('%I.%I', chunk_schema, chunk_name), range_end FROM "
      "timescaledb_information.chunks WHERE hypertable_name = 'parking_events' ORDER BY "
      "range_start LIMIT 1");
  ASSERT_TRUE(oldest.ok());
  RECORD_ASSERT_OK(db.Exec("SELECT drop_chunks('parking_events', older_than => '" + (*oldest)[1] +
                           "'::timestamptz)"));
  std::set<Key> again;
  Status refused = ReadPartitions(db.url(), std::span(ids).first(1), &again);
  EXPECT_TRUE(refused.IsFailedPrecondition()) << refused.ToString();
  EXPECT_NE(refused.message().find((*oldest)[0]), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find("--restart"), std::string::npos) << refused.ToString();
}

// Asked for fewer partitions than there are chunks, neighbouring chunks share one: every event is
// still read once, and a chunk dropped under any of them is still refused.
TEST(TimescaleDbTest, FewerPartitionsThanChunksStillReadEveryEventOnce) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const uint64_t events = LoadExport(db, tmp, "--zones 3 --days 9 --events 3000");
  ASSERT_GT(events, 1000u);
  RECORD_ASSERT_OK(db.Compress("4 days"));
  std::vector<std::string> ids;
  {
    auto store = PostgresStore::Open(db.url());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto partitions = (*store)->PartitionEvents(std::nullopt, 3);
    ASSERT_TRUE(partitions.ok() && *partitions) << partitions.status().ToString();
    ids = (*partitions)->ids;
  }
  ASSERT_EQ(ids.size(), 3u);
  std::set<Key> keys;
  Status s = ReadPartitions(db.url(), ids, &keys);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(keys.size(), events);
}

// A source that loses what it reads now and then, as a reader with a bug would: everything else
// is the real store's.
class LossySource : public RecordStore {
 public:
  LossySource(std::unique_ptr<RecordStore> real, uint64_t every)
      : real_(std::move(real)), every_(every) {}
  std::string DisplayName() const override { return real_->DisplayName(); }
  Result<Metadata> ReadMetadata(const RejectFn& rejects) override {
    return real_->ReadMetadata(rejects);
  }
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override {
    return real_->ScanEvents(options, Lossy(visit), rejects);
  }
  Result<std::optional<EventPartitions>> PartitionEvents(std::optional<Timestamp> since,
                                                         int wanted) override {
    return real_->PartitionEvents(since, wanted);
  }
  Status ScanEventPartitions(std::span<const std::string> ids, std::optional<Timestamp> since,
                             const EventVisitor& visit, const RejectFn& rejects) override {
    return real_->ScanEventPartitions(ids, since, Lossy(visit), rejects);
  }
  bool EventsInKeyOrder() const override { return real_->EventsInKeyOrder(); }
  Result<std::optional<uint64_t>> CountEvents(std::optional<Timestamp> since) override {
    return real_->CountEvents(since);
  }
  Status WriteMetadata(const Metadata&) override { return Status::NotSupported("source"); }
  Status WriteEvents(std::span<const ParkingEvent>) override {
    return Status::NotSupported("source");
  }
  Status Flush() override { return Status::OK(); }
  uint64_t lost() const { return lost_; }

 private:
  EventVisitor Lossy(const EventVisitor& visit) {
    return [this, visit](ParkingEvent&& e, const Origin& origin) {
      if (++seen_ % every_ == 0) {
        ++lost_;
        return Status::OK();
      }
      return visit(std::move(e), origin);
    };
  }
  std::unique_ptr<RecordStore> real_;
  uint64_t every_;
  std::atomic<uint64_t> seen_{0}, lost_{0};
};

TEST(TimescaleDbTest, ALoadThatReadsFewerEventsThanTheSourceHoldsFails) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const uint64_t events = LoadExport(db, tmp, "--zones 4 --days 6 --events 4000");
  ASSERT_GT(events, 2000u);
  RECORD_ASSERT_OK(db.Compress());

  for (bool resumable : {false, true}) {
    SCOPED_TRACE(resumable ? "in partitions, with checkpoints" : "one scan");
    auto real = PostgresStore::Open(db.url());
    ASSERT_TRUE(real.ok()) << real.status().ToString();
    LossySource source(std::move(*real), 997);
    auto target = OpenStore("embedded:" + (tmp / (resumable ? "sliced" : "whole")));
    ASSERT_TRUE(target.ok()) << target.status().ToString();
    MigrateOptions options;
    options.retention_days = 0;
    options.show_progress = false;
    if (resumable) options.on_durable = [](const MigrateProgress&) { return Status::OK(); };
    auto stats = Migrate(source, **target, options);
    ASSERT_GT(source.lost(), 0u);
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.status().code(), Status::Code::kCorruption) << stats.status().ToString();
    const std::string m = stats.status().message();
    EXPECT_NE(m.find("held " + std::to_string(events)), std::string::npos) << m;
    EXPECT_NE(m.find(std::to_string(events - source.lost()) + " were read"), std::string::npos)
        << m;
    EXPECT_NE(m.find(std::to_string(source.lost()) + " missing"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace vdpark
