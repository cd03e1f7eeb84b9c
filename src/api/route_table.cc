#include "api/route_table.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <limits>

#include "common/log_escape.h"
#include "domain/record_rules.h"

namespace vdpark {

const std::string& RouteCall::Param(std::string_view name) const {
  static const std::string kNone;
  auto it = params.find(name);
  return it == params.end() ? kNone : it->second;
}

ApiError ApiError::FromStore(const Status& status, std::string_view what) {
  if (status.IsInvalidArgument() || status.IsNotSupported()) {
    spdlog::warn("api: {}: {}", what, status.ToString());
  } else {
    spdlog::error("api: {}: {}", what, status.ToString());
  }
  if (status.IsRetryable()) return Unavailable("the store is busy or unreachable; try again");
  if (status.IsNotSupported())
    return NotImplemented("this store cannot answer " + std::string(what));
  // The store refused what the request asked (a query it found malformed): the request's fault.
  // Its own words stay in the log: they may show the table's keys ("PK=ZONE#…", GSI1PK).
  if (status.IsInvalidArgument()) {
    if (status.message().starts_with("cursor")) {
      return BadRequest("cursor: not a nextCursor of this query (pass it on as it came)");
    }
    return BadRequest(
        "the store cannot look this up as asked (an id or parameter out of its range); the "
        "server's log has the detail");
  }
  return Internal();
}

ApiResponse ErrorResponse(const ApiError& error) {
  // A message may quote the request (an id from the path, a route): bytes that are not UTF-8
  // would make the body invalid JSON (Boost.JSON copies them as they are), so they go as \xHH.
  std::string message = IsValidUtf8(error.message) ? error.message : EscapeForLog(error.message);
  return JsonResponse(error.status,
                      json::object{{"error", error.error}, {"message", std::move(message)}});
}

ApiError ZoneNotFound(std::string_view zone_id) {
  return ApiError::NotFound("Zone not found", "no zone '" + std::string(zone_id) + "'");
}
ApiError BayNotFound(std::string_view zone_id, std::string_view bay_number) {
  return ApiError::NotFound("Bay not found", "no bay '" + std::string(bay_number) + "' in zone '" +
                                                 std::string(zone_id) + "'");
}
ApiError SensorNotFound(std::string_view sensor_id) {
  return ApiError::NotFound("Sensor not found", "no sensor '" + std::string(sensor_id) + "'");
}

ApiResult<Zone> VisibleZone(const RouteCall& call, std::string_view zone_id) {
  auto zone = call.store().GetZone(zone_id);
  if (!zone.ok()) {
    ApiError failed = ApiError::FromStore(zone.status(), "GetZone " + std::string(zone_id));
    // A record that cannot be read names no tenant to judge it by: a tenant is answered as if it
    // were absent (so another tenant's broken zone cannot be probed), an operator with the failure.
    if (zone.status().code() == Status::Code::kCorruption && !call.caller.operator_access()) {
      return ZoneNotFound(zone_id);
    }
    return failed;
  }
  if (!*zone || !call.caller.Sees((*zone)->tenant_id)) return ZoneNotFound(zone_id);
  return std::move(**zone);
}

ApiResult<std::vector<Zone>> VisibleZones(const RouteCall& call) {
  std::optional<std::string_view> tenant;
  if (call.caller.tenant) tenant = *call.caller.tenant;
  auto zones = call.store().ListZones(tenant);
  if (!zones.ok()) return ApiError::FromStore(zones.status(), "ListZones");
  // The store filters by tenant already; checked again so that no store's mistake leaks.
  std::erase_if(*zones, [&](const Zone& z) { return !call.caller.Sees(z.tenant_id); });
  return std::move(*zones);
}

ApiResult<std::optional<Timestamp>> TimeParam(const ApiRequest& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text) return std::optional<Timestamp>();
  auto t = Timestamp::Parse(*text);
  if (!t.ok()) {
    return ApiError::BadRequest(std::string(name) + ": not a timestamp from " +
                                std::string(Timestamp::kRangeText) + " ('" +
                                std::string(text->substr(0, 64)) +
                                "'; ISO-8601 such as 2026-01-12T19:59:43Z, or epoch ms)");
  }
  return std::optional<Timestamp>(*t);
}

