#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "generate/generator.h"
#include "postgres.h"
#include "store/csv/csv_store.h"
#include "store/open_store.h"
#include "store/postgres/postgres_schema.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::PostgresTestSchema;

Timestamp T(const char* text) {
  return *Timestamp::Parse(text);
}

Status CreateSchema(const PostgresTestSchema& schema) {
  VDPARK_ASSIGN_OR_RETURN(auto url, PostgresUrl::Parse(schema.url()));
  VDPARK_ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(url));
  return CreatePostgresSchema(*conn).status();
}

std::unique_ptr<PostgresStore> OpenOrDie(const PostgresTestSchema& schema,
                                         PostgresStoreOptions options = {}) {
  auto store = PostgresStore::Open(schema.url(), options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

Metadata SampleMetadata() {
  Metadata m;
  Zone z;
  z.zone_id = "zone-001";
  z.name = "Marina Walk, \"P1\"";
  z.address = "";  // the empty string, not NULL
  z.city = "Dubai";
  z.total_bays = 2;
  z.location = GeoPoint{25.0805123456789, 55.1403};
  z.price_per_hour = *Decimal::Parse("12.50");
  z.operating_hours = *OperatingHours::ParseJson(R"({"open":"08:00","close":"22:00"})");
  z.tenant_id = "tenant-rta";
  z.created_at = T("2024-05-01T05:00:00.123456Z");
  m.zones.push_back(z);
  Zone bare;
  bare.zone_id = "zone-002";  // every other column NULL
  m.zones.push_back(bare);

  Bay b;
  b.zone_id = "zone-001";
  b.bay_number = "A-001";
  b.sensor_id = "PSL01B-000001";
  b.status = BayStatus::kOccupied;
  b.last_change = T("2026-11-20T06:00:00.000001Z");
  b.occupied_since = b.last_change;
  b.bay_type = "standard";
  b.location = GeoPoint{25.08051, 55.14031};
  m.bays.push_back(b);
  Bay b2;
  b2.zone_id = "zone-001";
  b2.bay_number = "A-002";
  b2.status = BayStatus::kUnknown;
  m.bays.push_back(b2);

  Sensor s;
  s.sensor_id = "PSL01B-000001";
  s.model = "PSL01B";
  s.firmware_version = "2.1.4";
  s.install_date = T("2025-01-01T00:00:00Z");
  s.zone_id = "zone-001";
  s.bay_number = "A-001";
  s.status = "active";
  s.last_battery = 95;
  s.last_signal = -72;
  m.sensors.push_back(s);
  Sensor s2;
  s2.sensor_id = "PSL01B-000002";
  m.sensors.push_back(s2);
  return m;
}

std::vector<ParkingEvent> SampleEvents() {
  std::vector<ParkingEvent> events;
  ParkingEvent a;
  a.zone_id = "zone-001";
  a.bay_number = "A-001";
  a.sensor_id = "PSL01B-000001";
  a.event_type = EventType::kArrive;
  a.timestamp = T("2026-11-20T06:00:00.000001Z");
  a.detection_mode = "dual";
  events.push_back(a);
  ParkingEvent l = a;
  l.event_type = EventType::kLeave;
  l.timestamp = T("2026-11-20T07:30:00.123456Z");
  l.duration_minutes = 90;
  l.revenue = *Decimal::Parse("18.750");
  events.push_back(l);
  ParkingEvent n;
  n.zone_id = "zone-002";
  n.bay_number = "B-001";
  n.event_type = EventType::kArrive;
  n.timestamp = T("2026-11-21T23:59:59.999999Z");
  events.push_back(n);
  return events;
}

std::vector<ParkingEvent> ScanAll(RecordStore& store, EventScanOptions options = {},
                                  std::vector<Rejected>* rejected = nullptr) {
  std::vector<ParkingEvent> out;
  Status s = store.ScanEvents(
      options,
      [&](ParkingEvent&& e, const Origin&) {
        out.push_back(std::move(e));
        return Status::OK();
      },
      [&](Rejected r) {
        if (rejected) rejected->push_back(std::move(r));
      });
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::sort(out.begin(), out.end(), [](const ParkingEvent& x, const ParkingEvent& y) {
    return std::tie(x.zone_id, x.bay_number, x.timestamp) <
           std::tie(y.zone_id, y.bay_number, y.timestamp);
  });
  return out;
}

uint64_t CountRows(PostgresTestSchema& schema, const std::string& table) {
  auto url = PostgresUrl::Parse(schema.url());
  auto conn = PgConnection::Connect(*url);
  EXPECT_TRUE(conn.ok());
  auto r = (*conn)->Query("SELECT count(*) FROM " + table);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::stoull(std::string(r->value(0, 0)));
}

TEST(PostgresStoreTest, MissingSchemaSuggestsSchemaCreate) {
  VDPARK_REQUIRE_POSTGRES(schema);
  auto store = PostgresStore::Open(schema.url());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsNotFound()) << store.status().ToString();
  EXPECT_NE(store.status().message().find("vdpark schema create"), std::string::npos);
  EXPECT_EQ(store.status().message().find("vdpark-test@"), std::string::npos);
}

TEST(PostgresStoreTest, SchemaCreateTwiceIsFine) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->WriteMetadata(SampleMetadata()).ok());
  Status again = CreateSchema(schema);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(CountRows(schema, "parking_zones"), 2u);  // left as it was
}

