// Log and topic injection (issue 13, point 8), against a real `vdpark serve`: a value from outside
// (a zone id in a URL, a deviceId in an MQTT payload) never writes a log line of its own, and the
// errors topic always carries valid JSON in the documented format (ingest/error_message.h),
// whatever the refused payload held.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/mqtt_client.h"
#include "mosquitto.h"
#include "postgres.h"
#include "served_api.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "verify/api_client.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::Server;
using testing::TempDir;
using testing::WaitUntil;

// The lines of `log` that begin with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& log, const std::string& prefix) {
  std::vector<std::string> found;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) found.push_back(line);
  }
  return found;
}

TEST(LogInjectionTest, AZoneIdInAUrlWritesNoLogLineOfItsOwn) {
  testing::PostgresTestSchema schema;
  ASSERT_TRUE(schema.ok());
  TempDir tmp;
  ASSERT_EQ(RunCli(tmp, "schema create --target '" + schema.url() + "'"), 0)
      << ReadFile(tmp / "cli.log");
  Server serve(tmp, {"--store", schema.url()}, "serve.log");
  const std::string api = serve.WaitUrl();
  ASSERT_FALSE(api.empty()) << serve.log();
  // The zone id of the issue, and the same with a byte PostgreSQL refuses (0xff is no UTF-8):
  // the store's error is logged, with the zone id in it.
  for (const char* path :
       {"/v1/zones/x%0aerror:%20api:%20FORGED", "/v1/zones/x%0aerror:%20api:%20FORGED%ff",
        "/v1/zones/x%0d%0aerror:%20api:%20FORGED%ff/bays"}) {
    auto reply = ApiGet(api + path, "", std::chrono::seconds(30));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_GE(reply->status, 400) << path;
  }
  serve.Stop();
  const std::string log = serve.log();
  EXPECT_TRUE(LinesStartingWith(log, "error: api: FORGED").empty()) << log;
  // The value is there, escaped, on the line of the call that logged it.
  EXPECT_NE(log.find("api: GetZone x\\nerror: api: FORGED\\xff: "), std::string::npos) << log;
}

// "embedded:store", an empty store made in `tmp` (serve opens only a store that exists).
std::string EmptyStore(const TempDir& tmp) {
  auto store = OpenStore("embedded:" + tmp / "store");
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return "embedded:store";
}

// A `vdpark serve --mqtt` on an empty embedded store, and a watcher of its errors topic.
class ServeWithBroker {
 public:
  explicit ServeWithBroker(const testing::PrivateBroker& broker)
      : url_(broker.url()),
        serve_(tmp_,
               {"--store", EmptyStore(tmp_), "--mqtt", url_, "--client-id",
                testing::UniqueMqttName("inject")},
               "serve.log") {}

  // Subscribes to the errors topic and waits until serve is subscribed.
  bool Start() {
    auto watcher = MqttSubscriber::Start(
        *ParseMqttUrl(url_),
        MqttSubscriberOptions{.topics = {"visiondrive/parking/errors"},
                              .client_id = testing::UniqueMqttName("errors-watcher")},
        [this](std::string_view, std::string_view payload, bool) {
          std::lock_guard lock(mu_);
          errors_.emplace_back(payload);
          return true;
        });
    if (!watcher.ok() || !(*watcher)->WaitConnected(std::chrono::seconds(10)).ok()) return false;
    watcher_ = std::move(*watcher);
    return !serve_.WaitUrl().empty();
  }

  // Publishes `payload` to a bay's status topic, then waits until the errors topic has had `n`
  // messages in all.
  bool PublishAndWaitForErrors(const std::string& payload, size_t n) {
    auto publisher = MqttPublisher::Connect(
        *ParseMqttUrl(url_),
        MqttPublisherOptions{.client_id = testing::UniqueMqttName("inject-publisher")});
    if (!publisher.ok()) return false;
    if (!(*publisher)->Publish("visiondrive/parking/zone-001/A-001/status", payload, 1).ok()) {
      return false;
    }
    return WaitUntil([&] { return Errors().size() >= n; }, std::chrono::seconds(60));
  }

  std::vector<std::string> Errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }
  std::string StopAndLog() {
    serve_.Stop();
    return serve_.log();
  }

 private:
  TempDir tmp_;
  std::string url_;
  Server serve_;
  std::unique_ptr<MqttSubscriber> watcher_;
  std::mutex mu_;
  std::vector<std::string> errors_;
};

TEST(LogInjectionTest, ADeviceIdWithANewlineWritesNoLogLineOfItsOwn) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  ServeWithBroker serve(broker);
  ASSERT_TRUE(serve.Start());
  ASSERT_TRUE(serve.PublishAndWaitForErrors(
      R"({"deviceId":"x\nerror: ingest: FORGED","status":"occupied","battery":95,)"
      R"("signal":-72,"mode":"dual"})",
      1));
  const std::string log = serve.StopAndLog();
  EXPECT_TRUE(LinesStartingWith(log, "error: ingest: FORGED").empty()) << log;
  // The id rule refuses it on one line, naming the byte rather than quoting the value.
  EXPECT_NE(log.find("field 'deviceId': control character 10 at byte 1"), std::string::npos) << log;
}

// The errors-topic message parsed strictly: boost::json::parse refuses invalid UTF-8.
boost::json::object Parsed(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << text.substr(0, 300);
  EXPECT_TRUE(v.is_object()) << text.substr(0, 300);
  return v.is_object() ? v.get_object() : boost::json::object();
}

TEST(ErrorsTopicTest, InvalidUtf8AndOversizedPayloadsArriveAsValidJson) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  ServeWithBroker serve(broker);
  ASSERT_TRUE(serve.Start());

  ASSERT_TRUE(serve.PublishAndWaitForErrors("ab\xff\xfe", 1));
  {
    const std::string message = serve.Errors().at(0);
    boost::json::object o = Parsed(message);
    EXPECT_EQ(o.at("topic").as_string(), "visiondrive/parking/zone-001/A-001/status");
    EXPECT_TRUE(o.at("reason").is_string()) << message;
    EXPECT_FALSE(o.contains("payload")) << message;
    EXPECT_EQ(o.at("payloadBase64").as_string(), "YWL//g==") << message;
    EXPECT_EQ(o.at("payloadBytes").to_number<int64_t>(), 4) << message;
    EXPECT_FALSE(o.at("payloadTruncated").as_bool()) << message;
    EXPECT_TRUE(o.at("receivedAt").is_string()) << message;
  }

  const std::string big(size_t{1} << 20, 'a');
  ASSERT_TRUE(serve.PublishAndWaitForErrors(big, 2));
  {
    const std::string message = serve.Errors().at(1);
    EXPECT_LT(message.size(), 8192u);
    boost::json::object o = Parsed(message);
    EXPECT_EQ(o.at("payload").as_string(), std::string(4096, 'a'));
    EXPECT_FALSE(o.contains("payloadBase64")) << message.substr(0, 300);
    EXPECT_EQ(o.at("payloadBytes").to_number<int64_t>(), 1 << 20);
    EXPECT_TRUE(o.at("payloadTruncated").as_bool());
  }
  serve.StopAndLog();
}

}  // namespace
}  // namespace vdpark
