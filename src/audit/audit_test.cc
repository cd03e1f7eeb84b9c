#include "audit/audit.h"

#include <gtest/gtest.h>

#include "parking_fixture.h"
#include "store/open_store.h"

namespace vdpark {
namespace {

using testing::TempDir;

TEST(AuditTest, ReportsThePlansFiguresAndWhatALoadWouldTripOn) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export",
                        "zone-001,A-003,LEAVE,2026-11-21 12:00:00.123456+04,120,25.00,dual\n"
                        "zone-001,A-999,ARRIVE,2026-11-22 10:00:00+04,,,dual\n"
                        "zone-001,A-001,ARRIVE,not a time,,,dual\n");
  auto source = OpenStore("csv:" + tmp / "export");
  ASSERT_TRUE(source.ok());
  std::vector<Rejected> rejects;
  AuditOptions o;
  o.show_progress = false;
  o.on_reject = [&](Rejected r) { rejects.push_back(r); };
  auto r = Audit(**source, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->zones, 2u);
  EXPECT_EQ(r->bays, 5u);
  EXPECT_EQ(r->sensors, 5u);
  EXPECT_EQ(r->events, 12u);  // rows read, the duplicate included
  EXPECT_EQ(r->arrivals, 7u);
  EXPECT_EQ(r->departures, 5u);
  EXPECT_EQ(r->first_event->ToIso(), "2026-11-20T03:00:00.000000Z");
  EXPECT_EQ(r->last_event->ToIso(), "2026-11-22T06:00:00.000000Z");
  EXPECT_EQ(r->events_per_zone.at("zone-001"), 9u);
  EXPECT_EQ(r->events_per_zone.at("zone-002"), 3u);
  EXPECT_EQ(r->duplicate_keys, 1u);
  ASSERT_EQ(r->duplicate_examples.size(), 1u);
  EXPECT_NE(r->duplicate_examples[0].find("events.csv:12"), std::string::npos);
  EXPECT_EQ(r->events_of_unknown_bays, 1u);
  EXPECT_EQ(r->rejected, 1u);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].where, "events.csv:14");
  EXPECT_EQ(r->distinct_event_sensors, 0u);  // the §5.1 export carries no sensor per event
}

}  // namespace
}  // namespace vdpark