TEST(PostgresStoreTest, MetadataAndEventsReadBackEqual) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  Metadata m = SampleMetadata();
  std::vector<ParkingEvent> events = SampleEvents();
  ASSERT_TRUE(store->WriteMetadata(m).ok());
  Status w = store->WriteEvents(events);
  ASSERT_TRUE(w.ok()) << w.ToString();
  ASSERT_TRUE(store->Flush().ok());

  std::vector<Rejected> rejected;
  auto read = store->ReadMetadata([&](Rejected r) { rejected.push_back(std::move(r)); });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(read->zones, m.zones);
  EXPECT_EQ(read->bays, m.bays);
  EXPECT_EQ(read->sensors, m.sensors);
  ASSERT_EQ(read->zones.size(), 2u);
  EXPECT_EQ(read->zones[0].price_per_hour->ToString(), "12.50");  // numeric keeps its scale
  EXPECT_EQ(read->zones[0].address, std::optional<std::string>(""));
  EXPECT_EQ(read->zones[0].location->lat, 25.0805123456789);

  auto back = ScanAll(*store);
  EXPECT_EQ(back, events);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].revenue->ToString(), "18.750");
  EXPECT_EQ(back[1].timestamp.ToIso(), "2026-11-20T07:30:00.123456Z");

  auto one = store->GetEvent(events[1]);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ(**one, events[1]);
  ParkingEvent missing = events[1];
  missing.timestamp = missing.timestamp + 1;
  auto none = store->GetEvent(missing);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(store->EstimateEventCount(), std::optional<uint64_t>(3));
}

TEST(PostgresStoreTest, WritingTheSameEventsTwiceLeavesOneCopy) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  std::vector<ParkingEvent> events = SampleEvents();
  ASSERT_TRUE(store->WriteEvents(events).ok());
  ASSERT_TRUE(store->WriteEvents(events).ok());
  // A batch that repeats a key: the last one given wins.
  std::vector<ParkingEvent> repeated = {events[1], events[1]};
  repeated[1].revenue = *Decimal::Parse("20.00");
  ASSERT_TRUE(store->WriteEvents(repeated).ok());
  EXPECT_EQ(CountRows(schema, "parking_events"), 3u);
  auto back = ScanAll(*store);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].revenue->ToString(), "20.00");
  // Metadata twice: still one row per key.
  ASSERT_TRUE(store->WriteMetadata(SampleMetadata()).ok());
  ASSERT_TRUE(store->WriteMetadata(SampleMetadata()).ok());
  EXPECT_EQ(CountRows(schema, "parking_bays"), 2u);
}

