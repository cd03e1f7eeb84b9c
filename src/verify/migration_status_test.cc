// The phases of the migration's status that read figures and records (no store): the mirror's
// figures as serve exports them, the recorded verify, verify-api and probe, their ages, and the
// reasons each gives the verdict.
#include "verify/migration_status.h"

#include <gtest/gtest.h>

#include "ingest/postgres_mirror.h"
#include "migrate/checkpoint.h"
#include "test_dirs.h"
#include "verify/migration_phases.h"

namespace vdpark {
namespace {

const Timestamp kNow = *Timestamp::Parse("2026-12-01T12:00:00Z");

MigrationStatusOptions Options() {
  MigrationStatusOptions o;
  o.source_url = "csv:export";
  o.target_url = "embedded:store";
  o.now = kNow;
  return o;
}

// The mirror's figures as serve exports them (FormatPrometheus, ingest/postgres_mirror.h).
std::string MirrorText(int64_t depth, double lag_seconds, bool up, uint64_t failures = 0) {
  MirrorMetrics m;
  m.queue_depth = depth;
  m.oldest_age_micros = static_cast<int64_t>(lag_seconds * 1e6);
  m.connected = up;
  m.failures = failures;
  return FormatPrometheus(m);
}

std::vector<std::string> Reasons(const MigrationPhase& p) {
  std::vector<std::string> out;
  for (const StatusCheck& c : p.checks) {
    if (c.ok != true && !c.reason.empty()) out.push_back(c.reason);
  }
  return out;
}

MigrationRecord Recorded(std::string kind, std::chrono::seconds age, uint64_t differences) {
  MigrationRecord r;
  r.kind = std::move(kind);
  r.at = Timestamp::FromMicros(kNow.micros() - age.count() * 1'000'000);
  r.ok = differences == 0;
  r.differences = differences;
  for (uint64_t i = 0; i < differences; ++i) {
    r.first_differences.push_back("different event e" + std::to_string(i));
  }
  return r;
}

TEST(MigrationStatusTest, DualWriteFromTheMirrorsOwnFigures) {
  MigrationStatusOptions o = Options();
  o.mirror_metrics_text = MirrorText(3, 0.4, true);
  MigrationPhase p = CheckDualWrite(o);
  EXPECT_EQ(p.state, PhaseState::kDone) << p.detail;
  EXPECT_TRUE(Reasons(p).empty());
  EXPECT_NE(p.detail.find("queue 3"), std::string::npos) << p.detail;

  o.mirror_metrics_text = MirrorText(250, 12.2, true);
  p = CheckDualWrite(o);
  EXPECT_EQ(p.state, PhaseState::kFailed);
  EXPECT_EQ(Reasons(p), std::vector<std::string>{"mirror lag 12 s"});

  o.max_mirror_queue = 100;
  o.mirror_metrics_text = MirrorText(250, 1, false, 3);
  p = CheckDualWrite(o);
  EXPECT_EQ(Reasons(p),
            (std::vector<std::string>{"mirror is down: its last write to PostgreSQL failed",
                                      "mirror queue holds 250 changes"}));

  // A mirror that has written nothing yet (no change since serve started) reads 0 for up, as a
  // failed one does: not down, not known to be up either.
  o.mirror_metrics_text = MirrorText(0, 0, false, 0);
  p = CheckDualWrite(o);
  EXPECT_EQ(p.state, PhaseState::kDone) << p.detail;
  EXPECT_TRUE(Reasons(p).empty());
}

TEST(MigrationStatusTest, DualWriteOffOrNotChecked) {
  MigrationStatusOptions o = Options();
  // serve without --mirror: its figures hold no mirror's.
  o.mirror_metrics_text =
      "# TYPE vdpark_ingest_messages_total counter\n"
      "vdpark_ingest_messages_total 42\n";
  MigrationPhase p = CheckDualWrite(o);
  EXPECT_EQ(p.state, PhaseState::kNotStarted);
  EXPECT_TRUE(Reasons(p).empty());  // not asked for
  o.require_dual_write = true;
  EXPECT_EQ(Reasons(CheckDualWrite(o)), std::vector<std::string>{"dual-write is off"});

  MigrationStatusOptions none = Options();
  p = CheckDualWrite(none);
  EXPECT_EQ(p.state, PhaseState::kUnknown);
  EXPECT_TRUE(Reasons(p).empty());
  none.require_dual_write = true;
  EXPECT_EQ(Reasons(CheckDualWrite(none)), std::vector<std::string>{"dual-write not checked"});

  // A metrics URL nobody answers: not checked, and in the way since it was asked for.
  MigrationStatusOptions down = Options();
  down.mirror_metrics_url = "http://127.0.0.1:1/metrics";
  down.http_timeout = std::chrono::milliseconds(2000);
  p = CheckDualWrite(down);
  EXPECT_EQ(p.state, PhaseState::kUnknown);
  ASSERT_EQ(Reasons(p).size(), 1u);
  EXPECT_NE(Reasons(p)[0].find("dual-write could not be checked"), std::string::npos);
}

TEST(MigrationStatusTest, VerifyItsDifferencesItsAgeAndTheBackfillsEnd) {
  const MigrationStatusOptions o = Options();
  MigrationPhase p = CheckVerify(o, std::nullopt, std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kNotStarted);
  EXPECT_EQ(Reasons(p), std::vector<std::string>{"no verify recorded"});

  p = CheckVerify(o, Recorded("verify", std::chrono::minutes(5), 0), std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kDone) << p.detail;
  EXPECT_TRUE(Reasons(p).empty());

  p = CheckVerify(o, Recorded("verify", std::chrono::hours(3), 0), std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kUnknown);
  EXPECT_EQ(Reasons(p), std::vector<std::string>{"verify is 3 h old"});

  p = CheckVerify(o, Recorded("verify", std::chrono::minutes(1), 4), std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kFailed);
  EXPECT_EQ(Reasons(p), std::vector<std::string>{"verify found 4 differences"});
  EXPECT_NE(p.detail.find("different event e0"), std::string::npos) << p.detail;

  // A verify from before the last load says nothing of what that load wrote.
  p = CheckVerify(o, Recorded("verify", std::chrono::minutes(10), 0),
                  Recorded("migrate", std::chrono::minutes(2), 0));
  EXPECT_EQ(Reasons(p), std::vector<std::string>{"verify predates the end of the backfill"});
}

// A verify or load recorded into the migration's folder (--record-dir) that compared other stores
// says nothing of this migration: a clean verify of a copy must not make the verdict ready.
TEST(MigrationStatusTest, AResultOfOtherStoresDoesNotCountForThisMigration) {
  const MigrationStatusOptions o = Options();
  MigrationRecord verify = Recorded("verify", std::chrono::minutes(5), 0);
  verify.source = "csv:export";
  verify.target = "csv:copy";
  verify.pair = MigrationPairKey("csv:export", "csv:copy");
  MigrationPhase p = CheckVerify(o, verify, std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kUnknown) << p.detail;
  EXPECT_EQ(Reasons(p),
            std::vector<std::string>{"the last verify compared csv:export -> csv:copy, not this "
                                     "migration's source and target"});

  verify.pair = MigrationPairKey(o.source_url, o.target_url);  // this migration's own
  p = CheckVerify(o, verify, std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kDone) << p.detail;
  EXPECT_TRUE(Reasons(p).empty());
  verify.pair.clear();  // a record from before the pair was kept: taken as found
  EXPECT_EQ(CheckVerify(o, verify, std::nullopt).state, PhaseState::kDone);

  MigrationRecord load = Recorded("migrate", std::chrono::minutes(9), 0);
  load.source = "csv:other";
  load.target = "embedded:store";
  load.pair = MigrationPairKey("csv:other", "embedded:store");
  testing::TempDir tmp;
  MigrationStatusOptions in_tmp = o;
  in_tmp.checkpoint = tmp / "no-checkpoint.json";
  auto backfill = CheckBackfill(in_tmp, load, std::nullopt);
  ASSERT_TRUE(backfill.ok()) << backfill.status().ToString();
  EXPECT_EQ(backfill->state, PhaseState::kUnknown) << backfill->detail;
  EXPECT_EQ(Reasons(*backfill),
            std::vector<std::string>{"the last load copied csv:other -> embedded:store, not "
                                     "this migration's source and target"});
}

TEST(MigrationStatusTest, ApiComparisonAndProbeStandInTheWayOnlyWhenTheyFoundSomething) {
  MigrationStatusOptions o = Options();
  MigrationPhase p = CheckApiCompare(o, std::nullopt, std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kNotStarted);
  EXPECT_TRUE(Reasons(p).empty());
  o.require_api_compare = true;
  EXPECT_EQ(Reasons(CheckApiCompare(o, std::nullopt, std::nullopt)),
            std::vector<std::string>{"no API comparison recorded"});

  // Compared, no probe: done.
  p = CheckApiCompare(o, Recorded("verify-api", std::chrono::minutes(1), 0), std::nullopt);
  EXPECT_EQ(p.state, PhaseState::kDone) << p.detail;
  EXPECT_TRUE(Reasons(p).empty());

  p = CheckApiCompare(o, Recorded("verify-api", std::chrono::minutes(1), 1),
                      Recorded("probe", std::chrono::minutes(1), 0));
  EXPECT_EQ(p.state, PhaseState::kFailed);
  EXPECT_EQ(Reasons(p), std::vector<std::string>{"API comparison found 1 difference"});

  p = CheckApiCompare(o, Recorded("verify-api", std::chrono::minutes(1), 0),
                      Recorded("probe", std::chrono::hours(26), 1));
  EXPECT_EQ(Reasons(p), (std::vector<std::string>{"probe: 1 target did not show the change",
                                                  "probe is 26 h old"}));
}

TEST(MigrationStatusTest, BackfillFromTheCheckpointElseTheRecordedFinish) {
  testing::TempDir tmp;
  MigrationStatusOptions o = Options();
  o.checkpoint = tmp / "cp.json";
  auto p = CheckBackfill(o, std::nullopt, 5000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->state, PhaseState::kNotStarted);
  EXPECT_EQ(Reasons(*p), std::vector<std::string>{"backfill not started"});
  EXPECT_NE(p->detail.find("the source holds about 5000 events"), std::string::npos) << p->detail;

  // A load under way (or stopped): its checkpoint says how far it got.
  MigrateCheckpoint c;
  c.key = MigrateCheckpointKey(o.source_url, o.target_url, "");
  c.source = o.source_url;
  c.target = o.target_url;
  c.progress.metadata_written = true;
  c.progress.events_loaded = 1200;
  c.progress.rows_read = 1250;
  c.progress.source_events = 5000;
  ASSERT_TRUE(SaveCheckpoint(o.checkpoint, c).ok());
  p = CheckBackfill(o, Recorded("migrate", std::chrono::hours(30), 0), 5000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->state, PhaseState::kInProgress);
  EXPECT_EQ(Reasons(*p), std::vector<std::string>{
                             "backfill not finished (1200 events loaded of 5000 (25.0 % of the "
                             "source read))"});

  // Finished: the checkpoint is gone, the finish recorded.
  std::filesystem::remove(o.checkpoint);
  MigrationRecord done = Recorded("migrate", std::chrono::minutes(3), 0);
  done.counts = {{"eventsWritten", 5000}, {"sourceEvents", 5000}};
  p = CheckBackfill(o, done, 5000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->state, PhaseState::kDone);
  EXPECT_TRUE(Reasons(*p).empty());
  EXPECT_NE(p->detail.find("5000 events written, the source held 5000"), std::string::npos)
      << p->detail;

  // A checkpoint of another migration given by path: refused, naming it.
  c.key = MigrateCheckpointKey("csv:other", o.target_url, "");
  ASSERT_TRUE(SaveCheckpoint(o.checkpoint, c).ok());
  p = CheckBackfill(o, std::nullopt, std::nullopt);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("belongs to another migration"), std::string::npos);
}

TEST(MigrationStatusTest, AgesAsTheReasonsSayThem) {
  using std::chrono::seconds;
  EXPECT_EQ(AgeText(seconds(45)), "45 s");
  EXPECT_EQ(AgeText(seconds(600)), "10 min");
  EXPECT_EQ(AgeText(seconds(3600)), "1 h");
  EXPECT_EQ(AgeText(seconds(3 * 3600 + 59)), "3 h");
  EXPECT_EQ(AgeText(seconds(3 * 86400)), "3 d");
}

}  // namespace
}  // namespace vdpark
