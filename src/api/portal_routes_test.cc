// The routes the portal added (alert_routes.cc, settings_routes.cc, analytics_summary_routes.cc),
// over the fixture in an embedded store, with a tenant's key and an operator's.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/router.h"
#include "fixture_store.h"

namespace vdpark {
namespace {

namespace json = boost::json;

// Monday 2026-11-23, 12:00 in Dubai.
const Timestamp kNow = *Timestamp::Parse("2026-11-23T08:00:00Z");

Alert Raised(std::string sensor, std::string zone, std::string tenant, int minutes_ago) {
  Alert a;
  a.sensor_id = std::move(sensor);
  a.kind = AlertKind::kLowBattery;
  a.raised_at = kNow + -minutes_ago * kMicrosPerMinute;
  a.zone_id = std::move(zone);
  a.bay_number = "A-002";
  a.tenant_id = std::move(tenant);
  a.message = "battery at 18 %, under 20 %";
  a.value = 18;
  return a;
}

class PortalRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = testing::OpenFixtureStore(tmp_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    auto keys = ApiKeys::Parse("op-key *\nrta-key tenant-rta\nemaar-key tenant-emaar\n", "keys");
    ASSERT_TRUE(keys.ok());
    context_ = std::make_unique<ApiContext>(*store_.queries, std::move(*keys));
    context_->clock = [] { return kNow; };
    context_->operators = store_.operators;
    context_->on_alert_changed = [this](const Alert& a) { changed_.push_back(a); };
  }

  ApiResponse Call(std::string_view method, std::string_view target, std::string key,
                   std::string body = "") {
    auto request = ApiRequest::FromTarget(method, target);
    EXPECT_TRUE(request.ok());
    request->api_key = std::move(key);
    if (method != "GET") request->content_type = "application/json";  // writes take JSON only
    request->body = std::move(body);
    return HandleRequest(*request, *context_);
  }
  json::value Json(std::string_view method, std::string_view target, int status,
                   std::string key = "op-key", std::string body = "") {
    ApiResponse r = Call(method, target, std::move(key), std::move(body));
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }

