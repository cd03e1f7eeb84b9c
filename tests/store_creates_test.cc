// The API's creates (query_store.h: CreateZone, RegisterSensor), run unchanged against every
// store that serves the API: embedded, dynamodb on dynalite (no transactions, so the one-by-one
// path with its compensation) and on DynamoDB Local (RegisterSensor's TransactWriteItems), and
// postgres. What each create writes, that a lost create writes
// nothing, and races: threads (on embedded, one store; on dynalite and postgres, a store each,
// as separate processes would have) creating the same id at once, exactly one winning.
#include <gtest/gtest.h>

#include <barrier>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "create_backends.h"
#include "record_test_support.h"

namespace vdpark {
namespace {

using record_test::Ts;
using testing::ApiBackend;
using testing::ApiBackendPlace;

Zone MakeZone(std::string id, std::string tenant) {
  Zone z;
  z.zone_id = std::move(id);
  z.name = "Zone of " + tenant;
  z.city = "Dubai";
  z.total_bays = 10;
  z.occupied_bays = 0;
  z.location = GeoPoint{25.0805, 55.1403};
  z.price_per_hour = *Decimal::Parse("12.5");
  z.tenant_id = std::move(tenant);
  z.created_at = Ts("2026-05-01T05:00:00.123456Z");
  return z;
}

Sensor MakeSensor(std::string id, std::string zone, std::string bay) {
  Sensor s;
  s.sensor_id = std::move(id);
  s.model = "PSL01B";
  s.firmware_version = "2.1.4";
  s.install_date = Ts("2026-05-02T00:00:00Z");
  s.zone_id = std::move(zone);
  s.bay_number = std::move(bay);
  s.status = "active";
  return s;
}

// The bay as RegisterSensor is asked to make it: status unknown, the sensor, type and location
// as given.
Bay NewBay(const Sensor& sensor, std::optional<std::string> type = std::nullopt,
           std::optional<GeoPoint> location = std::nullopt) {
  Bay b;
  b.zone_id = *sensor.zone_id;
  b.bay_number = *sensor.bay_number;
  b.sensor_id = sensor.sensor_id;
  b.bay_type = std::move(type);
  b.location = location;
  return b;
}

class StoreCreatesTest : public ::testing::TestWithParam<ApiBackend> {
 protected:
  void SetUp() override {
    place_ = std::make_unique<ApiBackendPlace>(GetParam());
    ASSERT_TRUE(place_->ok());
    opened_ = place_->Open();
    ASSERT_NE(opened_, nullptr);
  }
  void TearDown() override { place_.reset(); }

  QueryStore& store() { return *opened_->queries; }
  RecordStore& records() { return *opened_->records; }

  // `n` stores for `n` racing threads: one each where a store serves one thread (postgres) or
  // stands for a process of its own (dynamodb), the same one on embedded.
  std::vector<QueryStore*> RacingStores(int n) {
    std::vector<QueryStore*> stores;
    for (int i = 0; i < n; ++i) {
      OpenedStore* s = place_->Open();
      if (s == nullptr) return {};
      stores.push_back(s->queries);
    }
    return stores;
  }

  // Runs `create(i, store)` on `stores.size()` threads released together; their outcomes.
  template <typename Create>
  std::vector<Result<CreateOutcome>> Race(const std::vector<QueryStore*>& stores, Create create) {
    std::vector<Result<CreateOutcome>> outcomes(stores.size(), Status::Internal("not run"));
    std::barrier start(static_cast<std::ptrdiff_t>(stores.size()));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < stores.size(); ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        outcomes[i] = create(i, *stores[i]);
      });
    }
    for (auto& t : threads) t.join();
    return outcomes;
  }

  std::unique_ptr<ApiBackendPlace> place_;
  OpenedStore* opened_ = nullptr;
};

// How many of `outcomes` are `want` (each must be a value).
int Count(const std::vector<Result<CreateOutcome>>& outcomes, CreateOutcome want) {
  int n = 0;
  for (const auto& o : outcomes) {
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    if (o.ok() && *o == want) ++n;
  }
  return n;
}

