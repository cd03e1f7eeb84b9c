// `vdpark migrate` killed with SIGKILL at random moments and started again with the same command:
// every item is there exactly once and verify finds no difference (SPEC §7). Also --dry-run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "cli_run.h"
#include "parking_fixture.h"
#include "postgres.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::ReadFile;
using testing::StartAndKill;
using testing::TempDir;
using testing::U;
using testing::Vdpark;

// The field `name` of the checkpoint in `dir`; null while there is none (or mid-rename).
boost::json::value CheckpointField(const std::string& dir, std::string_view name) {
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".json") continue;
    auto j = Json(ReadFile(f.path().string()));
    if (j.contains(name)) return j.at(name);
  }
  return nullptr;
}

// Events loaded as the checkpoint in `dir` records them; 0 while there is none.
uint64_t CheckpointedEvents(const std::string& dir) {
  const boost::json::value v = CheckpointField(dir, "eventsLoaded");
  return v.is_null() ? 0 : U(v);
}

// Generates an export, then migrates it with kills right after start, mid-load and near the
// end, finishes it, and verifies.
void KillResumeVerify(const std::string& generate, const std::string& source,
                      const std::string& target) {
  TempDir tmp;
  CliRun gen =
      Vdpark(tmp, "generate --out csv:export --end 2026-11-01T00:00:00Z --json " + generate);
  ASSERT_EQ(gen.code, 0) << gen.err;
  const uint64_t events = U(Json(gen.out).at("events"));
  ASSERT_GT(events, 1000u);
  if (source != "csv:export") {
    ASSERT_EQ(
        Vdpark(tmp, "migrate --source csv:export --target " + source + " --retention-days 0").code,
        0);
  }
  // About 40 checkpoints in all, so that some come after each kill point.
  const std::vector<std::string> args = {"migrate",
                                         "--source",
                                         source,
                                         "--target",
                                         target,
                                         "--retention-days",
                                         "0",
                                         "--checkpoint-every",
                                         std::to_string(std::max<uint64_t>(events / 40, 1000)),
                                         "--batch-size",
                                         "1024"};
  const std::string checkpoints = tmp / ".vdpark-migrate";
  std::mt19937 rng(20261101);
  auto ms = [&](int lo, int hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  // Right after start: before or around the first checkpoint.
  EXPECT_TRUE(StartAndKill(
      tmp.path(), args, [] { return true; }, ms(5, 150)));
  // Mid-load and near the end, once the checkpoint shows that much loaded.
  for (double share : {0.45, 0.85}) {
    const uint64_t at = static_cast<uint64_t>(events * share);
    EXPECT_TRUE(StartAndKill(
        tmp.path(), args, [&] { return CheckpointedEvents(checkpoints) >= at; }, ms(0, 40)))
        << share;
    EXPECT_GE(CheckpointedEvents(checkpoints), at);
  }

  std::string command = "migrate";
  for (size_t i = 1; i < args.size(); ++i) command += " " + args[i];
  CliRun last = Vdpark(tmp, command);
  ASSERT_EQ(last.code, 0) << last.out << last.err;
  EXPECT_NE(last.out.find("resumed from checkpoint: "), std::string::npos) << last.out;
  const size_t at = last.out.find("resumed from checkpoint: ");
  const uint64_t already = std::stoull(last.out.substr(at + 25));
  EXPECT_GE(already, static_cast<uint64_t>(events * 0.85)) << last.out;
  EXPECT_FALSE(std::filesystem::exists(checkpoints));  // done: nothing left to resume

  CliRun verify =
      Vdpark(tmp, "verify --source csv:export --target " + target + " --retention-days 0 --json");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  auto v = Json(verify.out);
  ASSERT_TRUE(v.contains("events")) << verify.out;
  const auto& e = v.at("events").as_object();
  EXPECT_EQ(U(e.at("compared")), events);
  EXPECT_EQ(U(e.at("target")), events);
  EXPECT_EQ(U(e.at("missing")) + U(e.at("extra")) + U(e.at("different")), 0u);
}

TEST(MigrateResumeTest, CsvToEmbeddedKilledThreeTimesLoadsEveryEventOnce) {
  // About 300,000 events.
  KillResumeVerify("--zones 18 --days 30", "csv:export", "embedded:store");
}

TEST(MigrateResumeTest, EmbeddedToCsvKilledThreeTimesLoadsEveryEventOnce) {
  // A csv target appends: rows written after the last checkpoint must be cut off.
  KillResumeVerify("--zones 6 --days 30", "embedded:source", "csv:back");
}

// csv to csv runs at about 2 million events a second, too fast to kill at a chosen moment with a
// timer: the runs here are killed by the kernel instead, with SIGXFSZ, when events.csv reaches
// the file size limit (ulimit -f) they run under, mid-write. A csv target that holds rows is
// refused unless the load resumes, and a killed one always does: its checkpoint is saved before
// the first row is written.
TEST(MigrateResumeTest, CsvToCsvKilledMidWriteResumesAndIsNotRefused) {
  TempDir tmp;
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:export --end 2026-11-01T00:00:00Z --json --zones 6 "
                      "--days 30");
  ASSERT_EQ(gen.code, 0) << gen.err;
  const uint64_t events = U(Json(gen.out).at("events"));
  const std::string migrate =
      "migrate --source csv:export --target csv:back --retention-days 0 --checkpoint-every 5000 "
      "--batch-size 1024";
  for (int blocks : {2000, 4000}) {  // 1 MB, then 2 MB of events.csv (512-byte blocks)
    const std::string cmd = "cd " + tmp.path() + " && ulimit -f " + std::to_string(blocks) +
                            " && exec " + VDPARK_BINARY + " " + migrate + " >killed.log 2>&1";
    const int status = std::system(("sh -c '" + cmd + "'").c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGXFSZ) << ReadFile(tmp / "killed.log");
    EXPECT_GT(CheckpointedEvents(tmp / ".vdpark-migrate"), 0u);
  }
  CliRun last = Vdpark(tmp, migrate);
  ASSERT_EQ(last.code, 0) << last.out << last.err;
  EXPECT_NE(last.out.find("resumed from checkpoint: "), std::string::npos) << last.out;
  EXPECT_FALSE(std::filesystem::exists(tmp / ".vdpark-migrate"));
  CliRun verify =
      Vdpark(tmp, "verify --source csv:export --target csv:back --retention-days 0 --json");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  auto v = Json(verify.out);
  ASSERT_TRUE(v.contains("events")) << verify.out;
  EXPECT_EQ(U(v.at("events").as_object().at("target")), events);
  EXPECT_EQ(U(v.at("targetDuplicates")), 0u);
  // Done: the same command again would double it, and is refused.
  EXPECT_EQ(Vdpark(tmp, migrate).code, 3);
}

