// OperatorStore (alerts and settings) on every store that serves the API: embedded, dynamodb on
// dynalite (no transactions: the one-by-one path) and on DynamoDB Local (transactions), and
// PostgreSQL (tables of vdpark's own).
#include "store/operator_store.h"

#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "create_backends.h"
#include "record_test_support.h"

namespace vdpark {
namespace {

using record_test::Ts;
using testing::ApiBackend;
using testing::ApiBackendPlace;

Alert LowBattery(std::string sensor, std::string raised, std::string tenant = "t1") {
  Alert a;
  a.sensor_id = std::move(sensor);
  a.kind = AlertKind::kLowBattery;
  a.raised_at = Ts(raised.c_str());
  a.severity = AlertSeverity::kWarning;
  a.zone_id = "Z1";
  a.bay_number = "B7";
  a.tenant_id = std::move(tenant);
  a.message = "battery at 15 %, under 20 %";
  a.value = 15;
  return a;
}

class OperatorStoreTest : public ::testing::TestWithParam<ApiBackend> {
 protected:
  void SetUp() override {
    place_ = std::make_unique<ApiBackendPlace>(GetParam());
    ASSERT_TRUE(place_->ok());
    OpenedStore* opened = place_->Open();
    ASSERT_NE(opened, nullptr);
    ASSERT_NE(opened->operators, nullptr) << "this store keeps alerts";
    store_ = opened->operators;
  }
  std::unique_ptr<ApiBackendPlace> place_;
  OperatorStore* store_ = nullptr;
};

TEST_P(OperatorStoreTest, OneOpenAlertPerSensorAndKind) {
  const Alert first = LowBattery("S-1", "2026-05-01T08:00:00Z");
  auto raised = store_->RaiseAlert(first);
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  EXPECT_EQ(*raised, CreateOutcome::kCreated);
  auto again = store_->RaiseAlert(LowBattery("S-1", "2026-05-01T09:00:00Z"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, CreateOutcome::kExists) << "the sensor has one open already";
  Alert offline = first;
  offline.kind = AlertKind::kOffline;
  EXPECT_EQ(*store_->RaiseAlert(offline), CreateOutcome::kCreated) << "another kind";

  auto open = store_->GetOpenAlert("S-1", AlertKind::kLowBattery);
  ASSERT_TRUE(open.ok() && *open);
  EXPECT_EQ(**open, first) << "read back whole";
  auto by_id = store_->GetAlert(first.id());
  ASSERT_TRUE(by_id.ok() && *by_id);
  EXPECT_EQ(**by_id, first);
  EXPECT_FALSE(*store_->GetAlert(LowBattery("S-1", "2026-05-01T09:00:00Z").id()))
      << "the refused one was never stored";
}

TEST_P(OperatorStoreTest, AcknowledgedThenResolvedIsKeptAsHistory) {
  const Alert a = LowBattery("S-2", "2026-05-01T08:00:00Z");
  ASSERT_EQ(*store_->RaiseAlert(a), CreateOutcome::kCreated);
  Alert acked = a;
  acked.state = AlertState::kAcknowledged;
  acked.acknowledged_at = Ts("2026-05-01T08:05:00Z");
  acked.acknowledged_by = "tenant:t1";
  ASSERT_TRUE(store_->ReplaceOpenAlert(a, acked).ok());
  EXPECT_TRUE(store_->ReplaceOpenAlert(a, acked).IsConditionFailed())
      << "written over an alert no longer as read";

  Alert resolved = acked;
  resolved.state = AlertState::kResolved;
  resolved.resolved_at = Ts("2026-05-01T09:00:00Z");
  resolved.resolved_by = "operator";
  resolved.note = "battery swapped";
  EXPECT_TRUE(store_->ResolveAlert(a, resolved).IsConditionFailed()) << "stale: it was acked";
  ASSERT_TRUE(store_->ResolveAlert(acked, resolved).ok());
  EXPECT_FALSE(*store_->GetOpenAlert("S-2", AlertKind::kLowBattery));
  auto kept = store_->GetAlert(a.id());
  ASSERT_TRUE(kept.ok() && *kept);
  EXPECT_EQ(**kept, resolved);

  // The sensor may raise the same kind again, and both are listed where they belong.
  const Alert later = LowBattery("S-2", "2026-05-02T08:00:00Z");
  ASSERT_EQ(*store_->RaiseAlert(later), CreateOutcome::kCreated);
  AlertQuery open_q;
  auto open = store_->ListAlerts(open_q);
  ASSERT_TRUE(open.ok()) << open.status().ToString();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front(), later);
  AlertQuery history;
  history.open = false;
  auto done = store_->ListAlerts(history);
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->size(), 1u);
  EXPECT_EQ(done->front(), resolved);
}

TEST_P(OperatorStoreTest, ListsNewestFirstWithinTheLimitAndTheFilter) {
  for (int i = 0; i < 12; ++i) {
    Alert a =
        LowBattery("S-" + std::to_string(100 + i),
                   "2026-05-01T08:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00Z",
                   i % 3 == 0 ? "t2" : "t1");
    ASSERT_EQ(*store_->RaiseAlert(a), CreateOutcome::kCreated);
  }
  AlertQuery q;
  q.limit = 3;
  q.keep = [](const Alert& a) { return a.tenant_id == "t2"; };
  auto some = store_->ListAlerts(q);
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 3u);
  EXPECT_EQ((*some)[0].sensor_id, "S-109");
  EXPECT_EQ((*some)[1].sensor_id, "S-106");
  EXPECT_EQ((*some)[2].sensor_id, "S-103");
}

