// The REST API's queries (store.h: ListZones, ListBays, ListSensors, QueryEvents), run unchanged
// against:
//   - embedded:  OpenStore("embedded:DIR");
//   - dynalite:  OpenStore("dynamodb://TABLE?endpoint=..."), a table made for the test;
//   - dynamodb_local: the same on AWS's DynamoDB Local;
//   - postgres:  OpenStore(postgres://...) on a schema of the test's own (tests/postgres.h).
// Each test writes the same fleet (zones of two tenants and one of none, bays, sensors, a few
// hundred events over four days) with WriteMetadata and WriteEvents, and checks the answers
// against what the fleet says they must be: so every store answers the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "dynamodb_local.h"
#include "postgres.h"
#include "record_test_support.h"
#include "store/dynamodb/table_admin.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/open_store.h"
#include "store/postgres/postgres_schema.h"
#include "store/query_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"

namespace vdpark {

namespace {

using record_test::Ts;
using testing::TempDir;

// --- The fleet.

Zone MakeZone(std::string id, std::optional<std::string> tenant, int64_t total_bays) {
  Zone z;
  z.zone_id = std::move(id);
  z.name = "Zone " + z.zone_id;
  z.address = "Sheikh Zayed Rd";
  z.city = "Dubai";
  z.total_bays = total_bays;
  z.location = GeoPoint{25.0805, 55.1403};
  z.price_per_hour = *Decimal::Parse("12.50");
  z.operating_hours = *OperatingHours::ParseJson(R"({"open":"08:00","close":"22:00"})");
  z.tenant_id = std::move(tenant);
  z.created_at = Ts("2024-05-01T05:00:00.123456Z");
  return z;
}

struct Fleet {
  Metadata md;
  std::vector<ParkingEvent> events;
};

// Zones: zone-a1 and zone-a10 (tenant-a; the one's key a prefix of the other's), zone-b1 and
// zone-b2 (tenant-b; zone-b2 without bays), zone-x (no tenant, every other field missing).
// Bays written out of order; one sensor per bay that has one, and a spare sensor of no zone.
// Events: each bay alternates ARRIVE and LEAVE every 20 minutes to 3 hours for four days, and
// two bays of zone-a1 (and two of zone-b1) have an event at the same instant.
Fleet MakeFleet() {
  Fleet f;
  f.md.zones = {MakeZone("zone-b2", "tenant-b", 0), MakeZone("zone-a10", "tenant-a", 1),
                MakeZone("zone-a1", "tenant-a", 4), MakeZone("zone-b1", "tenant-b", 3)};
  Zone bare;
  bare.zone_id = "zone-x";
  f.md.zones.push_back(bare);

  struct BaySpec {
    const char* zone;
    const char* number;
    BayStatus status;
    bool has_sensor;
  };
  const BaySpec bays[] = {
      {"zone-a1", "A-010", BayStatus::kVacant, true},
      {"zone-a1", "A-002", BayStatus::kOccupied, true},
      {"zone-a1", "A-001", BayStatus::kOccupied, true},
      {"zone-a1", "A-003", BayStatus::kUnknown, true},
      {"zone-a10", "A-001", BayStatus::kVacant, true},
      {"zone-b1", "b-003", BayStatus::kUnknown, true},
      {"zone-b1", "B-002", BayStatus::kVacant, true},
      {"zone-b1", "B-001", BayStatus::kOccupied, true},
      {"zone-x", "X-1", BayStatus::kVacant, false},
  };
  int n = 0;
  for (const BaySpec& spec : bays) {
    Bay b;
    b.zone_id = spec.zone;
    b.bay_number = spec.number;
    b.status = spec.status;
    b.bay_type = "standard";
    b.location = GeoPoint{25.08 + n * 0.0001, 55.14};
    if (spec.status != BayStatus::kUnknown) b.last_change = Ts("2026-03-04T20:00:00Z");
    if (spec.status == BayStatus::kOccupied) b.occupied_since = b.last_change;
    if (spec.has_sensor) {
      b.sensor_id = "PSL01B-" + std::to_string(100 + n);
      Sensor s;
      s.sensor_id = *b.sensor_id;
      s.model = "PSL01B";
      s.firmware_version = "2.1.4";
      s.install_date = Ts("2025-01-01T00:00:00Z");
      s.zone_id = b.zone_id;
      s.bay_number = b.bay_number;
      s.status = "active";
      s.last_battery = 90 - n;
      s.last_signal = -70 - n;
      f.md.sensors.push_back(s);
    }
    f.md.bays.push_back(b);
    ++n;
  }
  Sensor spare;
  spare.sensor_id = "PSL01B-099";
  spare.model = "PSL01B";
  spare.status = "spare";
  f.md.sensors.push_back(spare);

  uint64_t seed = 20260301;
  auto next = [&seed](uint64_t bound) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % bound;
  };
  const Timestamp start = Ts("2026-03-01T00:00:00Z");
  const Timestamp end = Ts("2026-03-05T00:00:00Z");
  for (const Bay& b : f.md.bays) {
    Timestamp t = start + static_cast<int64_t>(next(60)) * kMicrosPerMinute;
    Timestamp arrived;
    bool occupied = false;
    while (true) {
      // Never a whole second, so no generated event meets the ties added below.
      t = t + (20 + static_cast<int64_t>(next(160))) * kMicrosPerMinute + 1 +
          static_cast<int64_t>(next(999'999));
      if (t >= end) break;
      ParkingEvent e{b.zone_id, b.bay_number, b.sensor_id, EventType::kArrive, t, {}, {}, "dual"};
      if (occupied) {
        e.event_type = EventType::kLeave;
        e.duration_minutes = (t - arrived) / kMicrosPerMinute;
        e.revenue = *Decimal::Parse(std::to_string(*e.duration_minutes / 6) + ".25");
      }
      arrived = t;
      occupied = !occupied;
      f.events.push_back(std::move(e));
    }
  }
  const Timestamp tie = Ts("2026-03-02T12:00:00Z");
  for (const char* bay : {"A-001", "A-003"}) {
    f.events.push_back({"zone-a1", bay, std::nullopt, EventType::kArrive, tie, {}, {}, "radar"});
  }
  for (const char* bay : {"B-001", "b-003"}) {
    f.events.push_back({"zone-b1", bay, std::nullopt, EventType::kLeave, tie, 5, {}, "radar"});
  }
  return f;
}

const Fleet& TheFleet() {
  static const Fleet fleet = MakeFleet();
  return fleet;
}

// --- What the answers must be.

std::vector<Zone> ExpectedZones(std::optional<std::string> tenant) {
  const Fleet& f = TheFleet();
  std::vector<Zone> zones;
  for (Zone z : f.md.zones) {
    if (tenant && z.tenant_id != tenant) continue;
    z.occupied_bays = std::count_if(f.md.bays.begin(), f.md.bays.end(), [&](const Bay& b) {
      return b.zone_id == z.zone_id && b.status == BayStatus::kOccupied;
    });
    zones.push_back(z);
  }
  std::sort(zones.begin(), zones.end(),
            [](const Zone& a, const Zone& b) { return a.zone_id < b.zone_id; });
  return zones;
}

std::vector<Bay> ExpectedBays(const std::string& zone) {
  std::vector<Bay> bays;
  for (const Bay& b : TheFleet().md.bays) {
    if (b.zone_id == zone) bays.push_back(b);
  }
  std::sort(bays.begin(), bays.end(),
            [](const Bay& a, const Bay& b) { return a.bay_number < b.bay_number; });
  return bays;
}

std::vector<Sensor> ExpectedSensors(std::optional<std::string> zone) {
  std::vector<Sensor> sensors;
  for (const Sensor& s : TheFleet().md.sensors) {
    if (!zone || s.zone_id == zone) sensors.push_back(s);
  }
  std::sort(sensors.begin(), sensors.end(),
            [](const Sensor& a, const Sensor& b) { return a.sensor_id < b.sensor_id; });
  return sensors;
}

// Newest first; events of one instant by bay, highest first.
void SortNewestFirst(std::vector<ParkingEvent>* events) {
  std::stable_sort(
      events->begin(), events->end(), [](const ParkingEvent& a, const ParkingEvent& b) {
        return std::tie(b.timestamp, b.bay_number) < std::tie(a.timestamp, a.bay_number);
      });
}

// The fleet's events that `query` asks for (all of them: its limit and cursor aside).
std::vector<ParkingEvent> ExpectedEvents(const EventQuery& query) {
  std::vector<ParkingEvent> events;
  for (const ParkingEvent& e : TheFleet().events) {
    if (e.zone_id != query.zone_id) continue;
    if (query.bay_number && e.bay_number != *query.bay_number) continue;
    if (query.from && e.timestamp < *query.from) continue;
    if (query.to && e.timestamp >= *query.to) continue;
    if (query.event_type && e.event_type != *query.event_type) continue;
    events.push_back(e);
  }
  SortNewestFirst(&events);
  return events;
}

// The contract on an answer's order: newest first. Events of one zone at one instant may come in
// any order (DynamoDB's index leaves it open), so after checking the times `actual` is put in
// the expected order of such ties and compared whole.
void ExpectNewestFirst(std::vector<ParkingEvent> actual, const std::vector<ParkingEvent>& expected,
                       const std::string& what) {
  for (size_t i = 1; i < actual.size(); ++i) {
    ASSERT_GE(actual[i - 1].timestamp, actual[i].timestamp) << what << ": event " << i;
  }
  SortNewestFirst(&actual);
  EXPECT_EQ(actual, expected) << what;
}

// --- The stores.

enum class Backend { kEmbedded, kDynalite, kDynamoDbLocal, kPostgres };

std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kEmbedded:
      return "embedded";
    case Backend::kDynalite:
      return "dynalite";
    case Backend::kDynamoDbLocal:
      return "dynamodb_local";
    case Backend::kPostgres:
      return "postgres";
  }
  return "unknown";
}
void PrintTo(Backend backend, std::ostream* os) {
  *os << BackendName(backend);
}

// One backend's store, empty, and what to remove when the test ends.
class BackendStore {
 public:
  // Opens an empty store; a test failure (and nullptr from store()) when it cannot.
  explicit BackendStore(Backend backend) {
    Status s = Open(backend);
    if (!s.ok()) {
      ADD_FAILURE() << BackendName(backend) << ": " << s.ToString();
      store_ = {};
    }
  }
  ~BackendStore() {
    store_ = {};
    if (client_ != nullptr) {
      Status s = DeleteTable(*client_, table_);
      EXPECT_TRUE(s.ok()) << "DeleteTable " << table_ << ": " << s.ToString();
    }
  }

