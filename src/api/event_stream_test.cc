// EventStream without a socket: what a bay change becomes, who receives it, and a slow
// subscriber dropped rather than waited for.
#include "api/event_stream.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace vdpark {
namespace {

namespace json = boost::json;

AppliedChange Leave() {
  AppliedChange c;
  c.outcome = IngestOutcome::kLeave;
  Bay bay;
  bay.zone_id = "zone-001";
  bay.bay_number = "A-001";
  bay.status = BayStatus::kVacant;
  bay.last_change = Timestamp::FromSeconds(1795161600);
  c.change.bay_after = bay;
  ParkingEvent e;
  e.zone_id = "zone-001";
  e.bay_number = "A-001";
  e.event_type = EventType::kLeave;
  e.timestamp = *bay.last_change;
  e.duration_minutes = 90;
  e.revenue = Decimal::FromMicros(18750000, 2);
  c.change.event = e;
  return c;
}

std::optional<std::string> Tenants(std::string_view zone) {
  if (zone == "zone-001") return "tenant-rta";
  if (zone == "zone-002") return "tenant-emaar";
  return std::nullopt;
}

TEST(EventStreamTest, ABayChangeIsOneLineOfJson) {
  auto line = BayChangeJson(Leave());
  ASSERT_TRUE(line);
  EXPECT_EQ(line->find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(*line), json::parse(R"({"type":"bay","zoneId":"zone-001",
      "bayNumber":"A-001","status":"vacant","lastChange":"2026-11-20T08:00:00.000000Z",
      "eventType":"LEAVE","duration":90,"revenue":18.75})"));

  AppliedChange vacated = Leave();
  vacated.outcome = IngestOutcome::kVacated;
  vacated.change.event.reset();
  EXPECT_EQ(json::parse(*BayChangeJson(vacated)).as_object().size(), 5u);

  // What moves no bay is not sent; nor a replay, which was sent when first written.
  for (IngestOutcome o : {IngestOutcome::kHeartbeat, IngestOutcome::kHealth, IngestOutcome::kLate,
                          IngestOutcome::kDuplicate, IngestOutcome::kOffline}) {
    AppliedChange c = Leave();
    c.outcome = o;
    EXPECT_FALSE(BayChangeJson(c)) << ToString(o);
  }
  AppliedChange replay = Leave();
  replay.replayed = true;
  EXPECT_FALSE(BayChangeJson(replay));
}

TEST(EventStreamTest, SubscribersSeeTheirTenantsZonesOnly) {
  int lookups = 0;
  EventStream stream([&](std::string_view zone) {
    ++lookups;
    return Tenants(zone);
  });
  int woken = 0;
  auto op = stream.Subscribe(Caller{}, [&] { ++woken; });
  auto rta = stream.Subscribe(Caller{"tenant-rta"}, {});
  auto emaar = stream.Subscribe(Caller{"tenant-emaar"}, {});
  EXPECT_EQ(stream.subscribers(), 3u);

  stream.Sink()(Leave());
  stream.Publish("zone-002", R"({"n":2})");
  stream.Publish("zone-002", R"({"n":3})");
  stream.Publish("zone-009", R"({"n":4})");  // a zone of no known tenant: operators only

  EXPECT_EQ(op->Take().size(), 4u);
  EXPECT_EQ(woken, 4);
  EXPECT_EQ(rta->Take().size(), 1u);
  std::vector<std::string> theirs = emaar->Take();
  EXPECT_EQ(theirs, (std::vector<std::string>{R"({"n":2})", R"({"n":3})"}));
  EXPECT_TRUE(emaar->Take().empty());
  EXPECT_EQ(lookups, 3);  // zone-002's tenant is cached; unknown zones are asked again

  stream.Unsubscribe(rta);
  EXPECT_EQ(stream.subscribers(), 2u);
  stream.CloseAll();
  EXPECT_TRUE(op->closed());
  EXPECT_EQ(stream.subscribers(), 0u);
}

TEST(EventStreamTest, ASlowSubscriberIsDroppedNotWaitedFor) {
  EventStream stream(Tenants, EventStreamOptions{.queue_limit = 3});
  auto slow = stream.Subscribe(Caller{}, {});
  auto quick = stream.Subscribe(Caller{}, {});
  for (int i = 0; i < 3; ++i) {
    stream.Publish("zone-001", std::to_string(i));
    EXPECT_EQ(quick->Take().size(), 1u);
  }
  EXPECT_FALSE(slow->closed());
  stream.Publish("zone-001", "3");  // the fourth: one more than slow's queue holds
  EXPECT_TRUE(slow->closed());
  EXPECT_TRUE(slow->Take().empty());
  EXPECT_FALSE(quick->closed());
  EXPECT_EQ(quick->Take(), std::vector<std::string>{"3"});
  EXPECT_EQ(stream.subscribers(), 1u);
  EXPECT_EQ(stream.dropped(), 1u);
  EXPECT_EQ(stream.published(), 4u);
  EXPECT_NE(stream.PrometheusText().find("vdpark_stream_dropped_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
