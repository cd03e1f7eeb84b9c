// The REST API of SPEC §5 as a pure function: a request and the context in, a response out. No
// socket: HttpServer reads requests and writes what comes back; tests call HandleRequest directly.
//
// Every route answers under /v1 and at the root (for clients of the old API). Every response
// carries the CORS headers; OPTIONS (a browser's preflight) answers 204. With keys configured,
// every route but /healthz and /metrics needs an X-Api-Key, and a tenant's key sees only its
// tenant's zones and what is in them: another tenant's record answers 404 as if it were absent.
#pragma once

#include <functional>
#include <string>

#include "api/api_keys.h"
#include "api/api_metrics.h"
#include "api/http_types.h"
#include "api/response_cache.h"
#include "domain/billing.h"
#include "domain/timestamp.h"
#include "store/query_store.h"
#include "store/record_store.h"

namespace vdpark {

struct ApiContext {
  // `queries` and `records` are one store in two roles (OpenStoreRoles): what the routes read,
  // and where POST writes a zone or a sensor.
  ApiContext(QueryStore& queries, RecordStore& records, ApiKeys keys = {})
      : store(queries), records(records), keys(std::move(keys)) {}
  ApiContext(const ApiContext&) = delete;
  ApiContext& operator=(const ApiContext&) = delete;

  // Both must outlive the context; called from several threads at once.
  QueryStore& store;
  RecordStore& records;
  ApiKeys keys;  // empty: no request needs a key (the server then listens on loopback only)
  std::function<Timestamp()> clock = [] { return Timestamp::Now(); };  // "now" for durations
  // Text appended to GET /metrics (ingest's, the mirror's): Prometheus text format, each line
  // ending in '\n'. Empty: nothing appended.
  std::function<std::string()> extra_metrics;
  // The zones' local time: /analytics/revenue counts its days from local midnight (Asia/Dubai).
  UtcOffset zone_offset;
  ApiMetrics metrics;  // every HandleRequest is counted here
  // Answers of GET data routes kept for a short time (response_cache.h); nullptr: none.
  ResponseCache* cache = nullptr;
};

// Answers one request. Never throws: a failure inside becomes a 500 whose detail is logged only.
ApiResponse HandleRequest(const ApiRequest& request, ApiContext& context);

// Adds the CORS headers every response carries (Access-Control-Allow-Origin *, -Methods,
// -Headers Content-Type, X-Api-Key) to `response`, for responses made outside HandleRequest.
void AddCorsHeaders(ApiResponse* response);

// Whether some route (of any method) serves `path` (with or without /v1): the server offers
// static files only for paths that are not the API's.
bool MatchesRoute(std::string_view path);

// The path with a leading "/v1" taken off ("/v1/zones" -> "/zones", "/v1" -> "/").
std::string_view WithoutVersion(std::string_view path);

}  // namespace vdpark
