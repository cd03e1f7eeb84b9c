// The executable form of item_store.h's contracts, run against every registered backend.
#include "store_contract.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vdpark::contract {
namespace {

using Op = ConditionClause::Op;
using SkOp = SortKeyCondition::Op;
using AV = AttributeValue;

class StoreContract : public ::testing::TestWithParam<ContractBackend> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    ASSERT_NE(backend_, nullptr);
  }
  void TearDown() override { backend_.reset(); }

  ItemStore& store() { return backend_->store(); }
  const StoreCapabilities& caps() const { return GetParam().capabilities; }
  // A sleep, not a wait: an eventually consistent index says nothing when it has caught up, and
  // the tests then assert what a query answers, so a backend declares how long that takes.
  void SettleIndexes() { std::this_thread::sleep_for(caps().index_settle_time); }

  std::optional<Item> Fetch(const std::string& pk, const std::string& sk) {
    auto got = store().Get({pk, sk});
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::nullopt;
  }
  std::vector<Item> Query(IndexName index, std::string partition, SortKeyCondition sort = {},
                          bool forward = true, size_t limit = 0) {
    QueryRequest q{index, std::move(partition), std::move(sort), forward, limit, std::nullopt};
    return QueryAll(store(), q);
  }

  std::unique_ptr<StoreUnderTest> backend_;
};

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

TEST_P(StoreContract, QueryReturnsOnlyItsPartitionInSortKeyOrder) {
  std::vector<std::string> sks = {"EVENT#3", "BAY#A-002", "METADATA", "BAY#A-001", "EVENT#1"};
  for (const auto& sk : sks) ASSERT_OK(store().Put(MakeItem("ZONE#1", sk)));
  for (const char* other : {"ZONE#10", "ZONE#", "ZONE#0", "ZONE#1#BAY#A"}) {
    ASSERT_OK(store().Put(MakeItem(other, "BAY#A-001")));
  }
  std::sort(sks.begin(), sks.end());
  EXPECT_EQ(Sks(Query(IndexName::kTable, "ZONE#1")), sks);
  std::reverse(sks.begin(), sks.end());
  EXPECT_EQ(Sks(Query(IndexName::kTable, "ZONE#1", {}, false)), sks);
  EXPECT_TRUE(Query(IndexName::kTable, "ZONE#2").empty());
}

TEST_P(StoreContract, QueryHonoursEverySortKeyConditionBothWays) {
  std::vector<std::string> sks = {"A",
                                  "B",
                                  "B#1",
                                  "B#2",
                                  "BA",
                                  "C",
                                  "EVENT#2026-01-01T00:00:00.000000Z",
                                  "EVENT#2026-01-02T10:00:00.000000Z",
                                  "EVENT#2026-02-01T00:00:00.000000Z",
                                  "z",
                                  "\xc3\xa9t\xc3\xa9"};
  std::vector<WriteRequest> writes;
  for (const auto& sk : sks) writes.push_back(WriteRequest::Put(MakeItem("P", sk)));
  ASSERT_OK(store().BatchWrite(writes));
  std::sort(sks.begin(), sks.end());  // byte order, as DynamoDB sorts
  const std::vector<SortKeyCondition> conditions = {
      {SkOp::kNone, "", ""},        {SkOp::kEq, "B", ""},
      {SkOp::kEq, "B#", ""},        {SkOp::kLt, "B", ""},
      {SkOp::kLe, "B", ""},         {SkOp::kGt, "B", ""},
      {SkOp::kGe, "B#1", ""},       {SkOp::kGt, "z", ""},
      {SkOp::kBetween, "B", "C"},   {SkOp::kBetween, "EVENT#2026-01-01", "EVENT#2026-01-31"},
      {SkOp::kBeginsWith, "B", ""}, {SkOp::kBeginsWith, "EVENT#2026-01", ""},
      {SkOp::kBeginsWith, "Q", ""}, {SkOp::kBeginsWith, "\xc3", ""},
  };
  for (const auto& c : conditions) {
    std::vector<std::string> expected;
    for (const auto& sk : sks) {
      if (c.Matches(sk)) expected.push_back(sk);
    }
    for (bool forward : {true, false}) {
      for (size_t limit : {0, 2}) {
        SCOPED_TRACE("op " + std::to_string(static_cast<int>(c.op)) + " " + c.value + " fwd " +
                     std::to_string(forward) + " limit " + std::to_string(limit));
        EXPECT_EQ(Sks(Query(IndexName::kTable, "P", c, forward, limit)), expected);
      }
      std::reverse(expected.begin(), expected.end());
    }
  }
}

