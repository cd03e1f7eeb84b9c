// The live-state operations of the single-table stores (store.h: GetZone, GetBay, GetSensor,
// ApplyLiveChange, ReconcileOccupancy), run unchanged against:
//   - embedded:                      OpenStore("embedded:DIR"), changes in one RocksDB transaction;
//   - embedded_without_transactions: the same RocksDB store behind an item store that answers
//                                    TransactWrite as dynalite does, so the one-by-one writes are
//                                    tested without a server;
//   - dynalite:                      OpenStore("dynamodb://TABLE?endpoint=..."), a table made for
//                                    the test (dynalite 4 has no TransactWriteItems either);
//   - dynamodb_local:                the same on AWS's DynamoDB Local, with TransactWriteItems.
// Each test also checks which way the store wrote its live changes (LiveWriteCounts).
// Each test starts from the small fleet of parking_fixture.h, loaded with WriteMetadata.
#include "store/live_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "dynamodb_local.h"
#include "fault_proxy.h"
#include "parking_fixture.h"
#include "record_test_support.h"
#include "store/dynamodb/dynamodb_error.h"
#include "store/dynamodb/table_admin.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"

namespace vdpark {

namespace {

using record_test::Ts;
using testing::TempDir;

// An ItemStore passing everything to `inner` but answering TransactWrite with `transact`'s status
// (by default what DynamoDbError makes of dynalite's UnknownOperationException).
class TransactAnswering : public ItemStore {
 public:
  TransactAnswering(std::unique_ptr<ItemStore> inner, Status transact)
      : inner_(std::move(inner)), transact_(std::move(transact)) {}

  Result<std::optional<Item>> Get(const ItemKey& key) override { return inner_->Get(key); }
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
  Result<Page> Scan(const ScanRequest& request) override { return inner_->Scan(request); }
  Status BatchWrite(std::span<const WriteRequest> writes) override {
    return inner_->BatchWrite(writes);
  }
  Status TransactWrite(std::span<const TransactItem>) override {
    ++transact_calls;
    return transact_;
  }
  bool ScanInKeyOrder() const override { return inner_->ScanInKeyOrder(); }

  std::atomic<int> transact_calls{0};

