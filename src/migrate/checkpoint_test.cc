// The checkpoint file, and Migrate carrying on from a checkpoint in both of its forms (a position
// in a repeatable stream, time slices), with the crash simulated by a failing checkpoint.
#include "migrate/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "parking_fixture.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::TempDir;

MigrateCheckpoint Sample() {
  MigrateCheckpoint c;
  c.key = MigrateCheckpointKey("csv:a", "embedded:b", "90d");
  c.source = "csv:a";
  c.target = "embedded:b";
  c.since = *Timestamp::Parse("2026-08-01T00:00:00Z");
  c.progress.metadata_written = true;
  c.progress.events_scanned = 12345;
  c.progress.events_loaded = 12000;
  c.target_events_bytes = 987654;
  return c;
}

TEST(CheckpointTest, SavesAtomicallyAndLoadsBack) {
  TempDir tmp;
  const std::string path = tmp / "cp/sub/x.json";  // folders are created
  MigrateCheckpoint c = Sample();
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());
  c.progress.slice_bounds = {*Timestamp::Parse("2026-08-01T00:00:00Z"),
                             *Timestamp::Parse("2026-08-02T00:00:00Z"),
                             *Timestamp::Parse("2026-08-03T00:00:00Z")};
  c.progress.slices_done = 1;
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());  // replaces the first
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto loaded = LoadCheckpoint(path, c.key);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  const MigrateCheckpoint& l = **loaded;
  EXPECT_EQ(l.source, "csv:a");
  EXPECT_EQ(l.target, "embedded:b");
  EXPECT_EQ(l.since, c.since);
  EXPECT_TRUE(l.progress.metadata_written);
  EXPECT_EQ(l.progress.events_scanned, 12345u);
  EXPECT_EQ(l.progress.events_loaded, 12000u);
  EXPECT_EQ(l.progress.slice_bounds, c.progress.slice_bounds);
  EXPECT_EQ(l.progress.slices_done, 1u);
  EXPECT_EQ(l.target_events_bytes, 987654u);

  // A temporary file left by a save killed half-way does not matter: the checkpoint is whole.
  tmp.Write("cp/sub/x.json.tmp", "{\"half");
  EXPECT_TRUE(LoadCheckpoint(path, c.key).ok());
  ASSERT_TRUE(SaveCheckpoint(path, c).ok());

  ASSERT_TRUE(RemoveCheckpoint(path).ok());
  EXPECT_FALSE(std::filesystem::exists(tmp / "cp/sub"));  // its folder went with it, being empty
  auto none = LoadCheckpoint(path, c.key);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(RemoveCheckpoint(path).ok());
}

TEST(CheckpointTest, ACorruptFileIsAnErrorNamingIt) {
  TempDir tmp;
  const std::string key = MigrateCheckpointKey("csv:a", "embedded:b", "");
  for (const char* text : {"", "{\"vdparkMigrateCheckpoint\":1,\"key\":", "[1,2]",
                           "{\"vdparkMigrateCheckpoint\":1,\"key\":\"x\"}"}) {
    tmp.Write("bad.json", text);
    auto r = LoadCheckpoint(tmp / "bad.json", key);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << text;
    EXPECT_NE(r.status().message().find(tmp / "bad.json"), std::string::npos)
        << r.status().ToString();
  }
}

TEST(CheckpointTest, OneOfAnotherMigrationIsNotUsed) {
  TempDir tmp;
  MigrateCheckpoint c = Sample();
  ASSERT_TRUE(SaveCheckpoint(tmp / "cp.json", c).ok());
  for (std::string other : {MigrateCheckpointKey("csv:a", "embedded:c", "90d"),
                            MigrateCheckpointKey("csv:x", "embedded:b", "90d"),
                            MigrateCheckpointKey("csv:a", "embedded:b", "30d")}) {
    EXPECT_NE(other, c.key);
    auto r = LoadCheckpoint(tmp / "cp.json", other);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(tmp / "cp.json"), std::string::npos);
    EXPECT_NE(r.status().message().find("csv:a -> embedded:b"), std::string::npos);
  }
  EXPECT_NE(DefaultCheckpointPath(c.key).find(".vdpark-migrate/" + c.key + ".json"),
            std::string::npos);
}