// The slices a slice-mode checkpoint in `dir` records as done; 0 while there is none.
uint64_t CheckpointedSlices(const std::string& dir) {
  const boost::json::value v = CheckpointField(dir, "slicesDone");
  return v.is_null() ? 0 : U(v);
}

// The slice ids a slice-mode checkpoint in `dir` records; empty while there is none.
std::vector<std::string> CheckpointedSliceIds(const std::string& dir) {
  std::vector<std::string> ids;
  const boost::json::value v = CheckpointField(dir, "slices");
  if (v.is_array()) {
    for (const auto& id : v.as_array()) ids.emplace_back(id.as_string());
  }
  return ids;
}

// A PostgreSQL database of about 150,000 events (generated, staged through csv:export), for
// loads from it; its URL, quoted for the shell, and the number of events.
struct StagedPostgres {
  std::string quoted;
  uint64_t events = 0;
};
StagedPostgres StagePostgres(const TempDir& tmp, const std::string& pg) {
  StagedPostgres staged{"'" + pg + "'", 0};
  CliRun gen = Vdpark(
      tmp, "generate --out csv:export --end 2026-11-01T00:00:00Z --json --zones 9 --days 30");
  EXPECT_EQ(gen.code, 0) << gen.err;
  if (gen.code != 0) return staged;
  CliRun created = Vdpark(tmp, "schema create --target " + staged.quoted);
  EXPECT_EQ(created.code, 0) << created.out << created.err;
  CliRun loaded =
      Vdpark(tmp, "migrate --source csv:export --target " + staged.quoted + " --retention-days 0");
  EXPECT_EQ(loaded.code, 0) << loaded.out << loaded.err;
  if (created.code == 0 && loaded.code == 0) staged.events = U(Json(gen.out).at("events"));
  return staged;
}