TEST(PostgresStoreTest, CustomerSchemaByHandPassesDuplicatesAndRejectsNullKeys) {
  VDPARK_REQUIRE_POSTGRES(schema);
  // As a customer may have it: no keys on the events, created without `schema create`.
  Status s = schema.Exec(R"sql(
    CREATE TABLE parking_zones (zone_id text PRIMARY KEY, name text, address text, city text,
      total_bays int, location geography(Point,4326), price_per_hour numeric,
      operating_hours jsonb, tenant_id text, created_at timestamptz);
    CREATE TABLE parking_bays (zone_id text, bay_number text, sensor_id text, status text,
      last_change timestamptz, occupied_since timestamptz, bay_type text,
      location geography(Point,4326));
    CREATE TABLE parking_events (zone_id text, bay_number text, sensor_id text, event_type text,
      timestamp timestamptz, duration_minutes int, revenue numeric, detection_mode text);
    CREATE TABLE parking_sensors (sensor_id text PRIMARY KEY, model text, firmware_version text,
      install_date timestamptz, zone_id text, bay_number text, status text, last_battery int,
      last_signal int);
    INSERT INTO parking_zones VALUES ('zone-001', 'Marina', NULL, 'Dubai', 2,
      ST_SetSRID(ST_MakePoint(55.1403, 25.0805), 4326)::geography, 12.50,
      '{"open":"08:00","close":"22:00"}', 'tenant-rta', '2024-05-01 09:00:00+04');
    INSERT INTO parking_bays VALUES ('zone-001', 'A-001', 'S1', 'occupied', now(), now(), 'std',
      NULL), ('zone-001', 'A-002', 'S2', 'parked', NULL, NULL, NULL, NULL);
    INSERT INTO parking_events VALUES
      ('zone-001', 'A-001', 'S1', 'ARRIVE', '2026-11-20 10:00:00.5+04', NULL, NULL, 'dual'),
      ('zone-001', 'A-001', 'S1', 'ARRIVE', '2026-11-20 10:00:00.5+04', NULL, NULL, 'dual'),
      ('zone-001', NULL, 'S1', 'LEAVE', '2026-11-20 11:00:00+04', 60, 12.50, 'dual'),
      ('zone-001', 'A-001', 'S1', 'LEAVE', NULL, 60, 12.50, 'dual');
  )sql");
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);

  std::vector<Rejected> rejected;
  auto events = ScanAll(*store, {}, &rejected);
  ASSERT_EQ(events.size(), 2u);  // the duplicate key passed through, both rows
  EXPECT_EQ(events[0], events[1]);
  EXPECT_EQ(events[0].timestamp.ToIso(), "2026-11-20T06:00:00.500000Z");
  ASSERT_EQ(rejected.size(), 2u);
  std::set<std::string> wheres;
  for (const Rejected& r : rejected) wheres.insert(r.where);
  EXPECT_TRUE(wheres.contains(
      "parking_events zone_id=zone-001 bay_number=NULL timestamp=2026-11-20 07:00:00+00"))
      << rejected[0].where << " / " << rejected[1].where;
  EXPECT_TRUE(wheres.contains("parking_events zone_id=zone-001 bay_number=A-001 timestamp=NULL"));
  for (const Rejected& r : rejected) EXPECT_NE(r.reason.find("NULL"), std::string::npos);

  rejected.clear();
  auto m = store->ReadMetadata([&](Rejected r) { rejected.push_back(std::move(r)); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->zones.size(), 1u);
  EXPECT_EQ(m->bays.size(), 1u);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].where, "parking_bays zone_id=zone-001 bay_number=A-002");
  EXPECT_NE(rejected[0].reason.find("parked"), std::string::npos);

  // Writing into it works without a unique key, and stays idempotent.
  std::vector<ParkingEvent> more = SampleEvents();
  ASSERT_TRUE(store->WriteEvents(more).ok());
  ASSERT_TRUE(store->WriteEvents(more).ok());
  EXPECT_EQ(CountRows(schema, "parking_events"), 4u + more.size());
}

