// DynamoDbClient and table_admin against a real DynamoDB API server: dynalite and AWS's DynamoDB
// Local, both started by ./test.sh (tests/dynalite.h, tests/dynamodb_local.h).
#include "store/dynamodb/dynamodb_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "dynamodb_local.h"
#include "store/dynamodb/attribute_json.h"
#include "store/dynamodb/table_admin.h"

namespace vdpark {
namespace {

using testing::DynaliteClientOptions;
using ::testing::HasSubstr;
using testing::UniqueTableName;

std::unique_ptr<DynamoDbClient> MakeClient(DynamoDbClientOptions options) {
  Result<std::unique_ptr<DynamoDbClient>> c = DynamoDbClient::Create(std::move(options));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

// A loopback port that nothing listens on: bound once to learn a free one, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A table of SPEC §3 for one test, on either server, deleted when the test ends.
class DynamoDbTableTest : public ::testing::TestWithParam<testing::DynamoDbServer> {
 protected:
  void SetUp() override {
    std::string endpoint = testing::ServerEndpoint(GetParam());
    ASSERT_FALSE(endpoint.empty()) << "no DynamoDB server to test against";  // skips the body
    client_ = MakeClient(testing::ServerClientOptions(GetParam(), endpoint));
    ASSERT_NE(client_, nullptr);
    table_ = UniqueTableName("client");
    Result<CreateTableResult> r = CreateTable(*client_, table_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    created_ = r.value();
  }
  void TearDown() override {
    if (client_ != nullptr && !table_.empty()) {
      Status s = DeleteTable(*client_, table_);
      EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    }
  }

  boost::json::object PutRequest(const Item& item) {
    return {{"TableName", table_}, {"Item", ItemToJson(item)}};
  }

  std::unique_ptr<DynamoDbClient> client_;
  std::string table_;
  CreateTableResult created_;
};

TEST_P(DynamoDbTableTest, TableAdminCreatesTheTableOfTheSpec) {
  const TableDescription& t = created_.table;
  EXPECT_TRUE(created_.created);
  EXPECT_EQ(t.name, table_);
  EXPECT_EQ(t.status, "ACTIVE");
  EXPECT_EQ(t.billing_mode, "PAY_PER_REQUEST");
  EXPECT_EQ(t.key_schema, (std::vector<KeyElement>{{"PK", "HASH"}, {"SK", "RANGE"}}));
  ASSERT_EQ(t.global_indexes.size(), 2u);
  const IndexDescription* gsi1 = t.FindIndex("GSI1");
  const IndexDescription* gsi2 = t.FindIndex("GSI2");
  ASSERT_NE(gsi1, nullptr);
  ASSERT_NE(gsi2, nullptr);
  EXPECT_EQ(gsi1->key_schema, (std::vector<KeyElement>{{"GSI1PK", "HASH"}, {"GSI1SK", "RANGE"}}));
  EXPECT_EQ(gsi1->projection, "ALL");
  EXPECT_EQ(gsi2->key_schema, (std::vector<KeyElement>{{"GSI2PK", "HASH"}, {"GSI2SK", "RANGE"}}));
  EXPECT_EQ(gsi2->projection, "KEYS_ONLY");
  std::string warnings;
  for (const std::string& w : created_.warnings) warnings += w + "\n";
  Result<TableDescription> again = DescribeTable(*client_, table_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  // Neither server has UpdateContinuousBackups: a warning, not an error.
  EXPECT_THAT(warnings, HasSubstr("point-in-time recovery not enabled"));
  EXPECT_EQ(again->point_in_time_recovery, "");  // nor DescribeContinuousBackups
  if (GetParam() == testing::DynamoDbServer::kDynalite) {
    // dynalite has no UpdateTimeToLive or streams: warnings, not errors.
    EXPECT_THAT(warnings, HasSubstr("TTL not enabled"));
    EXPECT_EQ(again->ttl_status, "DISABLED");  // dynalite has DescribeTimeToLive
    EXPECT_FALSE(again->stream_enabled);
    return;
  }
  // DynamoDB Local keeps what DynamoDB keeps: the stream as asked, TTL on `ttl`; nothing else
  // is warned about.
  EXPECT_EQ(created_.warnings.size(), 1u) << warnings;
  for (const TableDescription* d : {&t, static_cast<const TableDescription*>(&*again)}) {
    EXPECT_TRUE(d->stream_enabled);
    EXPECT_EQ(d->stream_view_type, "NEW_AND_OLD_IMAGES");
    EXPECT_EQ(d->ttl_status, "ENABLED");
    EXPECT_EQ(d->ttl_attribute, "ttl");
  }
}

TEST_P(DynamoDbTableTest, CreatingAnExistingTableFailsUnlessExistsOk) {
  Result<CreateTableResult> twice = CreateTable(*client_, table_);
  ASSERT_FALSE(twice.ok());
  EXPECT_TRUE(twice.status().IsInvalidArgument()) << twice.status().ToString();
  EXPECT_THAT(twice.status().message(), HasSubstr("already exists"));
  TableAdminOptions options;
  options.exists_ok = true;
  Result<CreateTableResult> adopted = CreateTable(*client_, table_, options);
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  EXPECT_FALSE(adopted->created);
  EXPECT_EQ(adopted->table.status, "ACTIVE");
}

TEST_P(DynamoDbTableTest, PutItemGetItemRoundTrip) {
  Item item{{"PK", AttributeValue::S("ZONE#zone-001")},
            {"SK", AttributeValue::S("METADATA")},
            {"totalBays", AttributeValue::N(int64_t{120})},
            {"tenantId", AttributeValue::Null()},
            {"open", AttributeValue::Bool(true)},
            {"location", AttributeValue::M({{"lat", AttributeValue::N("25.2")},
                                            {"lng", AttributeValue::N("55.27")}})},
            {"tags", AttributeValue::L({AttributeValue::S("mall")})}};
  Result<boost::json::object> put = client_->Call("PutItem", PutRequest(item));
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  Item key{{"PK", item.at("PK")}, {"SK", item.at("SK")}};
  Result<boost::json::object> got = client_->Call(
      "GetItem", {{"TableName", table_}, {"Key", ItemToJson(key)}, {"ConsistentRead", true}});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->contains("Item"));
  Result<Item> back = ItemFromJson(got->at("Item").as_object());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, item);
  EXPECT_GE(client_->stats().calls.load(), 2u);
}

TEST_P(DynamoDbTableTest, FiveHundredConcurrentPutsAllSucceed) {
  constexpr int kPuts = 500;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<Status> failures;
  uint64_t attempts_before = client_->stats().attempts.load();
  for (int i = 0; i < kPuts; ++i) {
    Item item{{"PK", AttributeValue::S("ZONE#z#BAY#" + std::to_string(i % 25))},
              {"SK", AttributeValue::S("EVENT#" + std::to_string(i))},
              {"n", AttributeValue::N(int64_t{i})}};
    client_->CallAsync("PutItem", PutRequest(item), [&](Result<boost::json::object> r) {
      std::lock_guard lock(mu);
      if (!r.ok()) failures.push_back(r.status());
      if (++done == kPuts) cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == kPuts; });
  }
  for (const Status& s : failures) ADD_FAILURE() << s.ToString();
  EXPECT_GE(client_->stats().attempts.load() - attempts_before, uint64_t{kPuts});
  Result<boost::json::object> count =
      client_->Call("Scan", {{"TableName", table_}, {"Select", "COUNT"}});
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->at("Count").to_number<int64_t>(), kPuts);
}

TEST_P(DynamoDbTableTest, ValidationErrorCarriesTheServerMessage) {
  Item item{{"PK", AttributeValue::S("")}, {"SK", AttributeValue::S("x")}};
  Result<boost::json::object> r = client_->Call("PutItem", PutRequest(item));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("PutItem: ValidationException"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("The AttributeValue for a key attribute cannot contain an empty string"));
  EXPECT_EQ(client_->stats().connection_errors.load(), 0u);
}

TEST_P(DynamoDbTableTest, ConditionalCheckFailureIsConditionFailed) {
  Item item{{"PK", AttributeValue::S("a")}, {"SK", AttributeValue::S("b")}};
  ASSERT_TRUE(client_->Call("PutItem", PutRequest(item)).ok());
  boost::json::object request = PutRequest(item);
  request["ConditionExpression"] = "attribute_not_exists(PK)";
  Result<boost::json::object> r = client_->Call("PutItem", request);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsConditionFailed()) << r.status().ToString();
}

TEST_P(DynamoDbTableTest, ItemSizeMatchesTheServersLimit) {
  // An item of exactly 400 KB as ItemSizeBytes counts it is accepted, one byte more is refused:
  // dynalite's count was measured against DynamoDB's.
  Item item{
      {"PK", AttributeValue::S("ZONE#z")},
      {"SK", AttributeValue::S("METADATA")},
      {"n", AttributeValue::N("-1234.5")},
      {"m", AttributeValue::M(
                {{"lat", AttributeValue::N("25.2048")},
                 {"ok", AttributeValue::Bool(true)},
                 {"l", AttributeValue::L({AttributeValue::Null(), AttributeValue::N("100")})}})},
      {"pad", AttributeValue::S("")}};
  size_t base = ItemSizeBytes(item);
  item["pad"] = AttributeValue::S(std::string(kMaxItemSizeBytes - base, 'x'));
  ASSERT_EQ(ItemSizeBytes(item), kMaxItemSizeBytes);
  Result<boost::json::object> fits = client_->Call("PutItem", PutRequest(item));
  EXPECT_TRUE(fits.ok()) << fits.status().ToString();
  item["pad"] = AttributeValue::S(std::string(kMaxItemSizeBytes - base + 1, 'x'));
  Result<boost::json::object> too_big = client_->Call("PutItem", PutRequest(item));
  ASSERT_FALSE(too_big.ok());
  EXPECT_THAT(too_big.status().message(), HasSubstr("Item size has exceeded"));
}

INSTANTIATE_TEST_SUITE_P(Servers, DynamoDbTableTest,
                         ::testing::Values(testing::DynamoDbServer::kDynalite,
                                           testing::DynamoDbServer::kDynamoDbLocal),
                         testing::ServerTestName);

TEST(DynamoDbClient, RefusedConnectionIsRetriedThenUnavailable) {
  DynamoDbClientOptions options =
      DynaliteClientOptions("http://127.0.0.1:" + std::to_string(ClosedPort()));
  options.max_attempts = 4;
  auto client = MakeClient(options);
  ASSERT_NE(client, nullptr);
  Result<boost::json::object> r = client->Call("ListTables", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("ListTables"));
  EXPECT_THAT(r.status().message(), HasSubstr("gave up after 4 attempts"));
  EXPECT_EQ(client->stats().calls.load(), 1u);
  EXPECT_EQ(client->stats().attempts.load(), 4u);
  EXPECT_EQ(client->stats().connection_errors.load(), 4u);
}

TEST(DynamoDbClient, BadEndpointIsInvalidArgument) {
  for (std::string endpoint : {"ftp://127.0.0.1/", "not a url", "http://h:1/?x=1"}) {
    DynamoDbClientOptions options = DynaliteClientOptions(endpoint);
    Result<std::unique_ptr<DynamoDbClient>> c = DynamoDbClient::Create(options);
    ASSERT_FALSE(c.ok()) << endpoint;
    EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
  }
}

TEST(DynamoDbClient, UnknownOperationIsNotSupported) {
  VDPARK_REQUIRE_DYNALITE(endpoint);
  auto client = MakeClient(DynaliteClientOptions(endpoint));
  ASSERT_NE(client, nullptr);
  Result<boost::json::object> r =
      client->Call("UpdateContinuousBackups", {{"TableName", "whatever"}});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotSupported()) << r.status().ToString();
  EXPECT_EQ(client->stats().attempts.load(), 1u);  // not retried
}