TEST_P(StoreContract, QueryPagesReturnEveryItemOnceInOrder) {
  std::vector<std::string> sks;
  std::vector<WriteRequest> writes;
  for (int i = 0; i < 25; ++i) {
    sks.push_back("EVENT#" + std::to_string(1000 + i));
    writes.push_back(WriteRequest::Put(MakeItem("P", sks.back())));
  }
  ASSERT_OK(store().BatchWrite(writes));
  for (bool forward : {true, false}) {
    for (size_t limit : {1, 3, 7, 25, 26}) {
      QueryRequest q{IndexName::kTable, "P", {}, forward, limit, std::nullopt};
      std::vector<std::string> seen;
      for (int pages = 0; pages < 100; ++pages) {
        auto page = store().Query(q);
        ASSERT_OK(page);
        EXPECT_LE(page->items.size(), limit);
        for (const auto& item : page->items) seen.push_back(SkOf(item));
        if (!page->last_evaluated_key) break;
        q.exclusive_start_key = page->last_evaluated_key;
      }
      std::vector<std::string> expected = sks;
      if (!forward) std::reverse(expected.begin(), expected.end());
      EXPECT_EQ(seen, expected) << "limit " << limit << " forward " << forward;
      if (limit > sks.size()) {
        EXPECT_FALSE(q.exclusive_start_key) << "the first page held every item";
      }
    }
  }
}

// Items of tenant t: GSI1SK ties across base partitions test that paging resumes exactly.
std::vector<Item> PutTenantItems(ItemStore& store) {
  std::vector<Item> in_index;
  for (int z = 0; z < 6; ++z) {
    Item item = MakeItem("ZONE#" + std::to_string(z), "METADATA",
                         {{"GSI1PK", AV::S("TENANT#t")},
                          {"GSI1SK", AV::S("ZONE#" + std::to_string(z % 3))},
                          {"name", AV::S("zone " + std::to_string(z))},
                          {"location", AV::M({{"lat", AV::N("25.2")}})}});
    EXPECT_OK(store.Put(item));
    in_index.push_back(item);
  }
  EXPECT_OK(store.Put(MakeItem("ZONE#x", "METADATA",
                               {{"GSI1PK", AV::S("TENANT#u")}, {"GSI1SK", AV::S("ZONE#x")}})));
  EXPECT_OK(store.Put(MakeItem("ZONE#y", "METADATA", {{"GSI1PK", AV::S("TENANT#t")}})));
  return in_index;
}

TEST_P(StoreContract, Gsi1QueryReturnsFullItemsInIndexOrderAcrossPages) {
  std::vector<Item> expected = PutTenantItems(store());
  SettleIndexes();
  for (size_t limit : {0, 1, 2, 4}) {
    for (bool forward : {true, false}) {
      std::vector<Item> got = Query(IndexName::kGsi1, "TENANT#t", {}, forward, limit);
      ASSERT_EQ(got.size(), expected.size()) << "limit " << limit;
      for (size_t i = 1; i < got.size(); ++i) {
        auto a = *GetString(got[i - 1], "GSI1SK"), b = *GetString(got[i], "GSI1SK");
        EXPECT_TRUE(forward ? a <= b : a >= b) << a << " then " << b;
      }
      std::set<std::string> keys;
      for (const auto& item : got) {
        keys.insert(Keys({item})[0]);
        auto want = std::find_if(expected.begin(), expected.end(),
                                 [&](const Item& e) { return KeyOf(e) == KeyOf(item); });
        ASSERT_NE(want, expected.end());
        EXPECT_TRUE(*want == item) << ItemToDynamoJson(item);  // projection ALL
      }
      EXPECT_EQ(keys.size(), expected.size()) << "an item came twice";
    }
  }
  // Two items share this index sort key: DynamoDB orders an index by its keys only, so ties come
  // in no promised order.
  auto some = Keys(Query(IndexName::kGsi1, "TENANT#t", {SkOp::kEq, "ZONE#1", ""}));
  std::sort(some.begin(), some.end());
  EXPECT_EQ(some, (std::vector<std::string>{"ZONE#1|METADATA", "ZONE#4|METADATA"}));
}

