// The REST API without a socket: every route's shape and field names, errors, paging, access by
// key, CORS, against an embedded store holding the small fleet of tests/parking_fixture.h
// (zone-001 of tenant-rta with 3 bays, zone-002 of tenant-emaar with 2, ten events).
#include "api/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "parking_fixture.h"
#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

namespace json = boost::json;
using testing::TempDir;

constexpr const char* kKeys =
    "# operators see every tenant\n"
    "op-key *\n"
    "\n"
    "rta-key tenant-rta\n"
    "emaar-key   tenant-emaar  \n";

// 2026-11-20T08:00:00Z (12:00 in Dubai): A-001 has been occupied since 06:00Z.
const Timestamp kNow = Timestamp::FromSeconds(1795161600);

std::vector<std::string> Keys(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& [k, _] : v.as_object()) out.emplace_back(k);
  return out;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFixture(tmp_, "csv");
    auto csv = OpenStore("csv:" + tmp_ / "csv");
    ASSERT_TRUE(csv.ok()) << csv.status().ToString();
    auto metadata = (*csv)->ReadMetadata([](Rejected r) { FAIL() << r.where << ": " << r.reason; });
    ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
    StoreOptions so;
    so.retention_days = 0;
    auto opened = OpenStoreRoles("embedded:" + tmp_ / "store", so);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_.records->WriteMetadata(*metadata).ok());
    std::vector<ParkingEvent> events;
    ASSERT_TRUE((*csv)
                    ->ScanEvents(
                        {},
                        [&](ParkingEvent&& e, const Origin&) {
                          events.push_back(std::move(e));
                          return Status::OK();
                        },
                        [](Rejected r) { FAIL() << r.reason; })
                    .ok());
    ASSERT_EQ(events.size(), 10u);
    ASSERT_TRUE(store_.records->WriteEvents(events).ok());
    auto keys = ApiKeys::Parse(kKeys, "keys.txt");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    context_ = std::make_unique<ApiContext>(*store_.queries, std::move(*keys));
    context_->clock = [] { return kNow; };
  }

  ApiResponse Call(std::string_view method, std::string_view target, std::string key = "op-key",
                   std::string body = "") {
    auto request = ApiRequest::FromTarget(method, target);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    request->api_key = std::move(key);
    if (!body.empty()) request->content_type = "application/json";  // writes take JSON only
    request->body = std::move(body);
    return HandleRequest(*request, *context_);
  }

  // The JSON body of a request expected to answer `status`.
  json::value Json(std::string_view method, std::string_view target, int status,
                   std::string key = "op-key", std::string body = "") {
    ApiResponse r = Call(method, target, std::move(key), std::move(body));
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << r.body;
    return v;
  }
  json::value Get(std::string_view target, std::string key = "op-key") {
    return Json("GET", target, 200, std::move(key));
  }

  // Expects `target` to answer `status` with {"error": error, "message": ...}; the message.
  std::string ExpectError(std::string_view method, std::string_view target, int status,
                          std::string_view error, std::string key = "op-key",
                          std::string body = "") {
    json::value v = Json(method, target, status, std::move(key), std::move(body));
    EXPECT_EQ(Keys(v), (std::vector<std::string>{"error", "message"})) << target;
    EXPECT_EQ(v.at("error").as_string(), error) << target;
    return std::string(v.at("message").as_string());
  }

  // Every event of a paged query, following nextCursor with pages of `limit`.
  std::vector<json::value> AllPages(std::string target, int limit, int* pages) {
    std::vector<json::value> all;
    std::string cursor;
    *pages = 0;
    for (;;) {
      std::string t = target + (target.find('?') == std::string::npos ? "?" : "&") +
                      "limit=" + std::to_string(limit);
      if (!cursor.empty()) t += "&cursor=" + cursor;
      json::value page = Get(t);
      ++*pages;
      for (const auto& e : page.at("events").as_array()) all.push_back(e);
      EXPECT_EQ(page.at("count").as_int64(),
                static_cast<int64_t>(page.at("events").as_array().size()));
      if (page.at("nextCursor").is_null()) break;
      cursor = PercentEncode(page.at("nextCursor").as_string());
      if (*pages > 20) {
        ADD_FAILURE() << "paging does not end";
        break;
      }
    }
    return all;
  }

  TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<ApiContext> context_;
};

