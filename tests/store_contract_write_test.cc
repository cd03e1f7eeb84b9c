// The store contract (store_contract_fixture.h): batch writes and transactional writes.
#include <string>
#include <vector>

#include "store_contract_fixture.h"

namespace vdpark::contract {
namespace {

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

}  // namespace
}  // namespace vdpark::contract