TEST_P(StoreContract, Gsi2QueryReturnsKeysOnly) {
  ASSERT_OK(store().Put(MakeItem(
      "ZONE#1", "BAY#A-001",
      {{"GSI2PK", AV::S("SENSOR#s1")}, {"GSI2SK", AV::S("BAY")}, {"status", AV::S("vacant")}})));
  ASSERT_OK(store().Put(
      MakeItem("ZONE#1", "BAY#A-002", {{"GSI2PK", AV::S("SENSOR#s2")}, {"GSI2SK", AV::S("BAY")}})));
  SettleIndexes();
  auto got = Query(IndexName::kGsi2, "SENSOR#s1", {SkOp::kEq, "BAY", ""});
  ASSERT_EQ(got.size(), 1u);
  Item keys =
      MakeItem("ZONE#1", "BAY#A-001", {{"GSI2PK", AV::S("SENSOR#s1")}, {"GSI2SK", AV::S("BAY")}});
  EXPECT_TRUE(got[0] == keys) << ItemToDynamoJson(got[0]);
}

TEST_P(StoreContract, IndexEntriesFollowEveryKindOfWrite) {
  auto gsi1 = [&](const std::string& partition) {
    SettleIndexes();
    return Keys(Query(IndexName::kGsi1, partition));
  };
  using V = std::vector<std::string>;
  Item item = MakeItem("E", "1", {{"GSI1PK", AV::S("G")}, {"GSI1SK", AV::S("1")}});
  ASSERT_OK(store().Put(item));
  ASSERT_OK(store().Put(MakeItem("E", "2", {{"GSI1PK", AV::S("G")}, {"GSI1SK", AV::S("2")}})));
  EXPECT_EQ(gsi1("G"), (V{"E|1", "E|2"}));
  Update move;
  move.set = {{"GSI1SK", AV::S("3")}};
  ASSERT_OK(store().UpdateItem({"E", "1"}, move));
  EXPECT_EQ(gsi1("G"), (V{"E|2", "E|1"}));
  EXPECT_TRUE(Query(IndexName::kGsi1, "G", {SkOp::kEq, "1", ""}).empty());
  Update unindex;
  unindex.remove = {"GSI1PK"};
  ASSERT_OK(store().UpdateItem({"E", "1"}, unindex));
  EXPECT_EQ(gsi1("G"), (V{"E|2"}));
  ASSERT_OK(store().Put(item));
  EXPECT_EQ(gsi1("G"), (V{"E|1", "E|2"}));
  ASSERT_OK(store().Put(MakeItem("E", "1")));  // overwritten without index attributes
  EXPECT_EQ(gsi1("G"), (V{"E|2"}));
  ASSERT_OK(store().Put(item));
  ASSERT_OK(store().Delete({"E", "1"}));
  EXPECT_EQ(gsi1("G"), (V{"E|2"}));
  ASSERT_OK(store().BatchWrite(std::vector<WriteRequest>{
      WriteRequest::Put(MakeItem("E", "1", {{"GSI1PK", AV::S("G")}, {"GSI1SK", AV::S("0")}})),
      WriteRequest::Delete({"E", "2"})}));
  EXPECT_EQ(gsi1("G"), (V{"E|1"}));
  if (!caps().supports_transactions) return;  // the rest writes through a transaction
  TransactItem t{TransactItem::Kind::kUpdate, {}, {"E", "1"}, {}, {}};
  t.update.set = {{"GSI1PK", AV::S("H")}, {"GSI2PK", AV::S("S1")}, {"GSI2SK", AV::S("BAY")}};
  ASSERT_OK(store().TransactWrite(std::vector<TransactItem>{t}));
  EXPECT_EQ(gsi1("G"), V{});
  EXPECT_EQ(gsi1("H"), (V{"E|1"}));
  EXPECT_EQ(Keys(Query(IndexName::kGsi2, "S1")), (V{"E|1"}));
}

