// GET /analytics/summary?period=today|week|month[&zoneId=]: the portal's Analytics page. Over the
// period (local midnight today, Monday of this week, or the 1st of this month, in the caller's
// settings' time zone, up to now), from the zones' events and bays:
//   averageOccupancy  % of bay-time occupied: each bay's stays within the period (a stay that
//                     began before it counts from its start; a bay with no event in the period
//                     counts as it stands now, occupied when it has been since before the start)
//   events, arrivals, departures, averageDurationMinutes (of the departures), revenue
//   byHour            arrivals and departures by local hour of day
//   zones             the same per zone, with the occupancy now, for comparing zones
// Every event of the period is read (the zone's events, page by page): a month of a large fleet
// is a long request; the response cache keeps the answer for its time.
#include <algorithm>
#include <array>
#include <cmath>

#include "api/event_tally.h"
#include "api/route_table.h"

namespace vdpark {

namespace {

constexpr size_t kPage = 1000;

struct Figures : EventTally {
  int64_t bays = 0;
  double occupied_micros = 0;  // summed over the bays

  void Add(const ParkingEvent& e) { EventTally::Add(e); }
  void Add(const Figures& o) {
    EventTally::Add(o);
    bays += o.bays;
    occupied_micros += o.occupied_micros;
  }
  void Into(json::object& o, int64_t period_micros) const {
    const double capacity = static_cast<double>(bays) * static_cast<double>(period_micros);
    o["averageOccupancy"] =
        capacity <= 0 ? 0.0 : std::round(1000.0 * occupied_micros / capacity) / 10.0;
    o["events"] = arrivals + departures;
    o["arrivals"] = arrivals;
    o["departures"] = departures;
    o["averageDurationMinutes"] = AverageStayJson();
    o["revenue"] = RevenueJson();
  }
};

// Micros of [from, to) the bay was occupied, from its events of the period (oldest first) and
// its state now.
double OccupiedMicros(const Bay& bay, const std::vector<ParkingEvent>& events, Timestamp from,
                      Timestamp to) {
  bool occupied;
  if (!events.empty()) {
    occupied = events.front().event_type == EventType::kLeave;
  } else {
    occupied =
        bay.status == BayStatus::kOccupied && (!bay.occupied_since || *bay.occupied_since <= from);
    if (bay.status == BayStatus::kOccupied && bay.occupied_since && *bay.occupied_since > from &&
        *bay.occupied_since < to) {
      return static_cast<double>(to - *bay.occupied_since);  // arrived without an event read
    }
  }
  double total = 0;
  Timestamp cursor = from;
  for (const ParkingEvent& e : events) {
    if (occupied) total += static_cast<double>(e.timestamp - cursor);
    cursor = e.timestamp;
    occupied = e.event_type == EventType::kArrive;
  }
  if (occupied) total += static_cast<double>(to - cursor);
  return total;
}

ApiResult<Timestamp> PeriodStart(std::string_view period, Timestamp now, UtcOffset offset) {
  const int64_t off = int64_t{offset.minutes} * kMicrosPerMinute;
  const Timestamp local = now + off;
  const int64_t days = Timestamp::FloorDiv(local.micros(), kMicrosPerDay);
  Timestamp start_local = Timestamp::FromMicros(days * kMicrosPerDay);
  if (period == "week") {
    const int64_t weekday = ((days + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; Monday = 0
    start_local = start_local + -weekday * kMicrosPerDay;
  } else if (period == "month") {
    auto first = Timestamp::Parse(local.DayIso().substr(0, 8) + "01T00:00:00Z");
    if (!first.ok()) return ApiError::Internal();
    start_local = *first;
  } else if (period != "today") {
    return ApiError::BadRequest("period: expected today, week or month, got '" +
                                std::string(period.substr(0, 64)) + "'");
  }
  return start_local + -off;
}

ApiResponse Summary(const RouteCall& call) {
  const std::string period(call.request.Query("period").value_or("today"));
  auto settings = CallerSettings(call);
  if (!settings.ok()) return ErrorResponse(settings.error());
  const UtcOffset offset = settings->offset();
  auto from = PeriodStart(period, call.now, offset);
  if (!from.ok()) return ErrorResponse(from.error());
  const Timestamp to = call.now;
  const int64_t period_micros = std::max<int64_t>(to - *from, 0);
  const int64_t off = int64_t{offset.minutes} * kMicrosPerMinute;

  std::vector<Zone> zones;
  if (auto zone_id = call.request.Query("zoneId"); zone_id && !zone_id->empty()) {
    auto zone = VisibleZone(call, *zone_id);
    if (!zone.ok()) return ErrorResponse(zone.error());
    zones.push_back(std::move(*zone));
  } else {
    auto all = VisibleZones(call);
    if (!all.ok()) return ErrorResponse(all.error());
    zones = std::move(*all);
  }

  Figures totals;
  std::array<std::pair<int64_t, int64_t>, 24> by_hour{};  // arrivals, departures
  json::array zone_items;
  for (const Zone& z : zones) {
    auto bays = call.store().ListBays(z.zone_id);
    if (!bays.ok()) return ErrorResponse(ApiError::FromStore(bays.status(), "ListBays"));
    std::map<std::string, std::vector<ParkingEvent>, std::less<>> by_bay;
    Figures f;
    EventQuery q;
    q.zone_id = z.zone_id;
    q.from = *from;
    q.to = to;
    q.limit = kPage;
    do {
      auto page = call.store().QueryEvents(q);
      if (!page.ok()) return ErrorResponse(ApiError::FromStore(page.status(), "QueryEvents"));
      for (ParkingEvent& e : page->events) {
        if (e.zone_id != z.zone_id || e.timestamp < *from || e.timestamp >= to) continue;
        f.Add(e);
        const int64_t hour = Timestamp::FloorDiv((e.timestamp + off).micros(), kMicrosPerHour) % 24;
        auto& slot = by_hour[static_cast<size_t>((hour + 24) % 24)];
        (e.event_type == EventType::kArrive ? slot.first : slot.second) += 1;
        by_bay[e.bay_number].push_back(std::move(e));
      }
      q.cursor = std::move(page->next_cursor);
    } while (!q.cursor.empty());
    static const std::vector<ParkingEvent> kNone;
    for (const Bay& b : *bays) {
      auto it = by_bay.find(b.bay_number);
      std::vector<ParkingEvent>* events = it == by_bay.end() ? nullptr : &it->second;
      if (events) std::reverse(events->begin(), events->end());  // newest first as read
      f.occupied_micros += OccupiedMicros(b, events ? *events : kNone, *from, to);
      ++f.bays;
    }
    json::object o{{"zoneId", z.zone_id},
                   {"name", z.name ? json::value(*z.name) : json::value(nullptr)},
                   {"occupancyRate",
                    OccupancyRate(z.occupied_bays.value_or(0), z.total_bays.value_or(f.bays))}};
    f.Into(o, period_micros);
    zone_items.push_back(std::move(o));
    totals.Add(f);
  }
  json::array hours;
  for (size_t h = 0; h < by_hour.size(); ++h) {
    hours.push_back(json::object{
        {"hour", h}, {"arrivals", by_hour[h].first}, {"departures", by_hour[h].second}});
  }
  json::object out{{"period", period},
                   {"from", from->ToIso()},
                   {"to", to.ToIso()},
                   {"timeZone", settings->time_zone}};
  totals.Into(out, period_micros);
  out["byHour"] = std::move(hours);
  out["zones"] = std::move(zone_items);
  return JsonResponse(200, std::move(out));
}

}  // namespace

std::vector<Route> AnalyticsSummaryRoutes() {
  return {{"GET", "/analytics/summary", &Summary, {"period", "zoneId"}}};
}

}  // namespace vdpark
