// The DynamoDB write units one sensor message of each kind costs when serve ingests it (the
// capacity plan's input, docs/capacity.md), measured on AWS's DynamoDB Local, which reports the
// capacity each write consumed as DynamoDB does (ReturnConsumedCapacity): a table made as `vdpark
// table create` makes it, a zone with three bays, each message handled by the Ingestor as serve
// handles it, and the units the store counted before and after.
//
// Usage: build/live_write_units_bench [ENDPOINT]   (default $VDPARK_DYNAMODB_LOCAL_ENDPOINT; start
// one with `eval "$(scripts/start-dynamodb-local.sh)"`)
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ingest/ingestor.h"
#include "store/dynamodb/dynamodb_item_store.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "store/single_table_store.h"

namespace vdpark {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "live_write_units_bench: %s\n", s.ToString().c_str());
  return 1;
}

Metadata Fleet() {
  Metadata md;
  md.zones = {Zone{.zone_id = "zone-1",
                   .name = "Capacity plan",
                   .total_bays = 3,
                   .occupied_bays = 1,
                   .price_per_hour = Decimal::FromInt(10),
                   .tenant_id = "tenant-1"}};
  const Timestamp since = Timestamp::FromSeconds(1798761600);
  for (int i = 1; i <= 3; ++i) {
    const std::string bay = fmt::format("A-{:03}", i), sensor = fmt::format("PSL01B-{:06}", i);
    md.bays.push_back(Bay{.zone_id = "zone-1",
                          .bay_number = bay,
                          .sensor_id = sensor,
                          .status = i == 1 ? BayStatus::kOccupied : BayStatus::kVacant,
                          .last_change = since,
                          .occupied_since = i == 1 ? std::optional(since) : std::nullopt,
                          .bay_type = "standard",
                          .location = GeoPoint{25.2, 55.3}});
    md.sensors.push_back(Sensor{.sensor_id = sensor,
                                .model = "PSL01B",
                                .firmware_version = "2.1.4",
                                .zone_id = "zone-1",
                                .bay_number = bay,
                                .status = "active",
                                .last_battery = 90,
                                .last_signal = -70});
  }
  return md;
}

int Run(const std::string& endpoint) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKBENCH", 0);
  setenv("AWS_SECRET_ACCESS_KEY", "vdpark-bench-secret", 0);
  const std::string table = "vdpark-write-units";
  const std::string url = "dynamodb://" + table + "?region=me-central-1&endpoint=" + endpoint;
  DynamoDbClientOptions client_options;
  client_options.settings.region = "me-central-1";
  client_options.settings.endpoint = endpoint;
  client_options.settings.credentials = {"AKIDVDPARKBENCH", "vdpark-bench-secret", ""};
  auto client = DynamoDbClient::Create(client_options);
  if (!client.ok()) return Fail(client.status());
  (void)DeleteTable(**client, table);
  TableAdminOptions admin;
  admin.poll_interval = std::chrono::milliseconds(20);
  if (auto created = CreateTable(**client, table, admin); !created.ok()) {
    return Fail(created.status());
  }
  auto store = OpenStoreRoles(url);
  if (!store.ok()) return Fail(store.status());
  if (Status s = store->records->WriteMetadata(Fleet()); !s.ok()) return Fail(s);
  auto& counted =
      dynamic_cast<DynamoDbItemStore&>(dynamic_cast<SingleTableStore&>(*store->records).items());
  Ingestor ingestor(*store->live, *store->records);
  const Timestamp t0 = Timestamp::FromSeconds(1798765200);  // an hour after the fleet's state
  struct Message {
    const char *kind, *bay, *sensor, *kind_topic, *payload;
  };
  const Message messages[] = {
      {"heartbeat (status unchanged)", "A-002", "PSL01B-000002", "status", "vacant"},
      {"arrival", "A-002", "PSL01B-000002", "status", "occupied"},
      {"departure", "A-001", "PSL01B-000001", "status", "vacant"},
      {"health", "A-003", "PSL01B-000003", "health", ""},
  };
  std::printf("| message | write units | transaction |\n|---|---|---|\n");
  int64_t step = 0;
  for (const Message& m : messages) {
    const Timestamp at = Timestamp::FromMicros(t0.micros() + ++step * 60'000'000);
    const std::string topic = fmt::format("visiondrive/parking/zone-1/{}/{}", m.bay, m.kind_topic);
    const std::string payload =
        std::string(m.kind_topic) == "health"
            ? fmt::format(R"({{"deviceId":"{}","battery":80,"signal":-72}})", m.sensor)
            : fmt::format(
                  R"({{"deviceId":"{}","status":"{}","battery":80,"signal":-72,"mode":"dual","ts":{}}})",
                  m.sensor, m.payload, at.micros() / 1000);
    const uint64_t before = counted.ConsumedWriteUnits();
    const LiveWriteCounts writes_before = store->live->GetLiveWriteCounts();
    if (Status s = ingestor.Handle(topic, payload, at); !s.ok()) return Fail(s);
    const LiveWriteCounts writes_after = store->live->GetLiveWriteCounts();
    std::printf("| %s | %llu | %s |\n", m.kind,
                static_cast<unsigned long long>(counted.ConsumedWriteUnits() - before),
                writes_after.transaction > writes_before.transaction ? "yes" : "no");
  }
  (void)DeleteTable(counted.client(), table);
  return 0;
}

}  // namespace
}  // namespace vdpark

int main(int argc, char** argv) {
  const char* env = std::getenv("VDPARK_DYNAMODB_LOCAL_ENDPOINT");
  const std::string endpoint = argc > 1 ? argv[1] : env != nullptr ? env : "";
  if (endpoint.empty()) {
    std::fprintf(stderr,
                 "usage: live_write_units_bench ENDPOINT (or VDPARK_DYNAMODB_LOCAL_ENDPOINT)\n");
    return 2;
  }
  return vdpark::Run(endpoint);
}