  testing::TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<ApiContext> context_;
  std::vector<Alert> changed_;
};

TEST_F(PortalRoutesTest, AlertsAreListedToTheTenantTheyBelongTo) {
  ASSERT_TRUE(
      store_.operators->RaiseAlert(Raised("PSL01B-000002", "zone-001", "tenant-rta", 30)).ok());
  Alert emaar = Raised("PSL01B-000005", "zone-002", "tenant-emaar", 10);
  emaar.kind = AlertKind::kOffline;
  emaar.severity = AlertSeverity::kCritical;
  ASSERT_TRUE(store_.operators->RaiseAlert(emaar).ok());

  json::value all = Json("GET", "/v1/alerts", 200);
  ASSERT_EQ(all.at("count").as_int64(), 2);
  EXPECT_EQ(all.at("alerts").at(0).at("sensorId").as_string(), "PSL01B-000005") << "newest first";
  EXPECT_EQ(all.at("alerts").at(0).at("state").as_string(), "active");
  EXPECT_EQ(all.at("alerts").at(0).at("acknowledgedAt"), json::value(nullptr));
  json::value rta = Json("GET", "/v1/alerts", 200, "rta-key");
  ASSERT_EQ(rta.at("count").as_int64(), 1);
  EXPECT_EQ(rta.at("alerts").at(0).at("zoneId").as_string(), "zone-001");
  EXPECT_EQ(Json("GET", "/v1/alerts?severity=critical", 200).at("count").as_int64(), 1);
  EXPECT_EQ(Json("GET", "/v1/alerts?kind=low_battery", 200).at("count").as_int64(), 1);
  EXPECT_EQ(Json("GET", "/v1/alerts?zoneId=zone-002", 200).at("count").as_int64(), 1);
  EXPECT_EQ(Json("GET", "/v1/alerts?state=resolved", 200).at("count").as_int64(), 0);
  // Another tenant's alert is answered as a missing one, and the zone filter as a missing zone.
  const std::string id(all.at("alerts").at(0).at("alertId").as_string());
  Json("GET", "/v1/alerts/" + id, 404, "rta-key");
  Json("GET", "/v1/alerts/" + id, 200, "emaar-key");
  Json("GET", "/v1/alerts?zoneId=zone-002", 404, "rta-key");
  EXPECT_NE(Json("GET", "/v1/alerts?state=gone", 400).at("message").as_string().find("state"),
            json::string::npos);
}

TEST_F(PortalRoutesTest, AnAlertIsAcknowledgedThenResolvedOnceWithWhoAndWhen) {
  ASSERT_TRUE(
      store_.operators->RaiseAlert(Raised("PSL01B-000002", "zone-001", "tenant-rta", 30)).ok());
  const std::string id(Json("GET", "/v1/alerts", 200).at("alerts").at(0).at("alertId").as_string());
  json::value acked =
      Json("POST", "/v1/alerts/" + id + "/acknowledge", 200, "rta-key", R"({"note":"on my way"})");
  EXPECT_EQ(acked.at("state").as_string(), "acknowledged");
  EXPECT_EQ(acked.at("acknowledgedBy").as_string(), "tenant:tenant-rta");
  EXPECT_EQ(acked.at("acknowledgedAt").as_string(), kNow.ToIso());
  EXPECT_EQ(acked.at("note").as_string(), "on my way");
  Json("POST", "/v1/alerts/" + id + "/acknowledge", 409, "rta-key");
  Json("POST", "/v1/alerts/" + id + "/resolve", 404, "emaar-key");

  json::value resolved = Json("POST", "/v1/alerts/" + id + "/resolve", 200, "op-key");
  EXPECT_EQ(resolved.at("state").as_string(), "resolved");
  EXPECT_EQ(resolved.at("resolvedBy").as_string(), "operator");
  EXPECT_EQ(resolved.at("autoResolved").as_bool(), false);
  Json("POST", "/v1/alerts/" + id + "/resolve", 409, "op-key");
  EXPECT_EQ(Json("GET", "/v1/alerts", 200).at("count").as_int64(), 0);
  json::value history = Json("GET", "/v1/alerts?state=resolved", 200, "rta-key");
  ASSERT_EQ(history.at("count").as_int64(), 1);
  EXPECT_EQ(history.at("alerts").at(0).at("acknowledgedBy").as_string(), "tenant:tenant-rta");
  ASSERT_EQ(changed_.size(), 2u) << "both told to the live stream";
  EXPECT_EQ(changed_[1].state, AlertState::kResolved);
  Json("POST", "/v1/alerts/not-an-id/resolve", 404, "op-key");
}

TEST_F(PortalRoutesTest, SettingsArePerTenantAndCheckedBeforeStored) {
  json::value defaults = Json("GET", "/v1/settings", 200, "rta-key");
  EXPECT_EQ(defaults.at("lowBatteryPercent").as_int64(), 20);
  EXPECT_EQ(defaults.at("timeZone").as_string(), "Asia/Dubai");
  Json("PUT", "/v1/settings", 200, "op-key", R"({"offlineAfterMinutes":60})");
  json::value mine =
      Json("PUT", "/v1/settings", 200, "rta-key", R"({"lowBatteryPercent":30,"timeZone":"UTC"})");
  EXPECT_EQ(mine.at("lowBatteryPercent").as_int64(), 30);
  EXPECT_EQ(mine.at("offlineAfterMinutes").as_int64(), 60) << "from the operator's, as it applied";
  EXPECT_EQ(Json("GET", "/v1/settings", 200, "rta-key").at("timeZone").as_string(), "UTC");
  EXPECT_EQ(Json("GET", "/v1/settings", 200, "emaar-key").at("lowBatteryPercent").as_int64(), 20);
  EXPECT_EQ(Json("GET", "/v1/settings", 200, "emaar-key").at("offlineAfterMinutes").as_int64(), 60);
  for (const char* bad : {R"({"lowBatteryPercent":0})", R"({"refreshSeconds":"30"})",
                          R"({"timeZone":"Mars/Olympus"})", R"({"colour":"red"})"}) {
    json::value e = Json("PUT", "/v1/settings", 400, "rta-key", bad);
    EXPECT_FALSE(e.at("message").as_string().empty()) << bad;
  }
  EXPECT_EQ(Json("GET", "/v1/settings", 200, "rta-key").at("lowBatteryPercent").as_int64(), 30)
      << "nothing stored by a refused PUT";
}

TEST_F(PortalRoutesTest, TheSummaryCountsThePeriodsEventsAndBayTime) {
  // zone-002 B-002: a stay 08:00-10:00 Dubai today (2 h), and one yesterday (not counted).
  auto event = [](std::string bay, EventType type, const char* iso, std::optional<int64_t> minutes,
                  std::optional<int64_t> revenue_units) {
    ParkingEvent e;
    e.zone_id = "zone-002";
    e.bay_number = std::move(bay);
    e.event_type = type;
    e.timestamp = *Timestamp::Parse(iso);
    e.duration_minutes = minutes;
    if (revenue_units) e.revenue = Decimal::FromInt(*revenue_units);
    return e;
  };
  std::vector<ParkingEvent> events = {
      event("B-002", EventType::kArrive, "2026-11-22T03:00:00Z", {}, {}),
      event("B-002", EventType::kLeave, "2026-11-22T04:00:00Z", 60, 4),
      event("B-002", EventType::kArrive, "2026-11-23T04:00:00Z", {}, {}),
      event("B-002", EventType::kLeave, "2026-11-23T06:00:00Z", 120, 8)};
  ASSERT_TRUE(store_.records->WriteEvents(events).ok());
  json::value today = Json("GET", "/v1/analytics/summary?period=today&zoneId=zone-002", 200);
  EXPECT_EQ(today.at("from").as_string(), "2026-11-22T20:00:00.000000Z") << "Dubai's midnight";
  EXPECT_EQ(today.at("events").as_int64(), 2);
  EXPECT_EQ(today.at("averageDurationMinutes").to_number<double>(), 120.0);
  EXPECT_EQ(today.at("revenue").to_number<double>(), 8.0);
  EXPECT_EQ(today.at("byHour").at(8).at("arrivals").as_int64(), 1) << "08:00 local";
  EXPECT_EQ(today.at("byHour").at(10).at("departures").as_int64(), 1);
  // 12 h of the period so far; B-002 occupied 2 h; B-001 occupied since 2026-11-20: 12 h.
  EXPECT_NEAR(today.at("averageOccupancy").to_number<double>(), 100.0 * 14 / 24, 0.1);
  json::value week = Json("GET", "/v1/analytics/summary?period=week&zoneId=zone-002", 200);
  EXPECT_EQ(week.at("from").as_string(), "2026-11-22T20:00:00.000000Z") << "today is Monday";
  json::value month = Json("GET", "/v1/analytics/summary?period=month", 200, "emaar-key");
  EXPECT_EQ(month.at("from").as_string(), "2026-10-31T20:00:00.000000Z");
  EXPECT_EQ(month.at("events").as_int64(), 4);
  ASSERT_EQ(month.at("zones").as_array().size(), 1u) << "the tenant's zones only";
  EXPECT_EQ(month.at("zones").at(0).at("revenue").to_number<double>(), 12.0);
  Json("GET", "/v1/analytics/summary?period=year", 400);
}

}  // namespace
}  // namespace vdpark
