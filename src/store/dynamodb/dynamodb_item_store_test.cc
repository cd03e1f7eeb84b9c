// DynamoDbItemStore beyond the contract suite, against dynalite: batching, limits, capacity
// accounting, resending through injected faults, the dynamodb:// URL and SingleTableStore on top.
#include "store/dynamodb/dynamodb_item_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "dynalite.h"
#include "fault_proxy.h"
#include "parking_fixture.h"
#include "store/dynamodb/attribute_json.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "store_contract.h"

namespace vdpark {
namespace {

using contract::MakeItem;
using contract::Num;
using AV = AttributeValue;

class DynamoDbItemStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = testing::DynaliteEndpoint();
    ASSERT_FALSE(endpoint_.empty());
    auto admin = DynamoDbClient::Create(testing::DynaliteClientOptions(endpoint_));
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(*admin);
    table_ = testing::UniqueTableName("store");
    TableAdminOptions options;
    options.poll_interval = std::chrono::milliseconds(20);
    auto created = CreateTable(*admin_, table_, options);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    created_ = true;
  }
  void TearDown() override {
    if (created_) {
      EXPECT_TRUE(DeleteTable(*admin_, table_).ok());
    }
  }

  // A store on the test's table, through `endpoint` (default: dynalite itself).
  std::unique_ptr<DynamoDbItemStore> Open(std::string endpoint = "") {
    auto client = DynamoDbClient::Create(
        testing::DynaliteClientOptions(endpoint.empty() ? endpoint_ : endpoint));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return nullptr;
    DynamoDbStoreOptions options;
    options.table = table_;
    options.batch.base_backoff = std::chrono::milliseconds(1);
    options.batch.max_backoff = std::chrono::milliseconds(20);
    auto store = DynamoDbItemStore::Open(std::move(*client), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static std::vector<WriteRequest> Events(int n, const std::string& pk_prefix = "ZONE#") {
    std::vector<WriteRequest> writes;
    for (int i = 0; i < n; ++i) {
      char sk[32];
      std::snprintf(sk, sizeof sk, "EVENT#%06d", i);
      writes.push_back(
          WriteRequest::Put(MakeItem(pk_prefix + std::to_string(i % 40), sk, {{"n", Num(i)}})));
    }
    return writes;
  }

  static size_t CountItems(ItemStore& store) { return contract::ScanAll(store, {}).size(); }

  std::string endpoint_;
  std::string table_;
  std::unique_ptr<DynamoDbClient> admin_;
  bool created_ = false;
};

TEST_F(DynamoDbItemStoreTest, BatchWriteOf3000ItemsIsAllReadableAndCounted) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<WriteRequest> writes = Events(3000);
  BatchWriteReport report = store->BatchWriteWithReport(writes);
  ASSERT_TRUE(report.status.ok()) << report.status.ToString();
  EXPECT_EQ(report.requests_sent, 3000u / kMaxBatchItems);
  EXPECT_EQ(report.rounds, 1u);
  EXPECT_FALSE(report.throttled());
  EXPECT_GE(report.write_units, 3000.0);
  for (size_t i = 0; i < writes.size(); i += 101) {
    auto key = KeyOf(writes[i].item);
    auto got = store->Get(*key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == writes[i].item) << i;
  }
  EXPECT_EQ(CountItems(*store), 3000u);
  EXPECT_EQ(store->stats().batches_sent.load(), 120u);
}

TEST_F(DynamoDbItemStoreTest, AnItemOver400KbIsRejectedByItsKeyAndNothingIsWritten) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<WriteRequest> writes = Events(30);
  writes[17] = WriteRequest::Put(
      MakeItem("ZONE#big", "EVENT#huge", {{"blob", AV::S(std::string(410 * 1024, 'x'))}}));
  Status s = store->BatchWrite(writes);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("PK=ZONE#big SK=EVENT#huge"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("is 419"), std::string::npos) << "its size: " << s.ToString();
  EXPECT_EQ(store->stats().batches_sent.load(), 0u);
  EXPECT_EQ(CountItems(*store), 0u);
  // Exactly at the limit, as DynamoDB counts (names and values), goes through.
  Item fits = MakeItem("ZONE#big", "EVENT#fits", {{"blob", AV::S("")}});
  fits["blob"] = AV::S(std::string(kMaxItemSizeBytes - ItemSizeBytes(fits), 'x'));
  ASSERT_EQ(ItemSizeBytes(fits), kMaxItemSizeBytes);
  EXPECT_TRUE(store->BatchWrite(std::vector<WriteRequest>{WriteRequest::Put(fits)}).ok());
  EXPECT_TRUE(store->Put(writes[17].item).IsInvalidArgument());
}