TEST(PostgresStoreTest, BinaryCopyReadsOtherColumnTypesAndRejectsWhatDoesNotMap) {
  VDPARK_REQUIRE_POSTGRES(schema);
  // Other types than ours, as a customer's table may have them: each is cast for the binary copy.
  Status s = schema.Exec(R"sql(
    CREATE TABLE parking_zones (zone_id text PRIMARY KEY, name text, address text, city text,
      total_bays int, location geography(Point,4326), price_per_hour numeric,
      operating_hours jsonb, tenant_id text, created_at timestamptz);
    CREATE TABLE parking_bays (zone_id text, bay_number text, sensor_id text, status text,
      last_change timestamptz, occupied_since timestamptz, bay_type text,
      location geography(Point,4326));
    CREATE TABLE parking_events (zone_id varchar(40), bay_number varchar(10), sensor_id text,
      event_type varchar(8), timestamp timestamp, duration_minutes bigint,
      revenue numeric, detection_mode text);
    CREATE TABLE parking_sensors (sensor_id text PRIMARY KEY, model text, firmware_version text,
      install_date timestamptz, zone_id text, bay_number text, status text, last_battery int,
      last_signal int);
    INSERT INTO parking_events VALUES
      ('z', 'A-1', NULL, 'ARRIVE', '2026-11-20 10:00:00.000001', NULL, NULL, NULL),
      ('z', 'A-1', 'S1', 'leave', '2026-11-20 11:00:00', 60, -12.5, 'dual'),
      ('z', 'A-2', 'S2', 'LEAVE', '1999-12-31 23:59:59.999999', 3000000000, 123456789012.123456,
       'magnetic'),
      ('z', 'A-3', 'S3', 'LEAVE', '2026-11-20 12:00:00', 1, 0.00000001, 'dual'),
      ('z', 'A-4', 'S4', 'PARK', '2026-11-20 12:00:00', 1, 1, 'dual'),
      ('z', 'A-5', 'S5', 'LEAVE', 'infinity', 1, 1, 'dual'),
      ('z', 'A-6', 'S6', 'LEAVE', '2026-11-20 12:00:00', 1, 'NaN', 'dual');
  )sql");
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  std::vector<Rejected> rejected;
  auto events = ScanAll(*store, {}, &rejected);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].timestamp.ToIso(), "2026-11-20T10:00:00.000001Z");
  EXPECT_FALSE(events[0].sensor_id || events[0].duration_minutes || events[0].revenue ||
               events[0].detection_mode);
  EXPECT_EQ(events[1].event_type, EventType::kLeave);
  EXPECT_EQ(events[1].revenue->micros(), -12'500'000);
  EXPECT_EQ(events[1].duration_minutes, 60);
  EXPECT_EQ(events[2].timestamp.ToIso(), "1999-12-31T23:59:59.999999Z");  // before 2000: negative
  EXPECT_EQ(events[2].duration_minutes, 3'000'000'000);
  EXPECT_EQ(events[2].revenue->micros(), 123456789012'123456);
  EXPECT_EQ(events[2].detection_mode, "magnetic");

  ASSERT_EQ(rejected.size(), 4u);
  std::map<std::string, Rejected> by_where;
  for (Rejected& r : rejected) by_where[r.where] = r;
  auto reason = [&](const std::string& where) {
    auto it = by_where.find(where);
    return it == by_where.end() ? "(not rejected: " + where + ")" : it->second.reason;
  };
  EXPECT_NE(reason("parking_events zone_id=z bay_number=A-3 timestamp=2026-11-20 12:00:00+00")
                .find("column 'revenue'"),
            std::string::npos);
  EXPECT_NE(reason("parking_events zone_id=z bay_number=A-4 timestamp=2026-11-20 12:00:00+00")
                .find("unknown event type 'PARK'"),
            std::string::npos);
  EXPECT_NE(reason("parking_events zone_id=z bay_number=A-5 timestamp=infinity").find("infinity"),
            std::string::npos);
  EXPECT_NE(reason("parking_events zone_id=z bay_number=A-6 timestamp=2026-11-20 12:00:00+00")
                .find("column 'revenue'"),
            std::string::npos);
  for (const Rejected& r : rejected) EXPECT_EQ(r.raw.substr(0, 2), "z,") << r.raw;
}

TEST(PostgresStoreTest, ScanEventsSince) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  std::vector<ParkingEvent> events = SampleEvents();
  ASSERT_TRUE(store->WriteEvents(events).ok());
  EventScanOptions options;
  options.since = events[1].timestamp;  // at or after
  auto back = ScanAll(*store, options);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], events[1]);
  EXPECT_EQ(back[1], events[2]);
}