 private:
  std::unique_ptr<ItemStore> inner_;
  Status transact_;
};

Status DynaliteNoTransactions() {
  boost::json::object body{{"__type", "com.amazon.coral.service#UnknownOperationException"}};
  return DynamoDbError("TransactWriteItems", 400, &body);
}

// A SingleTableStore over RocksDB in `dir` whose TransactWrite answers `transact`.
std::unique_ptr<SingleTableStore> OpenEmbeddedAnswering(const std::string& dir, Status transact,
                                                        TransactAnswering** fake = nullptr) {
  auto rocks = RocksDbItemStore::Open(dir, RocksDbOptions{});
  EXPECT_TRUE(rocks.ok()) << rocks.status().ToString();
  if (!rocks.ok()) return nullptr;
  auto items = std::make_unique<TransactAnswering>(std::move(*rocks), std::move(transact));
  if (fake != nullptr) *fake = items.get();
  return std::make_unique<SingleTableStore>(std::move(items), "embedded-answering:" + dir,
                                            MapperOptions{}, nullptr);
}

// The fleet of parking_fixture.h, as the csv store reads it.
Metadata FixtureMetadata(const TempDir& tmp) {
  testing::WriteFixture(tmp, "export");
  auto csv = OpenStore("csv:" + tmp / "export");
  EXPECT_TRUE(csv.ok()) << csv.status().ToString();
  if (!csv.ok()) return {};
  auto md = (*csv)->ReadMetadata([](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; });
  EXPECT_TRUE(md.ok()) << md.status().ToString();
  return md.ok() ? std::move(*md) : Metadata{};
}

enum class Backend { kEmbedded, kEmbeddedWithoutTransactions, kDynalite, kDynamoDbLocal };

std::string BackendName(Backend backend) {
  switch (backend) {
    case Backend::kEmbedded:
      return "embedded";
    case Backend::kEmbeddedWithoutTransactions:
      return "embedded_without_transactions";
    case Backend::kDynalite:
      return "dynalite";
    case Backend::kDynamoDbLocal:
      return "dynamodb_local";
  }
  return "unknown";
}
std::string TestNameOf(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}
void PrintTo(Backend backend, std::ostream* os) {
  *os << BackendName(backend);
}

class LiveStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kEmbedded: {
        auto opened = OpenStore("embedded:" + tmp_ / "db");
        RECORD_ASSERT_OK(opened);
        store_ = std::move(*opened);
        break;
      }
      case Backend::kEmbeddedWithoutTransactions:
        store_ = OpenEmbeddedAnswering(tmp_ / "db", DynaliteNoTransactions());
        ASSERT_NE(store_, nullptr);
        break;
      case Backend::kDynalite:
      case Backend::kDynamoDbLocal: {
        const testing::DynamoDbServer server = GetParam() == Backend::kDynalite
                                                   ? testing::DynamoDbServer::kDynalite
                                                   : testing::DynamoDbServer::kDynamoDbLocal;
        const std::string endpoint = testing::ServerEndpoint(server);
        ASSERT_FALSE(endpoint.empty());
        // OpenStore resolves credentials as the CLI does; the servers want them present, not real.
        setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
        setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
        auto client = DynamoDbClient::Create(testing::ServerClientOptions(server, endpoint));
        RECORD_ASSERT_OK(client);
        client_ = std::move(*client);
        table_ = testing::UniqueTableName("live");
        TableAdminOptions admin;
        admin.poll_interval = std::chrono::milliseconds(20);
        RECORD_ASSERT_OK(CreateTable(*client_, table_, admin));
        auto opened =
            OpenStore("dynamodb://" + table_ + "?region=me-central-1&endpoint=" + endpoint);
        RECORD_ASSERT_OK(opened);
        store_ = std::move(*opened);
        break;
      }
    }
    single_ = dynamic_cast<SingleTableStore*>(store_.get());
    ASSERT_NE(single_, nullptr) << store_->DisplayName() << " is not a SingleTableStore";
    md_ = FixtureMetadata(tmp_);
    ASSERT_EQ(md_.bays.size(), 5u);
    RECORD_ASSERT_OK(store_->WriteMetadata(md_));
  }

  void TearDown() override {
    store_.reset();
    if (client_ != nullptr) {
      Status s = DeleteTable(*client_, table_);
      EXPECT_TRUE(s.ok()) << "DeleteTable " << table_ << ": " << s.ToString();
    }
  }

  SingleTableStore& store() { return *single_; }
  ItemStore& items() { return single_->items(); }
  // Whether the item store has transactions (RocksDB, DynamoDB Local; not dynalite).
  bool Transactional() const {
    return GetParam() == Backend::kEmbedded || GetParam() == Backend::kDynamoDbLocal;
  }

  const Bay& FixtureBay(const std::string& zone, const std::string& number) {
    for (const Bay& b : md_.bays) {
      if (b.zone_id == zone && b.bay_number == number) return b;
    }
    ADD_FAILURE() << "no bay " << zone << "/" << number << " in the fixture";
    static const Bay kNone;
    return kNone;
  }
  const Sensor& FixtureSensor(const std::string& id) {
    for (const Sensor& s : md_.sensors) {
      if (s.sensor_id == id) return s;
    }
    ADD_FAILURE() << "no sensor " << id << " in the fixture";
    static const Sensor kNone;
    return kNone;
  }

  // The change an arrival at `at` makes to `bay` (vacant or unknown): occupied since `at`, an
  // ARRIVE event, +1, and its sensor seen at `at`.
  LiveChange Arrival(const Bay& bay, Timestamp at) {
    LiveChange c;
    c.bay_before = bay;
    c.bay_after = bay;
    c.bay_after->status = BayStatus::kOccupied;
    c.bay_after->last_change = at;
    c.bay_after->occupied_since = at;
    c.bay_after->last_heartbeat = at;
    c.event = ParkingEvent{bay.zone_id, bay.bay_number, bay.sensor_id, EventType::kArrive, at, {},
                           {},          "dual"};
    c.occupied_delta = 1;
    c.sensor = FixtureSensor(*bay.sensor_id);
    c.sensor->last_seen = at;
    c.sensor->last_battery = 90;
    return c;
  }

  // The change a departure at `at` makes to `bay` (occupied): vacant, a LEAVE event, -1.
  LiveChange Departure(const Bay& bay, Timestamp at) {
    LiveChange c;
    c.bay_before = bay;
    c.bay_after = bay;
    c.bay_after->status = BayStatus::kVacant;
    c.bay_after->last_change = at;
    c.bay_after->occupied_since.reset();
    c.bay_after->last_heartbeat = at;
    c.event = ParkingEvent{bay.zone_id,
                           bay.bay_number,
                           bay.sensor_id,
                           EventType::kLeave,
                           at,
                           5,
                           Decimal::Parse("1.05").value(),
                           "dual"};
    c.occupied_delta = -1;
    return c;
  }

  std::optional<int64_t> Occupied(const std::string& zone) {
    auto z = store().GetZone(zone);
    EXPECT_TRUE(z.ok()) << z.status().ToString();
    if (!z.ok() || !*z) return std::nullopt;
    return (*z)->occupied_bays;
  }
  std::optional<Bay> ReadBay(const std::string& zone, const std::string& number) {
    auto b = store().GetBay(zone, number);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : std::nullopt;
  }
  std::optional<Sensor> ReadSensor(const std::string& id) {
    auto s = store().GetSensor(id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : std::nullopt;
  }
  std::optional<ParkingEvent> ReadEvent(const ParkingEvent& key) {
    auto e = store().GetEvent(key);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : std::nullopt;
  }
  // Every event item of one bay, read from the table itself.
  size_t EventCount(const std::string& zone, const std::string& number) {
    QueryRequest q;
    q.partition = SingleTableMapper::EventPartition(zone, number);
    size_t n = 0;
    while (true) {
      auto page = items().Query(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return n;
      n += page->items.size();
      if (!page->last_evaluated_key) return n;
      q.exclusive_start_key = page->last_evaluated_key;
    }
  }

  TempDir tmp_;
  std::unique_ptr<RecordStore> store_;
  SingleTableStore* single_ = nullptr;
  Metadata md_;
  std::unique_ptr<DynamoDbClient> client_;
  std::string table_;
};

TEST_P(LiveStoreTest, GetOfAMissingRecordIsNullopt) {
  auto zone = store().GetZone("zone-999");
  RECORD_ASSERT_OK(zone);
  EXPECT_FALSE(zone->has_value());
  auto bay = store().GetBay("zone-001", "Z-999");
  RECORD_ASSERT_OK(bay);
  EXPECT_FALSE(bay->has_value());
  auto sensor = store().GetSensor("PSL01B-999999");
  RECORD_ASSERT_OK(sensor);
  EXPECT_FALSE(sensor->has_value());
}

TEST_P(LiveStoreTest, GetReturnsTheRecordsAsWritten) {
  for (Zone want : md_.zones) {
    want.occupied_bays = 1;  // each fixture zone has one occupied bay
    EXPECT_EQ(store().GetZone(want.zone_id).value(), std::optional<Zone>(want)) << want.zone_id;
  }
  for (const Bay& want : md_.bays) {
    EXPECT_EQ(ReadBay(want.zone_id, want.bay_number), std::optional<Bay>(want)) << want.bay_number;
  }
  for (const Sensor& want : md_.sensors) {
    EXPECT_EQ(ReadSensor(want.sensor_id), std::optional<Sensor>(want)) << want.sensor_id;
  }
}

TEST_P(LiveStoreTest, GetOfAnItemThatDoesNotMapIsCorruptionNamingItsKey) {
  Update bad;
  bad.set = {{"totalBays", AttributeValue::S("many")}};
  RECORD_ASSERT_OK(items().UpdateItem(SingleTableMapper::ZoneKey("zone-001"), bad));
  auto zone = store().GetZone("zone-001");
  ASSERT_FALSE(zone.ok());
  EXPECT_EQ(zone.status().code(), Status::Code::kCorruption) << zone.status().ToString();
  EXPECT_NE(zone.status().message().find("ZONE#zone-001 / METADATA"), std::string::npos)
      << zone.status().ToString();

  bad.set = {{"status", AttributeValue::S("parked")}};
  RECORD_ASSERT_OK(items().UpdateItem(SingleTableMapper::BayKey("zone-001", "A-002"), bad));
  auto bay = store().GetBay("zone-001", "A-002");
  ASSERT_FALSE(bay.ok());
  EXPECT_EQ(bay.status().code(), Status::Code::kCorruption) << bay.status().ToString();
  EXPECT_NE(bay.status().message().find("ZONE#zone-001 / BAY#A-002"), std::string::npos)
      << bay.status().ToString();

  bad.set = {{"lastSeen", AttributeValue::S("yesterday")}};
  RECORD_ASSERT_OK(items().UpdateItem(SingleTableMapper::SensorKey("PSL01B-000002"), bad));
  auto sensor = store().GetSensor("PSL01B-000002");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().code(), Status::Code::kCorruption) << sensor.status().ToString();
  EXPECT_NE(sensor.status().message().find("SENSOR#PSL01B-000002 / METADATA"), std::string::npos)
      << sensor.status().ToString();
}

