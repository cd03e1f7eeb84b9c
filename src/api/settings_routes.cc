// GET /settings, PUT /settings: the thresholds that raise alerts and the portal's preferences
// (domain/alert.h OperatorSettings), the caller's tenant's own or, for an operator, every
// tenant's default; with what the portal shows of this server (its endpoints, the map's tiles).
#include "api/route_table.h"

namespace vdpark {

ApiResult<OperatorSettings> CallerSettings(const RouteCall& call) {
  OperatorStore* store = call.context.operators;
  if (store == nullptr) return call.context.default_settings;
  auto own = store->GetSettings(call.caller.tenant);
  if (own.ok() && !*own && call.caller.tenant) own = store->GetSettings(std::nullopt);
  if (!own.ok()) return ApiError::FromStore(own.status(), "GetSettings");
  return own->value_or(call.context.default_settings);
}

namespace {

ApiResponse Answer(const RouteCall& call, const OperatorSettings& settings) {
  json::object o = SettingsJson(settings);
  o["mapTiles"] =
      call.context.map_tiles.empty() ? json::value(nullptr) : json::value(call.context.map_tiles);
  o["endpoints"] = call.context.endpoints ? call.context.endpoints() : json::object{};
  o["stored"] = call.context.operators != nullptr;
  return JsonResponse(200, std::move(o));
}

ApiResponse GetSettings(const RouteCall& call) {
  auto settings = CallerSettings(call);
  if (!settings.ok()) return ErrorResponse(settings.error());
  return Answer(call, *settings);
}

// PUT /settings {lowBatteryPercent?, offlineAfterMinutes?, refreshSeconds?, timeZone?}: the
// fields given replace the caller's settings (the rest stay as they apply now); 400 naming a
// field of the wrong type or out of its range, and nothing is stored.
ApiResponse PutSettings(const RouteCall& call) {
  if (call.context.operators == nullptr) {
    return ErrorResponse(ApiError::NotImplemented("this store keeps no settings"));
  }
  auto body = BodyObject(call.request);
  if (!body.ok()) return ErrorResponse(body.error());
  auto settings = CallerSettings(call);
  if (!settings.ok()) return ErrorResponse(settings.error());
  OperatorSettings next = *settings;
  for (const auto& [name, value] : *body) {
    int* whole = name == "lowBatteryPercent"     ? &next.low_battery_percent
                 : name == "offlineAfterMinutes" ? &next.offline_after_minutes
                 : name == "refreshSeconds"      ? &next.refresh_seconds
                                                 : nullptr;
    if (whole != nullptr) {
      if (!value.is_int64() || value.as_int64() < -1000000000 || value.as_int64() > 1000000000) {
        return ErrorResponse(ApiError::BadRequest(std::string(name) + ": expected a whole number"));
      }
      *whole = static_cast<int>(value.as_int64());
    } else if (name == "timeZone") {
      if (!value.is_string())
        return ErrorResponse(ApiError::BadRequest("timeZone: expected a string"));
      next.time_zone = std::string(std::string_view(value.get_string()).substr(0, 64));
    } else {
      return ErrorResponse(ApiError::BadRequest(
          std::string(name.substr(0, 64)) +
          ": not a setting (lowBatteryPercent, offlineAfterMinutes, refreshSeconds, timeZone)"));
    }
  }
  if (Status bad = CheckSettings(next); !bad.ok()) {
    return ErrorResponse(ApiError::BadRequest(bad.message()));
  }
  Status s = call.context.operators->PutSettings(call.caller.tenant, next);
  if (!s.ok()) return ErrorResponse(ApiError::FromStore(s, "PutSettings"));
  return Answer(call, next);
}

}  // namespace

std::vector<Route> SettingsRoutes() {
  return {{"GET", "/settings", &GetSettings}, {"PUT", "/settings", &PutSettings}};
}

}  // namespace vdpark