// 5000 events with distinct keys from `start`, spread over ten days, some on every three hours
// exactly (slice boundaries), written in batches of 1000: enough for several dozen pages.
std::vector<ParkingEvent> WriteManyEvents(RecordStore& store, Timestamp start) {
  std::vector<ParkingEvent> events;
  for (int i = 0; i < 5000; ++i) {
    ParkingEvent e;
    e.zone_id = "zone-" + std::to_string(i % 7);
    e.bay_number = "A-" + std::to_string(i % 13);
    e.event_type = i % 2 ? EventType::kLeave : EventType::kArrive;
    e.timestamp = start + (i % 3 == 0 ? (i / 3) * 3 * kMicrosPerHour % (10 * kMicrosPerDay)
                                      : int64_t{i} * 172'800'000 + i);
    events.push_back(e);
  }
  for (size_t off = 0; off < events.size(); off += 1000) {
    EXPECT_TRUE(store.WriteEvents(std::span(events).subspan(off, 1000)).ok());
  }
  return events;
}

// Events by key, with how many times each came.
using KeyCounts = std::map<std::tuple<std::string, std::string, int64_t>, int>;
KeyCounts CountKeys(const std::vector<ParkingEvent>& events,
                    std::optional<Timestamp> since = std::nullopt) {
  KeyCounts counts;
  for (const ParkingEvent& e : events) {
    if (!since || e.timestamp >= *since) ++counts[{e.zone_id, e.bay_number, e.timestamp.micros()}];
  }
  return counts;
}

TEST(PostgresStoreTest, ParallelSlicesDeliverEveryEventExactlyOnce) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  PostgresStoreOptions options;
  options.scan_connections = 4;
  options.slice_micros = 3 * kMicrosPerHour;
  options.pages_per_slice = 2;  // a whole scan in page ranges of two pages
  auto store = OpenOrDie(schema, options);
  ASSERT_TRUE(store);
  Timestamp start = T("2026-10-01T00:00:00Z");
  const std::vector<ParkingEvent> events = WriteManyEvents(*store, start);
  EXPECT_EQ(CountKeys(ScanAll(*store)), CountKeys(events));

  // A window of time, read in time slices: exactly the events inside it.
  EventScanOptions window;
  window.since = start + 2 * kMicrosPerDay;
  window.until = start + 5 * kMicrosPerDay + 7;
  KeyCounts want_window = CountKeys(events, window.since);
  std::erase_if(want_window,
                [&](const auto& kv) { return std::get<2>(kv.first) >= window.until->micros(); });
  EXPECT_GT(want_window.size(), 1000u);
  EXPECT_EQ(CountKeys(ScanAll(*store, window)), want_window);
  auto range = store->EventTimeRange(window.since);
  ASSERT_TRUE(range.ok() && *range) << range.status().ToString();
  EXPECT_EQ((*range)->first, *window.since);  // an event sits on that boundary
  EXPECT_EQ((*range)->second, std::max_element(events.begin(), events.end(), [](auto& a, auto& b) {
                                return a.timestamp < b.timestamp;
                              })->timestamp);

  // A visitor's error stops the scan and comes back.
  int seen = 0;
  Status s = store->ScanEvents({},
                               [&](ParkingEvent&&, const Origin&) {
                                 return ++seen == 10 ? Status::Aborted("enough") : Status::OK();
                               },
                               {});
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(seen, 10);
}