  RecordStore* store() { return store_.records.get(); }
  QueryStore* queries() { return store_.queries; }

  // Writes the fleet as a load would: metadata, then the events in batches.
  Status WriteFleet() {
    const Fleet& f = TheFleet();
    VDPARK_RETURN_IF_ERROR(store_.records->WriteMetadata(f.md));
    std::span<const ParkingEvent> events(f.events);
    for (size_t i = 0; i < events.size(); i += 50) {
      VDPARK_RETURN_IF_ERROR(
          store_.records->WriteEvents(events.subspan(i, std::min<size_t>(50, events.size() - i))));
    }
    return store_.records->Flush();
  }

 private:
  // Leaves store_ null, with a test failure recorded already, when a server is not announced.
  Status Open(Backend backend) {
    StoreOptions options;
    options.retention_days = 0;  // the fleet is in 2026: no ttl to expire it on embedded
    switch (backend) {
      case Backend::kEmbedded: {
        auto opened = OpenStoreRoles("embedded:" + tmp_ / "db", options);
        if (!opened.ok()) return opened.status();
        store_ = std::move(*opened);
        return Status::OK();
      }
      case Backend::kDynalite:
      case Backend::kDynamoDbLocal: {
        const testing::DynamoDbServer server = backend == Backend::kDynalite
                                                   ? testing::DynamoDbServer::kDynalite
                                                   : testing::DynamoDbServer::kDynamoDbLocal;
        std::string endpoint = testing::ServerEndpoint(server);
        if (endpoint.empty()) return Status::OK();
        // OpenStore resolves credentials as the CLI does; the servers want them present, not real.
        setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
        setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
        auto client = DynamoDbClient::Create(testing::ServerClientOptions(server, endpoint));
        if (!client.ok()) return client.status();
        client_ = std::move(*client);
        table_ = testing::UniqueTableName("queries");
        TableAdminOptions admin;
        admin.poll_interval = std::chrono::milliseconds(20);
        VDPARK_RETURN_IF_ERROR(CreateTable(*client_, table_, admin).status());
        auto opened = OpenStoreRoles(
            "dynamodb://" + table_ + "?region=me-central-1&endpoint=" + endpoint, options);
        if (!opened.ok()) return opened.status();
        store_ = std::move(*opened);
        return Status::OK();
      }
      case Backend::kPostgres: {
        schema_ = std::make_unique<testing::PostgresTestSchema>();
        if (!schema_->ok()) return Status::OK();
        auto url = PostgresUrl::Parse(schema_->url());
        if (!url.ok()) return url.status();
        auto conn = PgConnection::Connect(*url);
        if (!conn.ok()) return conn.status();
        VDPARK_RETURN_IF_ERROR(CreatePostgresSchema(**conn).status());
        auto opened = OpenStoreRoles(schema_->url(), options);
        if (!opened.ok()) return opened.status();
        store_ = std::move(*opened);
        return Status::OK();
      }
    }
    return Status::Internal("unknown backend");
  }