TEST_F(RouterTest, ZonesListHasTheFieldsOfTheOldApi) {
  json::value v = Get("/v1/zones");
  EXPECT_EQ(Keys(v), (std::vector<std::string>{"zones", "count"}));
  ASSERT_EQ(v.at("count").as_int64(), 2);
  const json::value& z = v.at("zones").at(0);
  EXPECT_EQ(Keys(z), (std::vector<std::string>{"zoneId", "name", "address", "city", "totalBays",
                                               "occupiedBays", "vacantBays", "occupancyRate",
                                               "location", "pricePerHour", "operatingHours"}));
  EXPECT_EQ(z.at("zoneId").as_string(), "zone-001");
  EXPECT_EQ(z.at("name").as_string(), "Marina Walk P1");
  EXPECT_EQ(z.at("address").as_string(), "Marina Walk, Dubai Marina");
  EXPECT_EQ(z.at("totalBays").as_int64(), 3);
  EXPECT_EQ(z.at("occupiedBays").as_int64(), 1);
  EXPECT_EQ(z.at("vacantBays").as_int64(), 2);
  EXPECT_DOUBLE_EQ(z.at("occupancyRate").to_number<double>(), 33.3);
  EXPECT_DOUBLE_EQ(z.at("location").at("lat").to_number<double>(), 25.0805);
  EXPECT_DOUBLE_EQ(z.at("location").at("lng").to_number<double>(), 55.1403);
  EXPECT_DOUBLE_EQ(z.at("pricePerHour").to_number<double>(), 12.5);
  EXPECT_EQ(z.at("operatingHours"), json::parse(R"({"open":"08:00","close":"22:00"})"));
  EXPECT_EQ(v.at("zones").at(1).at("zoneId").as_string(), "zone-002");

  // The old API's clients call the same routes at the root, and get the same answer.
  EXPECT_EQ(Call("GET", "/zones").body, Call("GET", "/v1/zones").body);
  // Numbers are written as people write them.
  EXPECT_NE(Call("GET", "/v1/zones").body.find("\"pricePerHour\":12.5"), std::string::npos);
}

TEST_F(RouterTest, ZoneDetailAddsTenantAndCreation) {
  json::value z = Get("/v1/zones/zone-002");
  EXPECT_EQ(Keys(z).size(), 13u);
  EXPECT_EQ(z.at("tenantId").as_string(), "tenant-emaar");
  EXPECT_EQ(z.at("createdAt").as_string(), "2024-06-01T05:00:00.000000Z");
  EXPECT_EQ(z.at("operatingHours"), json::parse(R"({"open":"00:00","close":"23:59"})"));
  std::string message = ExpectError("GET", "/v1/zones/zone-404", 404, "Zone not found");
  EXPECT_NE(message.find("zone-404"), std::string::npos);
}

TEST_F(RouterTest, BaysCarryDurationAndTheirSensorsHealth) {
  json::value v = Get("/v1/zones/zone-001/bays");
  EXPECT_EQ(Keys(v), (std::vector<std::string>{"bays", "summary"}));
  EXPECT_EQ(v.at("summary"), json::parse(R"({"total":3,"occupied":1,"vacant":1,"unknown":1})"));
  const json::array& bays = v.at("bays").as_array();
  ASSERT_EQ(bays.size(), 3u);
  const json::value& a1 = bays[0];
  EXPECT_EQ(Keys(a1),
            (std::vector<std::string>{"zoneId", "bayNumber", "sensorId", "status", "lastChange",
                                      "occupiedSince", "currentDuration", "batteryLevel",
                                      "signalStrength", "bayType", "location"}));
  EXPECT_EQ(a1.at("bayNumber").as_string(), "A-001");
  EXPECT_EQ(a1.at("status").as_string(), "occupied");
  EXPECT_EQ(a1.at("occupiedSince").as_string(), "2026-11-20T06:00:00.000000Z");
  EXPECT_EQ(a1.at("currentDuration").as_int64(), 120);
  EXPECT_EQ(a1.at("batteryLevel").as_int64(), 95);
  EXPECT_EQ(a1.at("signalStrength").as_int64(), -72);
  EXPECT_EQ(a1.at("bayType").as_string(), "standard");
  EXPECT_TRUE(bays[1].at("currentDuration").is_null());  // vacant
  EXPECT_EQ(bays[1].at("batteryLevel").as_int64(), 18);
  EXPECT_TRUE(bays[2].at("location").is_null());
  EXPECT_TRUE(bays[2].at("lastChange").is_null());

  json::value one = Get("/zones/zone-001/bays/A-001");
  EXPECT_EQ(Keys(one).size(), 12u);
  EXPECT_TRUE(one.as_object().contains("lastHeartbeat"));
  EXPECT_EQ(one.at("currentDuration").as_int64(), 120);
  EXPECT_EQ(one.at("batteryLevel").as_int64(), 95);

  ExpectError("GET", "/v1/zones/zone-001/bays/Z-999", 404, "Bay not found");
  ExpectError("GET", "/v1/zones/zone-404/bays", 404, "Zone not found");
  ExpectError("GET", "/v1/zones/zone-404/bays/A-001", 404, "Zone not found");
}