// Every event of the partitions `ids` at or after `since`, sorted by key; the scan's status.
Status ScanPartitions(RecordStore& store, const std::vector<std::string>& ids,
                      std::vector<ParkingEvent>* out,
                      std::optional<Timestamp> since = std::nullopt) {
  return store.ScanEventPartitions(ids, since,
                                   [&](ParkingEvent&& e, const Origin&) {
                                     out->push_back(std::move(e));
                                     return Status::OK();
                                   },
                                   {});
}

// The page ranges of a resumable load (migrate's checkpoints) cover the table without overlap.
TEST(PostgresStoreTest, PartitionsDeliverEveryEventExactlyOnce) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  PostgresStoreOptions options;
  options.scan_connections = 3;
  auto store = OpenOrDie(schema, options);
  ASSERT_TRUE(store);
  std::vector<ParkingEvent> events = WriteManyEvents(*store, T("2026-10-01T00:00:00Z"));

  auto partitions = store->PartitionEvents(std::nullopt, 6);
  ASSERT_TRUE(partitions.ok() && *partitions) << partitions.status().ToString();
  const std::vector<std::string> ids = (*partitions)->ids;
  ASSERT_GE(ids.size(), 5u);  // about 6, one table
  ASSERT_LE(ids.size(), 7u);
  EXPECT_EQ((*partitions)->read_together, 3u);
  for (const std::string& id : ids) EXPECT_TRUE(id.starts_with("pg:")) << id;
  EXPECT_TRUE(ids.back().ends_with(":")) << ids.back();  // the last range is open-ended
  // Stable: the same ids while nothing changed (what a resumed load relies on).
  auto again = store->PartitionEvents(std::nullopt, 6);
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_EQ((*again)->ids, ids);
  // With --since a load keeps to time slices (the time index reads a window better).
  auto windowed = store->PartitionEvents(T("2026-10-03T00:00:00Z"), 6);
  ASSERT_TRUE(windowed.ok());
  EXPECT_FALSE(windowed->has_value());

  // All at once, and one by one: every event exactly once.
  std::vector<ParkingEvent> all, one_by_one;
  ASSERT_TRUE(ScanPartitions(*store, ids, &all).ok());
  EXPECT_EQ(CountKeys(all), CountKeys(events));
  for (const std::string& id : ids) {
    std::vector<ParkingEvent> part;
    ASSERT_TRUE(ScanPartitions(*store, {id}, &part).ok()) << id;
    EXPECT_FALSE(part.empty()) << id;
    one_by_one.insert(one_by_one.end(), part.begin(), part.end());
  }
  EXPECT_EQ(CountKeys(one_by_one), CountKeys(events));
  // `since` keeps the events at or after it.
  const Timestamp since = T("2026-10-04T12:00:00Z");
  std::vector<ParkingEvent> recent;
  ASSERT_TRUE(ScanPartitions(*store, ids, &recent, since).ok());
  EXPECT_GT(recent.size(), 1000u);
  EXPECT_EQ(CountKeys(recent), CountKeys(events, since));

  // Rows added since the ids were made are read by the open-ended last range.
  std::vector<ParkingEvent> more = SampleEvents();
  ASSERT_TRUE(store->WriteEvents(more).ok());
  events.insert(events.end(), more.begin(), more.end());
  all.clear();
  ASSERT_TRUE(ScanPartitions(*store, ids, &all).ok());
  EXPECT_EQ(CountKeys(all), CountKeys(events));
}

// The oid of `table` in the test's schema; 0 (and a failure) when it is not found.
uint32_t OidOf(PostgresTestSchema& schema, const std::string& table) {
  auto url = PostgresUrl::Parse(schema.url());
  auto conn =
      url.ok() ? PgConnection::Connect(*url) : Result<std::unique_ptr<PgConnection>>(url.status());
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) return 0;
  auto r = (*conn)->Query("SELECT '" + table + "'::regclass::oid");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? static_cast<uint32_t>(std::stoul(std::string(r->value(0, 0)))) : 0;
}

