// GET /zones[?tenantId=], GET /zones/{zoneId}, POST /zones.
#include <fmt/format.h>

#include <random>

#include "api/route_table.h"
#include "domain/record_rules.h"

namespace vdpark {

namespace {

ApiResponse ListZones(const RouteCall& call) {
  std::optional<std::string_view> tenant;
  if (auto asked = call.request.Query("tenantId")) tenant = *asked;
  if (call.caller.tenant) {
    if (tenant && *tenant != *call.caller.tenant) {
      return ErrorResponse(
          ApiError::Forbidden("tenantId: this key sees tenant '" + *call.caller.tenant + "' only"));
    }
    tenant = *call.caller.tenant;
  }
  auto zones = call.store().ListZones(tenant);
  if (!zones.ok()) return ErrorResponse(ApiError::FromStore(zones.status(), "ListZones"));
  // Written as text straight away: {"zones":[ZoneJson...],"count":N}.
  std::string body = R"({"zones":[)";
  body.reserve(512 * zones->size() + 64);  // a zone's view is about 350 bytes
  size_t count = 0;
  for (const Zone& z : *zones) {
    if (!call.caller.Sees(z.tenant_id)) continue;
    if (count++ != 0) body += ',';
    call.context.zone_views.AppendView(z, &body);
  }
  body += R"(],"count":)";
  body += std::to_string(count);
  body += '}';
  return JsonTextResponse(200, std::move(body));
}

ApiResponse GetZone(const RouteCall& call) {
  auto zone = VisibleZone(call, call.Param("zoneId"));
  if (!zone.ok()) return ErrorResponse(zone.error());
  return JsonResponse(200, ZoneJson(*zone, true));
}

// A random (version 4) UUID, for a zone posted without an id.
std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t a = rng(), b = rng();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
}

ApiResult<std::optional<Decimal>> PriceField(const json::object& body) {
  const json::value* v = body.if_contains("pricePerHour");
  if (v == nullptr || v->is_null()) return std::optional<Decimal>();
  std::string text;
  if (v->is_string()) text = std::string(v->get_string());
  if (v->is_number()) text = fmt::format("{}", v->to_number<double>());
  auto price = Decimal::Parse(text);
  if (text.empty() || !price.ok() || price->micros() < 0) {
    return ApiError::BadRequest(
        "body.pricePerHour: expected a price such as 12.50 (at most 6 decimals, not negative)");
  }
  return std::optional<Decimal>(*price);
}

ApiResult<std::optional<OperatingHours>> HoursField(const json::object& body) {
  const json::value* v = body.if_contains("operatingHours");
  if (v == nullptr || v->is_null()) return std::optional<OperatingHours>();
  auto hours = OperatingHours::ParseJson(json::serialize(*v));
  if (!hours.ok()) {
    return ApiError::BadRequest("body.operatingHours: " + hours.status().message());
  }
  return std::optional<OperatingHours>(*hours);
}

// Reads the zone of a POST /zones body; 400 naming the field that is wrong or breaks the record
// rules (domain/record_rules.h).
ApiResult<Zone> ZoneFromBody(const RouteCall& call, const json::object& body) {
  Zone z;
  VDPARK_ASSIGN_OR_RETURN(auto id, StringField(body, "zoneId"));
  z.zone_id = id.value_or("zone-" + NewUuid());
  if (Status s = CheckId(z.zone_id); !s.ok()) {
    return ApiError::BadRequest("body.zoneId: " + s.message());
  }
  for (auto [name, field] : {std::pair{"name", &z.name}, std::pair{"address", &z.address},
                             std::pair{"city", &z.city}, std::pair{"tenantId", &z.tenant_id}}) {
    VDPARK_ASSIGN_OR_RETURN(*field, StringField(body, name));
  }
  if (!z.name || z.name->empty()) return ApiError::BadRequest("body.name: required");
  if (z.tenant_id) {
    if (Status s = CheckIdText(*z.tenant_id); !s.ok()) {
      return ApiError::BadRequest("body.tenantId: " + s.message());
    }
  }
  VDPARK_ASSIGN_OR_RETURN(z.total_bays, IntField(body, "totalBays", 0, 1000000));
  VDPARK_ASSIGN_OR_RETURN(z.location, LocationField(body, "location"));
  VDPARK_ASSIGN_OR_RETURN(z.price_per_hour, PriceField(body));
  VDPARK_ASSIGN_OR_RETURN(z.operating_hours, HoursField(body));
  z.occupied_bays = 0;
  z.created_at = call.now;
  if (auto broken = FindRuleBreak(z)) {
    return ApiError::BadRequest("body." + std::string(broken->field) + ": " + broken->why);
  }
  return z;
}

ApiResponse CreateZone(const RouteCall& call) {
  auto body = BodyObject(call.request);
  if (!body.ok()) return ErrorResponse(body.error());
  auto zone = ZoneFromBody(call, *body);
  if (!zone.ok()) return ErrorResponse(zone.error());
  if (call.caller.tenant) {
    if (zone->tenant_id && *zone->tenant_id != *call.caller.tenant) {
      return ErrorResponse(ApiError::Forbidden("body.tenantId: this key creates zones of tenant '" +
                                               *call.caller.tenant + "' only"));
    }
    zone->tenant_id = *call.caller.tenant;
  } else if (zone->tenant_id && zone->tenant_id->empty()) {
    return ErrorResponse(ApiError::BadRequest("body.tenantId: empty"));
  }
  // One conditional write: of requests racing on one id exactly one creates it. The 409 reads
  // the same whoever's the zone is, so a key learns nothing of other tenants' zones but that
  // the id is taken.
  auto created = call.store().CreateZone(*zone);
  if (!created.ok()) return ErrorResponse(ApiError::FromStore(created.status(), "CreateZone"));
  if (*created != CreateOutcome::kCreated) {
    return ErrorResponse(ApiError::Conflict("zone '" + zone->zone_id + "' exists already"));
  }
  ApiResponse r =
      JsonResponse(201, json::object{{"zoneId", zone->zone_id}, {"message", "Zone created"}});
  r.headers.emplace_back("Location", "/v1/zones/" + PercentEncode(zone->zone_id));
  return r;
}

}  // namespace

std::vector<Route> ZoneRoutes() {
  return {{"GET", "/zones", &ListZones, {"tenantId"}},
          {"POST", "/zones", &CreateZone},
          {"GET", "/zones/{zoneId}", &GetZone}};
}

}  // namespace vdpark