TEST(CheckpointTest, ACsvTargetsEventsFileIsCutBack) {
  TempDir tmp;
  EXPECT_EQ(AppendedEventsFile("embedded:x"), std::nullopt);
  EXPECT_EQ(AppendedEventsFile("csv:" + tmp / "out"), tmp / "out/events.csv");
  tmp.Write("out/events.csv", "header\nrow 1\nrow 2, half");
  ASSERT_TRUE(CutBackTo(tmp / "out/events.csv", 13).ok());
  EXPECT_EQ(ReadFile(tmp / "out/events.csv"), "header\nrow 1\n");
  Status s = CutBackTo(tmp / "out/events.csv", 100);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("events.csv"), std::string::npos);
  EXPECT_EQ(*FileLength(tmp / "out/nothing.csv"), 0u);
}

// Migrates `source` into `target`, "crashing" (the checkpoint fails) after `crash_after`
// checkpoints; returns the last progress recorded before the crash.
struct LoadRun {
  Result<MigrateStats> stats = Status::Internal("not run");
  std::optional<MigrateProgress> recorded;
};
LoadRun MigrateUntil(Store& source, Store& target, MigrateOptions o, int crash_after) {
  LoadRun run;
  int checkpoints = 0;
  o.on_durable = [&](const MigrateProgress& p) {
    if (crash_after >= 0 && checkpoints++ == crash_after) return Status::Aborted("killed");
    run.recorded = p;
    return Status::OK();
  };
  run.stats = Migrate(source, target, o);
  return run;
}

std::unique_ptr<Store> Open(const std::string& url) {
  StoreOptions o;
  o.retention_days = 0;
  auto s = OpenStore(url, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

uint64_t CountEvents(Store& store) {
  uint64_t n = 0;
  EXPECT_TRUE(
      store.ScanEvents({}, [&](ParkingEvent&&, const Origin&) { return ++n, Status::OK(); }, {})
          .ok());
  return n;
}

MigrateOptions SmallBatches() {
  MigrateOptions o;
  o.retention_days = 0;
  o.show_progress = false;
  o.batch_size = 2;
  o.checkpoint_every = 2;
  return o;
}

TEST(MigrateResumeTest, CarriesOnFromAPositionInARepeatableStream) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export", "zone-009,Z-1,ARRIVE,2026-11-22 10:00:00+04,,,dual\n");
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store");
  LoadRun first = MigrateUntil(*source, *target, SmallBatches(), 3);  // metadata, 2 + 2 events
  ASSERT_FALSE(first.stats.ok());
  ASSERT_TRUE(first.recorded && !first.recorded->sliced());
  EXPECT_EQ(first.recorded->events_loaded, 4u);

  MigrateOptions o = SmallBatches();
  o.resume = first.recorded;
  LoadRun second = MigrateUntil(*source, *target, o, -1);
  ASSERT_TRUE(second.stats.ok()) << second.stats.status().ToString();
  EXPECT_TRUE(second.stats->resumed);
  EXPECT_EQ(second.stats->events_already_loaded, 4u);
  EXPECT_EQ(second.stats->events_written, 6u);
  EXPECT_EQ(second.stats->events_read, 10u);  // the whole source is still counted...
  EXPECT_EQ(second.stats->rejected, 1u);      // ...and its rejects reported
  EXPECT_EQ(CountEvents(*target), 10u);
}

TEST(MigrateResumeTest, CarriesOnFromTheSlicesDone) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  auto csv = Open("csv:" + tmp / "export");
  auto source = Open("embedded:" + tmp / "source");
  ASSERT_TRUE(Migrate(*csv, *source, SmallBatches()).ok());
  auto target = Open("embedded:" + tmp / "store");
  MigrateOptions o = SmallBatches();
  o.force_time_slices = true;  // as a source read in no repeatable order would be
  o.time_slices = 4;
  LoadRun first = MigrateUntil(*source, *target, o, 3);  // metadata, then slices 1 and 2
  ASSERT_FALSE(first.stats.ok());
  ASSERT_TRUE(first.recorded && first.recorded->sliced());
  EXPECT_EQ(first.recorded->slice_bounds.size(), 5u);
  EXPECT_EQ(first.recorded->slice_bounds.front().ToIso(), "2026-11-20T03:00:00.000000Z");
  EXPECT_EQ(first.recorded->slices_done, 2u);

  o.resume = first.recorded;
  LoadRun second = MigrateUntil(*source, *target, o, -1);
  ASSERT_TRUE(second.stats.ok()) << second.stats.status().ToString();
  EXPECT_TRUE(second.stats->sliced);
  EXPECT_EQ(second.stats->events_already_loaded + second.stats->events_written, 10u);
  EXPECT_EQ(second.recorded->slices_done, 4u);
  EXPECT_EQ(CountEvents(*target), 10u);
}

}  // namespace
}  // namespace vdpark
