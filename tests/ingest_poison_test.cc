// No message blocks the others (issue 14, point 5), against a real Mosquitto and real stores:
//  - a message that can never be handled (its sensor's stored record cannot be decoded), planted
//    between valid ones, is given up on after its bounded tries: published to the errors topic
//    with the reason, counted once, acknowledged and never delivered again, while the valid
//    messages after it are applied;
//  - a store that is down (DynamoDB behind a proxy that drops every connection, then throttles
//    every request) is waited for: nothing is acknowledged, nothing goes to the errors topic, and
//    once it is back every message is applied, once.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dynalite.h"
#include "fault_proxy.h"
#include "ingest/ingest_service.h"
#include "ingest/mqtt_client.h"
#include "mosquitto.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/dynamodb/dynamodb_item_store.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "table/single_table_mapper.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using testing::TempDir;
using testing::WaitUntil;

constexpr auto kPatience = std::chrono::seconds(120);  // bounds a wait; never asserts speed

// zone-001 with four vacant bays A-001..A-004, each with its sensor S-1..S-4.
Metadata Fleet() {
  Metadata md;
  md.zones = {Zone{.zone_id = "zone-001", .name = "Marina Walk P1", .total_bays = 4}};
  for (int i = 1; i <= 4; ++i) {
    std::string bay = "A-00" + std::to_string(i), sensor = "S-" + std::to_string(i);
    md.bays.push_back(Bay{.zone_id = "zone-001",
                          .bay_number = bay,
                          .sensor_id = sensor,
                          .status = BayStatus::kVacant,
                          .bay_type = "standard"});
    md.sensors.push_back(Sensor{.sensor_id = sensor,
                                .model = "PSL01B",
                                .zone_id = std::string("zone-001"),
                                .bay_number = bay,
                                .status = std::string("active")});
  }
  return md;
}

