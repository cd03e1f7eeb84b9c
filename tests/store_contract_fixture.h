// StoreContract: the fixture of the store contract suite (item_store.h's contracts as tests), run
// against every registered backend (store_contract.h). Its tests are split by concern:
// store_contract_test.cc (items, conditions, updates, deletes; the suite's instantiation),
// store_contract_query_test.cc (queries and indexes), store_contract_write_test.cc (batch and
// transactional writes), store_contract_scan_test.cc (scans and expiry) and
// store_contract_race_test.cc (concurrent writers).
#pragma once

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store_contract.h"

namespace vdpark::contract {

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

}  // namespace vdpark::contract
