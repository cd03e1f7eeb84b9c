// Loss-free loading through faults (SPEC §7): a migrate of 100,000 events into DynamoDB through a
// proxy that throttles, hands back part of every other batch as UnprocessedItems, and drops
// connections before and after forwarding. The load must finish, and verify must find every
// event, once.
#include <gtest/gtest.h>

#include "dynalite.h"
#include "fault_proxy.h"
#include "generate/generator.h"
#include "migrate/migrate.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "verify/verify.h"

namespace vdpark {
namespace {

using testing::TempDir;

TEST(DynamoDbFaultTest,
     AMigrateThroughThrottlingUnprocessedItemsAndDroppedConnectionsLosesNothing) {
  std::string dynalite = testing::DynaliteEndpoint();
  ASSERT_FALSE(dynalite.empty());
  setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 1);

  TempDir tmp;
  StoreOptions csv_options;
  csv_options.retention_days = 0;
  auto source = OpenStore("csv:" + tmp / "export", csv_options);
  ASSERT_TRUE(source.ok());
  GenerateOptions g;
  g.zones = 20;
  g.days = 30;
  g.target_events = 104000;
  auto generated = Generate(g, **source);
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  ASSERT_GE(generated->events, 100000u);

  auto client = DynamoDbClient::Create(testing::DynaliteClientOptions(dynalite));
  ASSERT_TRUE(client.ok());
  const std::string table = testing::UniqueTableName("faults");
  ASSERT_TRUE(CreateTable(**client, table).ok());

  testing::FaultProxyOptions po;
  po.upstream = dynalite;
  po.rates.throttle = 0.05;
  po.rates.unprocessed = 0.3;
  po.rates.drop_before = 0.02;
  po.rates.drop_after = 0.02;
  po.seed = 7;
  auto proxy = testing::FaultProxy::Start(po);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();

  StoreOptions target_options;
  target_options.retention_days = 0;
  target_options.concurrency = 16;
  auto target =
      OpenStore("dynamodb://" + table + "?region=me-central-1&endpoint=" + (*proxy)->endpoint(),
                target_options);
  ASSERT_TRUE(target.ok()) << target.status().ToString();

  MigrateOptions mo;
  mo.retention_days = 0;
  mo.show_progress = false;
  auto stats = Migrate(**source, **target, mo);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events_written, generated->events);
  EXPECT_EQ(stats->rejected, 0u);

  const auto& c = (*proxy)->counters();
  EXPECT_GT(c.throttled.load(), 0u);
  EXPECT_GT(c.unprocessed_items.load(), 0u);
  EXPECT_GT(c.dropped_before.load(), 0u);
  EXPECT_GT(c.dropped_after.load(), 0u);
  EXPECT_GT(stats->target_writes.throttled, 0u);
  EXPECT_GT(stats->target_writes.retried_items, 0u);
  EXPECT_GT(stats->target_writes.concurrency_cuts, 0u);  // the loader backed off

  // Verify against the server itself, past the proxy.
  auto direct = OpenStore("dynamodb://" + table + "?region=me-central-1&endpoint=" + dynalite,
                          target_options);
  ASSERT_TRUE(direct.ok());
  VerifyOptions vo;
  vo.retention_days = 0;
  auto report = Verify(**source, **direct, vo);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->total_differences << " differences, first: "
                            << (report->differences.empty() ? ""
                                                            : report->differences[0].kind + " " +
                                                                  report->differences[0].key);
  EXPECT_EQ(report->events.compared, generated->events);
  EXPECT_EQ(report->events.target, generated->events);

  EXPECT_TRUE(DeleteTable(**client, table).ok());
}

}  // namespace
}  // namespace vdpark
