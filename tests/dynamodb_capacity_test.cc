// The write capacity a load reports, on AWS's DynamoDB Local (dynalite reports none): one
// BatchWriteItem call in capacity_sample_every asks the server, and the rest are estimated and
// scaled so that the total is what the server would have reported had every call asked.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "dynamodb_local.h"
#include "store/dynamodb/dynamodb_item_store.h"
#include "store/dynamodb/table_admin.h"
#include "store_contract.h"
#include "table/item_key.h"

namespace vdpark {
namespace {

using contract::MakeItem;
using contract::Num;
using AV = AttributeValue;

constexpr int kItems = 3000;  // 120 calls of 25

// Every other item is also written to GSI1, which the size estimate alone leaves out.
std::vector<WriteRequest> HalfIndexedEvents() {
  std::vector<WriteRequest> writes;
  for (int i = 0; i < kItems; ++i) {
    char sk[32];
    std::snprintf(sk, sizeof sk, "EVENT#%06d", i);
    Item item = MakeItem("ZONE#" + std::to_string(i % 40), sk, {{"n", Num(i)}});
    if (i % 2 == 0) {
      item[std::string(kGsi1PkAttr)] = AV::S("BAY#" + std::to_string(i % 97));
      item[std::string(kGsi1SkAttr)] = AV::S(sk);
    }
    writes.push_back(WriteRequest::Put(std::move(item)));
  }
  return writes;
}

class DynamoDbCapacityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& table : tables_) EXPECT_TRUE(DeleteTable(*admin_, table).ok());
  }

  // Writes the events into a fresh table with the given sampling; returns the report.
  BatchWriteReport Load(int capacity_sample_every) {
    endpoint_ = testing::DynamoDbLocalEndpoint();
    if (endpoint_.empty()) return {};
    auto options = testing::ServerClientOptions(testing::DynamoDbServer::kDynamoDbLocal, endpoint_);
    if (admin_ == nullptr) {
      auto admin = DynamoDbClient::Create(options);
      EXPECT_TRUE(admin.ok()) << admin.status().ToString();
      if (!admin.ok()) return {};
      admin_ = std::move(*admin);
    }
    std::string table = testing::UniqueTableName("capacity");
    TableAdminOptions admin_options;
    admin_options.poll_interval = std::chrono::milliseconds(20);
    auto created = CreateTable(*admin_, table, admin_options);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return {};
    tables_.push_back(table);
    auto client = DynamoDbClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return {};
    DynamoDbStoreOptions store_options;
    store_options.table = table;
    store_options.batch.capacity_sample_every = capacity_sample_every;
    auto store = DynamoDbItemStore::Open(std::move(*client), store_options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    std::vector<WriteRequest> writes = HalfIndexedEvents();
    BatchWriteReport report = (*store)->BatchWriteWithReport(writes);
    EXPECT_TRUE(report.status.ok()) << report.status.ToString();
    EXPECT_NEAR((*store)->GetWriteStats().consumed_write_units, report.write_units, 0.01);
    return report;
  }

  std::string endpoint_;
  std::unique_ptr<DynamoDbClient> admin_;
  std::vector<std::string> tables_;
};

TEST_F(DynamoDbCapacityTest, ASampledLoadReportsWhatEveryCallAskingWouldHave) {
  BatchWriteReport every = Load(1);
  ASSERT_TRUE(every.status.ok());
  EXPECT_EQ(every.capacity_asked, every.requests_sent);
  EXPECT_EQ(every.unreported_capacity, 0u) << "DynamoDB Local reports what each call consumed";
  EXPECT_GE(every.write_units, kItems * 1.5) << "a unit per item and one per index entry";

  BatchWriteReport sampled = Load(16);
  ASSERT_TRUE(sampled.status.ok());
  ASSERT_EQ(sampled.requests_sent, every.requests_sent);
  EXPECT_EQ(sampled.capacity_asked, (sampled.requests_sent + 15) / 16);
  EXPECT_EQ(sampled.unreported_capacity, 0u);
  // The estimate alone would be kItems; the scale brings in the index writes.
  EXPECT_NEAR(sampled.write_units, every.write_units, every.write_units * 0.02);
}

}  // namespace
}  // namespace vdpark