TEST_P(LiveStoreTest, AnArrivalIsVisibleInTheBayTheEventAndTheZone) {
  const Bay vacant = FixtureBay("zone-001", "A-002");
  ASSERT_EQ(vacant.status, BayStatus::kVacant);
  ASSERT_FALSE(vacant.last_heartbeat) << "the condition must also match a NULL lastHeartbeat";
  const LiveChange arrival = Arrival(vacant, Ts("2026-11-21T08:00:00.123456Z"));
  RECORD_ASSERT_OK(store().ApplyLiveChange(arrival));

  EXPECT_EQ(ReadBay("zone-001", "A-002"), arrival.bay_after);
  EXPECT_EQ(ReadEvent(*arrival.event), arrival.event);
  EXPECT_EQ(Occupied("zone-001"), 2);
  EXPECT_EQ(Occupied("zone-002"), 1) << "another zone's counter moved";
  EXPECT_EQ(ReadSensor(*vacant.sensor_id), arrival.sensor);
  // The event carries the ttl the mapper computes; the sensor keeps its GSI1 keys.
  auto event_item = items().Get(SingleTableMapper::EventKey(*arrival.event));
  RECORD_ASSERT_OK(event_item);
  ASSERT_TRUE(event_item->has_value());
  EXPECT_EQ(GetString(**event_item, "GSI1PK"), "ZONE#zone-001");
  const AttributeValue* ttl = FindAttribute(**event_item, kTtlAttr);
  ASSERT_NE(ttl, nullptr);
  EXPECT_EQ(*ttl, AttributeValue::N(single_->mapper().TtlOf(arrival.event->timestamp)));
  auto sensor_item = items().Get(SingleTableMapper::SensorKey(*vacant.sensor_id));
  RECORD_ASSERT_OK(sensor_item);
  ASSERT_TRUE(sensor_item->has_value());
  EXPECT_EQ(**sensor_item, single_->mapper().ToItem(*arrival.sensor));

  // The way back: a departure from the bay as it now is.
  const LiveChange departure = Departure(*arrival.bay_after, Ts("2026-11-21T08:05:00Z"));
  RECORD_ASSERT_OK(store().ApplyLiveChange(departure));
  EXPECT_EQ(ReadBay("zone-001", "A-002"), departure.bay_after);
  EXPECT_EQ(ReadEvent(*departure.event), departure.event);
  EXPECT_EQ(Occupied("zone-001"), 1);

  // Whether the changes went as a transaction: only where the server has them.
  EXPECT_EQ(single_->UsesTransactions(), Transactional());
  // And counted as such: both changes by one path (GET /metrics shows these counts).
  const LiveWriteCounts counts = store().GetLiveWriteCounts();
  EXPECT_EQ(counts, (LiveWriteCounts{.transaction = Transactional() ? 2u : 0u,
                                     .one_by_one = Transactional() ? 0u : 2u,
                                     .single = 0}));
}