TEST_P(StoreContract, BatchWriteOf3000ItemsIsAllReadable) {
  std::vector<WriteRequest> writes;
  for (int i = 0; i < 3000; ++i) {
    std::string pk = i < 1500 ? "BIG" : "ZONE#" + std::to_string(i % 30);
    char sk[32];
    std::snprintf(sk, sizeof sk, "EVENT#%06d", i);
    writes.push_back(WriteRequest::Put(
        MakeItem(pk, sk, {{"n", Num(i)}, {"GSI1PK", AV::S("ALL")}, {"GSI1SK", AV::S(sk)}})));
  }
  ASSERT_OK(store().BatchWrite(writes));
  for (int i = 0; i < 3000; i += 97) {
    const Item& want = writes[static_cast<size_t>(i)].item;
    EXPECT_TRUE(Fetch(*GetString(want, "PK"), SkOf(want)) == want) << i;
  }
  std::vector<Item> big = Query(IndexName::kTable, "BIG");
  ASSERT_EQ(big.size(), 1500u);
  for (size_t i = 0; i < big.size(); ++i) EXPECT_TRUE(big[i] == writes[i].item) << i;
  EXPECT_EQ(Query(IndexName::kTable, "ZONE#7").size(), 50u);
  SettleIndexes();
  EXPECT_EQ(Query(IndexName::kGsi1, "ALL").size(), 3000u);
  EXPECT_EQ(ScanAll(store(), {}).size(), 3000u);
}

TEST_P(StoreContract, BatchWriteMixesPutsAndDeletes) {
  std::vector<WriteRequest> first, second;
  for (int i = 0; i < 10; ++i) first.push_back(WriteRequest::Put(MakeItem("P", std::to_string(i))));
  ASSERT_OK(store().BatchWrite(first));
  for (int i = 0; i < 5; ++i) second.push_back(WriteRequest::Delete({"P", std::to_string(i)}));
  second.push_back(WriteRequest::Put(MakeItem("P", "9", {{"v", AV::S("new")}})));
  second.push_back(WriteRequest::Put(MakeItem("P", "a")));
  second.push_back(WriteRequest::Delete({"P", "never"}));
  ASSERT_OK(store().BatchWrite(second));
  EXPECT_EQ(Sks(Query(IndexName::kTable, "P")),
            (std::vector<std::string>{"5", "6", "7", "8", "9", "a"}));
  EXPECT_TRUE(Fetch("P", "9") == MakeItem("P", "9", {{"v", AV::S("new")}}));
  EXPECT_OK(store().BatchWrite({}));
}

TEST_P(StoreContract, BatchWriteRejectsTwoRequestsForOneKey) {
  EXPECT_FALSE(store()
                   .BatchWrite(std::vector<WriteRequest>{WriteRequest::Put(MakeItem("P", "1")),
                                                         WriteRequest::Put(MakeItem("P", "1"))})
                   .ok());
  EXPECT_FALSE(store()
                   .BatchWrite(std::vector<WriteRequest>{WriteRequest::Put(MakeItem("P", "2")),
                                                         WriteRequest::Delete({"P", "2"})})
                   .ok());
}

