// GET /sensors[?zoneId=], GET /sensors/{sensorId}, POST /sensors (a sensor and its bay).
#include <algorithm>

#include "api/route_table.h"

namespace vdpark {

namespace {

ApiResponse SensorList(std::vector<Sensor> sensors) {
  std::sort(sensors.begin(), sensors.end(),
            [](const Sensor& a, const Sensor& b) { return a.sensor_id < b.sensor_id; });
  json::array items;
  for (const Sensor& s : sensors) items.push_back(SensorJson(s));
  const size_t count = items.size();
  return JsonResponse(200, json::object{{"sensors", std::move(items)}, {"count", count}});
}

ApiResponse ListSensors(const RouteCall& call) {
  if (auto zone_id = call.request.Query("zoneId"); zone_id && !zone_id->empty()) {
    auto zone = VisibleZone(call, *zone_id);
    if (!zone.ok()) return ErrorResponse(zone.error());
    auto sensors = call.store().ListSensors(std::string_view(zone->zone_id));
    if (!sensors.ok()) return ErrorResponse(ApiError::FromStore(sensors.status(), "ListSensors"));
    std::erase_if(*sensors, [&](const Sensor& s) { return s.zone_id != zone->zone_id; });
    return SensorList(std::move(*sensors));
  }
  if (call.caller.operator_access()) {
    auto sensors = call.store().ListSensors(std::nullopt);
    if (!sensors.ok()) return ErrorResponse(ApiError::FromStore(sensors.status(), "ListSensors"));
    return SensorList(std::move(*sensors));
  }
  // A tenant's sensors are those of its zones: one indexed query per zone (GSI1 ZONE#id).
  auto zones = VisibleZones(call);
  if (!zones.ok()) return ErrorResponse(zones.error());
  std::vector<Sensor> all;
  for (const Zone& z : *zones) {
    auto sensors = call.store().ListSensors(std::string_view(z.zone_id));
    if (!sensors.ok()) return ErrorResponse(ApiError::FromStore(sensors.status(), "ListSensors"));
    for (Sensor& s : *sensors) {
      if (s.zone_id == z.zone_id) all.push_back(std::move(s));
    }
  }
  return SensorList(std::move(all));
}

// The sensor when it exists and the caller sees its zone (an operator sees every sensor, one
// without a zone too); 404 "Sensor not found" otherwise. A record the store cannot read
// (kCorruption) has no zone to judge by: a tenant gets the 404 of a missing sensor, as it would
// for another tenant's, and only an operator the 500; the log says why either way.
ApiResult<Sensor> VisibleSensor(const RouteCall& call, std::string_view sensor_id) {
  auto sensor = call.store().GetSensor(sensor_id);
  if (!sensor.ok()) {
    ApiError failed = ApiError::FromStore(sensor.status(), "GetSensor");  // logs it
    if (sensor.status().code() == Status::Code::kCorruption && !call.caller.operator_access()) {
      return SensorNotFound(sensor_id);
    }
    return failed;
  }
  if (!*sensor) return SensorNotFound(sensor_id);
  if (!call.caller.operator_access()) {
    if (!(*sensor)->zone_id) return SensorNotFound(sensor_id);
    auto zone = VisibleZone(call, *(*sensor)->zone_id);
    if (!zone.ok()) {
      return zone.error().status == 404 ? SensorNotFound(sensor_id) : zone.error();
    }
  }
  return std::move(**sensor);
}

ApiResponse GetSensor(const RouteCall& call) {
  auto sensor = VisibleSensor(call, call.Param("sensorId"));
  if (!sensor.ok()) return ErrorResponse(sensor.error());
  return JsonResponse(200, SensorJson(*sensor));
}

// POST /sensors {sensorId, zoneId, bayNumber, model?, firmwareVersion?, installDate?, bayType?,
// location?}: the sensor, and its bay (made with status unknown, or an existing bay without a
// sensor given this one). 409 when the sensor exists or the bay has another sensor.
ApiResponse RegisterSensor(const RouteCall& call) {
  auto body = BodyObject(call.request);
  if (!body.ok()) return ErrorResponse(body.error());
  Sensor sensor;
  std::optional<std::string> bay_type;
  for (auto [name, field] :
       {std::pair{"model", &sensor.model}, std::pair{"firmwareVersion", &sensor.firmware_version},
        std::pair{"bayType", &bay_type}}) {
    auto v = StringField(*body, name);
    if (!v.ok()) return ErrorResponse(v.error());
    *field = std::move(*v);
  }
  std::string ids[3];
  const char* id_names[3] = {"sensorId", "zoneId", "bayNumber"};
  for (int i = 0; i < 3; ++i) {
    auto v = StringField(*body, id_names[i]);
    if (!v.ok()) return ErrorResponse(v.error());
    if (!*v)
      return ErrorResponse(ApiError::BadRequest(std::string("body.") + id_names[i] + ": required"));
    if (Status s = CheckId(**v); !s.ok()) {
      return ErrorResponse(
          ApiError::BadRequest(std::string("body.") + id_names[i] + ": " + s.message()));
    }
    ids[i] = std::move(**v);
  }
  auto installed = TimeField(*body, "installDate");
  if (!installed.ok()) return ErrorResponse(installed.error());
  auto location = LocationField(*body, "location");
  if (!location.ok()) return ErrorResponse(location.error());

  auto zone = VisibleZone(call, ids[1]);
  if (!zone.ok()) return ErrorResponse(zone.error());
  // The bay as it is made when absent (status unknown); an existing one keeps its state and
  // gets the sensor, and the type and location when given.
  Bay bay;
  bay.zone_id = ids[1];
  bay.bay_number = ids[2];
  bay.status = BayStatus::kUnknown;
  bay.sensor_id = ids[0];
  bay.bay_type = bay_type;
  bay.location = *location;

  sensor.sensor_id = ids[0];
  sensor.zone_id = ids[1];
  sensor.bay_number = ids[2];
  sensor.install_date = installed->value_or(call.now);
  sensor.status = "active";
  // One conditional write (or transaction) for the sensor and its bay: of requests racing on
  // one sensor (or bay) exactly one registers it. The zone (and its occupiedBays) stays as it
  // is. The 409 for a sensor reads the same whoever's it is: a key learns nothing of other
  // tenants' sensors but that the id is taken.
  auto registered = call.store().RegisterSensor(sensor, bay);
  if (!registered.ok()) {
    return ErrorResponse(ApiError::FromStore(registered.status(), "RegisterSensor"));
  }
  switch (*registered) {
    case CreateOutcome::kCreated:
      break;
    case CreateOutcome::kExists:
      return ErrorResponse(ApiError::Conflict("sensor '" + ids[0] + "' is registered already"));
    case CreateOutcome::kBayTaken:
      return ErrorResponse(
          ApiError::Conflict("bay '" + ids[2] + "' of zone '" + ids[1] + "' has another sensor"));
  }
  ApiResponse r = JsonResponse(201, json::object{{"sensorId", sensor.sensor_id},
                                                 {"zoneId", bay.zone_id},
                                                 {"bayNumber", bay.bay_number},
                                                 {"message", "Sensor registered"}});
  r.headers.emplace_back("Location", "/v1/sensors/" + PercentEncode(sensor.sensor_id));
  return r;
}

}  // namespace

std::vector<Route> SensorRoutes() {
  return {{"GET", "/sensors", &ListSensors, {"zoneId"}},
          {"POST", "/sensors", &RegisterSensor},
          {"GET", "/sensors/{sensorId}", &GetSensor}};
}

}  // namespace vdpark