TEST_P(LiveStoreTest, AStaleBayBeforeFailsAndWritesNothing) {
  Bay stale = FixtureBay("zone-001", "A-002");
  stale.last_change = Ts("2026-11-20T06:00:00Z");  // the store has 07:30
  const LiveChange change = Arrival(stale, Ts("2026-11-21T08:00:00Z"));
  Status s = store().ApplyLiveChange(change);
  EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_EQ(ReadBay("zone-001", "A-002"), FixtureBay("zone-001", "A-002"));
  EXPECT_EQ(ReadEvent(*change.event), std::nullopt);
  EXPECT_EQ(Occupied("zone-001"), 1);
  EXPECT_EQ(ReadSensor("PSL01B-000002"), FixtureSensor("PSL01B-000002"));

  // A change applied once makes its own bay_before stale: the second try fails the same way.
  const LiveChange first = Arrival(FixtureBay("zone-001", "A-002"), Ts("2026-11-21T09:00:00Z"));
  RECORD_ASSERT_OK(store().ApplyLiveChange(first));
  LiveChange again = Arrival(FixtureBay("zone-001", "A-002"), Ts("2026-11-21T09:00:01Z"));
  s = store().ApplyLiveChange(again);
  EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_EQ(ReadEvent(*again.event), std::nullopt);
  EXPECT_EQ(Occupied("zone-001"), 2);
  EXPECT_EQ(ReadBay("zone-001", "A-002"), first.bay_after);
  EXPECT_EQ(ReadSensor("PSL01B-000002"), first.sensor);

  // Each of the three attributes counts, and so does the bay being there at all.
  Bay other_status = FixtureBay("zone-002", "B-002");
  other_status.status = BayStatus::kUnknown;
  EXPECT_TRUE(store()
                  .ApplyLiveChange(Arrival(other_status, Ts("2026-11-21T10:00:00Z")))
                  .IsConditionFailed());
  Bay other_heartbeat = FixtureBay("zone-002", "B-002");
  other_heartbeat.last_heartbeat = Ts("2026-11-20T04:00:00Z");
  EXPECT_TRUE(store()
                  .ApplyLiveChange(Arrival(other_heartbeat, Ts("2026-11-21T10:00:00Z")))
                  .IsConditionFailed());
  Bay missing = FixtureBay("zone-002", "B-002");
  missing.bay_number = "B-404";
  LiveChange ghost = Arrival(missing, Ts("2026-11-21T10:00:00Z"));
  EXPECT_TRUE(store().ApplyLiveChange(ghost).IsConditionFailed());
  EXPECT_EQ(ReadBay("zone-002", "B-404"), std::nullopt);
  EXPECT_EQ(ReadEvent(*ghost.event), std::nullopt);
  EXPECT_EQ(ReadBay("zone-002", "B-002"), FixtureBay("zone-002", "B-002"));
  EXPECT_EQ(Occupied("zone-002"), 1);
}

