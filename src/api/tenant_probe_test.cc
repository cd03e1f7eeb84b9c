// What a tenant's key can learn of other tenants' records (issue 13, point 7): a 409 on POST that
// reads the same whether the id is the caller's own or another tenant's, and another tenant's
// sensor that the store cannot read answered 404 as a missing one, not 500.
#include <gtest/gtest.h>

#include <string>

#include "api/router.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::TempDir;

constexpr const char* kKeys = "op-key *\nkey-a tenant-a\nkey-b tenant-b\n";

// `text` with every `from` replaced by `to`.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class TenantProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions so;
    so.retention_days = 0;
    auto opened = OpenStoreRoles("embedded:" + tmp_ / "store", so);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    auto keys = ApiKeys::Parse(kKeys, "keys");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    context_ = std::make_unique<ApiContext>(*store_.queries, std::move(*keys));
    // Each tenant's zone, with a sensor in it.
    ASSERT_EQ(Call("POST", "/v1/zones", "key-a", R"({"zoneId":"zone-a","name":"A"})").status, 201);
    ASSERT_EQ(Call("POST", "/v1/zones", "key-b", R"({"zoneId":"zone-b","name":"B"})").status, 201);
    ASSERT_EQ(Call("POST", "/v1/sensors", "key-a",
                   R"({"sensorId":"S-a","zoneId":"zone-a","bayNumber":"A-1"})")
                  .status,
              201);
    ASSERT_EQ(Call("POST", "/v1/sensors", "key-b",
                   R"({"sensorId":"S-b","zoneId":"zone-b","bayNumber":"B-1"})")
                  .status,
              201);
  }

  ApiResponse Call(std::string_view method, std::string_view target, std::string key,
                   std::string body = "") {
    auto request = ApiRequest::FromTarget(method, target);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    request->api_key = std::move(key);
    if (!body.empty()) request->content_type = "application/json";  // writes take JSON only
    request->body = std::move(body);
    return HandleRequest(*request, *context_);
  }

  // Writes a sensor item the mapper will not read back (its installDate is no timestamp), in
  // `zone_id`, straight through the item layer: as a writer with other rules could have.
  void PlantBrokenSensor(const std::string& sensor_id, const std::string& zone_id) {
    auto* single = dynamic_cast<SingleTableStore*>(store_.records.get());
    ASSERT_NE(single, nullptr);
    Sensor s;
    s.sensor_id = sensor_id;
    s.zone_id = zone_id;
    s.bay_number = "X-1";
    Item item = single->mapper().ToItem(s);
    item["installDate"] = AttributeValue::S("-002-12-17T00:00:00Z");
    ASSERT_TRUE(single->items().Put(item).ok());
    auto read = store_.queries->GetSensor(sensor_id);
    ASSERT_EQ(read.status().code(), Status::Code::kCorruption) << read.status().ToString();
  }

  // The same for a zone: its createdAt is no timestamp.
  void PlantBrokenZone(const std::string& zone_id, const std::string& tenant_id) {
    auto* single = dynamic_cast<SingleTableStore*>(store_.records.get());
    ASSERT_NE(single, nullptr);
    Zone z;
    z.zone_id = zone_id;
    z.name = "broken";
    z.tenant_id = tenant_id;
    Item item = single->mapper().ToItem(z);
    item["createdAt"] = AttributeValue::S("-002-12-17T00:00:00Z");
    ASSERT_TRUE(single->items().Put(item).ok());
    auto read = store_.queries->GetZone(zone_id);
    ASSERT_EQ(read.status().code(), Status::Code::kCorruption) << read.status().ToString();
  }

  TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<ApiContext> context_;
};

TEST_F(TenantProbeTest, A409ForAZoneReadsTheSameWhoeversItIs) {
  ApiResponse own = Call("POST", "/v1/zones", "key-a", R"({"zoneId":"zone-a","name":"again"})");
  ApiResponse other = Call("POST", "/v1/zones", "key-a", R"({"zoneId":"zone-b","name":"again"})");
  EXPECT_EQ(own.status, 409) << own.body;
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(Replace(other.body, "zone-b", "zone-a"), own.body);
  EXPECT_EQ(other.body.find("tenant"), std::string::npos) << other.body;
}

TEST_F(TenantProbeTest, A409ForASensorReadsTheSameWhoeversItIs) {
  ApiResponse own = Call("POST", "/v1/sensors", "key-a",
                         R"({"sensorId":"S-a","zoneId":"zone-a","bayNumber":"A-2"})");
  ApiResponse other = Call("POST", "/v1/sensors", "key-a",
                           R"({"sensorId":"S-b","zoneId":"zone-a","bayNumber":"A-2"})");
  EXPECT_EQ(own.status, 409) << own.body;
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(Replace(other.body, "S-b", "S-a"), own.body);
  EXPECT_EQ(other.body.find("zone-b"), std::string::npos) << other.body;
  EXPECT_EQ(other.body.find("tenant"), std::string::npos) << other.body;
}

TEST_F(TenantProbeTest, AnotherTenantsBrokenSensorIsNotFoundNotAnError) {
  PlantBrokenSensor("S-broken", "zone-b");
  ApiResponse broken = Call("GET", "/v1/sensors/S-broken", "key-a");
  ApiResponse missing = Call("GET", "/v1/sensors/S-nothere", "key-a");
  EXPECT_EQ(broken.status, 404) << broken.body;
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(Replace(broken.body, "S-broken", "S-nothere"), missing.body);
  // Its own tenant's key cannot tell either (the record names no zone it can be judged by); an
  // operator is told that the store failed.
  EXPECT_EQ(Call("GET", "/v1/sensors/S-broken", "key-b").status, 404);
  ApiResponse op = Call("GET", "/v1/sensors/S-broken", "op-key");
  EXPECT_EQ(op.status, 500) << op.body;
  EXPECT_EQ(op.body.find("installDate"), std::string::npos) << op.body;  // no detail sent
}

TEST_F(TenantProbeTest, AnotherTenantsBrokenZoneIsNotFoundNotAnError) {
  PlantBrokenZone("zone-broken", "tenant-b");
  ApiResponse broken = Call("GET", "/v1/zones/zone-broken", "key-a");
  ApiResponse missing = Call("GET", "/v1/zones/zone-nothere", "key-a");
  EXPECT_EQ(broken.status, 404) << broken.body;
  EXPECT_EQ(Replace(broken.body, "zone-broken", "zone-nothere"), missing.body);
  EXPECT_EQ(Call("GET", "/v1/zones/zone-broken/bays", "key-a").status, 404);
  ApiResponse op = Call("GET", "/v1/zones/zone-broken", "op-key");
  EXPECT_EQ(op.status, 500) << op.body;
  EXPECT_EQ(op.body.find("createdAt"), std::string::npos) << op.body;  // no detail sent
}

}  // namespace
}  // namespace vdpark
