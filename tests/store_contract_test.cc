// The executable form of item_store.h's contracts, run against every registered backend: items,
// conditions, updates and deletes, and the instantiation of the whole suite (the other parts are
// named in store_contract_fixture.h).
#include <string>
#include <vector>

#include "store_contract_fixture.h"

namespace vdpark::contract {
namespace {

TEST_P(StoreContract, GetOfAnAbsentItemReturnsNothing) {
  auto got = store().Get({"ZONE#1", "METADATA"});
  ASSERT_OK(got);
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreContract, PutThenGetRoundTripsEveryType) {
  Item item = MakeItem(
      "ZONE#1", "METADATA",
      {{"s", AV::S("text")},
       {"empty", AV::S("")},
       {"n", AV::N("12.25")},
       {"neg", Num(-3)},
       {"yes", AV::Bool(true)},
       {"no", AV::Bool(false)},
       {"nothing", AV::Null()},
       {"m", AV::M({{"lat", AV::N("25.2")}, {"deep", AV::M({{"l", AV::L({AV::S("a")})}})}})},
       {"l", AV::L({AV::S("x"), AV::Null(), AV::M({}), AV::L({})})},
       {"emptyMap", AV::M({})}});
  ASSERT_OK(store().Put(item));
  auto got = Fetch("ZONE#1", "METADATA");
  EXPECT_TRUE(got == item) << Json(got);
}

TEST_P(StoreContract, PutReplacesTheWholeItem) {
  ASSERT_OK(store().Put(MakeItem("P", "S", {{"a", AV::S("1")}, {"b", AV::S("2")}})));
  ASSERT_OK(store().Put(MakeItem("P", "S", {{"a", AV::S("3")}})));
  auto got = Fetch("P", "S");
  EXPECT_TRUE(got == MakeItem("P", "S", {{"a", AV::S("3")}})) << Json(got);
}

TEST_P(StoreContract, PutRejectsAMissingOrEmptyKey) {
  Item no_pk{{"SK", AV::S("S")}};
  Item numeric_sk{{"PK", AV::S("P")}, {"SK", Num(1)}};
  for (const Item& bad : {no_pk, numeric_sk, MakeItem("", "S"), MakeItem("P", "")}) {
    Status s = store().Put(bad);
    EXPECT_TRUE(s.IsInvalidArgument()) << Json(bad) << ": " << s.ToString();
  }
}

TEST_P(StoreContract, PutIfNotExistsFailsOnAnExistingItemAndLeavesIt) {
  ASSERT_OK(store().Put(MakeItem("P", "S", {{"v", AV::S("first")}}), Condition::NotExists("PK")));
  Status s = store().Put(MakeItem("P", "S", {{"v", AV::S("second")}}), Condition::NotExists("PK"));
  EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_TRUE(Fetch("P", "S") == MakeItem("P", "S", {{"v", AV::S("first")}}));
}

TEST_P(StoreContract, ConditionsCompareStringsByBytesAndNumbersByValue) {
  Item item = MakeItem("P", "S", {{"s", AV::S("apple")}, {"n", AV::N("10")}, {"d", AV::N("1.50")}});
  ASSERT_OK(store().Put(item));
  struct Case {
    Op op;
    const char* attr;
    AttributeValue operand;
    bool holds;
  };
  const std::vector<Case> cases = {
      {Op::kEq, "s", AV::S("apple"), true},
      {Op::kEq, "s", AV::S("Apple"), false},
      {Op::kNe, "s", AV::S("pear"), true},
      {Op::kNe, "s", AV::S("apple"), false},
      {Op::kLt, "s", AV::S("banana"), true},
      {Op::kGt, "s", AV::S("b"), false},
      {Op::kLe, "s", AV::S("apple"), true},
      {Op::kGe, "s", AV::S("apple"), true},
      {Op::kBeginsWith, "s", AV::S("app"), true},
      {Op::kBeginsWith, "s", AV::S("pp"), false},
      {Op::kEq, "n", AV::N("10.0"), true},
      {Op::kGt, "n", AV::N("9"), true},
      {Op::kLt, "n", AV::N("9"), false},
      {Op::kLt, "n", AV::N("100"), true},
      {Op::kGe, "n", AV::N("1e1"), true},
      {Op::kEq, "d", AV::N("1.5"), true},
      {Op::kLt, "d", AV::N("1.49"), false},
      {Op::kLe, "d", AV::N("1.500"), true},
      {Op::kEq, "n", AV::S("10"), false},
      {Op::kLt, "s", AV::N("1"), false},
      {Op::kExists, "s", {}, true},
      {Op::kExists, "gone", {}, false},
      {Op::kNotExists, "gone", {}, true},
      {Op::kNotExists, "s", {}, false},
      {Op::kEq, "gone", AV::S("x"), false},
      {Op::kNe, "gone", AV::S("x"), false},
  };
  for (const Case& c : cases) {
    Status s = store().Put(item, Condition().Add(c.op, c.attr, c.operand));
    EXPECT_EQ(s.ok(), c.holds) << c.attr << " op " << static_cast<int>(c.op) << " "
                               << c.operand.ToDynamoJson() << ": " << s.ToString();
    if (!c.holds) {
      EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
    }
  }
  Condition both = Condition::Exists("s").Add(Op::kEq, "n", Num(10));
  EXPECT_OK(store().Put(item, both));
  EXPECT_TRUE(store().Put(item, both.Add(Op::kEq, "d", Num(2))).IsConditionFailed());
}

TEST_P(StoreContract, ConditionsOnAnAbsentItem) {
  EXPECT_TRUE(store().Put(MakeItem("P", "S"), Condition::Exists("PK")).IsConditionFailed());
  EXPECT_TRUE(store()
                  .Put(MakeItem("P", "S"), Condition().Add(Op::kEq, "v", AV::S("x")))
                  .IsConditionFailed());
  EXPECT_FALSE(Fetch("P", "S").has_value());
  EXPECT_OK(store().Put(MakeItem("P", "S"), Condition::NotExists("PK")));
  EXPECT_TRUE(Fetch("P", "S").has_value());
}

TEST_P(StoreContract, UpdateCreatesAnAbsentItemAndReturnsItAllNew) {
  Update u;
  u.set = {{"status", AV::S("occupied")}};
  u.add = {{"count", 5}};
  auto updated = store().UpdateItem({"P", "S"}, u);
  ASSERT_OK(updated);
  Item expected = MakeItem("P", "S", {{"status", AV::S("occupied")}, {"count", Num(5)}});
  EXPECT_TRUE(*updated == expected) << ItemToDynamoJson(*updated);
  EXPECT_TRUE(Fetch("P", "S") == expected);
}

TEST_P(StoreContract, UpdateSetsAddsAndRemoves) {
  ASSERT_OK(store().Put(MakeItem(
      "P", "S", {{"a", AV::S("x")}, {"c", Num(10)}, {"r", AV::S("gone")}, {"k", AV::S("k")}})));
  Update u;
  u.set = {{"a", AV::S("y")}, {"new", AV::M({{"x", Num(1)}})}};
  u.add = {{"c", -3}, {"fresh", 2}};
  u.remove = {"r", "never-there"};
  auto updated = store().UpdateItem({"P", "S"}, u);
  ASSERT_OK(updated);
  Item expected = MakeItem("P", "S",
                           {{"a", AV::S("y")},
                            {"new", AV::M({{"x", Num(1)}})},
                            {"c", Num(7)},
                            {"fresh", Num(2)},
                            {"k", AV::S("k")}});
  EXPECT_TRUE(*updated == expected) << ItemToDynamoJson(*updated);
  EXPECT_TRUE(Fetch("P", "S") == expected);
}

TEST_P(StoreContract, AFailedUpdateLeavesTheItemUnchanged) {
  Item item =
      MakeItem("P", "S", {{"status", AV::S("vacant")}, {"count", Num(1)}, {"s", AV::S("x")}});
  ASSERT_OK(store().Put(item));
  Update u;
  u.set = {{"status", AV::S("occupied")}};
  u.add = {{"count", 1}};
  auto failed =
      store().UpdateItem({"P", "S"}, u, Condition().Add(Op::kEq, "status", AV::S("occupied")));
  EXPECT_TRUE(failed.status().IsConditionFailed()) << failed.status().ToString();
  EXPECT_TRUE(
      store().UpdateItem({"P", "absent"}, u, Condition::Exists("PK")).status().IsConditionFailed());
  EXPECT_FALSE(Fetch("P", "absent").has_value());
  Update add_to_string;
  add_to_string.add = {{"s", 1}};
  add_to_string.set = {{"status", AV::S("changed")}};
  EXPECT_TRUE(store().UpdateItem({"P", "S"}, add_to_string).status().IsInvalidArgument());
  EXPECT_TRUE(Fetch("P", "S") == item) << Json(Fetch("P", "S"));
}

TEST_P(StoreContract, DeleteHonoursItsConditionAndAbsentIsOk) {
  EXPECT_OK(store().Delete({"P", "absent"}));
  ASSERT_OK(store().Put(MakeItem("P", "S", {{"v", Num(1)}})));
  EXPECT_TRUE(
      store().Delete({"P", "S"}, Condition().Add(Op::kEq, "v", Num(2))).IsConditionFailed());
  EXPECT_TRUE(Fetch("P", "S").has_value());
  EXPECT_OK(store().Delete({"P", "S"}, Condition().Add(Op::kEq, "v", AV::N("1.0"))));
  EXPECT_FALSE(Fetch("P", "S").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(ContractBackends()),
                         [](const ::testing::TestParamInfo<ContractBackend>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace vdpark::contract