// What the errors topic carried, and the published messages, in order.
class ErrorsWatcher {
 public:
  explicit ErrorsWatcher(const std::string& url, const std::string& topic) {
    auto broker = ParseMqttUrl(url);
    EXPECT_TRUE(broker.ok());
    auto sub = MqttSubscriber::Start(
        *broker,
        MqttSubscriberOptions{.topics = {topic}, .client_id = testing::UniqueMqttName("errors")},
        [this](std::string_view, std::string_view payload, bool) {
          std::lock_guard lock(mu_);
          messages_.emplace_back(payload);
          return true;
        });
    EXPECT_TRUE(sub.ok()) << sub.status().ToString();
    if (!sub.ok()) return;
    sub_ = std::move(*sub);
    Status s = sub_->WaitConnected(std::chrono::seconds(10));
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  // Whether a message holding `text` came.
  bool Saw(std::string_view text) const {
    for (const std::string& m : messages()) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  std::unique_ptr<MqttSubscriber> sub_;
};

class Publisher {
 public:
  explicit Publisher(const std::string& url) {
    auto broker = ParseMqttUrl(url);
    EXPECT_TRUE(broker.ok());
    auto pub = MqttPublisher::Connect(*broker, MqttPublisherOptions{});
    EXPECT_TRUE(pub.ok()) << pub.status().ToString();
    if (pub.ok()) pub_ = std::move(*pub);
  }
  void Report(const std::string& root, std::string_view bay, std::string_view sensor,
              std::string_view status, Timestamp ts) {
    Send(root + "/zone-001/" + std::string(bay) + "/status",
         R"({"deviceId":")" + std::string(sensor) + R"(","status":")" + std::string(status) +
             R"(","battery":90,"ts":)" + std::to_string(ts.micros() / 1000) + "}");
  }
  void Send(const std::string& topic, const std::string& payload) {
    ASSERT_NE(pub_, nullptr);
    vdpark::Status s = pub_->Publish(topic, payload, 1);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

 private:
  std::unique_ptr<MqttPublisher> pub_;
};

// A bay's status as `store` holds it; kUnknown when it cannot be read.
BayStatus StatusOf(LiveStore& store, std::string_view bay) {
  auto b = store.GetBay("zone-001", bay);
  return b.ok() && *b ? (*b)->status : BayStatus::kUnknown;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

// The value of counter `name` in Prometheus text; -1 when it is not there.
double Counter(const std::string& text, const std::string& name) {
  size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

// On a broker of the test's own: the sensor topics are visiondrive/parking/... whatever the
// topic root (the parser knows no other), so a shared broker would mix in other tests' messages.
IngestServiceOptions Options(const std::string& url) {
  IngestServiceOptions o;
  o.mqtt_url = url;
  o.client_id = testing::UniqueMqttName("ingest");
  o.sweep_every = std::chrono::hours(1);
  return o;
}

TEST(IngestPoisonTest, AMessageThatCanNeverBeHandledIsGivenUpOnAndTheOthersAreApplied) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  const std::string url = broker.url();
  TempDir tmp;
  auto opened = OpenStoreRoles("embedded:" + tmp / "store");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ASSERT_TRUE(opened->records->WriteMetadata(Fleet()).ok());
  LiveStore& live = *opened->live;

  // S-2's record as an older version or another writer may have left it: its installDate out of
  // range, written to the item store directly, past the record rules of the store's writes.
  auto& items = dynamic_cast<SingleTableStore&>(*opened->records).items();
  auto item = items.Get(SingleTableMapper::SensorKey("S-2"));
  ASSERT_TRUE(item.ok() && *item) << item.status().ToString();
  (**item)["installDate"] = AttributeValue::S("99999-01-01T00:00:00Z");
  ASSERT_TRUE(items.Put(**item).ok());
  auto damaged = live.GetSensor("S-2");
  ASSERT_EQ(damaged.status().code(), Status::Code::kCorruption) << damaged.status().ToString();

  const std::string root = "visiondrive/parking";
  ErrorsWatcher errors(url, root + "/errors");
  auto service = IngestService::Start(live, *opened->records, Options(url), {});
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  IngestService& ingest = **service;

  const Timestamp now = Timestamp::Now();
  Publisher pub(url);
  pub.Report(root, "A-001", "S-1", "occupied", now);
  pub.Report(root, "A-002", "S-2", "occupied", now);  // can never be handled
  pub.Report(root, "A-003", "S-3", "occupied", now);
  pub.Report(root, "A-004", "S-4", "occupied", now);
  // Unusable, so it comes back on the errors topic: once it has, everything before it was handled.
  pub.Send(root + "/zone-x/bay-x/status", "sentinel-1");

  EXPECT_TRUE(WaitUntil(
      [&] {
        return StatusOf(live, "A-003") == BayStatus::kOccupied &&
               StatusOf(live, "A-004") == BayStatus::kOccupied;
      },
      kPatience))
      << "the valid messages after the one that cannot be handled were not applied; "
      << ingest.MetricsText();
  EXPECT_EQ(StatusOf(live, "A-001"), BayStatus::kOccupied);
  ASSERT_TRUE(WaitUntil([&] { return errors.Saw("sentinel-1"); }, kPatience));

  // On the errors topic, with the topic, the payload and the reason.
  std::vector<std::string> published = errors.messages();
  ASSERT_EQ(published.size(), 2u);
  boost::json::object poison =
      boost::json::parse(published[Has(published[0], "sentinel-1") ? 1 : 0]).as_object();
  EXPECT_EQ(poison.at("topic").as_string(), root + "/zone-001/A-002/status");
  EXPECT_NE(std::string(poison.at("payload").as_string()).find(R"("deviceId":"S-2")"),
            std::string::npos);
  const std::string reason(poison.at("reason").as_string());
  EXPECT_TRUE(reason.starts_with("unhandleable: ")) << reason;
  EXPECT_TRUE(Has(reason, "corruption: ")) << reason;
  EXPECT_TRUE(Has(reason, "installDate")) << reason;
  EXPECT_TRUE(Has(reason, "3 tries")) << reason;

  // Counted once, acknowledged: the broker had no reason to send anything again.
  const std::string metrics = ingest.MetricsText();
  EXPECT_EQ(Counter(metrics, "vdpark_ingest_messages_unhandleable_total"), 1) << metrics;
  EXPECT_EQ(Counter(metrics, "vdpark_ingest_unhandleable_retries_total"), 2) << metrics;
  EXPECT_EQ(Counter(metrics, "vdpark_ingest_store_failures_total"), 0) << metrics;
  EXPECT_EQ(ingest.mqtt_stats().rejected, 0u);
  EXPECT_EQ(ingest.mqtt_stats().received, 5u);

  // And never again: a message published afterwards is the next and only one handled.
  pub.Report(root, "A-001", "S-1", "vacant", now + kMicrosPerSecond);
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(live, "A-001") == BayStatus::kVacant; }, kPatience));
  EXPECT_EQ(ingest.mqtt_stats().received, 6u);
  EXPECT_EQ(ingest.mqtt_stats().rejected, 0u);
  EXPECT_EQ(Counter(ingest.MetricsText(), "vdpark_ingest_messages_unhandleable_total"), 1);
  EXPECT_EQ(ingest.errors_published(), 2u);
  ASSERT_TRUE(ingest.Stop().ok());
  EXPECT_EQ(StatusOf(live, "A-002"), BayStatus::kVacant);  // the given-up message changed nothing
}

