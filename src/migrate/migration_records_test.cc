// The migration's recorded results: saved whole, loaded back as written, and a file that is not
// a record (or holds another kind) refused with the file and the field named.
#include "migrate/migration_records.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "migrate/checkpoint.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::TempDir;

MigrationRecord Sample() {
  MigrationRecord r;
  r.kind = "verify";
  r.at = *Timestamp::Parse("2026-12-01T10:00:00.123456Z");
  r.source = "csv:export";
  r.target = "dynamodb://T?endpoint=http://127.0.0.1:8000";
  r.pair = MigrationPairKey("csv:export", "dynamodb://T?endpoint=http://127.0.0.1:8000");
  r.ok = false;
  r.differences = 4;
  r.first_differences = {"different event zone-001#3#2026-11-01: revenue 8.00 vs 9.00"};
  r.counts = {{"events.source", 1200}, {"events.different", 4}, {"sampled", 0}};
  r.seconds = 1.25;
  return r;
}

TEST(MigrationRecordsTest, SavesAndLoadsBackEachKindInItsOwnFile) {
  TempDir tmp;
  const std::string dir = tmp / "state/sub";  // folders are created
  MigrationRecord v = Sample();
  ASSERT_TRUE(SaveMigrationRecord(dir, v).ok());
  MigrationRecord m = Sample();
  m.kind = "migrate";
  m.ok = true;
  m.differences = 0;
  ASSERT_TRUE(SaveMigrationRecord(dir, m).ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/verify.json.tmp"));

  auto loaded = LoadMigrationRecord(dir, "verify");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  const MigrationRecord& r = **loaded;
  EXPECT_EQ(r.kind, "verify");
  EXPECT_EQ(r.at, v.at);
  EXPECT_EQ(r.source, v.source);
  EXPECT_EQ(r.target, v.target);
  EXPECT_EQ(r.pair, v.pair);
  EXPECT_FALSE(r.pair.empty());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.differences, 4u);
  EXPECT_EQ(r.first_differences, v.first_differences);
  EXPECT_EQ(r.counts, v.counts);  // in the order given
  EXPECT_EQ(r.Count("events.different"), 4);
  EXPECT_EQ(r.Count("absent"), std::nullopt);
  EXPECT_DOUBLE_EQ(r.seconds, 1.25);
  auto migrate = LoadMigrationRecord(dir, "migrate");
  ASSERT_TRUE(migrate.ok() && migrate->has_value());
  EXPECT_TRUE((*migrate)->ok);

  // A record without a pair (a probe's, or one written before the pair was kept) loads with none.
  MigrationRecord probe = Sample();
  probe.kind = "probe";
  probe.pair.clear();
  ASSERT_TRUE(SaveMigrationRecord(dir, probe).ok());
  EXPECT_EQ(ReadFile(MigrationRecordPath(dir, "probe")).find("\"pair\""), std::string::npos);
  auto no_pair = LoadMigrationRecord(dir, "probe");
  ASSERT_TRUE(no_pair.ok() && no_pair->has_value()) << no_pair.status().ToString();
  EXPECT_TRUE((*no_pair)->pair.empty());

  // Saving again replaces the record whole.
  v.ok = true;
  v.differences = 0;
  v.first_differences.clear();
  ASSERT_TRUE(SaveMigrationRecord(dir, v).ok());
  loaded = LoadMigrationRecord(dir, "verify");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_TRUE((*loaded)->ok);
  EXPECT_TRUE((*loaded)->first_differences.empty());
}

TEST(MigrationRecordsTest, NoRecordIsNotAnError) {
  TempDir tmp;
  auto none = LoadMigrationRecord(tmp / "nothing-here", "probe");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
}

TEST(MigrationRecordsTest, AFileThatIsNotARecordIsRefusedNamingFileAndField) {
  TempDir tmp;
  tmp.Write("s/verify.json", "{\"vdparkMigrationRecord\":1,\"kind\":\"verify\"}");
  auto r = LoadMigrationRecord(tmp / "s", "verify");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(tmp / "s/verify.json"), std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("at is missing"), std::string::npos) << r.status().ToString();

  tmp.Write("s/probe.json", "not json");
  r = LoadMigrationRecord(tmp / "s", "probe");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not JSON"), std::string::npos) << r.status().ToString();

  // A record of another kind under this kind's name.
  ASSERT_TRUE(SaveMigrationRecord(tmp / "t", Sample()).ok());
  std::filesystem::rename(tmp / "t/verify.json", tmp / "t/probe.json");
  r = LoadMigrationRecord(tmp / "t", "probe");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("holds a verify result"), std::string::npos)
      << r.status().ToString();
}

TEST(MigrationRecordsTest, TheStateFolderIsThePairsBesideTheCheckpoints) {
  const std::string dir = MigrationStateDir("csv:a", "embedded:b");
  EXPECT_EQ(dir, (std::filesystem::current_path() / ".vdpark-status" /
                  MigrateCheckpointKey("csv:a", "embedded:b", ""))
                     .string());
  EXPECT_NE(dir, MigrationStateDir("csv:a", "embedded:c"));
  // Beside the checkpoints' folder, not in it: that one goes when the last load finishes.
  EXPECT_EQ(std::filesystem::path(dir).parent_path().parent_path(),
            std::filesystem::path(DefaultCheckpointPath("k")).parent_path().parent_path());
}

}  // namespace
}  // namespace vdpark