// Inheritance children of parking_events (a declarative partitioning's leaves too) hold events:
// each has ranges of its own. One dropped since took its events with it: refused, never passed
// over (a hypertable's chunks: tests/timescaledb).
TEST(PostgresStoreTest, PartitionsCoverInheritanceChildrenAndADroppedOneIsRefused) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  const std::vector<ParkingEvent> parents = WriteManyEvents(*store, T("2026-10-01T00:00:00Z"));
  ASSERT_TRUE(schema
                  .Exec("CREATE TABLE parking_events_c1 () INHERITS (parking_events); "
                        "INSERT INTO parking_events_c1 (zone_id, bay_number, event_type, "
                        "\"timestamp\") SELECT 'zone-c', 'C-' || (i % 10), 'ARRIVE', "
                        "'2026-09-01T00:00:00Z'::timestamptz + i * interval '1 minute' FROM "
                        "generate_series(1, 3000) i")
                  .ok());
  const std::vector<ParkingEvent> everything = ScanAll(*store);
  ASSERT_EQ(everything.size(), 8000u);

  auto partitions = store->PartitionEvents(std::nullopt, 4);
  ASSERT_TRUE(partitions.ok() && *partitions) << partitions.status().ToString();
  const std::vector<std::string> ids = (*partitions)->ids;
  std::set<std::string> tables;  // "pg:<oid>:"
  for (const std::string& id : ids) tables.insert(id.substr(0, id.find(':', 3) + 1));
  EXPECT_EQ(tables.size(), 2u);
  EXPECT_GE(ids.size(), 3u);
  std::vector<ParkingEvent> all;
  ASSERT_TRUE(ScanPartitions(*store, ids, &all).ok());
  EXPECT_EQ(CountKeys(all), CountKeys(everything));

  // A child dropped since: its ranges are refused, naming it and --restart; the parent's still
  // read.
  ASSERT_TRUE(schema.Exec("DROP TABLE parking_events_c1").ok());
  std::vector<ParkingEvent> rest;
  Status refused = ScanPartitions(*store, ids, &rest);
  EXPECT_TRUE(refused.IsFailedPrecondition()) << refused.ToString();
  EXPECT_NE(refused.message().find("dropped"), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find("--restart"), std::string::npos) << refused.ToString();
  std::vector<std::string> parent_ids;
  const std::string parent = "pg:" + std::to_string(OidOf(schema, "parking_events")) + ":";
  for (const std::string& id : ids) {
    if (id.starts_with(parent)) parent_ids.push_back(id);
  }
  rest.clear();
  ASSERT_TRUE(ScanPartitions(*store, parent_ids, &rest).ok());
  EXPECT_EQ(CountKeys(rest), CountKeys(parents));
}

TEST(PostgresStoreTest, PartitionsOfARewrittenTableOrMalformedIdsAreRefused) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto store = OpenOrDie(schema);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->WriteEvents(SampleEvents()).ok());
  auto partitions = store->PartitionEvents(std::nullopt, 4);
  ASSERT_TRUE(partitions.ok() && *partitions) << partitions.status().ToString();
  EXPECT_EQ((*partitions)->ids.size(), 1u);  // one page: one range
  std::vector<ParkingEvent> out;

  for (std::string bad : {"pg:1:2:x:", "pg:1:2:5:5", "pg:1:2:3", "time:1:2", ""}) {
    Status s = ScanPartitions(*store, {bad}, &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad << ": " << s.ToString();
    EXPECT_NE(s.message().find("'" + bad + "'"), std::string::npos) << s.ToString();
  }

  // VACUUM FULL writes the rows into a new file, where the page ranges mean other rows. (Not
  // through schema.Exec: VACUUM cannot run in the transaction of a multi-statement string.)
  auto url = PostgresUrl::Parse(schema.url());
  ASSERT_TRUE(url.ok());
  auto conn = PgConnection::Connect(*url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)->Exec("VACUUM FULL parking_events").ok());
  Status s = ScanPartitions(*store, (*partitions)->ids, &out);
  EXPECT_TRUE(s.IsFailedPrecondition()) << s.ToString();
  EXPECT_NE(s.message().find("parking_events was rewritten"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("--restart"), std::string::npos) << s.ToString();
  EXPECT_TRUE(out.empty());
}

