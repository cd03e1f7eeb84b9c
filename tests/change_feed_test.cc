// The live view's feed from a DynamoDB table's stream (store/change_feed.h,
// store/dynamodb/dynamodb_change_feed.h), on AWS's DynamoDB Local, which serves DynamoDB
// Streams: a store opened as another process would open it is told the bay changes ingest made
// through a first one, as the live stream (GET /stream) shows them. On dynalite, which has no
// streams, the feed says it cannot run.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "api/event_stream.h"
#include "dynamodb_local.h"
#include "ingest/ingestor.h"
#include "parking_fixture.h"
#include "record_test_support.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark {
namespace {

// A table on `endpoint`, made as `vdpark table create` makes it (with its stream), opened in
// every role; deleted at the end.
class Table {
 public:
  Status Create(const std::string& endpoint) {
    setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
    setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
    VDPARK_ASSIGN_OR_RETURN(client_,
                            DynamoDbClient::Create(testing::DynaliteClientOptions(endpoint)));
    name_ = testing::UniqueTableName("feed");
    TableAdminOptions admin;
    admin.poll_interval = std::chrono::milliseconds(20);
    VDPARK_RETURN_IF_ERROR(CreateTable(*client_, name_, admin).status());
    url_ = "dynamodb://" + name_ + "?region=me-central-1&endpoint=" + endpoint;
    return Status::OK();
  }
  ~Table() {
    if (client_) {
      EXPECT_TRUE(DeleteTable(*client_, name_).ok()) << name_;
    }
  }
  Result<OpenedStore> Open() const { return OpenStoreRoles(url_); }
  // Writes the parking fixture (parking_fixture.h: two zones, five bays and their sensors).
  Status LoadFleet() {
    testing::WriteFixture(tmp_, "fleet");
    VDPARK_ASSIGN_OR_RETURN(auto fleet, OpenStore("csv:" + tmp_ / "fleet"));
    VDPARK_ASSIGN_OR_RETURN(Metadata md, fleet->ReadMetadata(nullptr));
    VDPARK_ASSIGN_OR_RETURN(OpenedStore store, Open());
    return store.records->WriteMetadata(md);
  }

 private:
  testing::TempDir tmp_;
  std::unique_ptr<DynamoDbClient> client_;
  std::string name_, url_;
};

std::string Topic(std::string_view zone, std::string_view bay) {
  return "visiondrive/parking/" + std::string(zone) + "/" + std::string(bay) + "/status";
}
std::string Payload(std::string_view device, std::string_view status, Timestamp ts) {
  return R"({"deviceId":")" + std::string(device) + R"(","status":")" + std::string(status) +
         R"(","battery":80,"signal":-70,"mode":"dual","ts":)" + std::to_string(ts.micros() / 1000) +
         "}";
}

// Lines of the live stream by bay, in the order each bay's came.
using ByBay = std::map<std::string, std::vector<std::string>>;