TEST_P(StoreContract, TransactWriteIsAllOrNothing) {
  if (!caps().supports_transactions) GTEST_SKIP() << "the server has no TransactWriteItems";
  ASSERT_OK(store().Put(MakeItem("T", "a", {{"count", Num(1)}})));
  ASSERT_OK(store().Put(MakeItem("T", "b")));
  ASSERT_OK(store().Put(MakeItem("T", "c")));
  ASSERT_OK(store().Put(MakeItem("T", "e", {{"v", AV::S("old")}})));
  std::vector<TransactItem> items(5);
  items[0] = {TransactItem::Kind::kPut, MakeItem("T", "d"), {}, {}, Condition::NotExists("PK")};
  items[1] = {TransactItem::Kind::kUpdate, {}, {"T", "a"}, {}, Condition::Exists("count")};
  items[1].update.add = {{"count", 1}};
  items[2] = {TransactItem::Kind::kDelete, {}, {"T", "b"}, {}, {}};
  items[3] = {TransactItem::Kind::kConditionCheck, {}, {"T", "c"}, {}, Condition::Exists("PK")};
  items[4] = {TransactItem::Kind::kPut,
              MakeItem("T", "e", {{"v", AV::S("new")}}),
              {},
              {},
              Condition::NotExists("PK")};
  Status s = store().TransactWrite(items);
  EXPECT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_NE(s.message().find("item 4"), std::string::npos) << s.ToString();
  EXPECT_EQ(Sks(Query(IndexName::kTable, "T")), (std::vector<std::string>{"a", "b", "c", "e"}));
  EXPECT_TRUE(Fetch("T", "a") == MakeItem("T", "a", {{"count", Num(1)}}));
  EXPECT_TRUE(Fetch("T", "e") == MakeItem("T", "e", {{"v", AV::S("old")}}));

  items[4].condition = Condition().Add(Op::kEq, "v", AV::S("old"));
  ASSERT_OK(store().TransactWrite(items));
  EXPECT_EQ(Sks(Query(IndexName::kTable, "T")), (std::vector<std::string>{"a", "c", "d", "e"}));
  EXPECT_TRUE(Fetch("T", "a") == MakeItem("T", "a", {{"count", Num(2)}}));
  EXPECT_TRUE(Fetch("T", "e") == MakeItem("T", "e", {{"v", AV::S("new")}}));
}

// TransactWriteTaking (the live path's write) writes what TransactWrite writes. When it fails the
// items are as given, so that the caller can try them again; after a write the store may have
// taken them (embedded moves an item it keeps in its cache), and what reads back, from the cache
// or not, is the item written.
TEST_P(StoreContract, TransactWriteTakingLeavesTheItemsOnAFailureAndWritesThemWhole) {
  if (!caps().supports_transactions) GTEST_SKIP() << "the server has no TransactWriteItems";
  const Item bay =
      MakeItem("K", "bay",
               {{"status", AV::S("occupied")}, {"GSI1PK", AV::S("G")}, {"GSI1SK", AV::S("bay")}});
  const Item sensor = MakeItem("K", "sensor", {{"battery", Num(87)}});
  ASSERT_OK(store().Put(MakeItem("K", "bay", {{"status", AV::S("vacant")}})));
  ASSERT_OK(store().Put(MakeItem("K", "sensor")));
  ASSERT_TRUE(Fetch("K", "bay") == MakeItem("K", "bay", {{"status", AV::S("vacant")}}));
  ASSERT_TRUE(Fetch("K", "sensor") == MakeItem("K", "sensor"));  // read: now in any cache

  std::vector<TransactItem> items(2);
  items[0] = {
      TransactItem::Kind::kPut, bay, {}, {}, Condition().Add(Op::kEq, "status", AV::S("occupied"))};
  items[1] = {TransactItem::Kind::kPut, sensor, {}, {}, {}};
  Status s = store().TransactWriteTaking(items);
  ASSERT_TRUE(s.IsConditionFailed()) << s.ToString();
  EXPECT_TRUE(items[0].item == bay);
  EXPECT_TRUE(items[1].item == sensor);
  EXPECT_TRUE(Fetch("K", "sensor") == MakeItem("K", "sensor"));

  items[0].condition = Condition().Add(Op::kEq, "status", AV::S("vacant"));  // tried again
  ASSERT_OK(store().TransactWriteTaking(items));
  EXPECT_TRUE(Fetch("K", "bay") == bay);
  EXPECT_TRUE(Fetch("K", "sensor") == sensor);
  EXPECT_EQ(Sks(Query(IndexName::kGsi1, "G")), std::vector<std::string>{"bay"});
}