TEST_P(StoreCreatesTest, CreateZoneWritesANewZoneAndLeavesAnExistingOne) {
  const Zone zone = MakeZone("zone-new", "tenant-a");
  auto created = store().CreateZone(zone);
  RECORD_ASSERT_OK(created);
  EXPECT_EQ(*created, CreateOutcome::kCreated);
  auto read = store().GetZone("zone-new");
  RECORD_ASSERT_OK(read);
  EXPECT_EQ(*read, zone);

  Zone other = MakeZone("zone-new", "tenant-b");
  other.name = "another";
  auto again = store().CreateZone(other);
  RECORD_ASSERT_OK(again);
  EXPECT_EQ(*again, CreateOutcome::kExists);
  read = store().GetZone("zone-new");
  RECORD_ASSERT_OK(read);
  EXPECT_EQ(*read, zone);
}

TEST_P(StoreCreatesTest, RegisterSensorMakesAnAbsentBay) {
  RECORD_ASSERT_OK(store().CreateZone(MakeZone("zone-a", "tenant-a")));
  const Sensor sensor = MakeSensor("S-1", "zone-a", "A-001");
  const Bay bay = NewBay(sensor, "standard", GeoPoint{25.1, 55.2});
  auto registered = store().RegisterSensor(sensor, bay);
  RECORD_ASSERT_OK(registered);
  EXPECT_EQ(*registered, CreateOutcome::kCreated);
  auto read_sensor = store().GetSensor("S-1");
  RECORD_ASSERT_OK(read_sensor);
  EXPECT_EQ(*read_sensor, sensor);
  auto read_bay = store().GetBay("zone-a", "A-001");
  RECORD_ASSERT_OK(read_bay);
  EXPECT_EQ(*read_bay, bay);
}

TEST_P(StoreCreatesTest, RegisterSensorKeepsAnExistingBaysState) {
  RECORD_ASSERT_OK(store().CreateZone(MakeZone("zone-a", "tenant-a")));
  Bay stored;
  stored.zone_id = "zone-a";
  stored.bay_number = "A-001";
  stored.status = BayStatus::kOccupied;
  stored.last_change = Ts("2026-05-03T10:00:00Z");
  stored.occupied_since = stored.last_change;
  stored.bay_type = "standard";
  stored.location = GeoPoint{25.1, 55.2};
  Metadata md;
  md.bays.push_back(stored);
  RECORD_ASSERT_OK(records().WriteMetadata(md));

  // The type given replaces the stored one; the location not given leaves it.
  const Sensor sensor = MakeSensor("S-1", "zone-a", "A-001");
  auto registered = store().RegisterSensor(sensor, NewBay(sensor, "disabled"));
  RECORD_ASSERT_OK(registered);
  EXPECT_EQ(*registered, CreateOutcome::kCreated);
  Bay expected = stored;
  expected.sensor_id = "S-1";
  expected.bay_type = "disabled";
  auto read_bay = store().GetBay("zone-a", "A-001");
  RECORD_ASSERT_OK(read_bay);
  EXPECT_EQ(*read_bay, expected);
}

TEST_P(StoreCreatesTest, RegisterSensorOnABayNamingItAlready) {
  // The bay names the sensor, whose record is not there (a load of bays without sensors).
  Bay stored;
  stored.zone_id = "zone-a";
  stored.bay_number = "A-001";
  stored.sensor_id = "S-1";
  stored.status = BayStatus::kVacant;
  stored.last_change = Ts("2026-05-03T10:00:00Z");
  Metadata md;
  md.zones.push_back(MakeZone("zone-a", "tenant-a"));
  md.bays.push_back(stored);
  RECORD_ASSERT_OK(records().WriteMetadata(md));
  const Sensor sensor = MakeSensor("S-1", "zone-a", "A-001");
  auto registered = store().RegisterSensor(sensor, NewBay(sensor));
  RECORD_ASSERT_OK(registered);
  EXPECT_EQ(*registered, CreateOutcome::kCreated);
  auto read_bay = store().GetBay("zone-a", "A-001");
  RECORD_ASSERT_OK(read_bay);
  EXPECT_EQ(*read_bay, stored);
}

