#include "table/single_table_mapper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace vdpark {
namespace {

Zone SampleZone() {
  Zone z;
  z.zone_id = "zone-001";
  z.name = "Dubai Marina Walk P2";
  z.address = "Marina Walk, Dubai Marina";
  z.city = "Dubai";
  z.total_bays = 50;
  z.occupied_bays = 7;
  z.location = GeoPoint{25.0805, 55.1403};
  z.price_per_hour = *Decimal::Parse("12.50");
  z.operating_hours = *OperatingHours::ParseJson(R"({"open":"08:00","close":"22:00"})");
  z.tenant_id = "tenant-rta";
  z.created_at = *Timestamp::Parse("2024-05-01 09:00:00+04");
  return z;
}

ParkingEvent SampleEvent() {
  ParkingEvent e;
  e.zone_id = "zone-001";
  e.bay_number = "A-001";
  e.sensor_id = "PSL01B-000001";
  e.event_type = EventType::kLeave;
  e.timestamp = *Timestamp::Parse("2026-01-12 23:59:43.123456+04");
  e.duration_minutes = 95;
  e.revenue = *Decimal::Parse("19.79");
  e.detection_mode = "dual";
  return e;
}

TEST(SingleTableMapperTest, ZoneItemHasTheKeysAndAttributesOfSpec3) {
  Item item = SingleTableMapper().ToItem(SampleZone());
  EXPECT_EQ(item.at("PK").text(), "ZONE#zone-001");
  EXPECT_EQ(item.at("SK").text(), "METADATA");
  EXPECT_EQ(item.at("GSI1PK").text(), "TENANT#tenant-rta");
  EXPECT_EQ(item.at("GSI1SK").text(), "ZONE#zone-001");
  EXPECT_EQ(item.at("pricePerHour").ToDynamoJson(), R"({"N":"12.5"})");
  EXPECT_EQ(item.at("totalBays").ToDynamoJson(), R"({"N":"50"})");
  EXPECT_EQ(item.at("location").ToDynamoJson(),
            R"({"M":{"lat":{"N":"25.0805"},"lng":{"N":"55.1403"}}})");
  EXPECT_EQ(item.at("operatingHours").ToDynamoJson(),
            R"({"M":{"close":{"S":"22:00"},"open":{"S":"08:00"}}})");
  EXPECT_EQ(item.at("createdAt").text(), "2024-05-01T05:00:00.000000Z");
  EXPECT_FALSE(item.contains("GSI2PK"));
}

TEST(SingleTableMapperTest, MissingValuesAreNullAndIndexKeysAreLeftOut) {
  Zone z;
  z.zone_id = "zone-002";
  Item item = SingleTableMapper().ToItem(z);
  EXPECT_TRUE(item.at("name").is_null());
  EXPECT_TRUE(item.at("tenantId").is_null());
  EXPECT_TRUE(item.at("location").is_null());
  EXPECT_EQ(item.at("occupiedBays").text(), "0");
  EXPECT_FALSE(item.contains("GSI1PK"));  // no tenant, not in the tenant index
  Bay b;
  b.zone_id = "zone-002";
  b.bay_number = "A-001";
  Item bay = SingleTableMapper().ToItem(b);
  EXPECT_EQ(bay.at("status").text(), "unknown");
  EXPECT_FALSE(bay.contains("GSI2PK"));
}

TEST(SingleTableMapperTest, EventItemKeysAndTtlFromTheEventsOwnTime) {
  SingleTableMapper m(MapperOptions{90});
  ParkingEvent e = SampleEvent();
  Item item = m.ToItem(e);
  EXPECT_EQ(item.at("PK").text(), "ZONE#zone-001#BAY#A-001");
  EXPECT_EQ(item.at("SK").text(), "EVENT#2026-01-12T19:59:43.123456Z");
  EXPECT_EQ(item.at("GSI1PK").text(), "ZONE#zone-001");
  EXPECT_EQ(item.at("GSI1SK").text(), "EVENT#2026-01-12T19:59:43.123456Z");
  EXPECT_EQ(item.at("eventType").text(), "LEAVE");
  EXPECT_EQ(item.at("duration").text(), "95");
  EXPECT_EQ(item.at("revenue").text(), "19.79");
  EXPECT_EQ(item.at("ttl").text(), std::to_string(e.timestamp.seconds() + 90 * 86400));
  EXPECT_FALSE(SingleTableMapper(MapperOptions{0}).ToItem(e).contains("ttl"));
  ParkingEvent arrive = e;
  arrive.event_type = EventType::kArrive;
  arrive.duration_minutes.reset();
  arrive.revenue.reset();
  Item a = m.ToItem(arrive);
  EXPECT_TRUE(a.at("duration").is_null());
  EXPECT_TRUE(a.at("revenue").is_null());
}

TEST(SingleTableMapperTest, EveryRecordRoundTrips) {
  SingleTableMapper m;
  Zone z = SampleZone();
  EXPECT_EQ(*m.ToZone(m.ToItem(z)), z);
  Bay b;
  b.zone_id = "zone-001";
  b.bay_number = "A-001";
  b.sensor_id = "PSL01B-000001";
  b.status = BayStatus::kOccupied;
  b.last_change = *Timestamp::Parse("2026-01-12T10:00:00.5Z");
  b.occupied_since = b.last_change;
  b.bay_type = "ev_charging";
  b.location = GeoPoint{25.1, 55.2};
  EXPECT_EQ(*m.ToBay(m.ToItem(b)), b);
  Sensor s;
  s.sensor_id = "PSL01B-000001";
  s.model = "PSL01B";
  s.zone_id = "zone-001";
  s.bay_number = "A-001";
  s.last_battery = 95;
  s.last_signal = -72;
  s.install_date = *Timestamp::Parse("2025-01-01T00:00:00Z");
  EXPECT_EQ(*m.ToSensor(m.ToItem(s)), s);
  Item si = m.ToItem(s);
  EXPECT_EQ(si.at("GSI1PK").text(), "ZONE#zone-001");
  EXPECT_EQ(si.at("GSI1SK").text(), "SENSOR#PSL01B-000001");
  ParkingEvent e = SampleEvent();
  EXPECT_EQ(*m.ToEvent(m.ToItem(e)), e);
  EXPECT_EQ(SingleTableMapper::KindOf(m.ToItem(z)), EntityKind::kZone);
  EXPECT_EQ(SingleTableMapper::KindOf(m.ToItem(b)), EntityKind::kBay);
  EXPECT_EQ(SingleTableMapper::KindOf(si), EntityKind::kSensor);
  EXPECT_EQ(SingleTableMapper::KindOf(m.ToItem(e)), EntityKind::kEvent);
}

TEST(SingleTableMapperTest, ABadItemNamesItsKeyAndAttribute) {
  SingleTableMapper m;
  Item item = m.ToItem(SampleEvent());
  item["duration"] = AttributeValue::S("ninety");
  auto e = m.ToEvent(item);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("ZONE#zone-001#BAY#A-001"), std::string::npos);
  EXPECT_NE(e.status().message().find("'duration'"), std::string::npos);
  item = m.ToItem(SampleEvent());
  item["timestamp"] = AttributeValue::S("2026-02-30T00:00:00Z");
  EXPECT_FALSE(m.ToEvent(item).ok());
  item = m.ToItem(SampleEvent());
  item.erase("zoneId");
  EXPECT_NE(m.ToEvent(item).status().message().find("'zoneId': missing"), std::string::npos);
}

