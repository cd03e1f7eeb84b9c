// What the route files share: the shape of a route and its handler, and the checks every handler
// makes (parameters, the caller's access to a zone, a store's failure). Internal to src/api.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_error.h"
#include "api/api_keys.h"
#include "api/http_types.h"
#include "api/json_views.h"
#include "api/router.h"

namespace vdpark {

// One request as a handler sees it: the request, the context, who asks, and the path's
// parameters by name ("zoneId"), decoded.
struct RouteCall {
  const ApiRequest& request;
  ApiContext& context;
  const Caller& caller;
  const std::map<std::string, std::string, std::less<>>& params;
  Timestamp now;

  const std::string& Param(std::string_view name) const;
  QueryStore& store() const { return context.store; }
};

using RouteHandler = ApiResponse (*)(const RouteCall& call);

struct Route {
  std::string_view method;   // "GET", "POST"; a GET route answers HEAD too
  std::string_view pattern;  // "/zones/{zoneId}/bays": a "{name}" segment matches any segment
  RouteHandler handler;
  // The query parameters the handler reads. The handler sees only these (any other is dropped
  // before it runs), and only these make the key of a cached answer, so that made-up parameters
  // cannot fill the cache. A parameter read but not declared here reads as absent.
  std::vector<std::string_view> query = {};
  bool needs_key = true;    // false for /healthz and /metrics
  bool reads_store = true;  // false: answered on the server's I/O thread (/healthz, /metrics)
};

// The routes of each resource, one file each.
std::vector<Route> ZoneRoutes();
std::vector<Route> BayRoutes();
std::vector<Route> EventRoutes();
std::vector<Route> SensorRoutes();
std::vector<Route> AnalyticsRoutes();
std::vector<Route> AnalyticsSummaryRoutes();
std::vector<Route> AlertRoutes();
std::vector<Route> SettingsRoutes();
std::vector<Route> MigrationRoutes();

// The zone `zone_id` when it exists and the caller may see it; 404 "Zone not found" otherwise
// (another tenant's zone is answered exactly as a missing one, so keys cannot probe for ids, and
// so is a zone the store cannot read, to a tenant: only an operator is told the store failed).
ApiResult<Zone> VisibleZone(const RouteCall& call, std::string_view zone_id);

// The settings that apply to the caller: its tenant's, else the operator's, else the context's
// defaults (also when the store keeps none).
ApiResult<OperatorSettings> CallerSettings(const RouteCall& call);

// The zones the caller may see, sorted by id: all, or its tenant's.
ApiResult<std::vector<Zone>> VisibleZones(const RouteCall& call);

// Query parameters, checked: nullopt when absent, 400 naming the parameter when malformed or, for
// a time, outside Timestamp's range (1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z).
ApiResult<std::optional<Timestamp>> TimeParam(const ApiRequest& request, std::string_view name);
ApiResult<std::optional<int64_t>> IntParam(const ApiRequest& request, std::string_view name,
                                           int64_t min, int64_t max);

// The request body as a JSON object; 400 "body: ..." when it is not one.
ApiResult<json::object> BodyObject(const ApiRequest& request);

// Fields of a request body, checked: nullopt when absent or null, 400 "body.NAME: ..." when of
// the wrong kind or breaking the record rules (domain/record_rules.h): a string longer than
// 1,024 bytes or holding a NUL byte, a time (ISO-8601 or epoch ms) outside Timestamp's range.
ApiResult<std::optional<std::string>> StringField(const json::object& body, std::string_view name);
ApiResult<std::optional<int64_t>> IntField(const json::object& body, std::string_view name,
                                           int64_t min, int64_t max);
ApiResult<std::optional<GeoPoint>> LocationField(const json::object& body, std::string_view name);
ApiResult<std::optional<Timestamp>> TimeField(const json::object& body, std::string_view name);

// 404 bodies for each kind of record.
ApiError ZoneNotFound(std::string_view zone_id);
ApiError BayNotFound(std::string_view zone_id, std::string_view bay_number);
ApiError SensorNotFound(std::string_view sensor_id);

// An id as the API accepts it for a new record: the record rules' id (CheckIdText: 1 to 128
// bytes, no '#', the keys' separator) narrowed to printable ASCII without '/' or blank. OK, or
// InvalidArgument saying why not, for the caller to put the field's name in front of ("empty",
// "129 bytes, over the limit of 128", ...).
Status CheckId(std::string_view id);

}  // namespace vdpark
