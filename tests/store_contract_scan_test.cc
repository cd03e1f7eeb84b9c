// The store contract (store_contract_fixture.h): scans (segments, key order, filters) and items
// expiring with their ttl.
#include <set>
#include <string>
#include <vector>

#include "store_contract_fixture.h"

namespace vdpark::contract {
namespace {

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

}  // namespace
}  // namespace vdpark::contract