  TempDir tmp_;
  std::unique_ptr<DynamoDbClient> client_;
  std::string table_;
  std::unique_ptr<testing::PostgresTestSchema> schema_;
  OpenedStore store_;
};

class StoreQueriesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    backend_ = std::make_unique<BackendStore>(GetParam());
    ASSERT_NE(backend_->store(), nullptr);
    RECORD_ASSERT_OK(backend_->WriteFleet());
  }
  void TearDown() override { backend_.reset(); }

  QueryStore& store() { return *backend_->queries(); }

  // Every page of `query` (its limit per page), checked page by page: none empty unless the
  // whole answer is, each full but the last, a cursor exactly when another page follows.
  std::vector<ParkingEvent> Walk(EventQuery query, size_t* pages = nullptr) {
    std::vector<ParkingEvent> all;
    size_t n = 0;
    while (true) {
      auto page = store().QueryEvents(query);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      ++n;
      EXPECT_LE(page->events.size(), query.limit) << "page " << n;
      if (!page->next_cursor.empty()) {
        EXPECT_EQ(page->events.size(), query.limit) << "page " << n << " is short, yet not last";
      } else if (n > 1) {
        EXPECT_FALSE(page->events.empty()) << "the last page " << n << " is empty";
      }
      all.insert(all.end(), page->events.begin(), page->events.end());
      if (page->next_cursor.empty() || n > 1000) break;
      query.cursor = page->next_cursor;
    }
    if (pages != nullptr) *pages = n;
    return all;
  }

  std::unique_ptr<BackendStore> backend_;
};

