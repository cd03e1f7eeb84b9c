#include "migrate/migrate.h"

#include <gtest/gtest.h>

#include "parking_fixture.h"
#include "store/open_store.h"
#include "store/single_table_store.h"

namespace vdpark {
namespace {

using testing::TempDir;
using testing::WriteFixture;

std::unique_ptr<RecordStore> Open(const std::string& url, int64_t retention_days = 0) {
  StoreOptions o;
  o.retention_days = retention_days;
  auto s = OpenStore(url, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

std::vector<ParkingEvent> AllEvents(RecordStore& store) {
  std::vector<ParkingEvent> out;
  EXPECT_TRUE(store
                  .ScanEvents({},
                              [&](ParkingEvent&& e, const Origin&) {
                                out.push_back(std::move(e));
                                return Status::OK();
                              },
                              {})
                  .ok());
  return out;
}

struct Collected {
  std::vector<Rejected> rejects;
  MigrateOptions Options() {
    MigrateOptions o;
    o.retention_days = 0;
    o.show_progress = false;
    o.batch_size = 3;  // several batches even for the small fixture
    o.on_reject = [this](Rejected r) { rejects.push_back(std::move(r)); };
    return o;
  }
};

TEST(MigrateTest, LoadsEverythingAndRecomputesOccupancy) {
  TempDir tmp;
  WriteFixture(tmp, "export");
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store");
  Collected c;
  auto stats = Migrate(*source, *target, c.Options());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->zones, 2u);
  EXPECT_EQ(stats->bays, 5u);
  EXPECT_EQ(stats->sensors, 5u);
  EXPECT_EQ(stats->events_read, 10u);
  EXPECT_EQ(stats->events_written, 10u);
  EXPECT_EQ(stats->rejected, 0u);
  EXPECT_TRUE(c.rejects.empty());

  auto md = target->ReadMetadata({});
  ASSERT_TRUE(md.ok());
  ASSERT_EQ(md->zones.size(), 2u);
  EXPECT_EQ(md->zones[0].occupied_bays, 1);
  EXPECT_EQ(md->zones[1].occupied_bays, 1);  // B-001
  EXPECT_EQ(md->zones[0].address, "Marina Walk, Dubai Marina");
  EXPECT_EQ(md->zones[1].address, "Al Ras,\nDeira");
  auto events = AllEvents(*target);
  ASSERT_EQ(events.size(), 10u);
  // Key order: zone-001/A-001 first, its events by time.
  EXPECT_EQ(events[0].zone_id, "zone-001");
  EXPECT_EQ(events[0].bay_number, "A-001");
  EXPECT_EQ(events[0].timestamp.ToIso(), "2026-11-20T05:15:00.250000Z");
  EXPECT_EQ(events[1].revenue->ToString(), "6.25");
}

TEST(MigrateTest, BadRowsAreReportedWithTheirPlaceAndTheRestLoads) {
  TempDir tmp;
  WriteFixture(tmp, "export",
               "zone-001,A-001,ARRIVE,2026-13-01 10:00:00+04,,,dual\n"    // line 12: bad month
               "zone-009,Z-001,ARRIVE,2026-11-22 10:00:00+04,,,dual\n"    // line 13: unknown zone
               "zone-001,A-999,ARRIVE,2026-11-22 10:00:00+04,,,dual\n"    // line 14: unknown bay
               "zone-001,A-001,ARRIVE,2026-11-22 10:00:00+04\n"           // line 15: 4 columns
               "zone-001,A-002,ARRIVE,2026-11-22 10:00:00+04,,,dual\n");  // line 16: good
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store");
  Collected c;
  auto stats = Migrate(*source, *target, c.Options());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events_written, 11u);
  EXPECT_EQ(stats->rejected, 4u);
  ASSERT_EQ(c.rejects.size(), 4u);
  std::map<std::string, std::string> by_place;
  for (const auto& r : c.rejects) by_place[r.where] = r.reason;
  ASSERT_TRUE(by_place.count("events.csv:12"));
  EXPECT_NE(by_place["events.csv:12"].find("month"), std::string::npos);
  EXPECT_NE(by_place["events.csv:13"].find("zone 'zone-009'"), std::string::npos);
  EXPECT_NE(by_place["events.csv:14"].find("bay 'A-999'"), std::string::npos);
  ASSERT_TRUE(by_place.count("events.csv:15"));
  for (const auto& r : c.rejects) EXPECT_FALSE(r.raw.empty()) << r.where;
  EXPECT_EQ(AllEvents(*target).size(), 11u);
}

TEST(MigrateTest, DuplicateKeysAreCountedAndTheLastRowWins) {
  TempDir tmp;
  WriteFixture(tmp, "export",
               "zone-001,A-003,LEAVE,2026-11-21 12:00:00.123456+04,120,99.00,dual\n"
               "zone-001,A-003,LEAVE,2026-11-21 12:00:00.123456+04,120,25.50,dual\n");
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store");
  Collected c;
  auto stats = Migrate(*source, *target, c.Options());
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events_written, 12u);
  EXPECT_EQ(stats->duplicates, 2u);
  EXPECT_TRUE(stats->duplicates_exact);
  auto events = AllEvents(*target);
  EXPECT_EQ(events.size(), 10u);  // 12 rows, 2 of them repeat a key
  auto it = std::find_if(events.begin(), events.end(), [](const ParkingEvent& e) {
    return e.bay_number == "A-003" && e.event_type == EventType::kLeave;
  });
  ASSERT_NE(it, events.end());
  EXPECT_EQ(it->revenue->ToString(), "25.5");
}

TEST(MigrateTest, EventsPastTheirTtlAndBeforeSinceAreSkipped) {
  TempDir tmp;
  WriteFixture(tmp, "export");
  auto source = Open("csv:" + tmp / "export");
  auto target = Open("embedded:" + tmp / "store", 90);
  Collected c;
  MigrateOptions o = c.Options();
  o.retention_days = 90;
  // 2027-02-19 10:00 Dubai: the 2026-11-20 events have expired, the 2026-11-21 ones have not.
  o.now = *Timestamp::Parse("2027-02-19T05:00:00Z");
  auto stats = Migrate(*source, *target, o);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->expired, 8u);
  EXPECT_EQ(stats->events_written, 2u);