TEST_F(RouterTest, EventsComeNewestFirstWithTheirFields) {
  json::value v = Get("/v1/zones/zone-001/events");
  EXPECT_EQ(Keys(v), (std::vector<std::string>{"events", "count", "nextCursor"}));
  EXPECT_EQ(v.at("count").as_int64(), 7);
  EXPECT_TRUE(v.at("nextCursor").is_null());
  const json::array& events = v.at("events").as_array();
  EXPECT_EQ(Keys(events[0]),
            (std::vector<std::string>{"zoneId", "bayNumber", "eventType", "timestamp", "duration",
                                      "revenue", "detectionMode"}));
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_GE(events[i - 1].at("timestamp").as_string(), events[i].at("timestamp").as_string());
  }
  EXPECT_EQ(events[0].at("timestamp").as_string(), "2026-11-21T08:00:00.123456Z");
  EXPECT_EQ(events[0].at("eventType").as_string(), "LEAVE");
  EXPECT_EQ(events[0].at("duration").as_int64(), 120);
  EXPECT_DOUBLE_EQ(events[0].at("revenue").to_number<double>(), 25.0);
  EXPECT_EQ(events[0].at("detectionMode").as_string(), "dual");
  EXPECT_TRUE(events[1].at("revenue").is_null());  // an arrival

  // The same query three ways.
  EXPECT_EQ(Call("GET", "/v1/events?zoneId=zone-001").body,
            Call("GET", "/zones/zone-001/events").body);
  json::value bay = Get("/v1/zones/zone-001/bays/A-001/events");
  EXPECT_EQ(bay.at("count").as_int64(), 3);
  for (const auto& e : bay.at("events").as_array())
    EXPECT_EQ(e.at("bayNumber").as_string(), "A-001");
  EXPECT_EQ(Get("/v1/events?zoneId=zone-001&bayNumber=A-001").at("count").as_int64(), 3);

  // Filters: type, and [from, to).
  json::value leaves = Get("/v1/zones/zone-001/events?eventType=LEAVE");
  EXPECT_EQ(leaves.at("count").as_int64(), 3);
  json::value day =
      Get("/v1/zones/zone-001/events?from=2026-11-20T06:00:00Z&to=2026-11-20T07:30:00Z");
  EXPECT_EQ(day.at("count").as_int64(), 2);  // both arrivals at 06:00; the 07:30 leave excluded
  json::value ms = Get("/v1/zones/zone-001/events?from=1795240800000");  // epoch ms: 11-21 06:00Z
  EXPECT_EQ(ms.at("count").as_int64(), 2);
}

TEST_F(RouterTest, EventsArePagedWithNextCursor) {
  int pages = 0;
  std::vector<json::value> all = AllPages("/v1/zones/zone-001/events", 3, &pages);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 7u);
  json::value whole = Get("/v1/zones/zone-001/events");
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], whole.at("events").at(i)) << i;

  // A page of exactly what is left says there is no more.
  json::value first = Get("/v1/zones/zone-001/events?limit=7");
  EXPECT_TRUE(first.at("nextCursor").is_null());
  json::value six = Get("/v1/zones/zone-001/events?limit=6");
  EXPECT_FALSE(six.at("nextCursor").is_null());

  // A cursor belongs to its query: another zone's or bay's query refuses it.
  const std::string cursor = PercentEncode(six.at("nextCursor").as_string());
  EXPECT_NE(ExpectError("GET", "/v1/zones/zone-002/events?cursor=" + cursor, 400, "Bad request")
                .find("cursor"),
            std::string::npos);
  ExpectError("GET", "/v1/zones/zone-001/bays/A-001/events?cursor=" + cursor, 400, "Bad request");
  ExpectError("GET", "/v1/zones/zone-001/events?cursor=not*base64", 400, "Bad request");
}

TEST_F(RouterTest, BadEventParametersAreNamed) {
  EXPECT_EQ(ExpectError("GET", "/v1/zones/zone-001/events?from=yesterday", 400, "Bad request")
                .rfind("from: not a timestamp", 0),
            0u);
  EXPECT_EQ(
      ExpectError("GET", "/v1/zones/zone-001/events?to=x", 400, "Bad request").rfind("to: ", 0),
      0u);
  EXPECT_EQ(ExpectError("GET", "/v1/zones/zone-001/events?eventType=PARK", 400, "Bad request")
                .rfind("eventType: ", 0),
            0u);
  for (std::string limit : {"0", "1001", "ten", "-1", "5x"}) {
    EXPECT_EQ(ExpectError("GET", "/v1/zones/zone-001/events?limit=" + limit, 400, "Bad request")
                  .rfind("limit: ", 0),
              0u)
        << limit;
  }
  EXPECT_EQ(Get("/v1/zones/zone-001/events?limit=1000").at("count").as_int64(), 7);
  EXPECT_EQ(ExpectError("GET", "/v1/events", 400, "Bad request"), "zoneId: required");
  ExpectError("GET", "/v1/events?zoneId=zone-404", 404, "Zone not found");
  ExpectError("GET", "/v1/zones/zone-001/bays/Z-9/events", 404, "Bay not found");
  ExpectError("GET", "/v1/zones/zone-001/events?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z",
              400, "Bad request");
}