TEST(DynamoDbClient, CallFromACallbackFailsInsteadOfDeadlocking) {
  VDPARK_REQUIRE_DYNALITE(endpoint);
  auto client = MakeClient(DynaliteClientOptions(endpoint));
  ASSERT_NE(client, nullptr);
  std::promise<Status> inner;
  client->CallAsync("ListTables", {}, [&](Result<boost::json::object>) {
    inner.set_value(client->Call("ListTables", {}).status());
  });
  Status s = inner.get_future().get();
  EXPECT_EQ(s.code(), Status::Code::kInternal) << s.ToString();
}

TEST(TableAdmin, CreateTableRequestHasWhatDynaliteCannotShow) {
  // dynalite accepts StreamSpecification and drops it, so the request itself is checked here.
  boost::json::object r = CreateTableRequest("VisionDrive-Parking");
  EXPECT_EQ(r.at("TableName"), "VisionDrive-Parking");
  EXPECT_EQ(r.at("BillingMode"), "PAY_PER_REQUEST");
  EXPECT_EQ(r.at("StreamSpecification"),
            boost::json::parse(R"({"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"})"));
  EXPECT_EQ(r.at("AttributeDefinitions").as_array().size(), 6u);
  EXPECT_FALSE(r.contains("ProvisionedThroughput"));
}

TEST(TableAdmin, MissingTableIsNotFound) {
  VDPARK_REQUIRE_DYNALITE(endpoint);
  auto client = MakeClient(DynaliteClientOptions(endpoint));
  ASSERT_NE(client, nullptr);
  std::string table = UniqueTableName("missing");
  EXPECT_TRUE(DescribeTable(*client, table).status().IsNotFound());
  EXPECT_TRUE(DeleteTable(*client, table).IsNotFound());
}

TEST(TableAdmin, DeleteTableWaitsUntilGone) {
  VDPARK_REQUIRE_DYNALITE(endpoint);
  auto client = MakeClient(DynaliteClientOptions(endpoint));
  ASSERT_NE(client, nullptr);
  std::string table = UniqueTableName("delete");
  ASSERT_TRUE(CreateTable(*client, table).ok());
  Status s = DeleteTable(*client, table);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(DescribeTable(*client, table).status().IsNotFound());
}

}  // namespace
}  // namespace vdpark