TEST_F(DynamoDbItemStoreTest, TwoRequestsForOneKeyAreRefusedBeforeSending) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<WriteRequest> writes = Events(60);
  writes.push_back(WriteRequest::Delete({"ZONE#3", "EVENT#000003"}));
  Status s = store->BatchWrite(writes);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("requests 3 and 60"), std::string::npos) << s.ToString();
  EXPECT_EQ(store->stats().batches_sent.load(), 0u);
  EXPECT_EQ(CountItems(*store), 0u);
}

TEST_F(DynamoDbItemStoreTest, ConsumedWriteUnitsGrowWithEveryWrite) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->ConsumedWriteUnits(), 0u);
  ASSERT_TRUE(store->Put(MakeItem("P", "1", {{"blob", AV::S(std::string(3000, 'x'))}})).ok());
  const uint64_t after_put = store->ConsumedWriteUnits();
  EXPECT_GE(after_put, 3u) << "a 3 KB item costs 3 units";
  Update add;
  add.add = {{"count", 1}};
  ASSERT_TRUE(store->UpdateItem({"P", "2"}, add).ok());
  const uint64_t after_update = store->ConsumedWriteUnits();
  EXPECT_GT(after_update, after_put);
  ASSERT_TRUE(store->Delete({"P", "2"}).ok());
  const uint64_t after_delete = store->ConsumedWriteUnits();
  EXPECT_GT(after_delete, after_update);
  ASSERT_TRUE(store->BatchWrite(Events(100)).ok());
  EXPECT_GE(store->ConsumedWriteUnits(), after_delete + 100);
}

TEST_F(DynamoDbItemStoreTest, UnprocessedAndThrottledBatchesAreResentUntilAllApplied) {
  auto proxy = testing::FaultProxy::Start(
      {.upstream = endpoint_, .rates = {.throttle = 0.2, .unprocessed = 0.5}, .seed = 7});
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  auto store = Open((*proxy)->endpoint());
  ASSERT_NE(store, nullptr);
  store->SetConcurrency(4);
  std::vector<WriteRequest> writes = Events(1000);
  BatchWriteReport report = store->BatchWriteWithReport(writes);
  ASSERT_TRUE(report.status.ok()) << report.status.ToString();
  EXPECT_TRUE(report.throttled());
  EXPECT_GT(report.throttled_requests, 0u);
  EXPECT_GT(report.throttled_answers, 0u) << "the client retried the proxy's throttling";
  EXPECT_GT(report.rounds, 1u);
  EXPECT_GT(report.items_resent, 0u);
  EXPECT_GT((*proxy)->counters().unprocessed_items.load(), 0u);
  EXPECT_EQ(store->stats().unprocessed_resent.load(), report.items_resent);
  WriteStats totals = store->GetWriteStats();
  EXPECT_EQ(totals.retried_items, report.items_resent);
  EXPECT_EQ(totals.requests, report.requests_sent);
  EXPECT_GE(totals.throttled, report.throttled_requests + report.throttled_answers);
  EXPECT_GE(totals.consumed_write_units, 1000.0);
  (*proxy)->SetRates({});
  EXPECT_EQ(CountItems(*store), 1000u) << "nothing dropped";
  for (size_t i = 0; i < writes.size(); i += 37) {
    auto got = store->Get(*KeyOf(writes[i].item));
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(*got == writes[i].item) << i;
  }
}

TEST_F(DynamoDbItemStoreTest, ConcurrencyCanChangeBetweenCalls) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Concurrency(), 16);
  store->SetConcurrency(1);
  ASSERT_TRUE(store->BatchWrite(Events(200, "A#")).ok());
  store->SetConcurrency(0);  // counts as 1
  ASSERT_TRUE(store->BatchWrite(Events(60, "B#")).ok());
  store->SetConcurrency(64);
  ASSERT_TRUE(store->BatchWrite(Events(500, "C#")).ok());
  EXPECT_EQ(CountItems(*store), 760u);
}

TEST_F(DynamoDbItemStoreTest, SortConditionsDynamoDbWouldRefuseMatchNothingOrEverything) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->BatchWrite(std::vector<WriteRequest>{WriteRequest::Put(MakeItem("P", "a")),
                                                         WriteRequest::Put(MakeItem("P", "b"))})
                  .ok());
  using SkOp = SortKeyCondition::Op;
  auto count = [&](SortKeyCondition sort) {
    auto page = store->Query({IndexName::kTable, "P", std::move(sort), true, 0, std::nullopt});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items.size() : size_t{999};
  };
  EXPECT_EQ(count({SkOp::kBetween, "b", "a"}), 0u);
  EXPECT_EQ(count({SkOp::kEq, "", ""}), 0u);
  EXPECT_EQ(count({SkOp::kLe, "", ""}), 0u);
  EXPECT_EQ(count({SkOp::kGe, "", ""}), 2u);
  EXPECT_EQ(count({SkOp::kBeginsWith, "", ""}), 2u);
  EXPECT_EQ(count({SkOp::kBetween, "", "a"}), 1u);
  auto empty = store->Query({IndexName::kTable, "", {}, true, 0, std::nullopt});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->items.empty());
}