TEST_F(RouterTest, SensorsListAndDetail) {
  json::value all = Get("/v1/sensors");
  EXPECT_EQ(Keys(all), (std::vector<std::string>{"sensors", "count"}));
  EXPECT_EQ(all.at("count").as_int64(), 5);
  const json::value& s = all.at("sensors").at(0);
  EXPECT_EQ(Keys(s), (std::vector<std::string>{"sensorId", "model", "zoneId", "bayNumber", "status",
                                               "batteryLevel", "signalStrength", "lastSeen",
                                               "firmwareVersion", "installDate"}));
  EXPECT_EQ(s.at("sensorId").as_string(), "PSL01B-000001");
  EXPECT_EQ(s.at("batteryLevel").as_int64(), 95);
  EXPECT_EQ(s.at("signalStrength").as_int64(), -72);
  EXPECT_EQ(s.at("firmwareVersion").as_string(), "2.1.4");
  EXPECT_EQ(s.at("installDate").as_string(), "2024-12-31T20:00:00.000000Z");

  json::value zone = Get("/sensors?zoneId=zone-002");
  EXPECT_EQ(zone.at("count").as_int64(), 2);
  EXPECT_EQ(zone.at("sensors").at(0).at("sensorId").as_string(), "PSL01B-000004");
  EXPECT_EQ(Get("/v1/sensors/PSL01B-000003").at("bayNumber").as_string(), "A-003");
  ExpectError("GET", "/v1/sensors/PSL01B-999999", 404, "Sensor not found");
  ExpectError("GET", "/v1/sensors?zoneId=zone-404", 404, "Zone not found");
}

TEST_F(RouterTest, PostZoneCreatesIt) {
  json::value created = Json("POST", "/v1/zones", 201, "op-key",
                             R"({"zoneId":"zone-003","name":"JBR Walk","city":"Dubai",
                                 "totalBays":40,"location":{"lat":25.08,"lng":55.13},
                                 "pricePerHour":"7.50","operatingHours":{"open":"06:00",
                                 "close":"23:00"},"tenantId":"tenant-rta"})");
  EXPECT_EQ(Keys(created), (std::vector<std::string>{"zoneId", "message"}));
  EXPECT_EQ(created.at("zoneId").as_string(), "zone-003");
  json::value z = Get("/v1/zones/zone-003");
  EXPECT_EQ(z.at("name").as_string(), "JBR Walk");
  EXPECT_EQ(z.at("totalBays").as_int64(), 40);
  EXPECT_EQ(z.at("occupiedBays").as_int64(), 0);
  EXPECT_DOUBLE_EQ(z.at("pricePerHour").to_number<double>(), 7.5);
  EXPECT_EQ(z.at("operatingHours").at("close").as_string(), "23:00");
  EXPECT_EQ(z.at("tenantId").as_string(), "tenant-rta");
  EXPECT_EQ(z.at("createdAt").as_string(), kNow.ToIso());
  EXPECT_EQ(Get("/v1/zones").at("count").as_int64(), 3);

  // A tenant's key creates zones of its tenant: without tenantId too, never another's.
  json::value mine =
      Json("POST", "/zones", 201, "emaar-key", R"({"name":"Souk","pricePerHour":4})");
  const std::string id(mine.at("zoneId").as_string());
  EXPECT_TRUE(id.starts_with("zone-")) << id;
  EXPECT_EQ(Get("/v1/zones/" + id, "emaar-key").at("tenantId").as_string(), "tenant-emaar");
  ExpectError("POST", "/v1/zones", 403, "Forbidden", "emaar-key",
              R"({"name":"X","tenantId":"tenant-rta"})");

  EXPECT_NE(ExpectError("POST", "/v1/zones", 409, "Conflict", "op-key",
                        R"({"zoneId":"zone-001","name":"again"})")
                .find("zone-001"),
            std::string::npos);
  EXPECT_EQ(ExpectError("POST", "/v1/zones", 400, "Bad request", "op-key", R"({"city":"x"})"),
            "body.name: required");
  EXPECT_EQ(ExpectError("POST", "/v1/zones", 400, "Bad request", "op-key", "{not json")
                .rfind("body: not JSON", 0),
            0u);
  EXPECT_EQ(ExpectError("POST", "/v1/zones", 400, "Bad request", "op-key",
                        R"({"name":"x","pricePerHour":"cheap"})")
                .rfind("body.pricePerHour: ", 0),
            0u);
  EXPECT_EQ(ExpectError("POST", "/v1/zones", 400, "Bad request", "op-key",
                        R"({"name":"x","operatingHours":{"open":"25:00","close":"08:00"}})")
                .rfind("body.operatingHours: ", 0),
            0u);
  EXPECT_EQ(ExpectError("POST", "/v1/zones", 400, "Bad request", "op-key",
                        R"({"zoneId":"a#b","name":"x"})")
                .rfind("body.zoneId: ", 0),
            0u);
  EXPECT_EQ(ExpectError("POST", "/v1/zones", 400, "Bad request", "op-key",
                        R"({"name":"x","totalBays":-3})")
                .rfind("body.totalBays: ", 0),
            0u);
}