TEST_P(StoreCreatesTest, ALostRegistrationWritesNothing) {
  RECORD_ASSERT_OK(store().CreateZone(MakeZone("zone-a", "tenant-a")));
  const Sensor first = MakeSensor("S-1", "zone-a", "A-001");
  RECORD_ASSERT_OK(store().RegisterSensor(first, NewBay(first)));

  // The sensor exists: nothing of the second registration (another bay) is written.
  const Sensor again = MakeSensor("S-1", "zone-a", "A-002");
  auto exists = store().RegisterSensor(again, NewBay(again));
  RECORD_ASSERT_OK(exists);
  EXPECT_EQ(*exists, CreateOutcome::kExists);
  auto sensor = store().GetSensor("S-1");
  RECORD_ASSERT_OK(sensor);
  EXPECT_EQ(*sensor, first);
  auto no_bay = store().GetBay("zone-a", "A-002");
  RECORD_ASSERT_OK(no_bay);
  EXPECT_FALSE(no_bay->has_value());

  // The bay has another sensor: the new sensor is not written (nor left behind).
  const Sensor second = MakeSensor("S-2", "zone-a", "A-001");
  auto taken = store().RegisterSensor(second, NewBay(second, "disabled"));
  RECORD_ASSERT_OK(taken);
  EXPECT_EQ(*taken, CreateOutcome::kBayTaken);
  auto no_sensor = store().GetSensor("S-2");
  RECORD_ASSERT_OK(no_sensor);
  EXPECT_FALSE(no_sensor->has_value());
  auto bay = store().GetBay("zone-a", "A-001");
  RECORD_ASSERT_OK(bay);
  ASSERT_TRUE(bay->has_value());
  EXPECT_EQ((*bay)->sensor_id, "S-1");
  EXPECT_EQ((*bay)->bay_type, std::nullopt);
}

TEST_P(StoreCreatesTest, ABayNamingAnotherSensorIsRefused) {
  const Sensor sensor = MakeSensor("S-1", "zone-a", "A-001");
  Bay wrong = NewBay(sensor);
  wrong.sensor_id = "S-2";
  EXPECT_TRUE(store().RegisterSensor(sensor, wrong).status().IsInvalidArgument());
  auto none = store().GetSensor("S-1");
  RECORD_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
}

constexpr int kRacers = 6;
// Rounds per race: embedded, all in memory, needs many for a check-then-write to be caught.
int Rounds(ApiBackend backend) {
  return backend == ApiBackend::kEmbedded ? 300 : 10;
}

TEST_P(StoreCreatesTest, OfZonesCreatedAtOnceExactlyOneIsCreated) {
  const std::vector<QueryStore*> stores = RacingStores(kRacers);
  ASSERT_EQ(stores.size(), size_t{kRacers});
  for (int round = 0; round < Rounds(GetParam()); ++round) {
    const std::string id = "zone-race-" + std::to_string(round);
    auto outcomes = Race(stores, [&](size_t i, QueryStore& s) {
      return s.CreateZone(MakeZone(id, "tenant-" + std::to_string(i)));
    });
    ASSERT_EQ(Count(outcomes, CreateOutcome::kCreated), 1) << id;
    EXPECT_EQ(Count(outcomes, CreateOutcome::kExists), kRacers - 1) << id;
    size_t winner = 0;
    while (*outcomes[winner] != CreateOutcome::kCreated) ++winner;
    auto zone = store().GetZone(id);
    RECORD_ASSERT_OK(zone);
    ASSERT_TRUE(zone->has_value()) << id;
    EXPECT_EQ((*zone)->tenant_id, "tenant-" + std::to_string(winner)) << id;
  }
}

