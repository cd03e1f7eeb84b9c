// The checkpoint file, and Migrate carrying on from a checkpoint in both of its forms (a position
// in a repeatable stream, slices: time slices or a source's partitions), with the crash simulated
// by a failing checkpoint.
#include "migrate/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "parking_fixture.h"
#include "store/open_store.h"

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
  c.progress.slices = {"pg:16390:16390:0:128", "pg:16390:16390:128:", "pg:16402:16410:0:"};
  c.progress.slices_done = 1;
  c.progress.read_together = 2;
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
  EXPECT_EQ(l.progress.slices, c.progress.slices);
  EXPECT_EQ(l.progress.slices_done, 1u);
  EXPECT_EQ(l.progress.read_together, 2u);
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

// A checkpoint written by the previous release (format 1: time slices by their bounds) resumes.
TEST(CheckpointTest, APreviousFormatsSliceBoundsLoadAsTimeSlices) {
  TempDir tmp;
  const std::string key = MigrateCheckpointKey("postgres://pg/db", "embedded:b", "");
  auto v1 = [&](const std::string& bounds, int done) {
    return "{\"vdparkMigrateCheckpoint\":1,\"key\":\"" + key +
           "\",\"source\":\"postgres://pg/db\",\"target\":\"embedded:b\",\"since\":null,"
           "\"metadataWritten\":true,\"eventsScanned\":0,\"eventsLoaded\":77,\"sliceBounds\":[" +
           bounds + "],\"slicesDone\":" + std::to_string(done) + ",\"targetEventsBytes\":null}";
  };
  const Timestamp a = *Timestamp::Parse("2026-08-01T00:00:00Z");
  const Timestamp b = *Timestamp::Parse("2026-08-02T00:00:00Z");
  const Timestamp c = *Timestamp::Parse("2026-08-03T00:00:00.000001Z");
  tmp.Write("v1.json", v1("\"" + a.ToIso() + "\",\"" + b.ToIso() + "\",\"" + c.ToIso() + "\"", 1));
  auto loaded = LoadCheckpoint(tmp / "v1.json", key);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  const MigrateProgress& p = (*loaded)->progress;
  EXPECT_EQ(p.slices, (std::vector<std::string>{TimeSliceId(a, b), TimeSliceId(b, c)}));
  EXPECT_EQ(p.slices[1], "time:" + std::to_string(b.micros()) + ":" + std::to_string(c.micros()));
  EXPECT_EQ(ParseTimeSliceId(p.slices[1]), std::pair(b, c));
  EXPECT_EQ(p.slices_done, 1u);
  EXPECT_EQ(p.read_together, 1u);
  EXPECT_EQ(p.events_loaded, 77u);

  // Still checked: slicesDone within the slices, and no slice of one bound.
  for (const std::string& bad :
       {v1("\"" + a.ToIso() + "\",\"" + b.ToIso() + "\"", 2), v1("\"" + a.ToIso() + "\"", 0)}) {
    tmp.Write("bad.json", bad);
    auto r = LoadCheckpoint(tmp / "bad.json", key);
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << bad;
  }
  // ...in the new format too, with time ids that must parse.
  MigrateCheckpoint now = Sample();
  now.progress.slices = {TimeSliceId(a, b)};
  now.progress.slices_done = 2;
  ASSERT_TRUE(SaveCheckpoint(tmp / "past.json", now).ok());
  EXPECT_EQ(LoadCheckpoint(tmp / "past.json", now.key).status().code(), Status::Code::kCorruption);
  now.progress.slices = {"time:5:x"};
  now.progress.slices_done = 0;
  ASSERT_TRUE(SaveCheckpoint(tmp / "time.json", now).ok());
  EXPECT_EQ(LoadCheckpoint(tmp / "time.json", now.key).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(ParseTimeSliceId("pg:1:1:0:"), std::nullopt);
  EXPECT_EQ(ParseTimeSliceId("time:9:3"), std::nullopt);  // empty
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
LoadRun MigrateUntil(RecordStore& source, RecordStore& target, MigrateOptions o, int crash_after) {
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

std::unique_ptr<RecordStore> Open(const std::string& url) {
  StoreOptions o;
  o.retention_days = 0;
  auto s = OpenStore(url, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

uint64_t CountEvents(RecordStore& store) {
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
  o.force_slices = true;  // as a source read in no repeatable order would be
  o.slices = 4;
  LoadRun first = MigrateUntil(*source, *target, o, 3);  // metadata, then slices 1 and 2
  ASSERT_FALSE(first.stats.ok());
  ASSERT_TRUE(first.recorded && first.recorded->sliced());
  ASSERT_EQ(first.recorded->slices.size(), 4u);  // embedded has no partitions: time slices
  auto window = ParseTimeSliceId(first.recorded->slices.front());
  ASSERT_TRUE(window) << first.recorded->slices.front();
  EXPECT_EQ(window->first.ToIso(), "2026-11-20T03:00:00.000000Z");
  EXPECT_EQ(first.recorded->slices_done, 2u);

  o.resume = first.recorded;
  LoadRun second = MigrateUntil(*source, *target, o, -1);
  ASSERT_TRUE(second.stats.ok()) << second.stats.status().ToString();
  EXPECT_TRUE(second.stats->sliced);
  EXPECT_EQ(second.stats->events_already_loaded + second.stats->events_written, 10u);
  EXPECT_EQ(second.recorded->slices_done, 4u);
  EXPECT_EQ(CountEvents(*target), 10u);
}

// A source with partitions of its own, as PostgreSQL's page ranges are: the wrapped store's
// events, the i-th of its stream in partition "part:<i % count>", and otherwise read in no
// repeatable order (so migrate keeps slices). Records what it was asked to read.
class PartitionedSource : public RecordStore {
 public:
  PartitionedSource(std::unique_ptr<RecordStore> inner, int count, size_t read_together)
      : inner_(std::move(inner)), count_(count), read_together_(read_together) {}

  std::string DisplayName() const override { return "partitioned " + inner_->DisplayName(); }
  Result<Metadata> ReadMetadata(const RejectFn& rejects) override {
    return inner_->ReadMetadata(rejects);
  }
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override {
    return inner_->ScanEvents(options, visit, rejects);
  }
  bool EventsInKeyOrder() const override { return false; }
  bool EventOrderIsRepeatable() const override { return false; }
  EventOrder EventStreamOrder() const override { return EventOrder::kNone; }
  Status WriteMetadata(const Metadata&) override { return Status::NotSupported("a source"); }
  Status WriteEvents(std::span<const ParkingEvent>) override {
    return Status::NotSupported("a source");
  }
  Status Flush() override { return Status::OK(); }

  Result<std::optional<EventPartitions>> PartitionEvents(std::optional<Timestamp>,
                                                         int wanted) override {
    wanted_ = wanted;
    EventPartitions p;
    for (int i = 0; i < count_; ++i) p.ids.push_back("part:" + std::to_string(i));
    p.read_together = read_together_;
    return std::optional(p);
  }
  Status ScanEventPartitions(std::span<const std::string> ids, std::optional<Timestamp> since,
                             const EventVisitor& visit, const RejectFn& rejects) override {
    reads_.emplace_back(ids.begin(), ids.end());
    if (rewritten_) {
      return Status::FailedPrecondition(
          "part was rewritten since this load began: start again "
          "with --restart");
    }
    const std::set<std::string> wanted(ids.begin(), ids.end());
    uint64_t i = 0;
    return inner_->ScanEvents(
        {},
        [&](ParkingEvent&& e, const Origin& origin) {
          if (!wanted.count("part:" + std::to_string(i++ % count_))) return Status::OK();
          if (since && e.timestamp < *since) return Status::OK();
          return visit(std::move(e), origin);
        },
        wanted.count("part:0") ? rejects : RejectFn());  // rejects: once, with the first part
  }

  std::optional<int> wanted_;                    // what PartitionEvents was asked for
  std::vector<std::vector<std::string>> reads_;  // the ids of each ScanEventPartitions call
  bool rewritten_ = false;                       // ScanEventPartitions: kFailedPrecondition

 private:
  std::unique_ptr<RecordStore> inner_;
  int count_;
  size_t read_together_;
};

using Ids = std::vector<std::vector<std::string>>;

TEST(MigratePartitionsTest, ReadsGroupsOfReadTogetherAndCheckpointsAfterEach) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  PartitionedSource source(Open("csv:" + tmp / "export"), 5, 2);
  auto target = Open("embedded:" + tmp / "store");
  MigrateOptions o = SmallBatches();
  o.slices = 7;
  std::vector<MigrateProgress> recorded;
  o.on_durable = [&](const MigrateProgress& p) {
    recorded.push_back(p);
    return Status::OK();
  };
  auto stats = Migrate(source, *target, o);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(stats->sliced);
  EXPECT_EQ(source.wanted_, 7);
  EXPECT_EQ(source.reads_,
            (Ids{{"part:0", "part:1"}, {"part:2", "part:3"}, {"part:4"}}));  // read_together 2
  ASSERT_EQ(recorded.size(), 4u);  // the metadata, then one per group, never inside one
  std::vector<uint64_t> done;
  for (const MigrateProgress& p : recorded) done.push_back(p.slices_done);
  EXPECT_EQ(done, (std::vector<uint64_t>{0, 2, 4, 5}));
  EXPECT_EQ(recorded[0].slices,
            (std::vector<std::string>{"part:0", "part:1", "part:2", "part:3", "part:4"}));
  EXPECT_EQ(recorded[0].read_together, 2u);
  EXPECT_EQ(recorded[1].events_loaded, 4u);  // events 0, 1, 5 and 6
  EXPECT_EQ(recorded[3].events_loaded, 10u);
  EXPECT_EQ(CountEvents(*target), 10u);
}

TEST(MigratePartitionsTest, CarriesOnFromTheSlicesDoneWithTheSameIds) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  auto target = Open("embedded:" + tmp / "store");
  PartitionedSource first_source(Open("csv:" + tmp / "export"), 5, 2);
  LoadRun first = MigrateUntil(first_source, *target, SmallBatches(), 2);  // metadata, 1 group
  ASSERT_FALSE(first.stats.ok());
  ASSERT_TRUE(first.recorded && first.recorded->sliced());
  EXPECT_EQ(first.recorded->slices_done, 2u);

  // The resumed load keeps its ids and its grouping (not asking the source again).
  PartitionedSource source(Open("csv:" + tmp / "export"), 5, 3);
  MigrateOptions o = SmallBatches();
  o.resume = first.recorded;
  LoadRun second = MigrateUntil(source, *target, o, -1);
  ASSERT_TRUE(second.stats.ok()) << second.stats.status().ToString();
  EXPECT_EQ(source.wanted_, std::nullopt);
  EXPECT_EQ(source.reads_, (Ids{{"part:2", "part:3"}, {"part:4"}}));
  EXPECT_EQ(second.stats->events_already_loaded, 4u);
  EXPECT_EQ(second.stats->events_written, 6u);
  EXPECT_EQ(second.recorded->slices_done, 5u);
  EXPECT_EQ(CountEvents(*target), 10u);
}

// Loads `source` into the csv folder `dir`, killed (a failing checkpoint) after kills[i]
// checkpoints in run i, and started again each time as migrate_command.cc does: events.csv cut
// back to its length at the last checkpoint, the load resumed from it. The last run's stats.
Result<MigrateStats> LoadIntoCsvKilled(RecordStore& source, const std::string& dir,
                                       const std::vector<int>& kills) {
  const std::string events = dir + "/events.csv";
  std::optional<MigrateProgress> recorded;
  uint64_t length = 0;
  for (size_t run = 0;; ++run) {
    auto target = Open("csv:" + dir);
    MigrateOptions o = SmallBatches();
    o.resume = recorded;
    int checkpoints = 0;
    o.on_durable = [&](const MigrateProgress& p) {
      if (run < kills.size() && checkpoints++ == kills[run]) return Status::Aborted("killed");
      recorded = p;
      length = *FileLength(events);  // flushed just before
      return Status::OK();
    };
    auto stats = Migrate(source, *target, o);
    if (run == kills.size()) return stats;
    EXPECT_EQ(stats.status().code(), Status::Code::kAborted) << stats.status().ToString();
    target.reset();  // what a killed process leaves: everything written, flushed or not
    EXPECT_TRUE(CutBackTo(events, length).ok());
  }
}

// A csv target appends, so a row written again would be there twice: the checkpoints between
// groups of whole partitions and the cut back leave every event exactly once.
TEST(MigratePartitionsTest, AKilledLoadIntoACsvTargetResumedHasEveryEventOnce) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  PartitionedSource source(Open("csv:" + tmp / "export"), 5, 2);
  // Killed after the first group (its second written, not recorded), then after the second.
  auto stats = LoadIntoCsvKilled(source, tmp / "out", {2, 1});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events_already_loaded, 8u);  // the first two groups
  EXPECT_EQ(stats->events_written, 2u);         // the last
  auto csv = Open("csv:" + tmp / "export");
  auto out = Open("csv:" + tmp / "out");
  std::multiset<std::string> want, got;
  auto keys = [](RecordStore& store, std::multiset<std::string>* into) {
    ASSERT_TRUE(store
                    .ScanEvents({},
                                [&](ParkingEvent&& e, const Origin&) {
                                  into->insert(e.zone_id + "/" + e.bay_number + "/" +
                                               e.timestamp.ToIso() + "/" +
                                               std::string(ToString(e.event_type)));
                                  return Status::OK();
                                },
                                {})
                    .ok());
  };
  keys(*csv, &want);
  keys(*out, &got);
  EXPECT_EQ(want.size(), 10u);
  EXPECT_EQ(got, want);
}

TEST(MigratePartitionsTest, PartitionsThatNoLongerNameTheSameRowsFailTheLoad) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  PartitionedSource source(Open("csv:" + tmp / "export"), 5, 2);
  source.rewritten_ = true;
  auto target = Open("embedded:" + tmp / "store");
  LoadRun run = MigrateUntil(source, *target, SmallBatches(), -1);
  ASSERT_FALSE(run.stats.ok());
  EXPECT_TRUE(run.stats.status().IsFailedPrecondition()) << run.stats.status().ToString();
  EXPECT_NE(run.stats.status().message().find("--restart"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