TEST_F(RouterTest, PostSensorRegistersItAndItsBay) {
  json::value r = Json("POST", "/v1/sensors", 201, "rta-key",
                       R"({"sensorId":"PSL01B-000009","zoneId":"zone-001","bayNumber":"A-004",
                           "model":"PSL01B","firmwareVersion":"2.2.0","bayType":"ev",
                           "location":{"lat":25.0806,"lng":55.1404}})");
  EXPECT_EQ(r.at("sensorId").as_string(), "PSL01B-000009");
  json::value bay = Get("/v1/zones/zone-001/bays/A-004");
  EXPECT_EQ(bay.at("sensorId").as_string(), "PSL01B-000009");
  EXPECT_EQ(bay.at("status").as_string(), "unknown");
  EXPECT_EQ(bay.at("bayType").as_string(), "ev");
  json::value sensor = Get("/v1/sensors/PSL01B-000009");
  EXPECT_EQ(sensor.at("zoneId").as_string(), "zone-001");
  EXPECT_EQ(sensor.at("bayNumber").as_string(), "A-004");
  EXPECT_EQ(sensor.at("status").as_string(), "active");
  EXPECT_EQ(sensor.at("installDate").as_string(), kNow.ToIso());
  // The zone's counter is untouched.
  EXPECT_EQ(Get("/v1/zones/zone-001").at("occupiedBays").as_int64(), 1);
  EXPECT_EQ(Get("/v1/zones/zone-001/bays").at("summary").at("total").as_int64(), 4);

  ExpectError("POST", "/v1/sensors", 409, "Conflict", "op-key",
              R"({"sensorId":"PSL01B-000009","zoneId":"zone-001","bayNumber":"A-005"})");
  ExpectError("POST", "/v1/sensors", 409, "Conflict", "op-key",
              R"({"sensorId":"PSL01B-000010","zoneId":"zone-001","bayNumber":"A-001"})");
  // Another tenant's zone is not there for this key.
  ExpectError("POST", "/v1/sensors", 404, "Zone not found", "rta-key",
              R"({"sensorId":"PSL01B-000011","zoneId":"zone-002","bayNumber":"B-003"})");
  EXPECT_EQ(ExpectError("POST", "/v1/sensors", 400, "Bad request", "op-key",
                        R"({"zoneId":"zone-001","bayNumber":"A-006"})"),
            "body.sensorId: required");
  EXPECT_EQ(ExpectError("POST", "/v1/sensors", 400, "Bad request", "op-key",
                        R"({"sensorId":"S","zoneId":"zone-001","bayNumber":7})"),
            "body.bayNumber: expected a string");
}

TEST_F(RouterTest, OccupancyAnalytics) {
  json::value v = Get("/v1/analytics/occupancy");
  EXPECT_EQ(Keys(v), (std::vector<std::string>{"period", "totalBays", "occupiedBays", "vacantBays",
                                               "occupancyRate", "zones"}));
  EXPECT_EQ(v.at("totalBays").as_int64(), 5);
  EXPECT_EQ(v.at("occupiedBays").as_int64(), 2);
  EXPECT_EQ(v.at("vacantBays").as_int64(), 3);
  EXPECT_DOUBLE_EQ(v.at("occupancyRate").to_number<double>(), 40.0);
  ASSERT_EQ(v.at("zones").as_array().size(), 2u);
  EXPECT_EQ(Keys(v.at("zones").at(1)),
            (std::vector<std::string>{"zoneId", "name", "occupancyRate"}));
  EXPECT_DOUBLE_EQ(v.at("zones").at(1).at("occupancyRate").to_number<double>(), 50.0);
  json::value one = Get("/analytics/occupancy?zoneId=zone-001");
  EXPECT_EQ(one.at("totalBays").as_int64(), 3);
  ExpectError("GET", "/v1/analytics/occupancy?zoneId=zone-404", 404, "Zone not found");
}

