#include "store/dynamodb/expression_builder.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

using Op = ConditionClause::Op;
using SkOp = SortKeyCondition::Op;
using AV = AttributeValue;

std::string Names(const ExpressionBuilder& b) {
  return boost::json::serialize(b.names());
}
std::string Values(const ExpressionBuilder& b) {
  return boost::json::serialize(b.values());
}

TEST(ExpressionBuilderTest, AnEmptyConditionIsNoExpression) {
  ExpressionBuilder b;
  EXPECT_EQ(b.ConditionExpression({}), "");
  boost::json::object request;
  b.AttachTo(request);
  EXPECT_TRUE(request.empty()) << "DynamoDB refuses empty placeholder maps";
}

TEST(ExpressionBuilderTest, EveryClauseUsesPlaceholdersOnly) {
  struct Case {
    Op op;
    AttributeValue value;
    const char* expression;
  };
  const std::vector<Case> cases = {
      {Op::kExists, {}, "attribute_exists(#n0)"},
      {Op::kNotExists, {}, "attribute_not_exists(#n0)"},
      {Op::kEq, AV::S("occupied"), "#n0 = :v0"},
      {Op::kNe, AV::S("occupied"), "(attribute_exists(#n0) AND #n0 <> :v0)"},
      {Op::kLt, AV::N("5"), "#n0 < :v0"},
      {Op::kLe, AV::S("b"), "#n0 <= :v0"},
      {Op::kGt, AV::N("5"), "#n0 > :v0"},
      {Op::kGe, AV::N("5"), "#n0 >= :v0"},
      {Op::kBeginsWith, AV::S("EVENT#"), "begins_with(#n0, :v0)"},
  };
  for (const Case& c : cases) {
    ExpressionBuilder b;
    EXPECT_EQ(b.ConditionExpression(Condition().Add(c.op, "status", c.value)), c.expression);
    EXPECT_EQ(Names(b), R"({"#n0":"status"})");
    if (c.op == Op::kExists || c.op == Op::kNotExists) {
      EXPECT_TRUE(b.values().empty());
    } else {
      EXPECT_EQ(Values(b), R"({":v0":)" + c.value.ToDynamoJson() + "}");
    }
  }
}

TEST(ExpressionBuilderTest, ClausesThatCannotHoldAreAlwaysFalse) {
  // DynamoDB refuses these operand types; our contract says the clause is false.
  for (auto [op, value] : std::vector<std::pair<Op, AV>>{{Op::kLt, AV::Bool(true)},
                                                         {Op::kGe, AV::Null()},
                                                         {Op::kGt, AV::M({})},
                                                         {Op::kBeginsWith, AV::N("1")}}) {
    ExpressionBuilder b;
    EXPECT_EQ(b.ConditionExpression(Condition().Add(op, "a", value)),
              "(attribute_exists(#n0) AND attribute_not_exists(#n0))");
    EXPECT_TRUE(b.values().empty()) << "an unused value placeholder would be refused";
  }
}

TEST(ExpressionBuilderTest, ClausesAreJoinedAndNamesShared) {
  ExpressionBuilder b;
  Condition c =
      Condition::Exists("a.b").Add(Op::kEq, "name", AV::S("x")).Add(Op::kLt, "a.b", AV::N("3"));
  EXPECT_EQ(b.ConditionExpression(c), "attribute_exists(#n0) AND #n1 = :v0 AND #n0 < :v1");
  EXPECT_EQ(Names(b), R"({"#n0":"a.b","#n1":"name"})");
  EXPECT_EQ(Values(b), R"({":v0":{"S":"x"},":v1":{"N":"3"}})");
}

TEST(ExpressionBuilderTest, UpdateHasSetAddAndRemoveSections) {
  Update u;
  u.set = {{"status", AV::S("occupied")}, {"location", AV::M({{"lat", AV::N("25.2")}})}};
  u.add = {{"occupiedBays", -1}};
  u.remove = {"occupiedSince", "status2"};
  ExpressionBuilder b;
  EXPECT_EQ(b.UpdateExpression(u), "SET #n0 = :v0, #n1 = :v1 ADD #n2 :v2 REMOVE #n3, #n4");
  EXPECT_EQ(Names(b),
            R"({"#n0":"status","#n1":"location","#n2":"occupiedBays","#n3":"occupiedSince",)"
            R"("#n4":"status2"})");
  EXPECT_EQ(Values(b), R"({":v0":{"S":"occupied"},":v1":{"M":{"lat":{"N":"25.2"}}},)"
                       R"(":v2":{"N":"-1"}})");

  ExpressionBuilder only_add;
  Update add;
  add.add = {{"count", 5}};
  EXPECT_EQ(only_add.UpdateExpression(add), "ADD #n0 :v0");
  ExpressionBuilder empty;
  EXPECT_EQ(empty.UpdateExpression({}), "");
}

TEST(ExpressionBuilderTest, UpdateAndConditionShareOneBuilder) {
  Update u;
  u.set = {{"status", AV::S("occupied")}};
  ExpressionBuilder b;
  EXPECT_EQ(b.UpdateExpression(u), "SET #n0 = :v0");
  EXPECT_EQ(b.ConditionExpression(Condition().Add(Op::kEq, "status", AV::S("vacant"))),
            "#n0 = :v1");
  boost::json::object request;
  b.AttachTo(request);
  EXPECT_EQ(boost::json::serialize(request),
            R"({"ExpressionAttributeNames":{"#n0":"status"},)"
            R"("ExpressionAttributeValues":{":v0":{"S":"occupied"},":v1":{"S":"vacant"}}})");
}

TEST(ExpressionBuilderTest, KeyConditionsForEverySortOperator) {
  struct Case {
    SortKeyCondition sort;
    const char* expression;
  };
  const std::vector<Case> cases = {
      {{SkOp::kNone, "", ""}, "#n0 = :v0"},
      {{SkOp::kEq, "B", ""}, "#n0 = :v0 AND #n1 = :v1"},
      {{SkOp::kLt, "B", ""}, "#n0 = :v0 AND #n1 < :v1"},
      {{SkOp::kLe, "B", ""}, "#n0 = :v0 AND #n1 <= :v1"},
      {{SkOp::kGt, "B", ""}, "#n0 = :v0 AND #n1 > :v1"},
      {{SkOp::kGe, "B", ""}, "#n0 = :v0 AND #n1 >= :v1"},
      {{SkOp::kBetween, "A", "C"}, "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"},
      {{SkOp::kBeginsWith, "EVENT#", ""}, "#n0 = :v0 AND begins_with(#n1, :v1)"},
  };
  for (const Case& c : cases) {
    ExpressionBuilder b;
    EXPECT_EQ(b.KeyConditionExpression("GSI1PK", "TENANT#t", "GSI1SK", c.sort), c.expression);
    if (c.sort.op == SkOp::kNone) {
      EXPECT_EQ(Names(b), R"({"#n0":"GSI1PK"})");
    } else {
      EXPECT_EQ(Names(b), R"({"#n0":"GSI1PK","#n1":"GSI1SK"})");
    }
  }
  ExpressionBuilder between;
  between.KeyConditionExpression("PK", "P", "SK", {SkOp::kBetween, "A", "C"});
  EXPECT_EQ(Values(between), R"({":v0":{"S":"P"},":v1":{"S":"A"},":v2":{"S":"C"}})");
}

TEST(ExpressionBuilderTest, AlwaysTrueNamesOnlyThePartitionKey) {
  ExpressionBuilder b;
  EXPECT_EQ(b.AlwaysTrue(), "(attribute_exists(#n0) OR attribute_not_exists(#n0))");
  EXPECT_EQ(Names(b), R"({"#n0":"PK"})");
  EXPECT_TRUE(b.values().empty());
}

TEST(ExpressionBuilderTest, AwkwardNamesAndValuesNeverReachTheExpression) {
  ExpressionBuilder b;
  std::string expression = b.ConditionExpression(
      Condition().Add(Op::kEq, "a = :x OR #y", AV::S("') OR attribute_exists(PK")));
  EXPECT_EQ(expression, "#n0 = :v0");
  EXPECT_EQ(Names(b), R"({"#n0":"a = :x OR #y"})");
}

}  // namespace
}  // namespace vdpark
