#include "api/router.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

#include "api/route_table.h"

namespace vdpark {

namespace {

ApiResponse Healthz(const RouteCall&) {
  return JsonResponse(200, json::object{{"status", "ok"}});
}

ApiResponse Metrics(const RouteCall& call) {
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = call.context.metrics.PrometheusText();
  if (call.context.extra_metrics) r.body += call.context.extra_metrics();
  return r;
}

// Every route, once; the table is dispatched by path segments, then by method.
const std::vector<Route>& AllRoutes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> all = {{"GET", "/healthz", &Healthz, false},
                              {"GET", "/metrics", &Metrics, false}};
    for (auto part :
         {ZoneRoutes(), BayRoutes(), EventRoutes(), SensorRoutes(), AnalyticsRoutes()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }();
  return routes;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t end = std::min(path.find('/', i), path.size());
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

// Whether `pattern` matches the path's segments; fills `params` with the decoded parameters.
// nullopt-like false also when a segment's escape is broken.
bool Match(std::string_view pattern, const std::vector<std::string_view>& segments,
           std::map<std::string, std::string, std::less<>>* params) {
  const std::vector<std::string_view> parts = Segments(pattern);
  if (parts.size() != segments.size()) return false;
  params->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].starts_with('{')) {
      auto decoded = PercentDecode(segments[i], false);
      if (!decoded || decoded->empty()) return false;
      params->emplace(std::string(parts[i].substr(1, parts[i].size() - 2)), std::move(*decoded));
    } else if (parts[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

ApiResponse Dispatch(const ApiRequest& request, ApiContext& context, std::string* route_label) {
  const std::string_view path = WithoutVersion(request.path);
  const std::vector<std::string_view> segments = Segments(path);
  std::map<std::string, std::string, std::less<>> params;
  std::string allowed;
  for (const Route& route : AllRoutes()) {
    if (!Match(route.pattern, segments, &params)) continue;
    *route_label = std::string(route.pattern);
    if (request.method == "OPTIONS") {
      ApiResponse r;
      r.status = 204;
      r.content_type.clear();
      return r;
    }
    if (route.method != request.method) {
      if (allowed.find(route.method) == std::string::npos) {
        allowed += allowed.empty() ? "" : ", ";
        allowed += route.method;
      }
      continue;
    }
    Caller caller;
    if (route.needs_key) {
      auto who = context.keys.Authenticate(request.api_key);
      if (!who) {
        return ErrorResponse(ApiError::Unauthorized(request.api_key.empty()
                                                        ? "an X-Api-Key header is required"
                                                        : "the X-Api-Key is not a known key"));
      }
      caller = std::move(*who);
    }
    const RouteCall call{request, context, caller, params, context.clock()};
    if (!context.cache || !route.needs_key) return route.handler(call);
    if (request.method != "GET") {
      ApiResponse r = route.handler(call);
      if (r.status < 300) context.cache->Invalidate();  // read your own writes
      return r;
    }
    // The same answer for the same caller's tenant and the same request.
    std::string key = caller.tenant ? "tenant " + *caller.tenant : "operator";
    key += '\n';
    key += request.path;
    for (const auto& [name, value] : request.query) {
      key += '\n';
      key += name;
      key += '=';
      key += value;
    }
    const auto now = ResponseCache::Clock::now();
    if (auto kept = context.cache->Get(key, now)) return std::move(*kept);
    const uint64_t generation = context.cache->generation();
    ApiResponse r = route.handler(call);
    if (r.status == 200) context.cache->Put(key, r, now, generation);
    return r;
  }
  if (!allowed.empty()) {
    ApiResponse r = ErrorResponse(ApiError::MethodNotAllowed(
        request.method + " is not served on " + std::string(path) + "; allowed: " + allowed));
    r.headers.emplace_back("Allow", allowed + ", OPTIONS");
    return r;
  }
  if (request.method == "OPTIONS") {
    ApiResponse r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
  return ErrorResponse(
      ApiError::NotFound("Not found", "no route " + request.method + " " + std::string(path)));
}

}  // namespace

bool MatchesRoute(std::string_view path) {
  const std::vector<std::string_view> segments = Segments(WithoutVersion(path));
  std::map<std::string, std::string, std::less<>> params;
  for (const Route& route : AllRoutes()) {
    if (Match(route.pattern, segments, &params)) return true;
  }
  return false;
}

std::string_view WithoutVersion(std::string_view path) {
  if (path == "/v1") return "/";
  if (path.starts_with("/v1/")) return path.substr(3);
  return path;
}

void AddCorsHeaders(ApiResponse* response) {
  response->headers.emplace_back("Access-Control-Allow-Origin", "*");
  response->headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  response->headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, X-Api-Key");
  response->headers.emplace_back("Access-Control-Max-Age", "600");
}

ApiResponse HandleRequest(const ApiRequest& request, ApiContext& context) {
  const auto start = std::chrono::steady_clock::now();
  std::string route;
  ApiResponse response;
  try {
    response = Dispatch(request, context, &route);
  } catch (const std::exception& e) {
    spdlog::error("api: {} {}: {}", request.method, request.path, e.what());
    response = ErrorResponse(ApiError::Internal());
  }
  response.route = route;
  AddCorsHeaders(&response);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  context.metrics.Record(route, request.method, response.status, micros);
  return response;
}

}  // namespace vdpark
