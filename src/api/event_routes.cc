// GET /zones/{zoneId}/bays/{bayNumber}/events, GET /zones/{zoneId}/events, GET /events?zoneId=:
// newest first, within from/to, of one eventType or both, `limit` a page (default 50, at most
// 1000), continued with `cursor` = the previous page's nextCursor.
#include "api/route_table.h"

namespace vdpark {

namespace {

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 1000;
constexpr char kCursorSeparator = '\x1f';
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  uint32_t bits = 0;
  int n = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    n += 8;
    while (n >= 6) {
      n -= 6;
      out += kBase64Url[(bits >> n) & 63];
    }
  }
  if (n > 0) out += kBase64Url[(bits << (6 - n)) & 63];
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  std::string out;
  uint32_t bits = 0;
  int n = 0;
  for (char c : in) {
    const size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    n += 6;
    if (n >= 8) {
      n -= 8;
      out += static_cast<char>((bits >> n) & 0xff);
    }
  }
  return out;
}

// The API's cursor wraps the store's with the zone and bay it was made for, so that a cursor is
// only ever continued in the query that made it (a key cannot steer a store into another zone).
std::string WrapCursor(const EventQuery& q, std::string_view store_cursor) {
  std::string raw = q.zone_id;
  raw += kCursorSeparator;
  raw += q.bay_number.value_or("");
  raw += kCursorSeparator;
  raw += store_cursor;
  return Base64UrlEncode(raw);
}

ApiResult<std::string> UnwrapCursor(const EventQuery& q, std::string_view cursor) {
  const ApiError bad = ApiError::BadRequest("cursor: not a nextCursor of this query");
  auto raw = Base64UrlDecode(cursor);
  if (!raw) return bad;
  const size_t a = raw->find(kCursorSeparator);
  const size_t b = a == std::string::npos ? a : raw->find(kCursorSeparator, a + 1);
  if (b == std::string::npos || raw->substr(0, a) != q.zone_id ||
      raw->substr(a + 1, b - a - 1) != q.bay_number.value_or("")) {
    return bad;
  }
  return raw->substr(b + 1);
}

// The query the request asks for, its zone and bay given; 400 naming a bad parameter.
ApiResult<EventQuery> ReadQuery(const ApiRequest& request, std::string zone_id,
                                std::optional<std::string> bay_number) {
  EventQuery q;
  q.zone_id = std::move(zone_id);
  q.bay_number = std::move(bay_number);
  VDPARK_ASSIGN_OR_RETURN(auto from, TimeParam(request, "from"));
  VDPARK_ASSIGN_OR_RETURN(auto to, TimeParam(request, "to"));
  if (from && to && *from > *to) return ApiError::BadRequest("from: after to");
  q.from = from;
  q.to = to;
  if (auto type = request.Query("eventType")) {
    q.event_type = ParseEventType(*type);
    if (!q.event_type) {
      return ApiError::BadRequest("eventType: expected ARRIVE or LEAVE, got '" +
                                  std::string(*type) + "'");
    }
  }
  VDPARK_ASSIGN_OR_RETURN(auto limit, IntParam(request, "limit", 1, kMaxLimit));
  q.limit = static_cast<size_t>(limit.value_or(kDefaultLimit));
  if (auto cursor = request.Query("cursor"); cursor && !cursor->empty()) {
    VDPARK_ASSIGN_OR_RETURN(q.cursor, UnwrapCursor(q, *cursor));
  }
  return q;
}

ApiResponse AnswerQuery(const RouteCall& call, std::string_view zone_id,
                        std::optional<std::string> bay_number) {
  auto zone = VisibleZone(call, zone_id);
  if (!zone.ok()) return ErrorResponse(zone.error());
  if (bay_number) {
    auto bay = call.store().GetBay(zone_id, *bay_number);
    if (!bay.ok()) return ErrorResponse(ApiError::FromStore(bay.status(), "GetBay"));
    if (!*bay) return ErrorResponse(BayNotFound(zone_id, *bay_number));
  }
  auto query = ReadQuery(call.request, std::string(zone_id), std::move(bay_number));
  if (!query.ok()) return ErrorResponse(query.error());
  auto page = call.store().QueryEvents(*query);
  if (!page.ok()) return ErrorResponse(ApiError::FromStore(page.status(), "QueryEvents"));
  json::array items;
  for (const ParkingEvent& e : page->events) {
    // A store's mistake never shows another zone's events.
    if (e.zone_id != query->zone_id) continue;
    items.push_back(EventJson(e));
  }
  const size_t count = items.size();
  json::value next = nullptr;
  if (!page->next_cursor.empty()) next = WrapCursor(*query, page->next_cursor);
  return JsonResponse(
      200, json::object{
               {"events", std::move(items)}, {"count", count}, {"nextCursor", std::move(next)}});
}

ApiResponse ZoneEvents(const RouteCall& call) {
  return AnswerQuery(call, call.Param("zoneId"), std::nullopt);
}

ApiResponse BayEvents(const RouteCall& call) {
  return AnswerQuery(call, call.Param("zoneId"), call.Param("bayNumber"));
}

ApiResponse Events(const RouteCall& call) {
  auto zone_id = call.request.Query("zoneId");
  if (!zone_id || zone_id->empty()) {
    return ErrorResponse(ApiError::BadRequest("zoneId: required"));
  }
  std::optional<std::string> bay;
  if (auto b = call.request.Query("bayNumber"); b && !b->empty()) bay = std::string(*b);
  return AnswerQuery(call, *zone_id, std::move(bay));
}

}  // namespace

std::vector<Route> EventRoutes() {
  return {{"GET",
           "/events",
           &Events,
           {"zoneId", "bayNumber", "from", "to", "eventType", "limit", "cursor"}},
          {"GET",
           "/zones/{zoneId}/events",
           &ZoneEvents,
           {"from", "to", "eventType", "limit", "cursor"}},
          {"GET",
           "/zones/{zoneId}/bays/{bayNumber}/events",
           &BayEvents,
           {"from", "to", "eventType", "limit", "cursor"}}};
}

}  // namespace vdpark