TEST_P(OperatorStoreTest, OfRacingRaisesExactlyOneIsStored) {
  constexpr int kRacers = 6;
  std::vector<OperatorStore*> stores;
  for (int i = 0; i < kRacers; ++i) {
    OpenedStore* s = place_->Open();
    ASSERT_NE(s, nullptr);
    stores.push_back(s->operators);
  }
  std::barrier start(kRacers);
  std::vector<Result<CreateOutcome>> outcomes(kRacers, Status::Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = stores[i]->RaiseAlert(
          LowBattery("S-race", "2026-05-01T08:00:0" + std::to_string(i) + "Z"));
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  for (const auto& o : outcomes) {
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    created += *o == CreateOutcome::kCreated;
  }
  EXPECT_EQ(created, 1);
}

TEST_P(OperatorStoreTest, SettingsPerTenantAndTheOperatorsOwn) {
  EXPECT_FALSE(*store_->GetSettings(std::nullopt));
  OperatorSettings all;
  all.low_battery_percent = 25;
  ASSERT_TRUE(store_->PutSettings(std::nullopt, all).ok());
  OperatorSettings t1;
  t1.offline_after_minutes = 45;
  t1.time_zone = "+05:30";
  ASSERT_TRUE(store_->PutSettings(std::string("t1"), t1).ok());
  EXPECT_EQ(**store_->GetSettings(std::nullopt), all);
  EXPECT_EQ(**store_->GetSettings(std::string("t1")), t1);
  EXPECT_FALSE(*store_->GetSettings(std::string("t2")));
  OperatorSettings bad;
  bad.refresh_seconds = 1;
  EXPECT_TRUE(store_->PutSettings(std::nullopt, bad).IsInvalidArgument());
  EXPECT_EQ(**store_->GetSettings(std::nullopt), all) << "nothing stored";
}

INSTANTIATE_TEST_SUITE_P(Backends, OperatorStoreTest,
                         ::testing::Values(ApiBackend::kEmbedded, ApiBackend::kDynalite,
                                           ApiBackend::kDynamoDbLocal, ApiBackend::kPostgres),
                         [](const ::testing::TestParamInfo<ApiBackend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace vdpark