TEST_P(StoreContract, TransactWriteRejectsTooManyItemsAndRepeatedKeys) {
  std::vector<TransactItem> items;
  for (int i = 0; i <= 100; ++i) {
    items.push_back({TransactItem::Kind::kPut, MakeItem("T", std::to_string(i)), {}, {}, {}});
  }
  EXPECT_TRUE(store().TransactWrite(items).IsInvalidArgument());
  EXPECT_TRUE(Query(IndexName::kTable, "T").empty());
  std::vector<TransactItem> repeated = {{TransactItem::Kind::kPut, MakeItem("R", "1"), {}, {}, {}},
                                        {TransactItem::Kind::kDelete, {}, {"R", "1"}, {}, {}}};
  EXPECT_TRUE(store().TransactWrite(repeated).IsInvalidArgument());
  EXPECT_FALSE(Fetch("R", "1").has_value());
  if (!caps().supports_transactions) return;  // the server has no TransactWriteItems
  items.pop_back();
  EXPECT_OK(store().TransactWrite(items));  // exactly the limit
  EXPECT_EQ(Query(IndexName::kTable, "T").size(), 100u);
}

TEST_P(StoreContract, ScanSegmentsPartitionTheItemsByPartitionKey) {
  std::vector<WriteRequest> writes;
  for (int i = 0; i < 200; ++i) {
    writes.push_back(
        WriteRequest::Put(MakeItem("ZONE#" + std::to_string(i % 40), "BAY#" + std::to_string(i))));
  }
  ASSERT_OK(store().BatchWrite(writes));
  for (int total : {1, 3, 7}) {
    std::map<std::string, int> seen;
    std::map<std::string, std::set<int>> segments_of_pk;
    for (int segment = 0; segment < total; ++segment) {
      ScanRequest scan;
      scan.segment = segment;
      scan.total_segments = total;
      scan.limit = 7;
      for (const auto& item : ScanAll(store(), scan)) {
        ++seen[Keys({item})[0]];
        segments_of_pk[*GetString(item, "PK")].insert(segment);
      }
    }
    EXPECT_EQ(seen.size(), 200u) << total << " segments";
    for (const auto& [key, times] : seen) EXPECT_EQ(times, 1) << key;
    for (const auto& [pk, segments] : segments_of_pk) EXPECT_EQ(segments.size(), 1u) << pk;
  }
}

TEST_P(StoreContract, ScanOfOneSegmentIsInKeyOrderWhereDeclared) {
  if (!store().ScanInKeyOrder()) GTEST_SKIP() << "the backend does not scan in key order";
  std::vector<WriteRequest> writes;
  for (const char* pk : {"b", "a", "ab", "a#1", "\xc3\xa9"}) {
    for (const char* sk : {"2", "10", "1"}) writes.push_back(WriteRequest::Put(MakeItem(pk, sk)));
  }
  ASSERT_OK(store().BatchWrite(writes));
  ScanRequest scan;
  scan.limit = 4;
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& item : ScanAll(store(), scan))
    got.push_back({*GetString(item, "PK"), SkOf(item)});
  auto sorted = got;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(got.size(), 15u);
  EXPECT_EQ(got, sorted);
}

TEST_P(StoreContract, ScanFilterAppliesAfterTheLimit) {
  std::vector<WriteRequest> writes;
  for (int i = 0; i < 30; ++i) {
    std::string pk = "P";
    pk += std::to_string(i % 4);  // ("P" + std::string) trips a false -Wrestrict in GCC 12
    writes.push_back(WriteRequest::Put(
        MakeItem(std::move(pk), std::to_string(i), {{"even", AV::Bool(i % 2 == 0)}})));
  }
  ASSERT_OK(store().BatchWrite(writes));
  ScanRequest scan;
  scan.limit = 4;
  scan.filter = Condition().Add(Op::kEq, "even", AV::Bool(true));
  auto evens = ScanAll(store(), scan);
  EXPECT_EQ(evens.size(), 15u);
  for (const auto& item : evens) EXPECT_TRUE(FindAttribute(item, "even")->boolean());
  scan.filter = Condition().Add(Op::kEq, "even", AV::S("never"));
  auto page = store().Scan(scan);
  ASSERT_OK(page);
  EXPECT_TRUE(page->items.empty());
  EXPECT_TRUE(page->last_evaluated_key.has_value()) << "4 examined of 30: more follow";
}

