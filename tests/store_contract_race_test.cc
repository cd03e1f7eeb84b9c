// The store contract (store_contract_fixture.h): writers racing on one item; conditions make
// every increment count once and give exactly one winner.
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "store_contract_fixture.h"

namespace vdpark::contract {
namespace {

constexpr int kRacers = 8;

// Runs `attempt(t)` for t in [0, kRacers) on as many threads at once, and expects exactly one to
// succeed and every other to fail its condition (kConditionFailed). Returns the winner's t.
int ExactlyOneWinner(const std::function<Status(int)>& attempt, const std::string& what) {
  std::atomic<int> wins{0}, conflicts{0}, winner{-1};
  std::vector<std::thread> threads;
  for (int t = 0; t < kRacers; ++t) {
    threads.emplace_back([&, t] {
      Status s = attempt(t);
      if (s.ok()) {
        ++wins;
        winner = t;
      } else if (s.IsConditionFailed()) {
        ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1) << what;
  EXPECT_EQ(conflicts.load(), kRacers - 1) << what;
  return winner.load();
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
    const int winner = ExactlyOneWinner(
        [&](int t) {
          return store().Put(MakeItem("R", sk, {{"by", Num(t)}}), Condition::NotExists("PK"));
        },
        sk);
    EXPECT_TRUE(Fetch("R", sk) == MakeItem("R", sk, {{"by", Num(winner)}}));
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
    const int winner = ExactlyOneWinner(
        [&](int t) {
          Update u;
          u.set = {{"sensorId", AV::S("S-" + std::to_string(t))}};
          return store().UpdateItem({"B", sk}, u, as_read).status();
        },
        sk);
    Item expected = bay;
    expected["sensorId"] = AV::S("S-" + std::to_string(winner));
    EXPECT_TRUE(Fetch("B", sk) == expected) << Json(Fetch("B", sk));
  }
}

// Transactions racing to claim one key, each with an item of its own: exactly one applies, and
// the others write nothing (their own items are absent).
TEST_P(StoreContract, RacingTransactionsOnOneKeyHaveExactlyOneWinner) {
  if (!caps().supports_transactions) GTEST_SKIP() << "no TransactWriteItems on this server";
  for (int round = 0; round < 20; ++round) {
    std::string sk = "claim#" + std::to_string(round);
    const int winner = ExactlyOneWinner(
        [&](int t) {
          TransactItem claim;
          claim.item = MakeItem("T", sk, {{"by", Num(t)}});
          claim.condition = Condition::NotExists("PK");
          TransactItem own;
          own.item = MakeItem("T", sk + "#own#" + std::to_string(t));
          own.condition = Condition::NotExists("PK");
          const TransactItem items[] = {claim, own};
          return store().TransactWrite(items);
        },
        sk);
    EXPECT_TRUE(Fetch("T", sk) == MakeItem("T", sk, {{"by", Num(winner)}}));
    for (int t = 0; t < kRacers; ++t) {
      EXPECT_EQ(Fetch("T", sk + "#own#" + std::to_string(t)).has_value(), t == winner)
          << sk << " racer " << t;
    }
  }
}

}  // namespace
}  // namespace vdpark::contract