TEST_F(DynamoDbItemStoreTest, OpeningAMissingTableSaysHowToCreateIt) {
  auto client = DynamoDbClient::Create(testing::DynaliteClientOptions(endpoint_));
  ASSERT_TRUE(client.ok());
  DynamoDbStoreOptions options;
  options.table = "vdpark-no-such-table";
  auto store = DynamoDbItemStore::Open(std::move(*client), options);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsNotFound()) << store.status().ToString();
  EXPECT_NE(store.status().message().find("'vdpark-no-such-table'"), std::string::npos);
  EXPECT_NE(store.status().message().find("vdpark table create"), std::string::npos);
}

// The dynamodb:// URL through OpenStore, with SingleTableStore on top: records written come back
// as the embedded store gives them back.
TEST_F(DynamoDbItemStoreTest, OpenStoreRoundTripsRecordsThroughADynamoDbUrl) {
  // dynalite checks only that requests are signed; the harness may have set real-looking ones.
  setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
  setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
  const std::string url = "dynamodb://" + table_ + "?region=me-central-1&endpoint=" + endpoint_;
  auto dynamo = OpenStore(url);
  ASSERT_TRUE(dynamo.ok()) << dynamo.status().ToString();
  EXPECT_EQ((*dynamo)->DisplayName(), url);
  EXPECT_FALSE((*dynamo)->EventsInKeyOrder());

  testing::TempDir tmp;
  testing::WriteFixture(tmp, "export");
  auto csv = OpenStore("csv:" + tmp / "export");
  auto embedded = OpenStore("embedded:" + tmp / "embedded");
  ASSERT_TRUE(csv.ok() && embedded.ok());
  auto metadata = (*csv)->ReadMetadata({});
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  std::vector<ParkingEvent> events;
  ASSERT_TRUE((*csv)
                  ->ScanEvents({},
                               [&](ParkingEvent&& e, const Origin&) {
                                 events.push_back(std::move(e));
                                 return Status::OK();
                               },
                               {})
                  .ok());
  ASSERT_EQ(events.size(), 10u);
  for (auto* store : {dynamo->get(), embedded->get()}) {
    ASSERT_TRUE(store->WriteMetadata(*metadata).ok());
    ASSERT_TRUE(store->WriteEvents(events).ok());
  }
  auto from_dynamo = (*dynamo)->ReadMetadata({});
  auto from_embedded = (*embedded)->ReadMetadata({});
  ASSERT_TRUE(from_dynamo.ok() && from_embedded.ok()) << from_dynamo.status().ToString();
  EXPECT_EQ(from_dynamo->zones, from_embedded->zones);
  EXPECT_EQ(from_dynamo->bays, from_embedded->bays);
  EXPECT_EQ(from_dynamo->sensors, from_embedded->sensors);
  EXPECT_EQ(from_dynamo->zones.size(), 2u);

  auto all_events = [](RecordStore& store) {
    std::vector<ParkingEvent> out;
    std::vector<Rejected> rejects;
    EXPECT_TRUE(store
                    .ScanEvents(
                        {},
                        [&](ParkingEvent&& e, const Origin&) {
                          out.push_back(std::move(e));
                          return Status::OK();
                        },
                        [&](Rejected r) { rejects.push_back(std::move(r)); })
                    .ok());
    EXPECT_TRUE(rejects.empty()) << rejects.front().reason;
    std::sort(out.begin(), out.end(), [](const ParkingEvent& a, const ParkingEvent& b) {
      return std::tie(a.zone_id, a.bay_number, a.timestamp) <
             std::tie(b.zone_id, b.bay_number, b.timestamp);
    });
    return out;
  };
  EXPECT_EQ(all_events(**dynamo), all_events(**embedded));
  auto one = (*dynamo)->GetEvent(events[4]);
  ASSERT_TRUE(one.ok() && one->has_value()) << one.status().ToString();
}

TEST_F(DynamoDbItemStoreTest, OpenStoreNamesAMissingTable) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
  setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
  auto store = OpenStore("dynamodb://vdpark-absent?endpoint=" + endpoint_);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsNotFound()) << store.status().ToString();
  EXPECT_NE(store.status().message().find("'vdpark-absent'"), std::string::npos);
  auto bad = OpenStore("dynamodb://t01?colour=blue");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("unknown parameter 'colour'"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
