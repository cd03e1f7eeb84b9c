// ResumableLoad's two steps without the command line: what Prepare decides about the target and
// the checkpoint, and what Run leaves behind.
#include "migrate/resumable_load.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "parking_fixture.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFixture;

ResumableLoadOptions LoadOf(const TempDir& tmp, const std::string& target) {
  ResumableLoadOptions o;
  o.source_url = "csv:" + tmp / "export";
  o.target_url = target;
  o.checkpoint_path = tmp / "cp.json";
  o.migrate.retention_days = 0;
  o.migrate.show_progress = false;
  return o;
}

std::unique_ptr<RecordStore> Open(const std::string& url, bool truncate = false) {
  StoreOptions o;
  o.retention_days = 0;
  o.truncate = truncate;
  auto s = OpenStore(url, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

TEST(ResumableLoadTest, ACsvTargetThatHoldsDataIsRefusedUnlessEmptied) {
  TempDir tmp;
  WriteFixture(tmp, "export");
  WriteFixture(tmp, "out");
  auto refused = ResumableLoad::Prepare(LoadOf(tmp, "csv:" + tmp / "out"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("already holds data"), std::string::npos)
      << refused.status().ToString();

  ResumableLoadOptions overwrite = LoadOf(tmp, "csv:" + tmp / "out");
  overwrite.overwrite = true;
  auto load = ResumableLoad::Prepare(overwrite);
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_TRUE(load->empties_target());
  EXPECT_FALSE(load->resumes());
  EXPECT_FALSE(load->checkpoint_recorded());
}

TEST(ResumableLoadTest, ALoadThatSucceedsRemovesItsCheckpoint) {
  TempDir tmp;
  WriteFixture(tmp, "export");
  auto load = ResumableLoad::Prepare(LoadOf(tmp, "embedded:" + tmp / "store"));
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_FALSE(load->empties_target());  // an embedded target writes by key
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store");
  auto stats = load->Run(*source, *target);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events_written, 10u);
  EXPECT_FALSE(stats->resumed);
  EXPECT_TRUE(load->checkpoint_recorded());
  EXPECT_FALSE(std::filesystem::exists(tmp / "cp.json"));
}

// A csv target resumed: its events.csv is cut back to the length the checkpoint recorded before
// anything opens it, and the load carries on from the checkpoint's progress.
TEST(ResumableLoadTest, AResumedCsvTargetIsCutBackToTheCheckpoint) {
  TempDir tmp;
  WriteFixture(tmp, "export");
  const std::string target = "csv:" + tmp / "out";
  MigrateCheckpoint c;
  c.key = MigrateCheckpointKey("csv:" + tmp / "export", target, "");
  c.source = "export";
  c.target = "out";
  c.progress.metadata_written = true;
  const std::string durable = std::string(testing::kEventsCsv).substr(0, 200);
  c.target_events_bytes = durable.size();
  ASSERT_TRUE(SaveCheckpoint(tmp / "cp.json", c).ok());
  tmp.Write("out/events.csv", durable + "rows written after the checkpoint\n");

  auto load = ResumableLoad::Prepare(LoadOf(tmp, target));
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_TRUE(load->resumes());
  EXPECT_TRUE(load->checkpoint_recorded());
  EXPECT_FALSE(load->empties_target());
  EXPECT_EQ(ReadFile(tmp / "out/events.csv"), durable);

  // Shorter than the checkpoint says: rows it counted are gone.
  tmp.Write("out/events.csv", durable.substr(0, 10));
  auto lost = ResumableLoad::Prepare(LoadOf(tmp, target));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace vdpark