TEST_F(RouterTest, RevenueAnalyticsPerLocalDay) {
  json::value v = Get(
      "/v1/analytics/revenue?zoneId=zone-001&from=2026-11-20T00:00:00Z&to=2026-11-22T00:00:00Z");
  EXPECT_EQ(v.at("timezone").as_string(), "+04:00");
  const json::array& days = v.at("days").as_array();
  ASSERT_EQ(days.size(), 3u);  // local days 11-20, 11-21 and 11-22 (until 04:00 local)
  EXPECT_EQ(days[0], json::parse(R"({"date":"2026-11-20","arrivals":3,"departures":2,"revenue":25,
                            "averageStay":60})"));
  EXPECT_EQ(days[1], json::parse(R"({"date":"2026-11-21","arrivals":1,"departures":1,"revenue":25,
                            "averageStay":120})"));
  EXPECT_EQ(days[2].at("arrivals").as_int64(), 0);
  EXPECT_TRUE(days[2].at("averageStay").is_null());
  EXPECT_EQ(v.at("totals"),
            json::parse(R"({"arrivals":4,"departures":3,"revenue":50,"averageStay":80})"));

  // Without zoneId: every zone the key sees.
  json::value all = Get("/v1/analytics/revenue?from=2026-11-20T00:00:00Z&to=2026-11-22T00:00:00Z");
  EXPECT_EQ(all.at("totals").at("arrivals").as_int64(), 6);
  EXPECT_DOUBLE_EQ(all.at("totals").at("revenue").to_number<double>(), 54.0);
  EXPECT_EQ(ExpectError("GET", "/v1/analytics/revenue?from=soon", 400, "Bad request")
                .rfind("from: not a timestamp", 0),
            0u);
  ExpectError("GET", "/v1/analytics/revenue?from=2020-01-01T00:00:00Z", 400, "Bad request");
}

TEST_F(RouterTest, ATenantKeySeesOnlyItsTenant) {
  const std::string emaar_zone_routes[] = {
      "/v1/zones/zone-002",
      "/v1/zones/zone-002/bays",
      "/v1/zones/zone-002/bays/B-001",
      "/v1/zones/zone-002/events",
      "/v1/zones/zone-002/bays/B-001/events",
      "/v1/events?zoneId=zone-002",
      "/v1/sensors?zoneId=zone-002",
      "/v1/analytics/occupancy?zoneId=zone-002",
      "/v1/analytics/revenue?zoneId=zone-002",
  };
  for (const std::string& target : emaar_zone_routes) {
    // Answered as if the zone did not exist: the same body as a zone that does not.
    std::string missing = target;
    missing.replace(missing.find("zone-002"), 8, "zone-404");
    ApiResponse theirs = Call("GET", target, "rta-key");
    EXPECT_EQ(theirs.status, 404) << target;
    EXPECT_EQ(theirs.body, [&] {
      std::string b = Call("GET", missing, "rta-key").body;
      b.replace(b.find("zone-404"), 8, "zone-002");
      return b;
    }()) << target;
    // Its own tenant and operators see it.
    EXPECT_EQ(Call("GET", target, "emaar-key").status, 200) << target;
    EXPECT_EQ(Call("GET", target, "op-key").status, 200) << target;
  }
  ExpectError("GET", "/v1/sensors/PSL01B-000004", 404, "Sensor not found", "rta-key");
  EXPECT_EQ(Get("/v1/sensors/PSL01B-000004", "emaar-key").at("zoneId").as_string(), "zone-002");

  // Lists are filtered to the key's tenant.
  json::value zones = Get("/v1/zones", "rta-key");
  ASSERT_EQ(zones.at("count").as_int64(), 1);
  EXPECT_EQ(zones.at("zones").at(0).at("zoneId").as_string(), "zone-001");
  EXPECT_EQ(Get("/v1/zones?tenantId=tenant-rta", "rta-key").at("count").as_int64(), 1);
  ExpectError("GET", "/v1/zones?tenantId=tenant-emaar", 403, "Forbidden", "rta-key");
  EXPECT_EQ(Get("/v1/zones?tenantId=tenant-emaar", "op-key").at("count").as_int64(), 1);
  json::value sensors = Get("/v1/sensors", "emaar-key");
  EXPECT_EQ(sensors.at("count").as_int64(), 2);
  for (const auto& s : sensors.at("sensors").as_array()) {
    EXPECT_EQ(s.at("zoneId").as_string(), "zone-002");
  }
  json::value occupancy = Get("/v1/analytics/occupancy", "emaar-key");
  EXPECT_EQ(occupancy.at("totalBays").as_int64(), 2);
  ASSERT_EQ(occupancy.at("zones").as_array().size(), 1u);
  json::value revenue =
      Get("/v1/analytics/revenue?from=2026-11-20T00:00:00Z&to=2026-11-22T00:00:00Z", "emaar-key");
  EXPECT_EQ(revenue.at("totals").at("arrivals").as_int64(), 2);

  // `*` sees all.
  EXPECT_EQ(Get("/v1/zones", "op-key").at("count").as_int64(), 2);
  EXPECT_EQ(Get("/v1/sensors", "op-key").at("count").as_int64(), 5);
}