TEST_P(StoreQueriesTest, ListsEveryZoneOrATenants) {
  auto all = store().ListZones(std::nullopt);
  RECORD_ASSERT_OK(all);
  EXPECT_EQ(*all, ExpectedZones(std::nullopt));
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].zone_id, "zone-a1");
  EXPECT_EQ((*all)[0].occupied_bays, 2);

  auto a = store().ListZones("tenant-a");
  RECORD_ASSERT_OK(a);
  EXPECT_EQ(*a, ExpectedZones("tenant-a"));
  EXPECT_EQ(a->size(), 2u);
  auto b = store().ListZones("tenant-b");
  RECORD_ASSERT_OK(b);
  EXPECT_EQ(*b, ExpectedZones("tenant-b"));
  EXPECT_EQ(b->size(), 2u);

  auto none = store().ListZones("tenant-nobody");
  RECORD_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreQueriesTest, ListsAZonesBaysSortedByNumber) {
  auto a1 = store().ListBays("zone-a1");
  RECORD_ASSERT_OK(a1);
  EXPECT_EQ(*a1, ExpectedBays("zone-a1"));
  std::vector<std::string> numbers;
  for (const Bay& b : *a1) numbers.push_back(b.bay_number);
  EXPECT_EQ(numbers, (std::vector<std::string>{"A-001", "A-002", "A-003", "A-010"}));

  auto b1 = store().ListBays("zone-b1");  // byte order: capitals first
  RECORD_ASSERT_OK(b1);
  EXPECT_EQ(*b1, ExpectedBays("zone-b1"));
  ASSERT_EQ(b1->size(), 3u);
  EXPECT_EQ((*b1)[2].bay_number, "b-003");

  auto a10 = store().ListBays("zone-a10");
  RECORD_ASSERT_OK(a10);
  EXPECT_EQ(*a10, ExpectedBays("zone-a10"));

  auto empty = store().ListBays("zone-b2");
  RECORD_ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_P(StoreQueriesTest, ListsEverySensorOrAZones) {
  auto all = store().ListSensors(std::nullopt);
  RECORD_ASSERT_OK(all);
  EXPECT_EQ(*all, ExpectedSensors(std::nullopt));
  EXPECT_EQ(all->size(), 9u);  // the spare sensor, of no zone, too

  for (const char* zone : {"zone-a1", "zone-a10", "zone-b1"}) {
    auto sensors = store().ListSensors(zone);
    RECORD_ASSERT_OK(sensors);
    EXPECT_EQ(*sensors, ExpectedSensors(zone)) << zone;
    EXPECT_FALSE(sensors->empty()) << zone;
  }
  auto x = store().ListSensors("zone-x");  // its bay has no sensor
  RECORD_ASSERT_OK(x);
  EXPECT_TRUE(x->empty());
}

TEST_P(StoreQueriesTest, QueriesAZonesEventsNewestFirst) {
  for (const char* zone : {"zone-a1", "zone-a10", "zone-b1"}) {
    EventQuery query;
    query.zone_id = zone;
    query.limit = 10000;
    auto page = store().QueryEvents(query);
    RECORD_ASSERT_OK(page);
    EXPECT_TRUE(page->next_cursor.empty());
    const std::vector<ParkingEvent> expected = ExpectedEvents(query);
    EXPECT_GT(expected.size(), 20u) << zone;
    ExpectNewestFirst(page->events, expected, zone);
  }
  size_t total = 0;
  for (const Zone& z : TheFleet().md.zones) {
    total += ExpectedEvents({.zone_id = z.zone_id}).size();
  }
  EXPECT_EQ(total, TheFleet().events.size());
  EXPECT_GT(total, 200u);
}

TEST_P(StoreQueriesTest, QueriesABaysEventsNewestFirst) {
  EventQuery query;
  query.zone_id = "zone-a1";
  query.bay_number = "A-001";
  query.limit = 10000;
  auto page = store().QueryEvents(query);
  RECORD_ASSERT_OK(page);
  EXPECT_TRUE(page->next_cursor.empty());
  // One bay's events never share an instant: the order is exact.
  EXPECT_EQ(page->events, ExpectedEvents(query));
  EXPECT_GT(page->events.size(), 20u);

  query.zone_id = "zone-a10";  // the same bay number in another zone: its own events
  auto other = store().QueryEvents(query);
  RECORD_ASSERT_OK(other);
  EXPECT_EQ(other->events, ExpectedEvents(query));
}

TEST_P(StoreQueriesTest, FromIsInclusiveAndToExclusive) {
  EventQuery all{.zone_id = "zone-a1", .limit = 10000};
  const std::vector<ParkingEvent> every = ExpectedEvents(all);
  // Bounds on events' own instants: the newer one is left out, the older one kept.
  const Timestamp to = every[every.size() / 4].timestamp;
  const Timestamp from = every[every.size() * 3 / 4].timestamp;
  EventQuery window = all;
  window.from = from;
  window.to = to;
  auto page = store().QueryEvents(window);
  RECORD_ASSERT_OK(page);
  const std::vector<ParkingEvent> expected = ExpectedEvents(window);
  ExpectNewestFirst(page->events, expected, "zone window");
  ASSERT_FALSE(page->events.empty());
  EXPECT_EQ(page->events.back().timestamp, from);
  EXPECT_LT(page->events.front().timestamp, to);

  // The tie instant as a bound, on both sides.
  const Timestamp tie = Ts("2026-03-02T12:00:00Z");
  EventQuery from_tie = all;
  from_tie.from = tie;
  auto newer = store().QueryEvents(from_tie);
  RECORD_ASSERT_OK(newer);
  ExpectNewestFirst(newer->events, ExpectedEvents(from_tie), "from the tie");
  EventQuery to_tie = all;
  to_tie.to = tie;
  auto older = store().QueryEvents(to_tie);
  RECORD_ASSERT_OK(older);
  ExpectNewestFirst(older->events, ExpectedEvents(to_tie), "to the tie");
  EXPECT_EQ(newer->events.size() + older->events.size(), every.size());

  EventQuery bay = window;  // the same on one bay
  bay.bay_number = "A-002";
  auto bay_page = store().QueryEvents(bay);
  RECORD_ASSERT_OK(bay_page);
  EXPECT_EQ(bay_page->events, ExpectedEvents(bay));

  EventQuery empty = all;  // from == to: nothing
  empty.from = from;
  empty.to = from;
  auto nothing = store().QueryEvents(empty);
  RECORD_ASSERT_OK(nothing);
  EXPECT_TRUE(nothing->events.empty());
  EXPECT_TRUE(nothing->next_cursor.empty());
}

TEST_P(StoreQueriesTest, FiltersByEventType) {
  for (EventType type : {EventType::kArrive, EventType::kLeave}) {
    EventQuery query{.zone_id = "zone-b1", .event_type = type, .limit = 10000};
    auto page = store().QueryEvents(query);
    RECORD_ASSERT_OK(page);
    const std::vector<ParkingEvent> expected = ExpectedEvents(query);
    EXPECT_GT(expected.size(), 10u);
    ExpectNewestFirst(page->events, expected, std::string(ToString(type)));

    query.bay_number = "B-002";
    query.limit = 3;  // short pages of the Query: reading goes on until the page is full
    auto bay_page = store().QueryEvents(query);
    RECORD_ASSERT_OK(bay_page);
    const std::vector<ParkingEvent> bay_expected = ExpectedEvents(query);
    ASSERT_GT(bay_expected.size(), 3u);
    EXPECT_EQ(bay_page->events,
              std::vector<ParkingEvent>(bay_expected.begin(), bay_expected.begin() + 3));
    EXPECT_FALSE(bay_page->next_cursor.empty());
  }
}

TEST_P(StoreQueriesTest, PagesOfSevenWalkEveryEventOnceInOrder) {
  std::vector<EventQuery> queries = {
      {.zone_id = "zone-a1"},
      {.zone_id = "zone-b1"},
      {.zone_id = "zone-a1", .bay_number = "A-010"},
      {.zone_id = "zone-b1", .event_type = EventType::kLeave},
      {.zone_id = "zone-a1",
       .from = Ts("2026-03-02T00:00:00Z"),
       .to = Ts("2026-03-03T00:00:00Z"),
       .event_type = EventType::kArrive},
  };
  for (EventQuery query : queries) {
    query.limit = 7;
    const std::vector<ParkingEvent> expected = ExpectedEvents(query);
    const std::string what = query.zone_id + "/" + query.bay_number.value_or("*") + " " +
                             std::to_string(expected.size()) + " events";
    size_t pages = 0;
    std::vector<ParkingEvent> walked = Walk(query, &pages);
    EXPECT_EQ(pages, std::max<size_t>(1, (expected.size() + 6) / 7)) << what;
    std::set<std::tuple<std::string, std::string, Timestamp>> seen;
    for (const ParkingEvent& e : walked) {
      EXPECT_TRUE(seen.insert({e.zone_id, e.bay_number, e.timestamp}).second)
          << what << ": twice " << e.bay_number << " " << e.timestamp.ToIso();
    }
    ExpectNewestFirst(walked, expected, what);
  }
}

TEST_P(StoreQueriesTest, AnExactMultipleOfTheLimitEndsWithoutAnEmptyPage) {
  EventQuery query{.zone_id = "zone-a1", .bay_number = "A-003"};
  const std::vector<ParkingEvent> expected = ExpectedEvents(query);
  query.limit = expected.size() / 2;
  if (expected.size() % 2 != 0) query.from = expected[expected.size() - 2].timestamp;
  const size_t total = ExpectedEvents(query).size();
  ASSERT_EQ(total, 2 * query.limit);
  size_t pages = 0;
  EXPECT_EQ(Walk(query, &pages), ExpectedEvents(query));
  EXPECT_EQ(pages, 2u);
}

TEST_P(StoreQueriesTest, ABadCursorIsAnInvalidArgumentNamingIt) {
  EventQuery query{.zone_id = "zone-a1", .limit = 7};
  auto first = store().QueryEvents(query);
  RECORD_ASSERT_OK(first);
  ASSERT_FALSE(first->next_cursor.empty());
  EventQuery b1{.zone_id = "zone-b1", .limit = 7};
  auto other_zone = store().QueryEvents(b1);
  RECORD_ASSERT_OK(other_zone);
  EventQuery bay{.zone_id = "zone-a1", .bay_number = "A-001", .limit = 7};
  auto bay_first = store().QueryEvents(bay);
  RECORD_ASSERT_OK(bay_first);

  struct Bad {
    EventQuery query;
    std::string cursor;
    const char* why;
  };
  const Bad bad[] = {
      {query, "not a cursor!", "not base64url"},
      {query, "aGVsbG8sIHdvcmxk", "base64url of text"},
      {query, "WzEsMiwzXQ", "base64url of a JSON array"},
      {query, "eyJ6Ijoiem9uZS1hMSIsImIiOiJBLTAwMSIsInQiOiJ5ZXN0ZXJkYXkifQ", "a bad timestamp"},
      {query, first->next_cursor.substr(1), "cut short"},
      {query, other_zone->next_cursor, "another zone's"},
      {{.zone_id = "zone-a1", .bay_number = "A-002", .limit = 7},
       bay_first->next_cursor,
       "another bay's"},
  };
  for (Bad b : bad) {
    b.query.cursor = b.cursor;
    auto page = store().QueryEvents(b.query);
    ASSERT_FALSE(page.ok()) << b.why;
    EXPECT_TRUE(page.status().IsInvalidArgument()) << b.why << ": " << page.status().ToString();
    EXPECT_NE(page.status().message().find("cursor"), std::string::npos)
        << b.why << ": " << page.status().ToString();
  }

  // A bay's cursor continues its zone's events too: it names a place in them.
  query.cursor = bay_first->next_cursor;
  RECORD_ASSERT_OK(store().QueryEvents(query));
  EventQuery zero{.zone_id = "zone-a1", .limit = 0};
  EXPECT_TRUE(store().QueryEvents(zero).status().IsInvalidArgument());
}

TEST_P(StoreQueriesTest, AnUnknownZoneGivesEmptyLists) {
  auto bays = store().ListBays("zone-nowhere");
  RECORD_ASSERT_OK(bays);
  EXPECT_TRUE(bays->empty());
  auto sensors = store().ListSensors("zone-nowhere");
  RECORD_ASSERT_OK(sensors);
  EXPECT_TRUE(sensors->empty());
  EventQuery query{.zone_id = "zone-nowhere", .limit = 7};
  auto events = store().QueryEvents(query);
  RECORD_ASSERT_OK(events);
  EXPECT_TRUE(events->events.empty());
  EXPECT_TRUE(events->next_cursor.empty());
  query.bay_number = "A-001";
  auto bay_events = store().QueryEvents(query);
  RECORD_ASSERT_OK(bay_events);
  EXPECT_TRUE(bay_events->events.empty());
  // A zone's prefix is not the zone: zone-a (of zone-a1, zone-a10) has nothing.
  auto prefix = store().ListBays("zone-a");
  RECORD_ASSERT_OK(prefix);
  EXPECT_TRUE(prefix->empty());
  EventQuery prefix_events{.zone_id = "zone-a", .limit = 7};
  auto none = store().QueryEvents(prefix_events);
  RECORD_ASSERT_OK(none);
  EXPECT_TRUE(none->events.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreQueriesTest,
                         ::testing::Values(Backend::kEmbedded, Backend::kDynalite,
                                           Backend::kDynamoDbLocal, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

// The cursor is the same on every store for the same page, so that the old and the new API
// answer alike, nextCursor included, and a client may page through either.
TEST(StoreQueriesCursorTest, IsTheSameOnEveryStore) {
  std::vector<std::unique_ptr<BackendStore>> stores;
  for (Backend b :
       {Backend::kEmbedded, Backend::kDynalite, Backend::kDynamoDbLocal, Backend::kPostgres}) {
    stores.push_back(std::make_unique<BackendStore>(b));
    ASSERT_NE(stores.back()->store(), nullptr) << BackendName(b);
    RECORD_ASSERT_OK(stores.back()->WriteFleet());
  }
  const EventQuery queries[] = {
      {.zone_id = "zone-a1", .bay_number = "A-002", .limit = 7},
      {.zone_id = "zone-b1", .from = Ts("2026-03-02T00:00:00Z"), .limit = 5},
  };
  for (EventQuery query : queries) {
    for (int page_number = 0; page_number < 3; ++page_number) {
      std::string cursor;
      for (size_t i = 0; i < stores.size(); ++i) {
        auto page = stores[i]->queries()->QueryEvents(query);
        RECORD_ASSERT_OK(page);
        ASSERT_FALSE(page->next_cursor.empty());
        if (i == 0) cursor = page->next_cursor;
        EXPECT_EQ(page->next_cursor, cursor) << stores[i]->store()->DisplayName();
      }
      query.cursor = cursor;
    }
  }
}

// An ItemStore passing everything to `inner`, counting what Scan and Get read.
class CountingItemStore : public ItemStore {
 public:
  explicit CountingItemStore(std::unique_ptr<ItemStore> inner) : inner_(std::move(inner)) {}

  Result<std::optional<Item>> Get(const ItemKey& key) override {
    ++gets;
    return inner_->Get(key);
  }
  Status Put(const Item& item, const Condition& condition) override {
    return inner_->Put(item, condition);
  }
  Result<Item> UpdateItem(const ItemKey& key, const Update& update,
                          const Condition& condition) override {
    return inner_->UpdateItem(key, update, condition);
  }
  Status Delete(const ItemKey& key, const Condition& condition) override {
    return inner_->Delete(key, condition);
  }
  Result<Page> Query(const QueryRequest& request) override { return inner_->Query(request); }
  Result<Page> Scan(const ScanRequest& request) override {
    auto page = inner_->Scan(request);
    if (page.ok()) scanned += page->items.size();
    return page;
  }
  Status BatchWrite(std::span<const WriteRequest> writes) override {
    return inner_->BatchWrite(writes);
  }
  Status TransactWrite(std::span<const TransactItem> items) override {
    return inner_->TransactWrite(items);
  }
  bool ScanInKeyOrder() const override { return inner_->ScanInKeyOrder(); }

  std::atomic<uint64_t> scanned{0};
  std::atomic<uint64_t> gets{0};

 private:
  std::unique_ptr<ItemStore> inner_;
};

// On embedded, listing every zone reads two items per zone (its first, and its first event),
// and listing every sensor the sensors and at most a page past them: never all the events.
TEST(StoreQueriesCostTest, EmbeddedListsReadTwoItemsPerZone) {
  TempDir tmp;
  auto rocks = RocksDbItemStore::Open(tmp / "db", RocksDbOptions{});
  RECORD_ASSERT_OK(rocks);
  auto items = std::make_unique<CountingItemStore>(std::move(*rocks));
  CountingItemStore* counter = items.get();
  SingleTableStore store(std::move(items), "embedded-counting:" + tmp.path(), MapperOptions{0},
                         nullptr);
  const Fleet& f = TheFleet();
  RECORD_ASSERT_OK(store.WriteMetadata(f.md));
  RECORD_ASSERT_OK(store.WriteEvents(f.events));

  counter->scanned = 0;
  counter->gets = 0;
  auto zones = store.ListZones(std::nullopt);
  RECORD_ASSERT_OK(zones);
  EXPECT_EQ(*zones, ExpectedZones(std::nullopt));
  EXPECT_LE(counter->scanned.load(), 2 * f.md.zones.size());
  EXPECT_LE(counter->gets.load(), f.md.zones.size());

  counter->scanned = 0;
  auto sensors = store.ListSensors(std::nullopt);
  RECORD_ASSERT_OK(sensors);
  EXPECT_EQ(*sensors, ExpectedSensors(std::nullopt));
  EXPECT_LE(counter->scanned.load(), f.md.sensors.size() + RocksDbItemStore::kPageItems);
}

}  // namespace
}  // namespace vdpark