TEST_P(StoreContract, ExpiredItemsAreInvisibleToReadsAndConditions) {
  if (!caps().honours_ttl_immediately) GTEST_SKIP() << "expired items may still be read";
  int64_t now = 1'900'000'000;
  if (caps().controllable_clock) {
    backend_->SetNow(now);
  } else {
    now = std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  }
  auto put = [&](const std::string& sk, std::optional<int64_t> ttl) {
    Item item = MakeItem("Z", sk,
                         {{"GSI1PK", AV::S("G")},
                          {"GSI1SK", AV::S(sk)},
                          {"GSI2PK", AV::S("S")},
                          {"GSI2SK", AV::S(sk)},
                          {"v", Num(1)}});
    if (ttl) item["ttl"] = Num(*ttl);
    EXPECT_OK(store().Put(item));
  };
  put("expired", now - 100);
  put("live", now + 100000);
  put("forever", std::nullopt);
  SettleIndexes();
  using V = std::vector<std::string>;
  EXPECT_FALSE(Fetch("Z", "expired").has_value());
  EXPECT_EQ(Sks(Query(IndexName::kTable, "Z")), (V{"forever", "live"}));
  EXPECT_EQ(Sks(Query(IndexName::kGsi1, "G")), (V{"forever", "live"}));
  EXPECT_EQ(Sks(Query(IndexName::kGsi2, "S")), (V{"forever", "live"}));
  EXPECT_EQ(Sks(ScanAll(store(), {})).size(), 2u);
  Update add;
  add.add = {{"v", 5}};
  auto updated = store().UpdateItem({"Z", "expired"}, add);
  ASSERT_OK(updated);
  EXPECT_TRUE(*updated == MakeItem("Z", "expired", {{"v", Num(5)}})) << "as if deleted";
  put("live2", now + 100000);
  ASSERT_OK(store().Delete({"Z", "live2"}));
  put("again", now - 1);
  EXPECT_OK(store().Put(MakeItem("Z", "again"), Condition::NotExists("PK")));
}

TEST_P(StoreContract, AnItemExpiresWhenTheClockReachesItsTtl) {
  if (!caps().honours_ttl_immediately || !caps().controllable_clock) {
    GTEST_SKIP() << "needs a controllable clock and immediate ttl";
  }
  backend_->SetNow(1000);
  ASSERT_OK(store().Put(MakeItem("Z", "e", {{"ttl", Num(2000)}})));
  backend_->SetNow(1999);
  EXPECT_TRUE(Fetch("Z", "e").has_value());
  backend_->SetNow(2000);
  EXPECT_FALSE(Fetch("Z", "e").has_value());
  EXPECT_TRUE(Query(IndexName::kTable, "Z").empty());
}