TEST_F(RouterTest, KeysAreRequiredWhenConfigured) {
  EXPECT_EQ(ExpectError("GET", "/v1/zones", 401, "Unauthorized", ""),
            "an X-Api-Key header is required");
  ExpectError("GET", "/v1/zones", 401, "Unauthorized", "guess");
  ExpectError("POST", "/v1/zones", 401, "Unauthorized", "", R"({"name":"x"})");
  // Health and metrics need no key.
  EXPECT_EQ(Json("GET", "/healthz", 200, ""), json::parse(R"({"status":"ok"})"));
  EXPECT_EQ(Call("GET", "/metrics", "").status, 200);

  // With no keys configured, no key is needed and all tenants are seen.
  ApiContext open(*store_.queries);
  auto request = ApiRequest::FromTarget("GET", "/v1/zones");
  ApiResponse r = HandleRequest(*request, open);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body).at("count").as_int64(), 2);
}

// CORS only for a configured Origin (the rest of the contract: http_hardening_test.cc).
TEST_F(RouterTest, CorsOnlyForAConfiguredOriginAndPreflightAnswers204) {
  context_->cors_origins = {"https://ops.example"};
  auto from = [&](std::string_view method, std::string_view target, std::string origin,
                  std::string key = "op-key") {
    auto request = ApiRequest::FromTarget(method, target);
    request->api_key = std::move(key);
    request->origin = std::move(origin);
    return HandleRequest(*request, *context_);
  };
  for (const ApiResponse& r : {from("GET", "/v1/zones", "https://ops.example"),
                               from("GET", "/v1/zones/zone-404", "https://ops.example"),
                               from("GET", "/v1/zones", "https://ops.example", ""),
                               from("GET", "/nowhere", "https://ops.example"),
                               from("DELETE", "/v1/zones", "https://ops.example")}) {
    EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://ops.example") << r.status;
    EXPECT_EQ(r.Header("access-control-allow-headers"), "Content-Type, X-Api-Key");
    EXPECT_TRUE(r.Header("Access-Control-Allow-Methods")->find("GET") != std::string_view::npos);
    EXPECT_EQ(r.Header("Vary"), "Origin");
  }
  for (const ApiResponse& r : {from("GET", "/v1/zones", "https://evil.example"),
                               from("GET", "/v1/zones", ""), Call("GET", "/v1/zones")}) {
    EXPECT_FALSE(r.Header("Access-Control-Allow-Origin")) << r.status;
  }
  ApiResponse preflight = from("OPTIONS", "/v1/zones/zone-001/bays", "https://ops.example", "");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_TRUE(preflight.body.empty());
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Origin"), "https://ops.example");
  EXPECT_NE(preflight.Header("Access-Control-Allow-Methods")->find("POST"), std::string_view::npos);
}

TEST_F(RouterTest, UnknownRoutesAndMethods) {
  ExpectError("GET", "/v1/parking-lots", 404, "Not found");
  ApiResponse r = Call("DELETE", "/v1/zones/zone-001");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(), "Method not allowed");
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(Call("PUT", "/zones").Header("Allow"), "GET, HEAD, POST, OPTIONS");
  // A percent-encoded '/' stays inside its segment.
  ExpectError("GET", "/v1/zones/zone-001%2Fbays", 404, "Zone not found");
  auto broken = ApiRequest::FromTarget("GET", "/v1/zones?tenantId=%zz");
  EXPECT_FALSE(broken.ok());
}

TEST_F(RouterTest, MetricsCountRequestsAndAddTheExtraText) {
  context_->extra_metrics = [] { return std::string("vdpark_ingest_messages_total 42\n"); };
  Call("GET", "/v1/zones");
  Call("GET", "/zones");
  Call("GET", "/v1/zones/zone-404");
  ApiResponse r = Call("GET", "/metrics", "");
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find(R"(vdpark_api_requests_total{route="/zones",method="GET",status="200"} 2)"),
            std::string::npos)
      << r.body;
  EXPECT_NE(
      r.body.find(
          R"(vdpark_api_requests_total{route="/zones/{zoneId}",method="GET",status="404"} 1)"),
      std::string::npos);
  EXPECT_NE(r.body.find("vdpark_api_request_duration_seconds_count 3"), std::string::npos);
  EXPECT_NE(r.body.find("vdpark_ingest_messages_total 42\n"), std::string::npos);
}

