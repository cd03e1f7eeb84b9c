// The store contract suite: tests written once against ItemStore& (store_contract_test.cc) and run
// unchanged against every backend registered here.
//
// A backend registers one factory, from its own test file, at static-initialization time:
//
//   const bool kRegistered = vdpark::contract::RegisterContractBackend({
//       .name = "dynamodb",  // the test name suffix: letters, digits and '_'
//       .capabilities = {.honours_ttl_immediately = true},
//       .make = [] { return std::make_unique<MyBackendUnderTest>(); },
//   });
//
// `make` returns a fresh, empty store for one test; the suite destroys it when the test ends (the
// place to remove a temporary folder or table). A test that needs a capability the backend does
// not declare is skipped with GTEST_SKIP and the reason.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "store/item_store.h"

namespace vdpark::contract {

struct StoreCapabilities {
  // Items whose ttl has passed are invisible to reads and conditions at once (DynamoDB itself
  // keeps them for up to days: a backend on it declares this only if it filters them out).
  bool honours_ttl_immediately = false;
  // SetNow() moves the clock the store judges ttl by.
  bool controllable_clock = false;
  // TransactWrite reaches a server that has TransactWriteItems (dynalite 4 has none).
  bool supports_transactions = true;
  // How long to wait after a write before an index query sees it (DynamoDB's GSIs are
  // eventually consistent); zero for a backend whose indexes are updated with the write.
  std::chrono::milliseconds index_settle_time{0};
};

// One store made for one test.
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual ItemStore& store() = 0;
  // Sets "now" (epoch seconds) for ttl; only called when controllable_clock is declared.
  virtual void SetNow(int64_t /*epoch_seconds*/) {}
};

struct ContractBackend {
  std::string name;
  StoreCapabilities capabilities;
  std::function<std::unique_ptr<StoreUnderTest>()> make;
};

inline std::vector<ContractBackend>& ContractBackends() {
  static std::vector<ContractBackend> backends;
  return backends;
}

// Adds a backend to the suite; returns true so that it can initialize a namespace-scope constant.
inline bool RegisterContractBackend(ContractBackend backend) {
  ContractBackends().push_back(std::move(backend));
  return true;
}

#define EXPECT_OK(expr)                                                                     \
  do {                                                                                      \
    const auto& _contract_result = (expr);                                                  \
    EXPECT_TRUE(_contract_result.ok()) << ::vdpark::contract::StatusText(_contract_result); \
  } while (0)
#define ASSERT_OK(expr)                                                                     \
  do {                                                                                      \
    const auto& _contract_result = (expr);                                                  \
    ASSERT_TRUE(_contract_result.ok()) << ::vdpark::contract::StatusText(_contract_result); \
  } while (0)

inline std::string StatusText(const Status& s) {
  return s.ToString();
}
template <typename T>
std::string StatusText(const Result<T>& r) {
  return r.status().ToString();
}

// gtest prints the parameter of a failing test with this.
inline void PrintTo(const ContractBackend& backend, std::ostream* os) {
  *os << backend.name;
}

// Helpers shared by the contract suite and backend-specific tests.

inline Item MakeItem(std::string pk, std::string sk,
                     std::vector<std::pair<std::string, AttributeValue>> attrs = {}) {
  Item item{{"PK", AttributeValue::S(std::move(pk))}, {"SK", AttributeValue::S(std::move(sk))}};
  for (auto& [name, value] : attrs) item[name] = std::move(value);
  return item;
}

// A whole number as N (AttributeValue::N(int) would be ambiguous between int64_t and double).
inline AttributeValue Num(int64_t n) {
  return AttributeValue::N(n);
}

inline std::string SkOf(const Item& item) {
  return GetString(item, kSkAttr).value_or("<none>");
}

// The SKs of `items`, in their order.
inline std::vector<std::string> Sks(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(SkOf(i));
  return out;
}

// "PK|SK" of each of `items`, in their order.
inline std::vector<std::string> Keys(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(GetString(i, kPkAttr).value_or("") + "|" + SkOf(i));
  return out;
}

inline std::string Json(const std::optional<Item>& item) {
  return item ? ItemToDynamoJson(*item) : "<absent>";
}

// Every item of a query, page by page (each page must succeed and the paging must end).
inline std::vector<Item> QueryAll(ItemStore& store, QueryRequest request, size_t* pages = nullptr) {
  std::vector<Item> all;
  for (size_t page_count = 1;; ++page_count) {
    auto page = store.Query(request);
    if (!page.ok()) {
      ADD_FAILURE() << "Query: " << page.status().ToString();
      return all;
    }
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (pages != nullptr) *pages = page_count;
    if (!page->last_evaluated_key) return all;
    if (page_count > 100000) {
      ADD_FAILURE() << "Query paging does not end";
      return all;
    }
    request.exclusive_start_key = page->last_evaluated_key;
  }
}

// Every item of one scan segment, page by page.
inline std::vector<Item> ScanAll(ItemStore& store, ScanRequest request) {
  std::vector<Item> all;
  for (size_t page_count = 1;; ++page_count) {
    auto page = store.Scan(request);
    if (!page.ok()) {
      ADD_FAILURE() << "Scan: " << page.status().ToString();
      return all;
    }
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (!page->last_evaluated_key) return all;
    if (page_count > 100000) {
      ADD_FAILURE() << "Scan paging does not end";
      return all;
    }
    request.exclusive_start_key = page->last_evaluated_key;
  }
}

}  // namespace vdpark::contract
