#include "api/router.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

#include "api/access_rules.h"
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
    std::vector<Route> all = {{"GET", "/healthz", &Healthz, {}, false, false},
                              {"GET", "/metrics", &Metrics, {}, false, false}};
    for (auto part :
         {ZoneRoutes(), BayRoutes(), EventRoutes(), SensorRoutes(), AnalyticsRoutes(),
          AnalyticsSummaryRoutes(), AlertRoutes(), SettingsRoutes(), MigrationRoutes()}) {
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

// The request as `route`'s handler sees it: a HEAD as the GET it asks the headers of, and only
// the query parameters the route declares.
ApiRequest AsRouteSees(const ApiRequest& request, const Route& route) {
  ApiRequest seen;
  seen.method = std::string(route.method);
  seen.path = request.path;
  for (std::string_view name : route.query) {
    if (auto it = request.query.find(std::string(name)); it != request.query.end()) {
      seen.query.emplace(*it);
    }
  }
  seen.api_key = request.api_key;
  seen.origin = request.origin;
  seen.host = request.host;
  seen.content_type = request.content_type;
  seen.body = request.body;
  return seen;
}

// The key of a cached answer: the caller's tenant, the path and the declared parameters (in
// name order: `query` is a sorted map) of the request as the route sees it. Each value goes with
// its length, so that no value (a decoded one may hold '\n' or '=') can pass for another.
std::string CacheKey(const Caller& caller, const ApiRequest& seen) {
  std::string key = caller.tenant ? "tenant " + *caller.tenant : "operator";
  key += '\n';
  key += seen.path;
  for (const auto& [name, value] : seen.query) {
    key += '\n';
    key += name;
    key += '=';
    key += std::to_string(value.size());
    key += ':';
    key += value;
  }
  return key;
}

ApiResponse NoContent() {
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

bool Answers(const Route& route, std::string_view method) {
  return route.method == method || (method == "HEAD" && route.method == "GET");
}

}  // namespace

RoutedRequest RouteRequest(const ApiRequest& request, ApiContext& context) {
  RoutedRequest routed;
  routed.context_ = &context;
  routed.start_ = std::chrono::steady_clock::now();
  routed.method_ = request.method;
  routed.origin_ = request.origin;
  auto answer = [&](ApiResponse r) {
    routed.answer_ = routed.Complete(std::move(r));
    return std::move(routed);
  };
  try {
    if (auto refused = CheckHost(request, context)) return answer(ErrorResponse(*refused));
    const std::string_view path = WithoutVersion(request.path);
    const std::vector<std::string_view> segments = Segments(path);
    std::map<std::string, std::string, std::less<>> params;
    std::string allowed;
    for (const Route& route : AllRoutes()) {
      if (!Match(route.pattern, segments, &params)) continue;
      routed.label_ = route.pattern;
      if (request.method == "OPTIONS") return answer(NoContent());
      if (!Answers(route, request.method)) {
        if (allowed.find(route.method) == std::string::npos) {
          allowed += allowed.empty() ? "" : ", ";
          allowed += route.method;
          if (route.method == "GET") allowed += ", HEAD";
        }
        continue;
      }
      routed.route_ = &route;
      if (route.needs_key) {
        auto who = context.keys.Authenticate(request.api_key);
        if (!who) {
          return answer(ErrorResponse(ApiError::Unauthorized(
              request.api_key.empty() ? "an X-Api-Key header is required"
                                      : "the X-Api-Key is not a known key")));
        }
        routed.caller_ = std::move(*who);
      }
      if (route.method != "GET") {
        if (auto refused = CheckWrite(request, context)) return answer(ErrorResponse(*refused));
      }
      routed.request_ = AsRouteSees(request, route);
      routed.params_ = std::move(params);
      if (!route.reads_store) return answer(routed.Finish());
      if (context.cache && route.method == "GET" && route.needs_key) {
        routed.cache_key_ = CacheKey(routed.caller_, routed.request_);
        routed.cache_now_ = ResponseCache::Clock::now();
        if (auto kept = context.cache->Get(routed.cache_key_, routed.cache_now_)) {
          return answer(std::move(*kept));
        }
        routed.cache_generation_ = context.cache->generation();
      }
      return routed;  // for Finish()
    }
    if (!allowed.empty()) {
      ApiResponse r = ErrorResponse(
          ApiError::MethodNotAllowed(request.method.substr(0, 64) + " is not served on " +
                                     std::string(path) + "; allowed: " + allowed));
      r.headers.emplace_back("Allow", allowed + ", OPTIONS");
      return answer(std::move(r));
    }
    if (request.method == "OPTIONS") return answer(NoContent());
    return answer(ErrorResponse(ApiError::NotFound(
        "Not found", "no route " + request.method.substr(0, 64) + " " + std::string(path))));
  } catch (const std::exception& e) {
    spdlog::error("api: {} {}: {}", request.method.substr(0, 64), request.path, e.what());
    return answer(ErrorResponse(ApiError::Internal()));
  }
}

ApiResponse RoutedRequest::TakeAnswer() {
  ApiResponse r = std::move(*answer_);
  answer_.reset();
  return r;
}

ApiResponse RoutedRequest::Finish() {
  ApiResponse r;
  try {
    const RouteCall call{request_, *context_, caller_, params_, context_->clock()};
    r = route_->handler(call);
    if (context_->cache && route_->needs_key) {
      if (route_->method != "GET") {
        if (r.status < 300) context_->cache->Invalidate();  // read your own writes
      } else if (!cache_key_.empty() && r.status == 200) {
        context_->cache->Put(cache_key_, r, cache_now_, cache_generation_);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("api: {} {}: {}", method_.substr(0, 64), request_.path, e.what());
    r = ErrorResponse(ApiError::Internal());
  }
  return route_->reads_store ? Complete(std::move(r)) : r;
}

ApiResponse RoutedRequest::Refuse(const ApiError& error) {
  return Complete(ErrorResponse(error));
}

ApiResponse RoutedRequest::Complete(ApiResponse r) {
  r.route = std::string(label_);
  ApiRequest asked;
  asked.origin = origin_;
  AddCorsHeaders(asked, *context_, &r);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start_)
                          .count();
  context_->metrics.Record(r.route, method_, r.status, micros);
  return r;
}

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

ApiResponse HandleRequest(const ApiRequest& request, ApiContext& context) {
  RoutedRequest routed = RouteRequest(request, context);
  return routed.answered() ? routed.TakeAnswer() : routed.Finish();
}

}  // namespace vdpark
