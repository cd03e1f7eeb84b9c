// The HTTP request target (fuzz_targets.h): bytes on the wire through Beast's request parser, as
// HttpServer reads them, then ApiRequest::FromTarget and HandleRequest over an embedded store.
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <vector>

#include "api/http_server.h"
#include "api/router.h"
#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "scratch_dir.h"
#include "store/csv/csv_store.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/single_table_store.h"

namespace vdpark::fuzz {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

// The fleet the store holds: two tenants' zones, their bays and sensors, and events.
constexpr std::string_view kZonesCsv =
    "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
    "created_at\n"
    "zone-001,Marina Walk P1,\"Marina Walk, Dubai Marina\",Dubai,2,55.1403,25.0805,12.50,"
    "\"{\"\"open\"\": \"\"08:00\"\", \"\"close\"\": \"\"22:00\"\"}\",tenant-rta,"
    "2024-05-01 09:00:00+04\n"
    "zone-002,Deira Souk,Al Ras,Dubai,1,55.2962,25.2697,4,,tenant-emaar,2024-06-01 09:00:00+04\n";
constexpr std::string_view kBaysCsv =
    "zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat\n"
    "zone-001,A-001,PSL01B-000001,occupied,2026-11-20 10:00:00+04,2026-11-20 10:00:00+04,"
    "standard,55.14031,25.08051\n"
    "zone-001,A-002,PSL01B-000002,vacant,2026-11-20 11:30:00+04,,standard,55.14032,25.08052\n"
    "zone-002,B-001,PSL01B-000003,unknown,,,disabled,,\n";
constexpr std::string_view kSensorsCsv =
    "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,last_battery,"
    "last_signal\n"
    "PSL01B-000001,PSL01B,2.1.4,2025-01-01 00:00:00+04,zone-001,A-001,active,95,-72\n"
    "PSL01B-000002,PSL01B,2.1.4,2025-01-01 00:00:00+04,zone-001,A-002,active,18,-101\n"
    "PSL01B-000003,PSL01B,2.1.3,2025-02-01 00:00:00+04,zone-002,B-001,active,77,-80\n";
constexpr std::string_view kEventsCsv =
    "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
    "zone-001,A-001,ARRIVE,2026-11-20 09:15:00.25+04,,,dual\n"
    "zone-001,A-001,LEAVE,2026-11-20 09:45:00.5+04,30,6.25,dual\n"
    "zone-001,A-002,ARRIVE,2026-11-20 10:00:00+04,,,magnetic\n"
    "zone-001,A-001,ARRIVE,2026-11-20 10:00:00+04,,,dual\n"
    "zone-001,A-002,LEAVE,2026-11-20 11:30:00+04,90,18.75,magnetic\n"
    "zone-002,B-001,ARRIVE,2026-11-19 07:00:00+04,,,radar\n"
    "zone-002,B-001,LEAVE,2026-11-19 08:00:00+04,60,4.00,radar\n";
constexpr std::string_view kKeys =
    "op-key *\n"
    "rta-key tenant-rta\n"
    "emaar-key tenant-emaar\n";

// 2026-11-20T08:00:00Z: a fixed "now", so that an answer depends on the request alone.
constexpr Timestamp kNow = Timestamp::FromSeconds(1795161600);

struct Fleet {
  Metadata metadata;
  std::vector<ParkingEvent> events;
};

Fleet ReadFleet() {
  const std::string dir = ScratchDir("http-fleet");
  WriteWholeFile(dir + "/zones.csv", kZonesCsv);
  WriteWholeFile(dir + "/bays.csv", kBaysCsv);
  WriteWholeFile(dir + "/sensors.csv", kSensorsCsv);
  WriteWholeFile(dir + "/events.csv", kEventsCsv);
  Fleet fleet;
  auto csv = CsvStore::Open(dir);
  if (!csv.ok()) std::abort();
  auto m = (*csv)->ReadMetadata([](Rejected) { std::abort(); });
  if (!m.ok()) std::abort();
  fleet.metadata = std::move(*m);
  Status s = (*csv)->ScanEvents(
      {},
      [&](ParkingEvent&& e, const Origin&) {
        fleet.events.push_back(std::move(e));
        return Status::OK();
      },
      [](Rejected) { std::abort(); });
  if (!s.ok()) std::abort();
  return fleet;
}

// The embedded store holding the fleet, and the API over it keyless and with keys. Made again
// after a write succeeded, so that every input meets the same store.
class Api {
 public:
  Api() { Open(); }

  ApiContext& Context(bool keyed) {
    if (++calls_ % 5000 == 0) MakeContexts();  // ApiMetrics keeps a series per method seen
    return keyed ? *keyed_ : *keyless_;
  }
  void Reset() {
    keyless_.reset();
    keyed_.reset();
    store_.reset();
    Open();
  }

 private:
  void Open() {
    static const Fleet fleet = ReadFleet();
    RocksDbOptions rocks;
    rocks.block_cache_bytes = size_t{8} << 20;
    rocks.item_cache_bytes = size_t{1} << 20;
    rocks.background_purge = false;
    rocks.now_seconds = [] { return kNow.seconds(); };
    const std::string dir = ScratchDir("http-store");
    auto items = RocksDbItemStore::Open(dir, rocks);
    if (!items.ok()) std::abort();
    store_ = std::make_unique<SingleTableStore>(std::move(*items), "embedded:" + dir,
                                                MapperOptions{0}, nullptr);
    if (!store_->WriteMetadata(fleet.metadata).ok() || !store_->WriteEvents(fleet.events).ok()) {
      std::abort();
    }
    MakeContexts();
  }
  void MakeContexts() {
    keyless_ = std::make_unique<ApiContext>(*store_);
    auto keys = ApiKeys::Parse(kKeys, "keys");
    if (!keys.ok()) std::abort();
    keyed_ = std::make_unique<ApiContext>(*store_, std::move(*keys));
    keyless_->clock = keyed_->clock = [] { return kNow; };
  }

