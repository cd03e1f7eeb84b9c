// The REST API of SPEC §5 as a pure function: a request and the context in, a response out. No
// socket: HttpServer reads requests and writes what comes back; tests call HandleRequest directly.
//
// Every route answers under /v1 and at the root (for clients of the old API); a GET route answers
// HEAD as GET (the server sends the headers only). Before any route runs, the request meets the
// rules of access_rules.h: without keys a loopback Host only, and writes (POST) in
// application/json from the server's own origin; with keys, every route but /healthz and /metrics
// needs an X-Api-Key header, and a tenant's key sees only its tenant's zones and what is in them:
// another tenant's record answers 404 as if it were absent. CORS headers go only to an Origin
// configured in cors_origins, and only with keys; OPTIONS (a browser's preflight) answers 204.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/api_error.h"
#include "api/api_keys.h"
#include "api/api_metrics.h"
#include "api/bay_view_memo.h"
#include "api/http_types.h"
#include "api/json_views.h"
#include "api/response_cache.h"
#include "api/zone_view_memo.h"
#include "domain/alert.h"
#include "domain/billing.h"
#include "domain/timestamp.h"
#include "store/operator_store.h"
#include "store/query_store.h"

namespace vdpark {

struct ApiContext {
  // `queries`: what the routes read, and where POST creates a zone or a sensor (conditionally:
  // QueryStore::CreateZone, RegisterSensor).
  explicit ApiContext(QueryStore& queries, ApiKeys keys = {})
      : store(queries), keys(std::move(keys)) {}
  ApiContext(const ApiContext&) = delete;
  ApiContext& operator=(const ApiContext&) = delete;

  // Must outlive the context; called from several threads at once.
  QueryStore& store;
  ApiKeys keys;  // empty: no request needs a key (the server then listens on loopback only)
  // With keys: the Origins whose pages may read the API (CORS), "scheme://host[:port]" or "*".
  // Empty: no CORS header is sent. Ignored without keys (never any CORS header then).
  std::vector<std::string> cors_origins;
  std::function<Timestamp()> clock = [] { return Timestamp::Now(); };  // "now" for durations
  // Text appended to GET /metrics (ingest's, the mirror's): Prometheus text format, each line
  // ending in '\n'. Empty: nothing appended.
  std::function<std::string()> extra_metrics;
  // GET /v1/migration/status: the migration's status as JSON text (the cli's function over
  // verify/migration_status.h, which this layer does not see), or why it is not known. Called
  // from several threads at once. Empty: no migration to report (404).
  std::function<Result<std::string>()> migration_status;
  // The zones' local time: /analytics/revenue counts its days from local midnight (Asia/Dubai).
  UtcOffset zone_offset;
  ApiMetrics metrics;  // every HandleRequest is counted here
  // Answers of GET data routes kept for a short time (response_cache.h); nullptr: none.
  ResponseCache* cache = nullptr;
  // The text of the bays and zones listed, kept while each is unchanged (bay_view_memo.h,
  // zone_view_memo.h).
  BayViewMemo bay_views;
  ZoneViewMemo zone_views;

  // --- The portal's own data (alerts, settings): on a store that keeps them, else null, and
  // those routes answer 501. Must outlive the context.
  OperatorStore* operators = nullptr;
  // The settings when none are stored (serve's --low-battery, --offline-after).
  OperatorSettings default_settings;
  // Told each alert an operator acknowledged or resolved through the API (the live stream).
  std::function<void(const Alert&)> on_alert_changed;
  // What GET /settings reports of this server: "endpoints" (api, mqtt, mqttConnected, store), and
  // the map's tile URL template (--map-tiles; empty: none).
  std::function<json::object()> endpoints;
  std::string map_tiles;
};

struct Route;

// A request taken as far as it goes without reading the store: answered already (an error, a
// preflight, /healthz, /metrics, an answer kept in the cache), or a route's handler still to run.
// The server makes one on its I/O thread and runs Finish() on a worker, so that slow store calls
// never hold up what needs no store.
class RoutedRequest {
 public:
  // True when the answer is there already: TakeAnswer() it. False: Finish() (or Refuse()).
  bool answered() const { return answer_.has_value(); }
  ApiResponse TakeAnswer();
  // Runs the handler (reads the store), keeps a GET's answer in the cache, counts it in the
  // metrics. Any thread, once. Never throws: a failure inside becomes a 500 logged only.
  ApiResponse Finish();
  // Answers `error` instead of running the handler (the server's workers are busy), counted.
  ApiResponse Refuse(const ApiError& error);

 private:
  friend RoutedRequest RouteRequest(const ApiRequest& request, ApiContext& context);
  ApiResponse Complete(ApiResponse response);

  ApiContext* context_ = nullptr;
  std::chrono::steady_clock::time_point start_;
  std::string method_;      // as sent (the metrics' label)
  std::string origin_;      // the request's Origin, for the CORS headers
  std::string_view label_;  // the route's pattern, the metrics' label; "" when none matched
  std::optional<ApiResponse> answer_;
  // For Finish(): the route, the request as its handler sees it (declared parameters only), who
  // asks, the path's parameters, and the cache key ("" when the answer is not kept).
  const Route* route_ = nullptr;
  ApiRequest request_;
  Caller caller_;
  std::map<std::string, std::string, std::less<>> params_;
  std::string cache_key_;
  std::chrono::steady_clock::time_point cache_now_;
  uint64_t cache_generation_ = 0;
};

// Routes one request: checks it (access_rules.h, the key), and answers what needs no store.
RoutedRequest RouteRequest(const ApiRequest& request, ApiContext& context);

// Answers one request: RouteRequest, then Finish() on this thread when needed. Never throws: a
// failure inside becomes a 500 whose detail is logged only.
ApiResponse HandleRequest(const ApiRequest& request, ApiContext& context);

// Whether some route (of any method) serves `path` (with or without /v1): the server offers
// static files only for paths that are not the API's.
bool MatchesRoute(std::string_view path);

// The path with a leading "/v1" taken off ("/v1/zones" -> "/zones", "/v1" -> "/").
std::string_view WithoutVersion(std::string_view path);

}  // namespace vdpark