TEST(ChangeFeedTest, AnotherProcessIsToldEveryBayChangeAsTheLiveStreamShowsIt) {
  VDPARK_REQUIRE_DYNAMODB_LOCAL(endpoint);
  Table table;
  RECORD_ASSERT_OK(table.Create(endpoint));
  RECORD_ASSERT_OK(table.LoadFleet());
  auto writer = table.Open();  // the ingesting process's store
  auto viewer = table.Open();  // the API process's
  RECORD_ASSERT_OK(writer);
  RECORD_ASSERT_OK(viewer);

  std::mutex mu;
  ByBay told, shown;  // guarded by mu
  size_t told_count = 0;
  ASSERT_NE(viewer->feed, nullptr);
  RECORD_ASSERT_OK(viewer->feed->Start([&](const BayChange& c) {
    std::lock_guard lock(mu);
    told[c.bay.zone_id + "/" + c.bay.bay_number].push_back(BayChangeJson(c));
    ++told_count;
  }));
  // What the writing process's own live stream shows of the same changes.
  Ingestor ingestor(*writer->live, *writer->records, IngestConfig{}, [&](const AppliedChange& a) {
    if (auto line = BayChangeJson(a)) {
      std::lock_guard lock(mu);
      shown[a.change.bay_after->zone_id + "/" + a.change.bay_after->bay_number].push_back(*line);
    }
  });
  const Timestamp t0 = Timestamp::Now();
  struct Message {
    const char *zone, *bay, *device, *status;
  };
  const Message messages[] = {
      {"zone-001", "A-001", "PSL01B-000001", "vacant"},    // a departure: duration, revenue
      {"zone-001", "A-002", "PSL01B-000002", "occupied"},  // an arrival
      {"zone-001", "A-003", "PSL01B-000003", "vacant"},    // unknown -> vacant: no event
      {"zone-001", "A-002", "PSL01B-000002", "occupied"},  // a heartbeat: not a change
      {"zone-002", "B-001", "PSL01B-000004", "vacant"},
      {"zone-001", "A-002", "PSL01B-000002", "vacant"},
      {"zone-001", "A-001", "PSL01B-000001", "occupied"},
  };
  int64_t step = 0;
  for (const Message& m : messages) {
    const Timestamp at = Timestamp::FromMicros(t0.micros() + ++step * 1000);
    RECORD_ASSERT_OK(ingestor.Handle(Topic(m.zone, m.bay), Payload(m.device, m.status, at), at));
  }
  size_t expected = 0;
  {
    std::lock_guard lock(mu);
    for (const auto& [bay, lines] : shown) expected += lines.size();
  }
  ASSERT_EQ(expected, 6u);  // every message but the heartbeat moved a bay
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        std::lock_guard lock(mu);
        return told_count >= expected;
      },
      std::chrono::seconds(30)));
  viewer->feed->Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(told, shown);
  EXPECT_EQ(told_count, expected);  // each once
  EXPECT_NE(viewer->feed->MetricsText().find("vdpark_stream_feed_changes_total 6"),
            std::string::npos)
      << viewer->feed->MetricsText();
}

// What was written before the feed started is not told: a restarted process starts at the
// newest change (documented), not at the stream's 24 hours of history.
TEST(ChangeFeedTest, ChangesBeforeTheStartAreNotTold) {
  VDPARK_REQUIRE_DYNAMODB_LOCAL(endpoint);
  Table table;
  RECORD_ASSERT_OK(table.Create(endpoint));
  RECORD_ASSERT_OK(table.LoadFleet());
  auto store = table.Open();
  RECORD_ASSERT_OK(store);
  Ingestor ingestor(*store->live, *store->records);
  const Timestamp t0 = Timestamp::Now();
  RECORD_ASSERT_OK(
      ingestor.Handle(Topic("zone-001", "A-002"), Payload("PSL01B-000002", "occupied", t0), t0));
  std::mutex mu;
  std::vector<std::string> told;
  RECORD_ASSERT_OK(store->feed->Start([&](const BayChange& c) {
    std::lock_guard lock(mu);
    told.push_back(c.bay.bay_number + " " + std::string(ToString(c.bay.status)));
  }));
  const Timestamp t1 = Timestamp::FromMicros(t0.micros() + 1000);
  RECORD_ASSERT_OK(
      ingestor.Handle(Topic("zone-001", "A-002"), Payload("PSL01B-000002", "vacant", t1), t1));
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        std::lock_guard lock(mu);
        return !told.empty();
      },
      std::chrono::seconds(30)));
  store->feed->Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(told, (std::vector<std::string>{"A-002 vacant"}));
}

// dynalite makes the table without a stream (it has no Streams API): the feed says so, and serve
// then shows its own changes (cli/serve.cc).
TEST(ChangeFeedTest, ATableWithoutAStreamIsRefusedSayingSo) {
  VDPARK_REQUIRE_DYNALITE(endpoint);
  Table table;
  RECORD_ASSERT_OK(table.Create(endpoint));
  auto store = table.Open();
  RECORD_ASSERT_OK(store);
  ASSERT_NE(store->feed, nullptr);
  Status s = store->feed->Start([](const BayChange&) {});
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("has no stream"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace vdpark