TEST_P(StoreContract, ConcurrentConditionalAddsAreExact) {
  ASSERT_OK(store().Put(MakeItem("C", "counter", {{"count", Num(0)}})));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      Update add;
      add.add = {{"count", 1}};
      for (int i = 0; i < 500; ++i) {
        if (!store().UpdateItem({"C", "counter"}, add, Condition::Exists("count")).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(Fetch("C", "counter") == MakeItem("C", "counter", {{"count", Num(2000)}}))
      << Json(Fetch("C", "counter"));
}

TEST_P(StoreContract, OptimisticReadModifyWriteLosesNoIncrement) {
  ASSERT_OK(store().Put(MakeItem("C", "version", {{"v", Num(0)}})));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int done = 0; done < 100;) {
        auto got = store().Get({"C", "version"});
        if (!got.ok() || !*got) continue;
        int v = std::stoi(FindAttribute(**got, "v")->text());
        Status s = store().Put(MakeItem("C", "version", {{"v", Num(v + 1)}}),
                               Condition().Add(Op::kEq, "v", Num(v)));
        if (s.ok()) ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(Fetch("C", "version") == MakeItem("C", "version", {{"v", Num(400)}}))
      << Json(Fetch("C", "version"));
}

TEST_P(StoreContract, RacingPutsIfNotExistsHaveExactlyOneWinner) {
  for (int round = 0; round < 20; ++round) {
    std::string sk = "race#" + std::to_string(round);
    std::atomic<int> wins{0}, conflicts{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        Status s = store().Put(MakeItem("R", sk, {{"by", Num(t)}}), Condition::NotExists("PK"));
        if (s.ok()) {
          ++wins;
          winner = t;
        } else if (s.IsConditionFailed()) {
          ++conflicts;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1) << sk;
    EXPECT_EQ(conflicts.load(), 7) << sk;
    EXPECT_TRUE(Fetch("R", sk) == MakeItem("R", sk, {{"by", Num(winner.load())}}));
  }
}

// What RegisterSensor relies on to give a bay to one sensor: of updates racing to set an
// attribute on condition that it is still as read (absent, or NULL), exactly one applies.
TEST_P(StoreContract, RacingConditionalUpdatesOfOneAttributeHaveExactlyOneWinner) {
  for (int round = 0; round < 20; ++round) {
    std::string sk = "bay#" + std::to_string(round);
    // Even rounds: the attribute is absent; odd rounds: it is NULL, as the mapper writes it.
    Item bay = MakeItem("B", sk, {{"status", AV::S("vacant")}});
    if (round % 2 == 1) bay["sensorId"] = AV::Null();
    ASSERT_OK(store().Put(bay));
    Condition as_read = Condition::Exists("PK");
    if (round % 2 == 0) {
      as_read.Add(Op::kNotExists, "sensorId");
    } else {
      as_read.Add(Op::kEq, "sensorId", AV::Null());
    }
    std::atomic<int> wins{0}, conflicts{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        Update u;
        u.set = {{"sensorId", AV::S("S-" + std::to_string(t))}};
        auto r = store().UpdateItem({"B", sk}, u, as_read);
        if (r.ok()) {
          ++wins;
          winner = t;
        } else if (r.status().IsConditionFailed()) {
          ++conflicts;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1) << sk;
    EXPECT_EQ(conflicts.load(), 7) << sk;
    Item expected = bay;
    expected["sensorId"] = AV::S("S-" + std::to_string(winner.load()));
    EXPECT_TRUE(Fetch("B", sk) == expected) << Json(Fetch("B", sk));
  }
}

// Transactions racing to claim one key, each with an item of its own: exactly one applies, and
// the others write nothing (their own items are absent).
TEST_P(StoreContract, RacingTransactionsOnOneKeyHaveExactlyOneWinner) {
  if (!caps().supports_transactions) GTEST_SKIP() << "no TransactWriteItems on this server";
  for (int round = 0; round < 20; ++round) {
    std::string sk = "claim#" + std::to_string(round);
    std::atomic<int> wins{0}, conflicts{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        TransactItem claim;
        claim.item = MakeItem("T", sk, {{"by", Num(t)}});
        claim.condition = Condition::NotExists("PK");
        TransactItem own;
        own.item = MakeItem("T", sk + "#own#" + std::to_string(t));
        own.condition = Condition::NotExists("PK");
        const TransactItem items[] = {claim, own};
        Status s = store().TransactWrite(items);
        if (s.ok()) {
          ++wins;
          winner = t;
        } else if (s.IsConditionFailed()) {
          ++conflicts;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1) << sk;
    EXPECT_EQ(conflicts.load(), 7) << sk;
    EXPECT_TRUE(Fetch("T", sk) == MakeItem("T", sk, {{"by", Num(winner.load())}}));
    for (int t = 0; t < 8; ++t) {
      EXPECT_EQ(Fetch("T", sk + "#own#" + std::to_string(t)).has_value(), t == winner.load())
          << sk << " racer " << t;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::ValuesIn(ContractBackends()),
                         [](const ::testing::TestParamInfo<ContractBackend>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace vdpark::contract