  std::unique_ptr<SingleTableStore> store_;
  std::unique_ptr<ApiContext> keyless_, keyed_;
  uint64_t calls_ = 0;
};

std::string Describe(const ApiRequest& r, const ApiResponse& a) {
  std::string out = r.method + " " + r.path;
  for (const auto& [k, v] : r.query)
    out += (out.find('?') == std::string::npos ? "?" : "&") + k + "=" + v;
  out += " -> " + std::to_string(a.status) + " " + a.body.substr(0, 300);
  return out;
}

// What every answer promises: never a 500 on a healthy store, JSON where it says JSON, and an
// error body naming the error.
std::string CheckAnswer(const ApiRequest& request, const ApiResponse& answer) {
  VDPARK_FUZZ_CHECK(answer.status != 500, "500 on a healthy store: " + Describe(request, answer));
  VDPARK_FUZZ_CHECK(answer.status >= 100 && answer.status <= 599,
                    "not an HTTP status: " + Describe(request, answer));
  if (answer.content_type.starts_with("application/json") && !answer.body.empty()) {
    // VDPARK_FUZZ_LENIENT_UTF8=1 lets invalid UTF-8 in a string pass (fuzz/findings/README.md:
    // error bodies echo the path's bytes), to look past that finding while it is open.
    static const bool lenient = std::getenv("VDPARK_FUZZ_LENIENT_UTF8") != nullptr;
    json::parse_options options;
    options.allow_invalid_utf8 = lenient;
    boost::system::error_code ec;
    json::value body = json::parse(answer.body, ec, {}, options);
    VDPARK_FUZZ_CHECK(
        !ec, "a JSON answer that is not JSON (" + ec.message() + "): " + Describe(request, answer));
    if (answer.status >= 400) {
      VDPARK_FUZZ_CHECK(body.is_object() && body.as_object().contains("error"),
                        "an error without \"error\": " + Describe(request, answer));
    }
  }
  return "";
}

// After a write that succeeded, the reads that show what it wrote.
std::string ReadBack(const ApiRequest& write, ApiContext& context) {
  std::vector<std::string> targets = {"/v1/zones", "/v1/sensors", "/v1/analytics/occupancy",
                                      "/v1/events?limit=5"};
  boost::system::error_code ec;
  json::value body = json::parse(write.body, ec);
  if (!ec && body.is_object()) {
    if (const json::value* z = body.as_object().if_contains("zoneId"); z && z->is_string()) {
      const std::string id = PercentEncode(z->get_string());
      targets.push_back("/v1/zones/" + id);
      targets.push_back("/v1/zones/" + id + "/bays");
      targets.push_back("/v1/zones/" + id + "/events");
      targets.push_back("/v1/sensors?zoneId=" + id);
      if (const json::value* b = body.as_object().if_contains("bayNumber"); b && b->is_string()) {
        targets.push_back("/v1/zones/" + id + "/bays/" + PercentEncode(b->get_string()));
      }
    }
    if (const json::value* s = body.as_object().if_contains("sensorId"); s && s->is_string()) {
      targets.push_back("/v1/sensors/" + PercentEncode(s->get_string()));
    }
  }
  for (const std::string& target : targets) {
    auto request = ApiRequest::FromTarget("GET", target);
    VDPARK_FUZZ_CHECK(request.ok(), "cannot make " + target);
    request->api_key = write.api_key;
    request->host = write.host;
    ApiResponse answer = HandleRequest(*request, context);
    std::string broken = CheckAnswer(*request, answer);
    if (!broken.empty())
      return "after " + write.method + " " + write.path + " " + write.body + ": " + broken;
  }
  return "";
}

std::string Run(std::string_view input) {
  static Api api;
  // Parsed as HttpServer parses a request (http_server.cc), with its default limits.
  const HttpServerOptions limits;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  beast::error_code ec;
  size_t used = 0;
  while (used < input.size() && !parser.is_done()) {
    size_t n = parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) return "";  // the server answers 400/413/431 and closes
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) return "";  // the server would wait for the rest
  http::request<http::string_body> req = parser.release();

  auto parsed = ApiRequest::FromTarget(req.method_string(), req.target());
  if (!parsed.ok()) {
    VDPARK_FUZZ_CHECK(parsed.status().code() == Status::Code::kInvalidArgument,
                      "FromTarget failed with another kind: " + parsed.status().ToString());
    return "";
  }
  ApiRequest& request = *parsed;
  request.api_key = std::string(req["X-Api-Key"]);
  request.origin = std::string(req[http::field::origin]);
  // An absolute-form target's authority, when there is one, is the host asked for.
  if (request.host.empty()) request.host = std::string(req[http::field::host]);
  request.content_type = std::string(req[http::field::content_type]);
  request.body = std::move(req.body());
  const bool keyed = req.count("X-Api-Key") > 0;
  ApiContext& context = api.Context(keyed);
  ApiResponse answer = HandleRequest(request, context);
  std::string broken = CheckAnswer(request, answer);
  if (!broken.empty()) return broken;

  const bool write =
      request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
  if (write && answer.status >= 200 && answer.status < 300) {
    broken = ReadBack(request, context);
    api.Reset();
  }
  return broken;
}

}  // namespace

std::string FuzzHttpRequest(const uint8_t* data, size_t size) {
  return Guarded("http_request",
                 [&] { return Run(std::string_view(reinterpret_cast<const char*>(data), size)); });
}

}  // namespace vdpark::fuzz