ApiResult<std::optional<int64_t>> IntParam(const ApiRequest& request, std::string_view name,
                                           int64_t min, int64_t max) {
  auto text = request.Query(name);
  if (!text) return std::optional<int64_t>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    return ApiError::BadRequest(std::string(name) + ": expected a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                                std::string(*text) + "'");
  }
  return std::optional<int64_t>(v);
}

ApiResult<json::object> BodyObject(const ApiRequest& request) {
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec) return ApiError::BadRequest("body: not JSON (" + ec.message() + ")");
  if (!v.is_object()) return ApiError::BadRequest("body: expected a JSON object");
  return std::move(v.get_object());
}

Status CheckId(std::string_view id) {
  VDPARK_RETURN_IF_ERROR(CheckIdText(id));  // the record rules' ids, which this narrows
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e || c == '#' || c == '/') {
      return Status::InvalidArgument("only printable ASCII without blanks, '#' or '/'");
    }
  }
  return Status::OK();
}

}  // namespace vdpark

namespace vdpark {

namespace {

std::string FieldName(std::string_view name) {
  return "body." + std::string(name);
}

const json::value* FieldValue(const json::object& body, std::string_view name) {
  const json::value* v = body.if_contains(name);
  return v == nullptr || v->is_null() ? nullptr : v;
}

}  // namespace

ApiResult<std::optional<std::string>> StringField(const json::object& body, std::string_view name) {
  const json::value* v = FieldValue(body, name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return ApiError::BadRequest(FieldName(name) + ": expected a string");
  if (Status s = CheckFreeText(v->get_string()); !s.ok()) {
    return ApiError::BadRequest(FieldName(name) + ": " + s.message());
  }
  return std::optional<std::string>(std::string(v->get_string()));
}

ApiResult<std::optional<int64_t>> IntField(const json::object& body, std::string_view name,
                                           int64_t min, int64_t max) {
  const json::value* v = FieldValue(body, name);
  if (v == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> n;
  if (v->is_int64()) n = v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(max)) {
    n = static_cast<int64_t>(v->get_uint64());
  }
  if (!n || *n < min || *n > max) {
    return ApiError::BadRequest(FieldName(name) + ": expected a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

ApiResult<std::optional<GeoPoint>> LocationField(const json::object& body, std::string_view name) {
  const json::value* v = FieldValue(body, name);
  if (v == nullptr) return std::optional<GeoPoint>();
  const json::object* o = v->if_object();
  const json::value* lat = o ? o->if_contains("lat") : nullptr;
  const json::value* lng = o ? o->if_contains("lng") : nullptr;
  if (lat == nullptr || lng == nullptr || !lat->is_number() || !lng->is_number()) {
    return ApiError::BadRequest(FieldName(name) + ": expected {\"lat\": number, \"lng\": number}");
  }
  GeoPoint p{lat->to_number<double>(), lng->to_number<double>()};
  if (p.lat < -90 || p.lat > 90 || p.lng < -180 || p.lng > 180) {
    return ApiError::BadRequest(FieldName(name) + ": lat must be within ±90 and lng within ±180");
  }
  return std::optional<GeoPoint>(p);
}

ApiResult<std::optional<Timestamp>> TimeField(const json::object& body, std::string_view name) {
  const json::value* v = FieldValue(body, name);
  if (v == nullptr) return std::optional<Timestamp>();
  Result<Timestamp> t = Status::InvalidArgument("");
  if (v->is_string()) t = Timestamp::Parse(v->get_string());
  if (v->is_int64()) t = Timestamp::FromMillisChecked(v->get_int64());
  if (v->is_uint64()) t = Timestamp::FromMillisChecked(std::numeric_limits<int64_t>::max());
  if (!t.ok()) {
    return ApiError::BadRequest(FieldName(name) + ": not a timestamp from " +
                                std::string(Timestamp::kRangeText) + " (ISO-8601 or epoch ms)");
  }
  return std::optional<Timestamp>(*t);
}

}  // namespace vdpark