TEST_P(LiveStoreTest, RacingWritersOfOneChangeCountItOnce) {
  // Each round, several threads apply the same arrival (or departure) from the same bay_before,
  // each with its own event time: exactly one may win, and the counter moves once.
  constexpr int kThreads = 6;
  constexpr int kRounds = 6;
  int64_t occupied = 1;
  for (int round = 0; round < kRounds; ++round) {
    const std::optional<Bay> before = ReadBay("zone-001", "A-002");
    ASSERT_TRUE(before);
    const bool arriving = before->status != BayStatus::kOccupied;
    std::vector<LiveChange> changes;
    for (int t = 0; t < kThreads; ++t) {
      Timestamp at = Timestamp::FromMicros(Ts("2026-11-21T10:00:00Z").micros() +
                                           int64_t{round} * 60'000'000 + t);
      changes.push_back(arriving ? Arrival(*before, at) : Departure(*before, at));
    }
    std::vector<Status> results(kThreads);
    std::barrier start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        results[t] = store().ApplyLiveChange(changes[t]);
      });
    }
    for (auto& t : threads) t.join();
    int won = -1;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t].ok()) {
        EXPECT_EQ(won, -1) << "round " << round << ": threads " << won << " and " << t
                           << " both applied the change";
        won = t;
      } else {
        EXPECT_TRUE(results[t].IsConditionFailed()) << results[t].ToString();
      }
    }
    ASSERT_NE(won, -1) << "round " << round << ": no thread applied the change";
    occupied += arriving ? 1 : -1;
    EXPECT_EQ(Occupied("zone-001"), occupied) << "round " << round;
    EXPECT_EQ(ReadBay("zone-001", "A-002"), changes[won].bay_after) << "round " << round;
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_EQ(ReadEvent(*changes[t].event).has_value(), t == won) << "round " << round;
    }
  }
  EXPECT_EQ(EventCount("zone-001", "A-002"), static_cast<size_t>(kRounds));
  // Only the winners are counted, each by the path the server allows.
  const LiveWriteCounts counts = store().GetLiveWriteCounts();
  EXPECT_EQ(counts.transaction, Transactional() ? uint64_t{kRounds} : 0u);
  EXPECT_EQ(counts.one_by_one, Transactional() ? 0u : uint64_t{kRounds});
}

TEST_P(LiveStoreTest, AHealthOnlyChangeWritesJustTheSensor) {
  LiveChange health;
  health.sensor = FixtureSensor("PSL01B-000003");
  health.sensor->last_battery = 12;
  health.sensor->last_signal = -104;
  health.sensor->last_seen = Ts("2026-11-21T11:00:00Z");
  ASSERT_FALSE(health.empty());
  RECORD_ASSERT_OK(store().ApplyLiveChange(health));
  EXPECT_EQ(ReadSensor("PSL01B-000003"), health.sensor);
  EXPECT_EQ(ReadBay("zone-001", "A-003"), FixtureBay("zone-001", "A-003"));
  EXPECT_EQ(Occupied("zone-001"), 1);
  EXPECT_EQ(EventCount("zone-001", "A-003"), 0u) << "the fixture's events were not loaded";
  // The sensor is still found by its zone (GSI1, as the mapper keys it).
  QueryRequest by_zone;
  by_zone.index = IndexName::kGsi1;
  by_zone.partition = "ZONE#zone-001";
  by_zone.sort = {SortKeyCondition::Op::kEq, "SENSOR#PSL01B-000003", {}};
  auto found = items().Query(by_zone);
  RECORD_ASSERT_OK(found);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(*FindAttribute(found->items[0], "lastBattery"), AttributeValue::N(int64_t{12}));

  RECORD_ASSERT_OK(store().ApplyLiveChange(LiveChange{}));  // nothing to write
  EXPECT_EQ(ReadSensor("PSL01B-000003"), health.sensor);
  EXPECT_EQ(store().GetLiveWriteCounts(), (LiveWriteCounts{.single = 1}));
}

