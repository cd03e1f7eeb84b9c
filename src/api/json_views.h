// The records as the API shows them (SPEC §5): field names and shapes of the API the platform
// already serves. A value the record does not have is null, never left out, so that every item of
// a list has the same fields.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "api/http_types.h"
#include "domain/alert.h"
#include "domain/model.h"
#include "domain/timestamp.h"

namespace vdpark {

namespace json = boost::json;

// {zoneId,name,address,city,totalBays,occupiedBays,vacantBays,occupancyRate,location{lat,lng},
//  pricePerHour,operatingHours{open,close}}; with `detail` also tenantId and createdAt.
// occupancyRate is a percentage, 0 to 100, to one decimal.
json::object ZoneJson(const Zone& zone, bool detail);

// {zoneId,bayNumber,sensorId,status,lastChange,occupiedSince,currentDuration,batteryLevel,
//  signalStrength,bayType,location}; with `detail` also lastHeartbeat. currentDuration: whole
// minutes occupied at `now` (null unless occupied); batteryLevel and signalStrength from
// `sensor`, the bay's sensor when known.
json::object BayJson(const Bay& bay, const Sensor* sensor, Timestamp now, bool detail);

// {zoneId,bayNumber,eventType,timestamp,duration,revenue,detectionMode}.
json::object EventJson(const ParkingEvent& event);

// {sensorId,model,zoneId,bayNumber,status,batteryLevel,signalStrength,lastSeen,firmwareVersion,
//  installDate}.
json::object SensorJson(const Sensor& sensor);

// occupied / total as a percentage to one decimal; 0 when total is 0.
double OccupancyRate(int64_t occupied, int64_t total);

// Timestamps as the store keeps them (ISO-8601 UTC with microseconds); null when absent.
json::value TimeJson(const std::optional<Timestamp>& t);
// An alert as GET /alerts lists it: {alertId, kind, severity, state, sensorId, zoneId, bayNumber,
// message, value, raisedAt, acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy,
// autoResolved, note}; what is absent is null.
json::object AlertJson(const Alert& alert);
// The settings as GET /settings gives them: {lowBatteryPercent, offlineAfterMinutes,
// refreshSeconds, timeZone}.
json::object SettingsJson(const OperatorSettings& settings);
// Money as a JSON number with no more digits than it has (12.5, 6.25).
json::value MoneyJson(const std::optional<Decimal>& d);

// ZoneJson and BayJson appended to `out` as JSON text, exactly as ToJsonText writes those objects,
// without building them: for lists of many records, where building the objects and walking them
// again was half of an uncached request's time (perf).
void AppendZoneJson(const Zone& zone, bool detail, std::string* out);
void AppendBayJson(const Bay& bay, const Sensor* sensor, Timestamp now, bool detail,
                   std::string* out);

// AppendBayJson in its three parts, for a caller that keeps the two that do not move with the
// clock (bay_view_memo.h): the head ends with "currentDuration": and the tail begins with the
// comma after its value.
void AppendBayHead(const Bay& bay, std::string* out);
void AppendCurrentDuration(const Bay& bay, Timestamp now, std::string* out);
void AppendBayTail(const Bay& bay, const Sensor* sensor, bool detail, std::string* out);

// JSON text with numbers written as people write them (25.0805, not Boost.JSON's 2.50805E1).
std::string ToJsonText(const json::value& value);

// A response of `status` whose body is `value`.
ApiResponse JsonResponse(int status, const json::value& value);
// A response of `status` whose body is `text`, JSON text already.
ApiResponse JsonTextResponse(int status, std::string text);

}  // namespace vdpark
