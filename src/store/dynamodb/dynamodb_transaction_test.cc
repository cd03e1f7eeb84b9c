#include "store/dynamodb/dynamodb_transaction.h"

#include <gtest/gtest.h>

#include "store_contract.h"

namespace vdpark {
namespace {

using contract::MakeItem;
using Kind = TransactItem::Kind;
using Op = ConditionClause::Op;

std::string ActionJson(const TransactWriteRequest& built, size_t i) {
  return boost::json::serialize(built.request.at("TransactItems").as_array().at(i));
}

TEST(DynamoDbTransactionTest, EveryKindBecomesItsActionWithItsOwnPlaceholders) {
  std::vector<TransactItem> items(4);
  items[0] = {Kind::kPut, MakeItem("ZONE#1#BAY#A", "EVENT#1"), {}, {}, Condition::NotExists("PK")};
  items[1] = {Kind::kUpdate, {}, {"ZONE#1", "BAY#A"}, {}, {}};
  items[1].update.set = {{"status", AttributeValue::S("occupied")}};
  items[1].condition.Add(Op::kEq, "status", AttributeValue::S("vacant"));
  items[2] = {Kind::kDelete, {}, {"ZONE#1", "OLD"}, {}, {}};
  items[3] = {Kind::kConditionCheck, {}, {"SENSOR#s", "METADATA"}, {}, Condition::Exists("PK")};
  auto built = BuildTransactWriteRequest("VisionDrive-Parking", items);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(ActionJson(*built, 0),
            R"j({"Put":{"TableName":"VisionDrive-Parking","Item":{"PK":{"S":"ZONE#1#BAY#A"},)j"
            R"j("SK":{"S":"EVENT#1"}},"ConditionExpression":"attribute_not_exists(#n0)",)j"
            R"j("ExpressionAttributeNames":{"#n0":"PK"}}})j");
  EXPECT_EQ(ActionJson(*built, 1),
            R"j({"Update":{"TableName":"VisionDrive-Parking","Key":{"PK":{"S":"ZONE#1"},)j"
            R"j("SK":{"S":"BAY#A"}},"UpdateExpression":"SET #n0 = :v1",)j"
            R"j("ConditionExpression":"#n0 = :v0","ExpressionAttributeNames":{"#n0":"status"},)j"
            R"j("ExpressionAttributeValues":{":v0":{"S":"vacant"},":v1":{"S":"occupied"}}}})j");
  EXPECT_EQ(ActionJson(*built, 2),
            R"j({"Delete":{"TableName":"VisionDrive-Parking","Key":{"PK":{"S":"ZONE#1"},)j"
            R"j("SK":{"S":"OLD"}}}})j");
  EXPECT_EQ(ActionJson(*built, 3),
            R"j({"ConditionCheck":{"TableName":"VisionDrive-Parking","Key":{"PK":)j"
            R"j({"S":"SENSOR#s"},"SK":{"S":"METADATA"}},"ConditionExpression":)j"
            R"j("attribute_exists(#n0)","ExpressionAttributeNames":{"#n0":"PK"}}})j");
  const auto& token = built->request.at("ClientRequestToken").as_string();
  EXPECT_EQ(token.size(), 32u);
  EXPECT_EQ(built->request.at("ReturnConsumedCapacity").as_string(), "TOTAL");
  EXPECT_EQ(built->estimated_units, 2u + 2u + 2u + 0u);
  auto again = BuildTransactWriteRequest("VisionDrive-Parking", items);
  EXPECT_NE(again->request.at("ClientRequestToken").as_string(), token) << "one per call";
}

TEST(DynamoDbTransactionTest, RequiredExpressionsAreFilledInWhenEmpty) {
  std::vector<TransactItem> items(2);
  items[0] = {Kind::kUpdate, {}, {"P", "1"}, {}, {}};
  items[1] = {Kind::kConditionCheck, {}, {"P", "2"}, {}, {}};
  auto built = BuildTransactWriteRequest("t01", items);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(
      ActionJson(*built, 0),
      R"j({"Update":{"TableName":"t01","Key":{"PK":{"S":"P"},"SK":{"S":"1"}},)j"
      R"j("UpdateExpression":"REMOVE #n0","ExpressionAttributeNames":{"#n0":"vdpark:no-op"}}})j");
  EXPECT_EQ(ActionJson(*built, 1),
            R"j({"ConditionCheck":{"TableName":"t01","Key":{"PK":{"S":"P"},"SK":{"S":"2"}},)j"
            R"j("ConditionExpression":"(attribute_exists(#n0) OR attribute_not_exists(#n0))",)j"
            R"j("ExpressionAttributeNames":{"#n0":"PK"}}})j");
}

TEST(DynamoDbTransactionTest, BadItemsAreRefusedBeforeSending) {
  std::vector<TransactItem> too_many(kMaxTransactItems + 1);
  for (size_t i = 0; i < too_many.size(); ++i) {
    too_many[i] = {Kind::kDelete, {}, {"P", std::to_string(i)}, {}, {}};
  }
  Status s = BuildTransactWriteRequest("t01", too_many).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("101 items"), std::string::npos) << s.ToString();

  std::vector<TransactItem> repeated = {{Kind::kPut, MakeItem("R", "1"), {}, {}, {}},
                                        {Kind::kDelete, {}, {"R", "1"}, {}, {}}};
  s = BuildTransactWriteRequest("t01", repeated).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("items 0 and 1"), std::string::npos) << s.ToString();

  std::vector<TransactItem> empty_key = {{Kind::kPut, MakeItem("R", "1"), {}, {}, {}},
                                         {Kind::kUpdate, {}, {"R", ""}, {}, {}}};
  s = BuildTransactWriteRequest("t01", empty_key).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("TransactWrite item 1"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace vdpark