TEST_P(LiveStoreTest, ABayStoredWithOtherSpellingsStillMatchesItsMeaning) {
  // Another writer left lastHeartbeat and occupiedSince out rather than NULL, and wrote the
  // status in capitals: GetBay reads the same bay, and a change from it applies.
  Update foreign;
  foreign.remove = {"lastHeartbeat", "occupiedSince"};
  foreign.set = {{"status", AttributeValue::S("VACANT")}};
  RECORD_ASSERT_OK(items().UpdateItem(SingleTableMapper::BayKey("zone-002", "B-002"), foreign));
  const std::optional<Bay> read = ReadBay("zone-002", "B-002");
  ASSERT_EQ(read, FixtureBay("zone-002", "B-002"));

  Bay stale = *read;
  stale.last_change = Ts("2026-11-20T03:00:00Z");
  const LiveChange stale_change = Arrival(stale, Ts("2026-11-21T12:00:00Z"));
  Status s = store().ApplyLiveChange(stale_change);
  EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_EQ(ReadEvent(*stale_change.event), std::nullopt);

  const LiveChange arrival = Arrival(*read, Ts("2026-11-21T12:00:00Z"));
  RECORD_ASSERT_OK(store().ApplyLiveChange(arrival));
  EXPECT_EQ(ReadBay("zone-002", "B-002"), arrival.bay_after);
  EXPECT_EQ(ReadEvent(*arrival.event), arrival.event);
  EXPECT_EQ(Occupied("zone-002"), 2);
}

TEST_P(LiveStoreTest, ACountInAZoneThatDoesNotExistIsNotFound) {
  Bay orphan = FixtureBay("zone-001", "A-002");
  orphan.zone_id = "zone-gone";
  Metadata md;
  md.bays = {orphan};
  RECORD_ASSERT_OK(store().WriteMetadata(md));
  const LiveChange change = Arrival(orphan, Ts("2026-11-21T13:00:00Z"));
  Status s = store().ApplyLiveChange(change);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("zone-gone"), std::string::npos) << s.ToString();
  auto zone_item = items().Get(SingleTableMapper::ZoneKey("zone-gone"));
  RECORD_ASSERT_OK(zone_item);
  EXPECT_FALSE(zone_item->has_value()) << "the ADD made a zone";
  if (Transactional()) {
    EXPECT_EQ(ReadBay("zone-gone", "A-002"), orphan);
    EXPECT_EQ(ReadEvent(*change.event), std::nullopt);
  }
}

TEST_P(LiveStoreTest, AChangeThatDoesNotHangTogetherIsInvalid) {
  const Bay bay = FixtureBay("zone-001", "A-002");
  LiveChange no_after = Arrival(bay, Ts("2026-11-21T14:00:00Z"));
  no_after.bay_after.reset();
  EXPECT_TRUE(store().ApplyLiveChange(no_after).IsInvalidArgument());
  LiveChange other_bay = Arrival(bay, Ts("2026-11-21T14:00:00Z"));
  other_bay.bay_after->bay_number = "A-001";
  EXPECT_TRUE(store().ApplyLiveChange(other_bay).IsInvalidArgument());
  LiveChange other_event = Arrival(bay, Ts("2026-11-21T14:00:00Z"));
  other_event.event->bay_number = "A-003";
  EXPECT_TRUE(store().ApplyLiveChange(other_event).IsInvalidArgument());
  LiveChange no_bay = Arrival(bay, Ts("2026-11-21T14:00:00Z"));
  no_bay.bay_before.reset();
  no_bay.bay_after.reset();
  EXPECT_TRUE(store().ApplyLiveChange(no_bay).IsInvalidArgument());
  EXPECT_EQ(ReadBay("zone-001", "A-002"), bay);
  EXPECT_EQ(Occupied("zone-001"), 1);
  EXPECT_EQ(ReadSensor("PSL01B-000002"), FixtureSensor("PSL01B-000002"));
}