// Migrates the staged PostgreSQL database into `target` in 40 page ranges, killed right after
// start and then up to `max_delay` after the checkpoint shows each share of `shares` loaded, then
// finishes it: it resumes from the page ranges done, and verify finds every event exactly once.
void KillResumeVerifyFromPostgres(const std::string& target, const std::vector<double>& shares,
                                  int max_delay_ms) {
  VDPARK_REQUIRE_POSTGRES(schema);
  const std::string pg = schema.url();
  TempDir tmp;
  const StagedPostgres staged = StagePostgres(tmp, pg);
  ASSERT_GT(staged.events, 100000u);
  const uint64_t events = staged.events;

  const std::vector<std::string> args = {"migrate", "--source",         pg,    "--target",
                                         target,    "--retention-days", "0",   "--slices",
                                         "40",      "--batch-size",     "1024"};
  const std::string checkpoints = tmp / ".vdpark-migrate";
  std::mt19937 rng(20261127);
  auto ms = [&](int lo, int hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  EXPECT_TRUE(StartAndKill(
      tmp.path(), args, [] { return true; }, ms(5, 150)));
  for (double share : shares) {
    const uint64_t at = static_cast<uint64_t>(events * share);
    EXPECT_TRUE(StartAndKill(
        tmp.path(), args, [&] { return CheckpointedEvents(checkpoints) >= at; },
        ms(0, max_delay_ms)))
        << share;
    EXPECT_GE(CheckpointedEvents(checkpoints), at);
    EXPECT_GT(CheckpointedSlices(checkpoints), 0u) << "not resuming from slices";
    const std::vector<std::string> ids = CheckpointedSliceIds(checkpoints);
    EXPECT_GE(ids.size(), 20u);  // about 40, one table
    for (const std::string& id : ids) EXPECT_TRUE(id.starts_with("pg:")) << id;
  }

  std::string command = "migrate";
  for (size_t i = 1; i < args.size(); ++i) {
    command += " " + (args[i] == pg ? staged.quoted : args[i]);
  }
  CliRun last = Vdpark(tmp, command);
  ASSERT_EQ(last.code, 0) << last.out << last.err;
  const size_t at = last.out.find("resumed from checkpoint: ");
  ASSERT_NE(at, std::string::npos) << last.out;
  EXPECT_GE(std::stoull(last.out.substr(at + 25)), static_cast<uint64_t>(events * shares.back()))
      << last.out;
  EXPECT_FALSE(std::filesystem::exists(checkpoints));

  CliRun verify = Vdpark(tmp, "verify --source " + staged.quoted + " --target " + target +
                                  " --retention-days 0 --json");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  auto v = Json(verify.out);
  ASSERT_TRUE(v.contains("events")) << verify.out;
  const auto& e = v.at("events").as_object();
  EXPECT_EQ(U(e.at("compared")), events);
  EXPECT_EQ(U(e.at("target")), events);
  EXPECT_EQ(U(e.at("missing")) + U(e.at("extra")) + U(e.at("different")), 0u);
  EXPECT_GT(U(v.at("sqlZoneDays")), 0u);  // PostgreSQL's own counts agreed with its stream
}

// PostgreSQL reads its events in no repeatable order (parallel page ranges), so migrate
// checkpoints whole page ranges: killed three times, it resumes from the ranges done and
// finishes with every event exactly once.
TEST(MigrateResumeTest, PostgresToEmbeddedKilledThreeTimesResumesFromPageRanges) {
  KillResumeVerifyFromPostgres("embedded:store", {0.45, 0.85}, 40);
}

// A csv target appends: rows of page ranges read after the last checkpoint are cut off, and a
// checkpoint is never taken while a range is half read, so no row is there twice. It loads fast
// (about 5 ms per group of ranges here): killed earlier, and sooner after the checkpoint.
TEST(MigrateResumeTest, PostgresToCsvKilledThreeTimesHasEveryEventOnce) {
  KillResumeVerifyFromPostgres("csv:back", {0.3, 0.6}, 5);
}

TEST(MigrateResumeTest, ACheckpointOfAnotherMigrationIsRefused) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  tmp.Write("other.json", "");
  CliRun corrupt = Vdpark(tmp,
                          "migrate --source csv:export --target embedded:store "
                          "--checkpoint other.json");
  EXPECT_EQ(corrupt.code, 2);
  EXPECT_NE(corrupt.err.find("checkpoint other.json is not a migrate checkpoint"),
            std::string::npos)
      << corrupt.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "store"));

  // A checkpoint left by a migration into `a`, offered to one into `b`.
  ASSERT_EQ(Vdpark(tmp,
                   "migrate --source csv:export --target embedded:a --checkpoint cp.json "
                   "--retention-days 0 --dry-run")
                .code,
            0);
  tmp.Write("export2/x", "");
  std::string cp =
      "{\"vdparkMigrateCheckpoint\":1,\"key\":\"0123\",\"source\":\"csv:export\","
      "\"target\":\"embedded:a\",\"since\":null,\"metadataWritten\":true,"
      "\"eventsScanned\":5,\"eventsLoaded\":5,\"sliceBounds\":[],\"slicesDone\":0,"
      "\"targetEventsBytes\":null}";
  tmp.Write("cp.json", cp);
  CliRun other =
      Vdpark(tmp, "migrate --source csv:export --target embedded:b --checkpoint cp.json");
  EXPECT_EQ(other.code, 3);
  EXPECT_NE(other.err.find("cp.json belongs to another migration (csv:export -> embedded:a)"),
            std::string::npos)
      << other.err;
  EXPECT_FALSE(std::filesystem::exists(tmp / "b"));
  EXPECT_EQ(ReadFile(tmp / "cp.json"), cp);  // left as it was
  // --restart drops it and starts from the beginning.
  CliRun restart = Vdpark(tmp,
                          "migrate --source csv:export --target embedded:b --checkpoint cp.json "
                          "--retention-days 0 --restart --json");
  ASSERT_EQ(restart.code, 0) << restart.err;
  EXPECT_EQ(U(Json(restart.out).at("eventsWritten")), 10u);
  EXPECT_FALSE(Json(restart.out).at("resumed").as_bool());
  EXPECT_FALSE(std::filesystem::exists(tmp / "cp.json"));
}