TEST(IngestPoisonTest, AStoreThatIsDownIsWaitedForAndNothingIsLost) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  const std::string url = broker.url();
  VDPARK_REQUIRE_DYNALITE(endpoint);
  setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
  setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
  auto admin_client = DynamoDbClient::Create(testing::DynaliteClientOptions(endpoint));
  ASSERT_TRUE(admin_client.ok()) << admin_client.status().ToString();
  const std::string table = testing::UniqueTableName("poison");
  TableAdminOptions admin;
  admin.poll_interval = std::chrono::milliseconds(20);
  ASSERT_TRUE(CreateTable(**admin_client, table, admin).ok());
  struct DropTable {
    DynamoDbClient& client;
    std::string table;
    ~DropTable() { (void)DeleteTable(client, table); }
  } drop{**admin_client, table};

  // The ingest's store reaches DynamoDB through the proxy; the test reads it directly.
  auto proxy = testing::FaultProxy::Start({.upstream = endpoint});
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  auto open = [&](const std::string& server) -> std::unique_ptr<SingleTableStore> {
    auto client = DynamoDbClient::Create(testing::DynaliteClientOptions(server));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return nullptr;
    auto items = DynamoDbItemStore::Open(std::move(*client), DynamoDbStoreOptions{.table = table});
    EXPECT_TRUE(items.ok()) << items.status().ToString();
    if (!items.ok()) return nullptr;
    return std::make_unique<SingleTableStore>(std::move(*items), "dynamodb://" + table,
                                              MapperOptions{}, nullptr);
  };
  std::unique_ptr<SingleTableStore> through_proxy = open((*proxy)->endpoint());
  std::unique_ptr<SingleTableStore> direct = open(endpoint);
  ASSERT_NE(through_proxy, nullptr);
  ASSERT_NE(direct, nullptr);
  ASSERT_TRUE(direct->WriteMetadata(Fleet()).ok());

  const std::string root = "visiondrive/parking";
  ErrorsWatcher errors(url, root + "/errors");
  auto service = IngestService::Start(*through_proxy, *through_proxy, Options(url), {});
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  IngestService& ingest = **service;

  // Down: every connection closed without an answer.
  (*proxy)->SetRates({.drop_before = 1.0});
  const Timestamp now = Timestamp::Now();
  Publisher pub(url);
  pub.Report(root, "A-001", "S-1", "occupied", now);
  pub.Report(root, "A-003", "S-3", "occupied", now);
  ASSERT_TRUE(WaitUntil([&] { return ingest.mqtt_stats().rejected >= 2; }, kPatience));
  // Then throttling every request.
  (*proxy)->SetRates({.throttle = 1.0});
  const uint64_t rejected = ingest.mqtt_stats().rejected;
  ASSERT_TRUE(WaitUntil([&] { return ingest.mqtt_stats().rejected >= rejected + 2; }, kPatience));
  EXPECT_GT((*proxy)->counters().throttled.load(), 0u);
  EXPECT_EQ(ingest.mqtt_stats().acknowledged, 0u);  // nothing acknowledged while down
  EXPECT_EQ(StatusOf(*direct, "A-001"), BayStatus::kVacant);
  EXPECT_EQ(ingest.errors_published(), 0u);

  // Back: both messages come again and are applied, once.
  (*proxy)->SetRates({});
  ASSERT_TRUE(WaitUntil(
      [&] {
        return StatusOf(*direct, "A-001") == BayStatus::kOccupied &&
               StatusOf(*direct, "A-003") == BayStatus::kOccupied;
      },
      kPatience))
      << ingest.MetricsText();
  pub.Send(root + "/zone-x/bay-x/status", "sentinel-1");
  ASSERT_TRUE(WaitUntil([&] { return errors.Saw("sentinel-1"); }, kPatience));
  EXPECT_EQ(errors.messages().size(), 1u);  // only the sentinel: nothing given up on
  EXPECT_EQ(ingest.metrics().arrivals.load(), 2u);
  const std::string metrics = ingest.MetricsText();
  EXPECT_GE(Counter(metrics, "vdpark_ingest_store_failures_total"), 4) << metrics;
  auto zone = direct->GetZone("zone-001");
  ASSERT_TRUE(zone.ok() && *zone);
  EXPECT_EQ((*zone)->occupied_bays, 2);
  ASSERT_TRUE(ingest.Stop().ok());
}

}  // namespace
}  // namespace vdpark