TEST_P(StoreCreatesTest, OfOneSensorRegisteredAtOnceExactlyOneIsRegistered) {
  RECORD_ASSERT_OK(store().CreateZone(MakeZone("zone-a", "tenant-a")));
  const std::vector<QueryStore*> stores = RacingStores(kRacers);
  ASSERT_EQ(stores.size(), size_t{kRacers});
  for (int round = 0; round < Rounds(GetParam()); ++round) {
    // Each racer its own bay: the sensor decides.
    const std::string id = "S-race-" + std::to_string(round);
    auto bay_of = [&](size_t i) { return "R" + std::to_string(round) + "-" + std::to_string(i); };
    auto outcomes = Race(stores, [&](size_t i, QueryStore& s) {
      const Sensor sensor = MakeSensor(id, "zone-a", bay_of(i));
      return s.RegisterSensor(sensor, NewBay(sensor));
    });
    ASSERT_EQ(Count(outcomes, CreateOutcome::kCreated), 1) << id;
    EXPECT_EQ(Count(outcomes, CreateOutcome::kExists), kRacers - 1) << id;
    auto sensor = store().GetSensor(id);
    RECORD_ASSERT_OK(sensor);
    ASSERT_TRUE(sensor->has_value()) << id;
    for (size_t i = 0; i < stores.size(); ++i) {
      const bool won = *outcomes[i] == CreateOutcome::kCreated;
      if (won) {
        EXPECT_EQ((*sensor)->bay_number, bay_of(i)) << id;
      }
      auto bay = store().GetBay("zone-a", bay_of(i));
      RECORD_ASSERT_OK(bay);
      EXPECT_EQ(bay->has_value(), won) << id << " racer " << i;
    }
  }
}

TEST_P(StoreCreatesTest, OfSensorsRegisteredToOneBayAtOnceExactlyOneGetsIt) {
  RECORD_ASSERT_OK(store().CreateZone(MakeZone("zone-a", "tenant-a")));
  const std::vector<QueryStore*> stores = RacingStores(kRacers);
  ASSERT_EQ(stores.size(), size_t{kRacers});
  for (int round = 0; round < Rounds(GetParam()); ++round) {
    // Every racer its own sensor, one bay: the bay decides, and the losers' sensors are gone.
    // Odd rounds race for a bay that exists without a sensor.
    const std::string bay_number = "B-" + std::to_string(round);
    if (round % 2 == 1) {
      Bay empty;
      empty.zone_id = "zone-a";
      empty.bay_number = bay_number;
      empty.status = BayStatus::kVacant;
      Metadata md;
      md.bays.push_back(empty);
      RECORD_ASSERT_OK(records().WriteMetadata(md));
    }
    auto sensor_of = [&](size_t i) { return bay_number + "-S" + std::to_string(i); };
    auto outcomes = Race(stores, [&](size_t i, QueryStore& s) {
      const Sensor sensor = MakeSensor(sensor_of(i), "zone-a", bay_number);
      return s.RegisterSensor(sensor, NewBay(sensor));
    });
    ASSERT_EQ(Count(outcomes, CreateOutcome::kCreated), 1) << bay_number;
    EXPECT_EQ(Count(outcomes, CreateOutcome::kBayTaken), kRacers - 1) << bay_number;
    auto bay = store().GetBay("zone-a", bay_number);
    RECORD_ASSERT_OK(bay);
    ASSERT_TRUE(bay->has_value());
    for (size_t i = 0; i < stores.size(); ++i) {
      const bool won = *outcomes[i] == CreateOutcome::kCreated;
      if (won) {
        EXPECT_EQ((*bay)->sensor_id, sensor_of(i)) << bay_number;
      }
      auto sensor = store().GetSensor(sensor_of(i));
      RECORD_ASSERT_OK(sensor);
      EXPECT_EQ(sensor->has_value(), won) << bay_number << " racer " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCreatesTest,
                         ::testing::Values(ApiBackend::kEmbedded, ApiBackend::kDynalite,
                                           ApiBackend::kDynamoDbLocal, ApiBackend::kPostgres),
                         [](const ::testing::TestParamInfo<ApiBackend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace vdpark