// Queries that fail with a message naming a place on disk, as a broken store's would.
class FailingQueries : public QueryStore {
 public:
  explicit FailingQueries(std::string where) : why_("cannot read " + where) {}
  std::string DisplayName() const override { return "failing"; }
  Result<std::optional<Zone>> GetZone(std::string_view) override { return Fail(); }
  Result<std::optional<Bay>> GetBay(std::string_view, std::string_view) override { return Fail(); }
  Result<std::optional<Sensor>> GetSensor(std::string_view) override { return Fail(); }
  Result<std::vector<Zone>> ListZones(std::optional<std::string_view>) override { return Fail(); }
  Result<std::vector<Bay>> ListBays(std::string_view) override { return Fail(); }
  Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view>) override {
    return Fail();
  }
  Result<EventPage> QueryEvents(const EventQuery&) override { return Fail(); }
  Result<CreateOutcome> CreateZone(const Zone&) override { return Fail(); }
  Result<CreateOutcome> RegisterSensor(const Sensor&, const Bay&) override { return Fail(); }

 private:
  Status Fail() const { return Status::NotSupported(why_); }
  std::string why_;
};

TEST_F(RouterTest, AStoreThatCannotAnswerIsAnErrorWithoutItsDetail) {
  FailingQueries failing(tmp_.path());
  ApiContext context(failing);
  auto request = ApiRequest::FromTarget("GET", "/v1/zones/zone-001");
  ApiResponse r = HandleRequest(*request, context);
  EXPECT_EQ(r.status, 501);
  json::value v = json::parse(r.body);
  EXPECT_EQ(Keys(v), (std::vector<std::string>{"error", "message"}));
  EXPECT_EQ(r.body.find(tmp_.path()), std::string::npos) << r.body;  // no path, no detail
}

TEST(OpenStoreRolesTest, HandsOutOnlyTheRolesAStorePlays) {
  TempDir tmp;
  auto csv = OpenStoreRoles("csv:" + tmp / "csv");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(csv->live, nullptr);
  EXPECT_EQ(csv->queries, nullptr);
  Status s = csv->NeedQueries("serve");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("serve needs a store that answers the API's queries"),
            std::string::npos)
      << s.ToString();
  EXPECT_TRUE(csv->NeedLive("serve --mqtt").IsInvalidArgument());

  auto embedded = OpenStoreRoles("embedded:" + tmp / "db");
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  EXPECT_NE(embedded->live, nullptr);
  EXPECT_NE(embedded->queries, nullptr);
  EXPECT_TRUE(embedded->NeedLive("serve --mqtt").ok());
}

TEST(ApiKeysTest, ParsesKeysCommentsAndOperators) {
  auto keys = ApiKeys::Parse(kKeys, "keys.txt");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 3u);
  EXPECT_TRUE(keys->Authenticate("op-key")->operator_access());
  EXPECT_EQ(keys->Authenticate("emaar-key")->tenant, "tenant-emaar");
  EXPECT_FALSE(keys->Authenticate("nope"));
  EXPECT_FALSE(keys->Authenticate(""));
  EXPECT_TRUE(ApiKeys().Authenticate("")->operator_access());
}

TEST(ApiKeysTest, ABadLineIsNamedByFileAndLine) {
  auto one_field = ApiKeys::Parse("a *\n# fine\nlonely\n", "keys.txt");
  ASSERT_FALSE(one_field.ok());
  EXPECT_NE(one_field.status().message().find("keys.txt:3: "), std::string::npos)
      << one_field.status().ToString();
  auto three = ApiKeys::Parse("a b c\n", "k");
  EXPECT_NE(three.status().message().find("k:1: "), std::string::npos);
  auto twice = ApiKeys::Parse("a t1\nb t2\na t3\n", "k");
  EXPECT_NE(twice.status().message().find("k:3: the key was given already on line 1"),
            std::string::npos)
      << twice.status().ToString();
  EXPECT_FALSE(ApiKeys::Parse("# nothing\n\n", "k").ok());
  TempDir tmp;
  tmp.Write("keys", "k1 tenant-a\r\n");
  auto loaded = ApiKeys::Load(tmp / "keys");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->Authenticate("k1")->tenant, "tenant-a");
  EXPECT_TRUE(ApiKeys::Load(tmp / "missing").status().IsNotFound());
}

}  // namespace
}  // namespace vdpark
