// Alerts end to end: `vdpark serve` over an embedded store, fed through Mosquitto. A sensor's low
// battery becomes one alert in GET /v1/alerts, the alert is still there after a restart (it is
// in the store), and a good reading resolves it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "serve_harness.h"
#include "verify/api_client.h"

namespace vdpark {
namespace {

using testing::LoadFleet;
using testing::PrivateBroker;
using testing::ServeProcess;
using testing::TempDir;
using testing::WaitUntil;

// http://HOST:PORT of a serve started with --listen 127.0.0.1:0, from its log.
std::string ApiUrl(ServeProcess& serve) {
  // serve says "serving: " once ingest is subscribed, and "dashboard: " once its listener is up,
  // which may come a moment later.
  if (!serve.WaitFor("dashboard: ")) return "";
  const std::string log = serve.log();
  const size_t at = log.find("dashboard: ");
  if (at == std::string::npos) return "";
  const size_t end = log.find("/ ", at + 18);
  return end == std::string::npos ? "" : log.substr(at + 11, end - at - 11);
}

// The alerts GET /v1/alerts?state=STATE lists, or null when it does not answer 200.
boost::json::value Alerts(const std::string& url, const std::string& state) {
  auto reply = ApiGet(url + "/v1/alerts?state=" + state, "", std::chrono::seconds(10));
  if (!reply.ok() || reply->status != 200) return nullptr;
  return boost::json::parse(reply->body).at("alerts");
}

void Publish(const std::string& broker_url, const std::string& topic, const std::string& payload) {
  auto broker = ParseMqttUrl(broker_url);
  ASSERT_TRUE(broker.ok());
  auto pub = MqttPublisher::Connect(*broker, {});
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  ASSERT_TRUE((*pub)->Publish(topic, payload, 1).ok());
}

TEST(ServeAlertsTest, ALowBatteryIsOneAlertThatOutlivesARestartAndClearsWhenItRecovers) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  Metadata fleet = LoadFleet(tmp, "embedded:store", 2);
  ASSERT_FALSE(fleet.sensors.empty());
  const Sensor& sensor = fleet.sensors.front();
  const std::string topic =
      "visiondrive/parking/" + *sensor.zone_id + "/" + *sensor.bay_number + "/health";
  auto health = [&](int battery) {
    return R"({"deviceId":")" + sensor.sensor_id + R"(","battery":)" + std::to_string(battery) +
           R"(,"signal":-70})";
  };
  const auto args = testing::ServeArgs("embedded:store", broker.url(), "alerts-test");

  {
    ServeProcess serve(tmp, args, "serve-1.log");
    ASSERT_TRUE(serve.WaitServing()) << serve.log();
    const std::string url = ApiUrl(serve);
    ASSERT_FALSE(url.empty()) << serve.log();
    Publish(broker.url(), topic, health(5));
    Publish(broker.url(), topic, health(4));
    boost::json::value open;
    ASSERT_TRUE(WaitUntil(
        [&] {
          open = Alerts(url, "open");
          return open.is_array() && !open.as_array().empty();
        },
        std::chrono::seconds(30)))
        << serve.log();
    ASSERT_EQ(open.as_array().size(), 1u) << open;
    EXPECT_EQ(open.at(0).at("sensorId").as_string(), sensor.sensor_id);
    EXPECT_EQ(open.at(0).at("kind").as_string(), "low_battery");
    EXPECT_EQ(open.at(0).at("severity").as_string(), "critical");
    EXPECT_EQ(serve.Kill(SIGTERM), 0) << serve.log();
  }

  ServeProcess serve(tmp, args, "serve-2.log");
  ASSERT_TRUE(serve.WaitServing()) << serve.log();
  const std::string url = ApiUrl(serve);
  ASSERT_FALSE(url.empty()) << serve.log();
  boost::json::value open = Alerts(url, "open");
  ASSERT_TRUE(open.is_array()) << serve.log();
  EXPECT_EQ(open.as_array().size(), 1u) << "kept in the store";
  Publish(broker.url(), topic, health(90));
  boost::json::value resolved;
  ASSERT_TRUE(WaitUntil(
      [&] {
        resolved = Alerts(url, "resolved");
        return resolved.is_array() && !resolved.as_array().empty();
      },
      std::chrono::seconds(30)))
      << serve.log();
  EXPECT_EQ(resolved.at(0).at("resolvedBy").as_string(), "vdpark");
  EXPECT_TRUE(resolved.at(0).at("autoResolved").as_bool());
  EXPECT_TRUE(Alerts(url, "open").as_array().empty());
}

}  // namespace
}  // namespace vdpark