TEST(PostgresStoreTest, CsvToPostgresToCsvIsByteIdentical) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  testing::TempDir dir;
  StoreOptions truncate;
  truncate.truncate = true;
  auto source = OpenStore("csv:" + dir / "a", truncate);
  ASSERT_TRUE(source.ok());
  GenerateOptions g;
  g.zones = 4;
  g.bays_per_zone_min = 3;
  g.bays_per_zone_max = 6;
  g.days = 3;
  ASSERT_TRUE(Generate(g, **source).ok());
  ASSERT_TRUE((*source)->Flush().ok());

  auto pg = OpenStore("timescale" + schema.url().substr(schema.url().find("://")), {});
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  auto copy = [](RecordStore& from, RecordStore& to) {
    auto m = from.ReadMetadata([](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; });
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    ASSERT_TRUE(to.WriteMetadata(*m).ok());
    std::vector<ParkingEvent> batch;
    Status s = from.ScanEvents(
        {},
        [&](ParkingEvent&& e, const Origin&) {
          batch.push_back(std::move(e));
          if (batch.size() < 500) return Status::OK();
          Status w = to.WriteEvents(batch);
          batch.clear();
          return w;
        },
        [](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; });
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(to.WriteEvents(batch).ok());
    ASSERT_TRUE(to.Flush().ok());
  };
  copy(**source, **pg);
  auto target = OpenStore("csv:" + dir / "b", truncate);
  ASSERT_TRUE(target.ok());
  copy(**pg, **target);

  for (const char* file : {"zones.csv", "bays.csv", "sensors.csv"}) {
    EXPECT_EQ(testing::ReadFile(dir / ("b/" + std::string(file))),
              testing::ReadFile(dir / ("a/" + std::string(file))))
        << file;
  }
  // Events come back in slice order, not the generator's: compared as sorted lines.
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto a = lines(testing::ReadFile(dir / "a/events.csv"));
  auto b = lines(testing::ReadFile(dir / "b/events.csv"));
  EXPECT_GT(a.size(), 100u);
  EXPECT_EQ(a, b);
}

TEST(PostgresStoreTest, WrongPasswordErrorHidesThePassword) {
  std::string base = testing::PostgresBaseUrl();
  if (base.empty()) return;
  size_t at = base.find('@');
  size_t colon = base.find(':', base.find("://") + 3);
  ASSERT_NE(at, std::string::npos);
  std::string wrong = base.substr(0, colon + 1) + "not-the-Secret-42" + base.substr(at);
  auto store = PostgresStore::Open(wrong);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsInvalidArgument()) << store.status().ToString();
  EXPECT_EQ(store.status().message().find("not-the-Secret-42"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("password authentication failed"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(PostgresStore::Open(base.substr(0, colon + 1) + "x" + base.substr(at)).ok(), false);
}

TEST(PostgresUrlTest, DisplayNameHasNoPassword) {
  auto u = PostgresUrl::Parse("timescale://me:p%40ss@db.example:5433/park?sslmode=require");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->display, "timescale://me@db.example:5433/park?sslmode=require");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->conninfo, "postgresql://me:p%40ss@db.example:5433/park?sslmode=require");
  auto q = PostgresUrl::Parse("postgres://me@h/db?password=s3cret&sslmode=disable");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->display, "postgres://me@h/db?sslmode=disable");
  EXPECT_FALSE(PostgresUrl::Parse("mysql://h/db").ok());
}

}  // namespace
}  // namespace vdpark
