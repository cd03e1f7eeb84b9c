// Customers' schemas vary (postgres_layout.h): the same records are read and written whether a
// location is a PostGIS geography or geometry (in another SRID too), a point, two numeric
// columns or absent, and whether parking_events is a plain table or a declaratively partitioned
// one.
#include "store/postgres/postgres_layout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <tuple>

#include "postgres.h"
#include "store/postgres/postgres_store.h"

namespace vdpark {
namespace {

using testing::PostgresTestSchema;

// The four tables with `location` as the zones' and bays' location columns and `events` as the
// events table's definition (its columns and anything after them).
std::string Ddl(const std::string& location, const std::string& events_tail = "") {
  const std::string loc = location.empty() ? "" : ", " + location;
  return "CREATE TABLE parking_zones (zone_id text PRIMARY KEY, name text, address text, city "
         "text, total_bays int, price_per_hour numeric, operating_hours jsonb, tenant_id text, "
         "created_at timestamptz" +
         loc +
         ");"
         "CREATE TABLE parking_bays (zone_id text, bay_number text, sensor_id text, status text, "
         "last_change timestamptz, occupied_since timestamptz, bay_type text" +
         loc +
         ", PRIMARY KEY (zone_id, bay_number));"
         "CREATE TABLE parking_events (zone_id text NOT NULL, bay_number text NOT NULL, sensor_id "
         "text, event_type text, \"timestamp\" timestamptz NOT NULL, duration_minutes int, "
         "revenue numeric, detection_mode text)" +
         events_tail +
         ";"
         "CREATE TABLE parking_sensors (sensor_id text PRIMARY KEY, model text, firmware_version "
         "text, install_date timestamptz, zone_id text, bay_number text, status text, "
         "last_battery int, last_signal int);";
}

Metadata TwoZones() {
  Metadata m;
  Zone z;
  z.zone_id = "zone-001";
  z.name = "Marina";
  z.location = GeoPoint{25.0805123, 55.1403456};
  m.zones.push_back(z);
  Zone bare;
  bare.zone_id = "zone-002";  // no location
  m.zones.push_back(bare);
  Bay b;
  b.zone_id = "zone-001";
  b.bay_number = "A-001";
  b.status = BayStatus::kVacant;
  b.location = GeoPoint{25.0806, 55.1404};
  m.bays.push_back(b);
  return m;
}

bool Near(const std::optional<GeoPoint>& a, const std::optional<GeoPoint>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return std::abs(a->lat - b->lat) < 1e-7 && std::abs(a->lng - b->lng) < 1e-7;
}

struct LocationCase {
  const char* name;
  std::string columns;  // the location columns of zones and bays
  LocationKind kind;
  bool kept;  // whether a location survives the round trip
};

class PostgresLayoutTest : public ::testing::TestWithParam<LocationCase> {};

TEST_P(PostgresLayoutTest, LocationsAreWrittenAndReadWhereTheTableKeepsThem) {
  const LocationCase& c = GetParam();
  VDPARK_REQUIRE_POSTGRES(schema);
  Status s = schema.Exec(Ddl(c.columns));
  ASSERT_TRUE(s.ok()) << s.ToString();
  {
    auto url = PostgresUrl::Parse(schema.url());
    ASSERT_TRUE(url.ok());
    auto conn = PgConnection::Connect(*url);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    auto layout = ReadPgLayout(**conn);
    ASSERT_TRUE(layout.ok()) << layout.status().ToString();
    EXPECT_EQ(layout->zone_location.kind, c.kind);
    EXPECT_EQ(layout->bay_location.kind, c.kind);
    EXPECT_EQ(layout->events, EventTableKind::kTable);
  }
  auto store = PostgresStore::Open(schema.url());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const Metadata written = TwoZones();
  s = (*store)->WriteMetadata(written);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = (*store)->WriteMetadata(written);  // idempotent: the merge's update path too
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<Rejected> rejected;
  auto read = (*store)->ReadMetadata([&](Rejected r) { rejected.push_back(std::move(r)); });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(rejected.empty()) << rejected[0].where << ": " << rejected[0].reason;
  ASSERT_EQ(read->zones.size(), 2u);
  ASSERT_EQ(read->bays.size(), 1u);
  const std::optional<GeoPoint> none;
  EXPECT_TRUE(Near(read->zones[0].location, c.kept ? written.zones[0].location : none)) << c.name;
  EXPECT_FALSE(read->zones[1].location) << c.name;
  EXPECT_TRUE(Near(read->bays[0].location, c.kept ? written.bays[0].location : none)) << c.name;
  // The API's point reads take the same path.
  auto zone = (*store)->GetZone("zone-001");
  ASSERT_TRUE(zone.ok() && *zone) << zone.status().ToString();
  EXPECT_TRUE(Near((*zone)->location, c.kept ? written.zones[0].location : none)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, PostgresLayoutTest,
    ::testing::Values(
        LocationCase{"geography", "location geography(Point, 4326)", LocationKind::kGeography,
                     true},
        LocationCase{"geometry", "location geometry(Point, 4326)", LocationKind::kGeometry, true},
        LocationCase{"geometry3857", "location geometry(Point, 3857)", LocationKind::kGeometry,
                     true},
        LocationCase{"geometry_untyped", "location geometry", LocationKind::kGeometry, true},
        LocationCase{"point", "location point", LocationKind::kPoint, true},
        LocationCase{"lat_lng", "lat numeric(10, 7), lng numeric(10, 7)", LocationKind::kLatLng,
                     true},
        LocationCase{"latitude_longitude", "latitude double precision, longitude double precision",
                     LocationKind::kLatLng, true},
        LocationCase{"none", "", LocationKind::kNone, false}),
    [](const ::testing::TestParamInfo<LocationCase>& info) { return info.param.name; });

TEST(PostgresLayoutTest, ALocationOfAnotherTypeIsRefusedNamingIt) {
  VDPARK_REQUIRE_POSTGRES(schema);
  Status s = schema.Exec(Ddl("location text"));
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto store = PostgresStore::Open(schema.url());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsNotSupported()) << store.status().ToString();
  EXPECT_NE(store.status().message().find("parking_zones.location is of type text"),
            std::string::npos)
      << store.status().ToString();
}

TEST(PostgresLayoutTest, ADeclarativelyPartitionedEventsTableIsReadWholeAndInPartitions) {
  VDPARK_REQUIRE_POSTGRES(schema);
  Status s = schema.Exec(
      Ddl("location geography(Point, 4326)", " PARTITION BY RANGE (\"timestamp\")") +
      "CREATE TABLE parking_events_2026_10 PARTITION OF parking_events FOR VALUES FROM "
      "('2026-10-01') TO ('2026-11-01');"
      "CREATE TABLE parking_events_2026_11 PARTITION OF parking_events FOR VALUES FROM "
      "('2026-11-01') TO ('2026-12-01');"
      "CREATE TABLE parking_events_rest PARTITION OF parking_events DEFAULT;"
      "INSERT INTO parking_events (zone_id, bay_number, event_type, \"timestamp\") SELECT "
      "'zone-001', 'A-' || (i % 7), 'ARRIVE', '2026-10-20'::timestamptz + i * INTERVAL '5 "
      "minutes' FROM generate_series(1, 30000) i");
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto store = PostgresStore::Open(schema.url());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto count = (*store)->CountEvents(std::nullopt);
  ASSERT_TRUE(count.ok() && *count) << count.status().ToString();
  EXPECT_EQ(**count, 30000u);

  using Key = std::tuple<std::string, int64_t>;
  auto collect = [](std::set<Key>* keys) {
    return [keys](ParkingEvent&& e, const Origin&) {
      EXPECT_TRUE(keys->emplace(e.bay_number, e.timestamp.micros()).second);
      return Status::OK();
    };
  };
  std::set<Key> whole;
  s = (*store)->ScanEvents({}, collect(&whole), {});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(whole.size(), 30000u);

  auto partitions = (*store)->PartitionEvents(std::nullopt, 6);
  ASSERT_TRUE(partitions.ok() && *partitions) << partitions.status().ToString();
  std::set<std::string> tables;  // "pg:<oid>:"
  for (const std::string& id : (*partitions)->ids) tables.insert(id.substr(0, id.find(':', 3)));
  EXPECT_EQ(tables.size(), 3u);  // the three leaves; the parent holds no rows
  std::set<Key> parts;
  s = (*store)->ScanEventPartitions((*partitions)->ids, std::nullopt, collect(&parts), {});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(parts, whole);
}

}  // namespace
}  // namespace vdpark
