// GET /zones/{zoneId}/bays, GET /zones/{zoneId}/bays/{bayNumber}.
#include <unordered_map>

#include "api/route_table.h"

namespace vdpark {

namespace {

ApiResponse ListBays(const RouteCall& call) {
  auto zone = VisibleZone(call, call.Param("zoneId"));
  if (!zone.ok()) return ErrorResponse(zone.error());
  // Shared, not copied: read on every request, and the same lists while nothing changes.
  auto shared_bays = call.store().SharedBays(zone->zone_id);
  if (!shared_bays.ok()) {
    return ErrorResponse(ApiError::FromStore(shared_bays.status(), "ListBays"));
  }
  auto sensors = call.store().SharedZoneSensors(zone->zone_id);
  if (!sensors.ok()) return ErrorResponse(ApiError::FromStore(sensors.status(), "ListSensors"));
  const std::vector<Bay>& bays = **shared_bays;
  std::unordered_map<std::string_view, const Sensor*> by_id;
  for (const Sensor& s : **sensors) by_id.emplace(s.sensor_id, &s);
  std::vector<const Sensor*> sensor_of(bays.size());  // each bay's, when known
  int64_t occupied = 0, vacant = 0, unknown = 0;
  for (size_t i = 0; i < bays.size(); ++i) {
    const Bay& b = bays[i];
    if (b.sensor_id) {
      if (auto it = by_id.find(*b.sensor_id); it != by_id.end()) sensor_of[i] = it->second;
    }
    switch (b.status) {
      case BayStatus::kOccupied:
        ++occupied;
        break;
      case BayStatus::kVacant:
        ++vacant;
        break;
      case BayStatus::kUnknown:
        ++unknown;
        break;
    }
  }

  // Written as text straight away: {"bays":[BayJson...],"summary":{...}}.
  std::string body = R"({"bays":[)";
  body.reserve(512 * bays.size() + 128);  // a bay's view is about 400 bytes
  call.context.bay_views.AppendViews(zone->zone_id, bays, sensor_of, call.now, &body);
  body += R"(],"summary":)";
  body += ToJsonText(json::object{{"total", static_cast<int64_t>(bays.size())},
                                  {"occupied", occupied},
                                  {"vacant", vacant},
                                  {"unknown", unknown}});
  body += '}';
  return JsonTextResponse(200, std::move(body));
}

ApiResponse GetBay(const RouteCall& call) {
  auto zone = VisibleZone(call, call.Param("zoneId"));
  if (!zone.ok()) return ErrorResponse(zone.error());
  const std::string& bay_number = call.Param("bayNumber");
  auto bay = call.store().GetBay(zone->zone_id, bay_number);
  if (!bay.ok()) return ErrorResponse(ApiError::FromStore(bay.status(), "GetBay"));
  if (!*bay) return ErrorResponse(BayNotFound(zone->zone_id, bay_number));
  std::optional<Sensor> sensor;
  if ((*bay)->sensor_id) {
    auto found = call.store().GetSensor(*(*bay)->sensor_id);
    if (!found.ok()) return ErrorResponse(ApiError::FromStore(found.status(), "GetSensor"));
    sensor = std::move(*found);
  }
  return JsonResponse(200, BayJson(**bay, sensor ? &*sensor : nullptr, call.now, true));
}

}  // namespace

std::vector<Route> BayRoutes() {
  return {{"GET", "/zones/{zoneId}/bays", &ListBays},
          {"GET", "/zones/{zoneId}/bays/{bayNumber}", &GetBay}};
}

}  // namespace vdpark
