#include "verify/verify.h"

#include <gtest/gtest.h>

#include "generate/generator.h"
#include "migrate/migrate.h"
#include "parking_fixture.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "verify/record_diff.h"

namespace vdpark {
namespace {

using testing::TempDir;

std::unique_ptr<RecordStore> Open(const std::string& url) {
  StoreOptions o;
  o.retention_days = 0;
  auto s = OpenStore(url, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

VerifyOptions Options() {
  VerifyOptions o;
  o.retention_days = 0;
  return o;
}

// A generated export, loaded into an embedded store.
class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = Open("csv:" + tmp_ / "export");
    GenerateOptions g;
    g.zones = 4;
    g.bays_per_zone_min = 5;
    g.bays_per_zone_max = 8;
    g.days = 3;
    g.duplicate_rate = 0.01;
    auto stats = Generate(g, *source_);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    ASSERT_GT(stats->duplicates_written, 0u);
    events_ = stats->events;
    duplicates_ = stats->duplicates_written;
    target_ = Open("embedded:" + tmp_ / "store");
    MigrateOptions m;
    m.retention_days = 0;
    m.show_progress = false;
    ASSERT_TRUE(Migrate(*source_, *target_, m).ok());
  }

  SingleTableStore& Items() { return static_cast<SingleTableStore&>(*target_); }

  // The n-th event of the target, in key order.
  ParkingEvent NthEvent(size_t n) {
    std::vector<ParkingEvent> all;
    EXPECT_TRUE(target_
                    ->ScanEvents({},
                                 [&](ParkingEvent&& e, const Origin&) {
                                   all.push_back(std::move(e));
                                   return Status::OK();
                                 },
                                 {})
                    .ok());
    return all.at(n);
  }

  TempDir tmp_;
  std::unique_ptr<RecordStore> source_, target_;
  uint64_t events_ = 0, duplicates_ = 0;
};

TEST_F(VerifyTest, IdenticalStoresAgreeAndDuplicatesAreAccountedFor) {
  auto r = Verify(*source_, *target_, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->total_differences, 0u);
  EXPECT_EQ(r->events.source, events_);
  EXPECT_EQ(r->events.target, events_);
  EXPECT_EQ(r->events.compared, events_);
  EXPECT_EQ(r->source_duplicates, duplicates_);
  EXPECT_EQ(r->zones.compared, 4u);
  EXPECT_GT(r->zone_days, 4u);
  EXPECT_TRUE(r->zone_day_mismatches.empty());
  // A store against itself.
  EXPECT_TRUE(Verify(*target_, *target_, Options())->ok());
  // The other way round the export is the target, and its duplicate keys are rows a load of the
  // store would not write: one difference each, on one line.
  auto back = Verify(*target_, *source_, Options());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->target_duplicates, duplicates_);
  EXPECT_EQ(back->source_duplicates, 0u);
  EXPECT_EQ(back->total_differences, duplicates_);
  ASSERT_EQ(back->differences.size(), 1u);
  EXPECT_EQ(back->differences[0].kind, "duplicate");
  EXPECT_EQ(back->differences[0].count, duplicates_);
  EXPECT_NE(back->differences[0].detail.find("events.csv: "), std::string::npos)
      << back->differences[0].detail;
}

TEST_F(VerifyTest, FindsOneMissingOneExtraAndOneDifferentEvent) {
  ParkingEvent missing = NthEvent(3);
  ParkingEvent changed = NthEvent(10);
  ASSERT_TRUE(Items().items().Delete(SingleTableMapper::EventKey(missing)).ok());
  changed.detection_mode = "radar-only";
  ParkingEvent extra = changed;
  extra.timestamp = extra.timestamp + 1;  // one microsecond later: a key the source lacks
  ASSERT_TRUE(target_->WriteEvents(std::vector<ParkingEvent>{changed, extra}).ok());

  auto r = Verify(*source_, *target_, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->events.missing, 1u);
  EXPECT_EQ(r->events.extra, 1u);
  EXPECT_EQ(r->events.different, 1u);
  std::map<std::string, Difference> by_kind;
  for (const auto& d : r->differences) {
    if (d.entity == "event") by_kind[d.kind] = d;
  }
  EXPECT_EQ(by_kind["missing"].key, EventKeyText(missing));
  EXPECT_EQ(by_kind["extra"].key, EventKeyText(extra));
  EXPECT_EQ(by_kind["different"].key, EventKeyText(changed));
  EXPECT_NE(by_kind["different"].detail.find("detectionMode"), std::string::npos);
  EXPECT_NE(by_kind["different"].detail.find("radar-only"), std::string::npos);
  // The day counts show it too, unless the missing and extra events fell on the same zone-day.
  EXPECT_LE(r->zone_day_mismatches.size(), 2u);
}

TEST_F(VerifyTest, FindsMetadataDifferencesAndAStaleOccupancyCounter) {
  auto md = target_->ReadMetadata({});
  ASSERT_TRUE(md.ok());
  Metadata changed = *md;
  changed.bays[0].bay_type = "vip-changed";
  changed.sensors.pop_back();
  ASSERT_TRUE(target_->WriteMetadata(changed).ok());
  ASSERT_TRUE(
      Items().items().Delete(SingleTableMapper::SensorKey(md->sensors.back().sensor_id)).ok());
  // A zone counter that no longer matches its bays.
  ASSERT_TRUE(Items()
                  .items()
                  .UpdateItem(SingleTableMapper::ZoneKey(md->zones[0].zone_id),
                              Update{{}, {{"occupiedBays", 5}}, {}})
                  .ok());
  auto r = Verify(*source_, *target_, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bays.different, 1u);
  EXPECT_EQ(r->sensors.missing, 1u);
  bool stale_counter = false;
  for (const auto& d : r->differences) {
    if (d.entity == "zone" && d.detail.find("occupiedBays") != std::string::npos) {
      stale_counter = true;
    }
  }
  EXPECT_TRUE(stale_counter);
  EXPECT_FALSE(r->ok());
}

TEST_F(VerifyTest, SampleComparesSomeEventsAndCountsAll) {
  ParkingEvent missing = NthEvent(5);
  ASSERT_TRUE(Items().items().Delete(SingleTableMapper::EventKey(missing)).ok());
  VerifyOptions o = Options();
  o.sample = 100;
  auto r = Verify(*source_, *target_, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->sampled);
  EXPECT_EQ(r->events.compared, 100u);
  EXPECT_EQ(r->events.source, events_);
  EXPECT_EQ(r->events.target, events_ - 1);
  EXPECT_EQ(r->zone_day_mismatches.size(), 1u);  // the counts catch what the sample may miss
  EXPECT_FALSE(r->ok());
  // A sample as large as the data finds the event itself.
  o.sample = events_;
  r = Verify(*source_, *target_, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events.missing, 1u);
}

TEST_F(VerifyTest, TwoCsvFoldersAreComparedThroughStaging) {
  auto copy = Open("csv:" + tmp_ / "copy");
  MigrateOptions m;
  m.retention_days = 0;
  m.show_progress = false;
  ASSERT_TRUE(Migrate(*target_, *copy, m).ok());
  auto r = Verify(*source_, *copy, Options());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok()) << (r->differences.empty() ? "" : r->differences[0].key);
  EXPECT_EQ(r->events.compared, events_);
}

TEST(VerifyFixtureTest, EventsOfUnknownBaysAreRejectedNotCompared) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export", "zone-001,A-999,ARRIVE,2026-11-22 10:00:00+04,,,dual\n");
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store");
  MigrateOptions m;
  m.retention_days = 0;
  m.show_progress = false;
  ASSERT_TRUE(Migrate(*source, *target, m).ok());
  auto r = Verify(*source, *target, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->rejected, 1u);
  EXPECT_EQ(r->events.compared, 10u);
}

}  // namespace
}  // namespace vdpark
