// GET /analytics/occupancy[?zoneId=]: occupancy now, over the caller's zones and per zone.
// GET /analytics/revenue?zoneId=&from=&to=: per local day, arrivals, departures, revenue and the
// average stay, counted from the zone's events (all the caller's zones without zoneId). from, to
// and their local days stay within Timestamp's range (400 naming the parameter otherwise), so
// every date prints as YYYY-MM-DD.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "api/event_tally.h"
#include "api/route_table.h"

namespace vdpark {

namespace {

constexpr int64_t kDefaultDays = 7;
constexpr int64_t kMaxDays = 366;
constexpr size_t kPage = 1000;

// The zones asked for: the one of ?zoneId= or all the caller sees.
ApiResult<std::vector<Zone>> ZonesAsked(const RouteCall& call) {
  if (auto zone_id = call.request.Query("zoneId"); zone_id && !zone_id->empty()) {
    VDPARK_ASSIGN_OR_RETURN(auto zone, VisibleZone(call, *zone_id));
    return std::vector<Zone>{std::move(zone)};
  }
  return VisibleZones(call);
}

json::value ZoneIdJson(const ApiRequest& request) {
  auto zone_id = request.Query("zoneId");
  if (!zone_id || zone_id->empty()) return nullptr;
  return json::value(*zone_id);
}

ApiResponse Occupancy(const RouteCall& call) {
  auto zones = ZonesAsked(call);
  if (!zones.ok()) return ErrorResponse(zones.error());
  int64_t total = 0, occupied = 0;
  json::array items;
  for (const Zone& z : *zones) {
    const int64_t zt = z.total_bays.value_or(0), zo = z.occupied_bays.value_or(0);
    total += zt;
    occupied += zo;
    items.push_back(json::object{{"zoneId", z.zone_id},
                                 {"name", z.name ? json::value(*z.name) : json::value(nullptr)},
                                 {"occupancyRate", OccupancyRate(zo, zt)}});
  }
  return JsonResponse(200, json::object{{"period", "current"},
                                        {"totalBays", total},
                                        {"occupiedBays", occupied},
                                        {"vacantBays", std::max<int64_t>(total - occupied, 0)},
                                        {"occupancyRate", OccupancyRate(occupied, total)},
                                        {"zones", std::move(items)}});
}

struct DayFigures : EventTally {
  json::object ToJson() const {
    return json::object{{"arrivals", arrivals},
                        {"departures", departures},
                        {"revenue", RevenueJson()},
                        {"averageStay", AverageStayJson()}};  // minutes
  }
};

std::string OffsetText(UtcOffset offset) {
  const int m = std::abs(offset.minutes);
  return fmt::format("{}{:02}:{:02}", offset.minutes < 0 ? '-' : '+', m / 60, m % 60);
}

ApiResponse Revenue(const RouteCall& call) {
  auto from_param = TimeParam(call.request, "from");
  if (!from_param.ok()) return ErrorResponse(from_param.error());
  auto to_param = TimeParam(call.request, "to");
  if (!to_param.ok()) return ErrorResponse(to_param.error());
  const Timestamp to = to_param->value_or(call.now);
  const Timestamp from = from_param->value_or(to + -kDefaultDays * kMicrosPerDay);
  const int64_t offset_micros = int64_t{call.context.zone_offset.minutes} * kMicrosPerMinute;
  // The local days counted, first and last, must be days of the range too.
  for (auto [name, t] : {std::pair{"from", from}, std::pair{"to", to + -1}}) {
    if (!t.InRange() || !(t + offset_micros).InRange()) {
      return ErrorResponse(ApiError::BadRequest(
          std::string(name) + ": its local day (UTC" + OffsetText(call.context.zone_offset) +
          ") is outside the range " + std::string(Timestamp::kRangeText)));
    }
  }
  if (from > to) return ErrorResponse(ApiError::BadRequest("from: after to"));
  if (to - from > kMaxDays * kMicrosPerDay) {
    return ErrorResponse(
        ApiError::BadRequest("from: at most " + std::to_string(kMaxDays) + " days before to"));
  }
  auto zones = ZonesAsked(call);
  if (!zones.ok()) return ErrorResponse(zones.error());

  auto local_day = [&](Timestamp t) { return (t + offset_micros).DayIso(); };
  // Every day of the range, those without events too.
  std::map<std::string, DayFigures> days;
  for (Timestamp d = from; d < to; d = d + kMicrosPerDay) days[local_day(d)];
  if (from < to) days[local_day(to + -1)];

  for (const Zone& z : *zones) {
    EventQuery q;
    q.zone_id = z.zone_id;
    q.from = from;
    q.to = to;
    q.limit = kPage;
    do {
      auto page = call.store().QueryEvents(q);
      if (!page.ok()) return ErrorResponse(ApiError::FromStore(page.status(), "QueryEvents"));
      for (const ParkingEvent& e : page->events) {
        if (e.zone_id == z.zone_id && e.timestamp >= from && e.timestamp < to) {
          days[local_day(e.timestamp)].Add(e);
        }
      }
      q.cursor = std::move(page->next_cursor);
    } while (!q.cursor.empty());
  }

  DayFigures totals;
  json::array items;
  for (const auto& [day, figures] : days) {
    json::object o{{"date", day}};
    for (auto& [k, v] : figures.ToJson()) o[k] = v;
    items.push_back(std::move(o));
    totals.Add(figures);
  }
  return JsonResponse(200, json::object{{"zoneId", ZoneIdJson(call.request)},
                                        {"from", from.ToIso()},
                                        {"to", to.ToIso()},
                                        {"timezone", OffsetText(call.context.zone_offset)},
                                        {"days", std::move(items)},
                                        {"totals", totals.ToJson()}});
}

}  // namespace

std::vector<Route> AnalyticsRoutes() {
  return {{"GET", "/analytics/occupancy", &Occupancy, {"zoneId"}},
          {"GET", "/analytics/revenue", &Revenue, {"zoneId", "from", "to"}}};
}

}  // namespace vdpark