  auto target2 = Open("embedded:" + tmp / "store2");
  o = c.Options();
  o.since = *Timestamp::Parse("2026-11-20 10:00:00+04");
  stats = Migrate(*source, *target2, o);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events_written, 5u);  // 10:00 (x2), 11:30, and the two on the 21st
}

TEST(MigrateTest, RoundTripThroughEmbeddedBackToCsvKeepsEveryRecord) {
  TempDir tmp;
  WriteFixture(tmp, "export");
  auto source = Open("csv:" + tmp / "export");
  auto store = Open("embedded:" + tmp / "store");
  Collected c;
  ASSERT_TRUE(Migrate(*source, *store, c.Options()).ok());
  auto back = Open("csv:" + tmp / "back");
  ASSERT_TRUE(Migrate(*store, *back, c.Options()).ok());
  // Every record comes back (times now written in UTC, numbers without trailing zeros, as the
  // single table holds them).
  auto md_a = source->ReadMetadata({});
  auto md_b = back->ReadMetadata({});
  ASSERT_TRUE(md_a.ok() && md_b.ok());
  for (auto& z : md_b->zones) z.occupied_bays.reset();
  EXPECT_EQ(md_a->zones, md_b->zones);
  EXPECT_EQ(md_a->bays, md_b->bays);
  EXPECT_EQ(md_a->sensors, md_b->sensors);
  EXPECT_NE(testing::ReadFile(tmp / "back/bays.csv").find("2026-11-20 06:00:00+00"),
            std::string::npos);
  // A second trip changes nothing, byte for byte.
  auto store2 = Open("embedded:" + tmp / "store2");
  ASSERT_TRUE(Migrate(*back, *store2, c.Options()).ok());
  auto back2 = Open("csv:" + tmp / "back2");
  ASSERT_TRUE(Migrate(*store2, *back2, c.Options()).ok());
  for (const char* f : {"zones.csv", "bays.csv", "sensors.csv", "events.csv"}) {
    EXPECT_EQ(testing::ReadFile(tmp / ("back/" + std::string(f))),
              testing::ReadFile(tmp / ("back2/" + std::string(f))))
        << f;
  }
  auto a = AllEvents(*source);
  auto b = AllEvents(*back);
  std::sort(a.begin(), a.end(), EventKeyLess);
  std::sort(b.begin(), b.end(), EventKeyLess);
  EXPECT_EQ(a, b);
}

TEST(MigrateTest, DanglingMetadataIsRejected) {
  Metadata md;
  md.zones.push_back(Zone{.zone_id = "zone-001"});
  md.bays.push_back(Bay{.zone_id = "zone-001", .bay_number = "A-001"});
  md.bays.push_back(Bay{.zone_id = "zone-404", .bay_number = "A-001"});
  Sensor s;
  s.sensor_id = "S1";
  s.zone_id = "zone-404";
  md.sensors.push_back(s);
  std::vector<Rejected> rejects;
  EXPECT_EQ(RejectDanglingMetadata(&md, "csv:x", [&](Rejected r) { rejects.push_back(r); }), 2u);
  EXPECT_EQ(md.bays.size(), 1u);
  EXPECT_TRUE(md.sensors.empty());
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_NE(rejects[0].reason.find("zone-404"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