// The fixture by hand: every item is under 1 KB, so each put costs 1 write unit, and each index
// it is in 1 more: zones GSI1 (tenant), bays GSI2 (sensor, keys only), sensors GSI1 (zone),
// events GSI1 (zone + time).
TEST(MigrateDryRunTest, EstimatesItemsWriteUnitsCostAndTimeAndWritesNothing) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export",
                        "zone-001,A-001,ARRIVE,2026-11-31 10:00:00+04,,,dual\n"    // bad day
                        "zone-404,A-001,ARRIVE,2026-11-22 10:00:00+04,,,dual\n");  // no zone
  CliRun r = Vdpark(tmp,
                    "migrate --source csv:export --target embedded:store --retention-days 0 "
                    "--dry-run --max-wcu 4 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = Json(r.out);
  auto kind = [&](const char* k) { return j.at(k).as_object(); };
  EXPECT_EQ(U(kind("zones").at("items")), 2u);
  EXPECT_EQ(U(kind("zones").at("writeUnits")), 2u);
  EXPECT_EQ(U(kind("zones").at("indexWriteUnits")), 2u);
  EXPECT_EQ(U(kind("bays").at("items")), 5u);
  EXPECT_EQ(U(kind("bays").at("indexWriteUnits")), 5u);
  EXPECT_EQ(U(kind("sensors").at("items")), 5u);
  EXPECT_EQ(U(kind("sensors").at("indexWriteUnits")), 5u);
  EXPECT_EQ(U(kind("events").at("items")), 10u);
  EXPECT_EQ(U(kind("events").at("writeUnits")), 10u);
  EXPECT_EQ(U(kind("events").at("indexWriteUnits")), 10u);
  EXPECT_EQ(U(kind("total").at("items")), 22u);
  EXPECT_EQ(U(j.at("writeUnits")), 44u);  // 22 puts + 22 index writes
  EXPECT_DOUBLE_EQ(j.at("costUsd").as_double(), 44 * 0.625 / 1e6);
  EXPECT_DOUBLE_EQ(j.at("seconds").as_double(), 11.0);  // 44 units at 4 per second
  EXPECT_EQ(U(j.at("rejected")), 2u);
  EXPECT_EQ(U(j.at("eventsRead")), 10u);
  EXPECT_FALSE(std::filesystem::exists(tmp / "store"));
  EXPECT_FALSE(std::filesystem::exists(tmp / ".vdpark-migrate"));

  // One event's size, attribute by attribute (names + values; NULL is 1 byte):
  //   PK "ZONE#zone-002#BAY#B-002" 2+23, SK "EVENT#2026-11-20T03:00:00.000000Z" 2+33,
  //   GSI1PK "ZONE#zone-002" 6+13, GSI1SK 6+33, zoneId 6+8, bayNumber 9+5, sensorId 8+1,
  //   eventType 9+6, timestamp 9+27, duration 8+1, revenue 7+1, detectionMode 13+4  = 240.
  std::string one = testing::kEventsCsv;
  one.erase(one.find('\n', one.find('\n') + 1) + 1);
  tmp.Write("export/events.csv", one);
  CliRun text = Vdpark(tmp,
                       "migrate --source csv:export --target csv:out --retention-days 0 "
                       "--dry-run --price-per-million-wru 1.25");
  ASSERT_EQ(text.code, 0) << text.err;
  CliRun json = Vdpark(tmp,
                       "migrate --source csv:export --target csv:out --retention-days 0 "
                       "--dry-run --json");
  EXPECT_EQ(U(Json(json.out).at("events").as_object().at("bytes")), 240u);
  EXPECT_TRUE(Json(json.out).at("seconds").is_null());  // no --max-wcu, no time
  EXPECT_NE(text.out.find("items that would be written: 13"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("write units: 26 (13 for items, 13 for GSI1/GSI2): $0.0000 on demand "
                          "at $1.250 per million"),
            std::string::npos)
      << text.out;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out"));
}

}  // namespace
}  // namespace vdpark
