// The store contract (store_contract_fixture.h): queries of the table and of GSI1 and GSI2, and
// index entries following every kind of write.
#include <algorithm>
#include <string>
#include <vector>

#include "store_contract_fixture.h"

namespace vdpark::contract {
namespace {

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

}  // namespace
}  // namespace vdpark::contract