TEST(SingleTableMapperTest, EventKeyOrderIsTheItemKeyByteOrder) {
  // Zone ids that are prefixes of each other, bay numbers of different lengths, equal times.
  std::vector<ParkingEvent> events;
  for (const char* zone : {"zone-001", "zone-0010", "zone-01", "a", "zone-001#x"}) {
    for (const char* bay : {"A-1", "A-10", "A-2", "B"}) {
      for (int64_t s : {5, 1, 3}) {
        ParkingEvent e;
        e.zone_id = zone;
        e.bay_number = bay;
        e.timestamp = Timestamp::FromSeconds(1700000000 + s);
        events.push_back(e);
      }
    }
  }
  std::mt19937 rng(7);
  std::shuffle(events.begin(), events.end(), rng);
  auto by_item_key = events;
  std::sort(by_item_key.begin(), by_item_key.end(), [](const auto& a, const auto& b) {
    auto ka = SingleTableMapper::EventKey(a), kb = SingleTableMapper::EventKey(b);
    return std::tie(ka.pk, ka.sk) < std::tie(kb.pk, kb.sk);
  });
  auto by_compare = events;
  std::sort(by_compare.begin(), by_compare.end(), EventKeyLess);
  EXPECT_EQ(by_item_key, by_compare);
  EXPECT_EQ(CompareEventKeys(events[0], events[0]), 0);
}

}  // namespace
}  // namespace vdpark