TEST_P(LiveStoreTest, ReconcileOccupancyFixesAWrongCounter) {
  auto first = store().ReconcileOccupancy();
  RECORD_ASSERT_OK(first);
  EXPECT_EQ(*first, 0u) << "WriteMetadata counted the bays already";

  Update wrong;
  wrong.set = {{"occupiedBays", AttributeValue::N(int64_t{7})}};
  RECORD_ASSERT_OK(items().UpdateItem(SingleTableMapper::ZoneKey("zone-001"), wrong));
  ASSERT_EQ(Occupied("zone-001"), 7);
  auto fixed = store().ReconcileOccupancy();
  RECORD_ASSERT_OK(fixed);
  EXPECT_EQ(*fixed, 1u);
  EXPECT_EQ(Occupied("zone-001"), 1);
  EXPECT_EQ(Occupied("zone-002"), 1);
  auto again = store().ReconcileOccupancy();
  RECORD_ASSERT_OK(again);
  EXPECT_EQ(*again, 0u);

  // A counter that is missing altogether, and one after live changes, are counted too.
  RECORD_ASSERT_OK(store().ApplyLiveChange(
      Arrival(FixtureBay("zone-002", "B-002"), Ts("2026-11-21T15:00:00Z"))));
  Update gone;
  gone.remove = {"occupiedBays"};
  RECORD_ASSERT_OK(items().UpdateItem(SingleTableMapper::ZoneKey("zone-001"), gone));
  auto both = store().ReconcileOccupancy();
  RECORD_ASSERT_OK(both);
  EXPECT_EQ(*both, 1u);
  EXPECT_EQ(Occupied("zone-001"), 1);
  EXPECT_EQ(Occupied("zone-002"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, LiveStoreTest,
                         ::testing::Values(Backend::kEmbedded,
                                           Backend::kEmbeddedWithoutTransactions,
                                           Backend::kDynalite, Backend::kDynamoDbLocal),
                         TestNameOf);

// What DynamoDB answers when a transaction is cancelled, through the error mapping the DynamoDB
// store uses (dynalite cannot produce it): the bay's condition is kConditionFailed, the zone's
// kNotFound.
Status Canceled(const std::vector<std::string>& reasons) {
  boost::json::array list;
  for (const auto& code : reasons) {
    boost::json::object reason{{"Code", code}};
    if (code != "None") reason["Message"] = "The conditional request failed";
    list.push_back(std::move(reason));
  }
  boost::json::object body{
      {"__type", "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"},
      {"message", "Transaction cancelled, please refer cancellation reasons for specific reasons"},
      {"CancellationReasons", std::move(list)}};
  return DynamoDbError("TransactWriteItems", 400, &body);
}

TEST(LiveStoreTransactionTest, ACancelledTransactionMapsToTheConditionThatFailed) {
  TempDir tmp;
  const Metadata md = FixtureMetadata(tmp);
  ASSERT_EQ(md.bays.size(), 5u);
  const Bay& bay = md.bays[1];  // zone-001/A-002, vacant
  ASSERT_EQ(bay.bay_number, "A-002");
  LiveChange change;
  change.bay_before = bay;
  change.bay_after = bay;
  change.bay_after->status = BayStatus::kOccupied;
  change.event = ParkingEvent{bay.zone_id,
                              bay.bay_number,
                              bay.sensor_id,
                              EventType::kArrive,
                              Ts("2026-11-21T16:00:00Z"),
                              {},
                              {},
                              "dual"};
  change.occupied_delta = 1;

  {
    TransactAnswering* fake = nullptr;
    auto store = OpenEmbeddedAnswering(tmp / "bay",
                                       Canceled({"ConditionalCheckFailed", "None", "None"}), &fake);
    ASSERT_NE(store, nullptr);
    RECORD_ASSERT_OK(store->WriteMetadata(md));
    Status s = store->ApplyLiveChange(change);
    EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
    EXPECT_EQ(fake->transact_calls.load(), 1)
        << "no second try: the bay is as the mapper spells it";
    EXPECT_TRUE(store->UsesTransactions());
  }
  {
    auto store =
        OpenEmbeddedAnswering(tmp / "zone", Canceled({"None", "None", "ConditionalCheckFailed"}));
    ASSERT_NE(store, nullptr);
    RECORD_ASSERT_OK(store->WriteMetadata(md));
    Status s = store->ApplyLiveChange(change);
    EXPECT_TRUE(s.IsNotFound()) << s.ToString();
    EXPECT_NE(s.message().find("zone-001"), std::string::npos) << s.ToString();
  }
  {
    // Contention stays retryable, not a failed condition.
    auto store =
        OpenEmbeddedAnswering(tmp / "busy", Canceled({"TransactionConflict", "None", "None"}));
    ASSERT_NE(store, nullptr);
    RECORD_ASSERT_OK(store->WriteMetadata(md));
    Status s = store->ApplyLiveChange(change);
    EXPECT_TRUE(s.IsRetryable()) << s.ToString();
  }
}

// A TransactWriteItems that DynamoDB applied but whose answer was lost is sent again by the client
// with the same ClientRequestToken, and DynamoDB answers it as done without applying it twice.
// Only a server with transactions can show it: DynamoDB Local behind a proxy that drops answers.
TEST(LiveStoreTransactionTest, OnDynamoDbLocalAChangeWhoseAnswerWasLostIsAppliedOnce) {
  VDPARK_REQUIRE_DYNAMODB_LOCAL(endpoint);
  setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
  setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
  auto client = DynamoDbClient::Create(
      testing::ServerClientOptions(testing::DynamoDbServer::kDynamoDbLocal, endpoint));
  RECORD_ASSERT_OK(client);
  const std::string table = testing::UniqueTableName("lost-answers");
  TableAdminOptions admin;
  admin.poll_interval = std::chrono::milliseconds(20);
  RECORD_ASSERT_OK(CreateTable(**client, table, admin));
  // Deleted however the test ends: DynamoDB Local keeps every table until it stops.
  struct DropTable {
    DynamoDbClient& client;
    const std::string& table;
    ~DropTable() {
      Status s = DeleteTable(client, table);
      EXPECT_TRUE(s.ok()) << "DeleteTable " << table << ": " << s.ToString();
    }
  } drop{**client, table};
  testing::FaultProxyOptions po;
  po.upstream = endpoint;
  po.seed = 14;
  auto proxy = testing::FaultProxy::Start(po);
  RECORD_ASSERT_OK(proxy);
  {
    auto opened =
        OpenStore("dynamodb://" + table + "?region=me-central-1&endpoint=" + (*proxy)->endpoint());
    RECORD_ASSERT_OK(opened);
    auto* store = dynamic_cast<SingleTableStore*>(opened->get());
    ASSERT_NE(store, nullptr);
    TempDir tmp;
    const Metadata md = FixtureMetadata(tmp);
    RECORD_ASSERT_OK(store->WriteMetadata(md));
    Bay bay = md.bays[1];  // zone-001/A-002, vacant; its zone has one occupied bay
    ASSERT_EQ(bay.bay_number, "A-002");
    ASSERT_EQ(bay.status, BayStatus::kVacant);

    // From here on, a third of the answers are lost after the server has applied the request.
    (*proxy)->SetRates({.drop_after = 0.3});
    constexpr int kChanges = 24;
    for (int i = 0; i < kChanges; ++i) {
      const bool arriving = bay.status != BayStatus::kOccupied;
      const Timestamp at =
          Timestamp::FromMicros(Ts("2026-11-22T08:00:00Z").micros() + int64_t{i} * 60'000'000);
      LiveChange c;
      c.bay_before = bay;
      c.bay_after = bay;
      c.bay_after->status = arriving ? BayStatus::kOccupied : BayStatus::kVacant;
      c.bay_after->last_change = at;
      c.bay_after->occupied_since = arriving ? std::optional<Timestamp>(at) : std::nullopt;
      c.event = ParkingEvent{bay.zone_id,
                             bay.bay_number,
                             bay.sensor_id,
                             arriving ? EventType::kArrive : EventType::kLeave,
                             at,
                             {},
                             {},
                             "dual"};
      c.occupied_delta = arriving ? 1 : -1;
      const Status applied = store->ApplyLiveChange(c);
      ASSERT_TRUE(applied.ok()) << "change " << i << ": " << applied.ToString();
      bay = *c.bay_after;
    }
    (*proxy)->SetRates({});
    EXPECT_GT((*proxy)->counters().dropped_after.load(), 0u) << "no answer was lost";

    auto zone = store->GetZone("zone-001");
    RECORD_ASSERT_OK(zone);
    ASSERT_TRUE(zone->has_value());
    EXPECT_EQ((*zone)->occupied_bays, 1) << "an even number of changes ends where it began";
    EXPECT_EQ(store->GetBay("zone-001", "A-002").value(), std::optional<Bay>(bay));
    QueryRequest q;
    q.partition = SingleTableMapper::EventPartition("zone-001", "A-002");
    auto events = store->items().Query(q);
    RECORD_ASSERT_OK(events);
    EXPECT_EQ(events->items.size(), size_t{kChanges});
    EXPECT_EQ(store->GetLiveWriteCounts(), (LiveWriteCounts{.transaction = kChanges}));
  }
}

}  // namespace
}  // namespace vdpark
