// The full rollback of plan §9 (re-export from the single table to TimescaleDB) into a hypertable
// whose chunks are compressed, as the customer's are: no statement runs into the server's
// decompression limit, events already there are left as they are (and stay compressed), events
// that differ are corrected, and a rollback killed midway and run again ends with every event
// once (issue 11).
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "cli_run.h"
#include "record_test_support.h"
#include "timescaledb.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::StartAndKill;
using testing::TempDir;
using testing::TimescaleDb;
using testing::Vdpark;

// The hypertable's events and its distinct keys.
std::pair<long long, long long> Counts(TimescaleDb& db) {
  auto row = db.Row(
      "SELECT count(*), count(DISTINCT (zone_id, bay_number, \"timestamp\")) FROM parking_events");
  EXPECT_TRUE(row.ok()) << row.status().ToString();
  if (!row.ok()) return {-1, -1};
  return {std::atoll((*row)[0].c_str()), std::atoll((*row)[1].c_str())};
}

// A hypertable of 10 daily chunks, 7 compressed, and the same events in embedded:store (the
// single table that the rollback re-exports). Returns the number of events.
long long Stage(TimescaleDb& db, const TempDir& tmp) {
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:export --end 2026-11-01T00:00:00Z --seed 5 "
                      "--zones 8 --days 10 --events 20000");
  EXPECT_EQ(gen.code, 0) << gen.err;
  CliRun load =
      Vdpark(tmp, "migrate --source csv:export --target '" + db.url() + "' --retention-days 0");
  EXPECT_EQ(load.code, 0) << load.out << load.err;
  EXPECT_TRUE(db.Compress().ok());
  CliRun out =
      Vdpark(tmp, "migrate --source '" + db.url() + "' --target embedded:store --retention-days 0");
  EXPECT_EQ(out.code, 0) << out.out << out.err;
  return db.Number("SELECT count(*) FROM parking_events");
}

// Compressed chunks that DML has partly decompressed (status bit 8: rows outside the
// compressed batches, until the chunk is compressed again).
long long PartlyDecompressedChunks(TimescaleDb& db) {
  return db.Number(
      "SELECT count(*) FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h "
      "ON h.id = c.hypertable_id WHERE h.table_name = 'parking_events' AND NOT c.dropped AND "
      "c.status & 8 <> 0");
}

TEST(TimescaleDbRollbackTest, IntoCompressedChunksUnderTheDecompressionLimit) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const long long events = Stage(db, tmp);
  ASSERT_GT(events, 10000);
  // A server whose limit a merge through the compressed chunks would exceed (the default is
  // 100,000 tuples; this test's table is smaller).
  RECORD_ASSERT_OK(
      db.Exec("ALTER ROLE CURRENT_USER SET "
              "timescaledb.max_tuples_decompressed_per_dml_transaction = 1000"));
  const std::string rollback =
      "migrate --source embedded:store --target '" + db.url() + "' --retention-days 0 --json";
  // The first rollback writes what the single table holds and TimescaleDB does not (each
  // event's sensor, from its bay), inside the compressed chunks.
  CliRun first = Vdpark(tmp, rollback);
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  EXPECT_EQ(Counts(db), std::make_pair(events, events));

  // Compressed again, as a policy would, the same rollback finds every event as it is: it
  // changes nothing and leaves every compressed chunk whole (an update that matches no row
  // still decompressed every batch its scan touched).
  RECORD_ASSERT_OK(db.Compress());
  ASSERT_EQ(PartlyDecompressedChunks(db), 0);
  const long long compressed = db.Number(
      "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = "
      "'parking_events' AND is_compressed");
  ASSERT_GE(compressed, 6);
  CliRun same = Vdpark(tmp, rollback);
  ASSERT_EQ(same.code, 0) << same.out << same.err;
  EXPECT_EQ(Counts(db), std::make_pair(events, events));
  EXPECT_EQ(PartlyDecompressedChunks(db), 0);
  EXPECT_EQ(db.Number("SELECT count(*) FROM timescaledb_information.chunks WHERE "
                      "hypertable_name = 'parking_events' AND is_compressed"),
            compressed);

  // Events changed in TimescaleDB after the backfill (inside compressed chunks) are put back as
  // the single table holds them, under the same limit.
  RECORD_ASSERT_OK(
      db.Exec("BEGIN; SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction "
              "= 0; UPDATE parking_events SET revenue = 999.99, detection_mode = 'edited' "
              "WHERE zone_id = (SELECT min(zone_id) FROM parking_events) AND "
              "\"timestamp\" < (SELECT min(\"timestamp\") + INTERVAL '1 day' FROM "
              "parking_events); COMMIT"));
  const long long edited =
      db.Number("SELECT count(*) FROM parking_events WHERE detection_mode = 'edited'");
  ASSERT_GT(edited, 0);
  CliRun fix = Vdpark(tmp, rollback);
  ASSERT_EQ(fix.code, 0) << fix.out << fix.err;
  EXPECT_EQ(db.Number("SELECT count(*) FROM parking_events WHERE detection_mode = 'edited'"), 0);
  EXPECT_EQ(Counts(db), std::make_pair(events, events));
  CliRun verify =
      Vdpark(tmp, "verify --source embedded:store --target '" + db.url() + "' --retention-days 0");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

TEST(TimescaleDbRollbackTest, KilledMidwayAndRunAgainLandsEveryEventOnce) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  TempDir tmp;
  const long long events = Stage(db, tmp);
  ASSERT_GT(events, 10000);
  // The rollback of §9 into a hypertable that lost its newest days (and keeps its compressed
  // chunks): the oldest events are there, the rest must be written.
  RECORD_ASSERT_OK(
      db.Exec("DELETE FROM parking_events WHERE \"timestamp\" >= (SELECT "
              "max(\"timestamp\") FROM parking_events) - INTERVAL '2 days'"));
  ASSERT_LT(Counts(db).first, events);
  const std::vector<std::string> args = {"migrate",
                                         "--source",
                                         "embedded:store",
                                         "--target",
                                         db.url(),
                                         "--retention-days",
                                         "0",
                                         "--batch-size",
                                         "512",
                                         "--checkpoint-every",
                                         "1024"};
  std::mt19937 rng(9);
  for (int kill = 0; kill < 2; ++kill) {
    const auto delay =
        std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(rng));
    StartAndKill(
        tmp.path(), args, [] { return true; }, delay);
  }
  std::string command = "migrate";
  for (size_t i = 1; i < args.size(); ++i) command += " '" + args[i] + "'";
  CliRun last = Vdpark(tmp, command);
  ASSERT_EQ(last.code, 0) << last.out << last.err;
  EXPECT_EQ(Counts(db), std::make_pair(events, events));
  CliRun verify =
      Vdpark(tmp, "verify --source embedded:store --target '" + db.url() + "' --retention-days 0");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace vdpark
