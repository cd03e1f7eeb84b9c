// The parking domain: zones, bays, sensors and parking events, as the source schema (SPEC §2) and
// the single-table layout (SPEC §3) both hold them. Plain structs; every field that a source row
// may leave NULL is optional, so that a missing value survives every round trip as missing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/decimal.h"
#include "domain/timestamp.h"

namespace vdpark {

struct GeoPoint {
  double lat = 0;
  double lng = 0;
  bool operator==(const GeoPoint&) const = default;
};

// A zone's daily opening window in local time, minutes after midnight. close < open spans
// midnight; "00:00"-"23:59" (or open == close) means all day.
struct OperatingHours {
  int open_minute = 0;
  int close_minute = 0;

  bool AllDay() const {
    return open_minute == close_minute || (open_minute == 0 && close_minute >= 23 * 60 + 59);
  }
  // {"open":"08:00","close":"22:00"}; errors name what was wrong with `json`.
  static Result<OperatingHours> ParseJson(std::string_view json);
  static std::string FormatMinute(int minute);  // "08:00"
  std::string ToJson() const;                   // {"open":"08:00","close":"22:00"}
  bool operator==(const OperatingHours&) const = default;
};

struct Zone {
  std::string zone_id;
  std::optional<std::string> name;
  std::optional<std::string> address;
  std::optional<std::string> city;
  std::optional<int64_t> total_bays;
  std::optional<int64_t> occupied_bays;  // single-table only: recomputed from the bays on load
  std::optional<GeoPoint> location;
  std::optional<Decimal> price_per_hour;
  std::optional<OperatingHours> operating_hours;
  std::optional<std::string> tenant_id;
  std::optional<Timestamp> created_at;
  bool operator==(const Zone&) const = default;
};

enum class BayStatus { kUnknown, kVacant, kOccupied };
std::string_view ToString(BayStatus s);
// "occupied", "vacant", "unknown" (any case); nullopt for anything else.
std::optional<BayStatus> ParseBayStatus(std::string_view s);

struct Bay {
  std::string zone_id;
  std::string bay_number;
  std::optional<std::string> sensor_id;
  BayStatus status = BayStatus::kUnknown;
  std::optional<Timestamp> last_change;
  std::optional<Timestamp> occupied_since;
  std::optional<Timestamp> last_heartbeat;  // single-table only: set by ingest
  std::optional<std::string> bay_type;
  std::optional<GeoPoint> location;
  bool operator==(const Bay&) const = default;
};

struct Sensor {
  std::string sensor_id;
  std::optional<std::string> model;
  std::optional<std::string> firmware_version;
  std::optional<Timestamp> install_date;
  std::optional<std::string> zone_id;
  std::optional<std::string> bay_number;
  std::optional<std::string> status;
  std::optional<int64_t> last_battery;
  std::optional<int64_t> last_signal;
  std::optional<Timestamp> last_seen;  // single-table only: set by ingest
  bool operator==(const Sensor&) const = default;
};

enum class EventType { kArrive, kLeave };
std::string_view ToString(EventType t);
// "ARRIVE", "LEAVE" (any case); nullopt for anything else.
std::optional<EventType> ParseEventType(std::string_view s);

// An event's identity is (zone_id, bay_number, timestamp): rows sharing it are duplicates.
struct ParkingEvent {
  std::string zone_id;
  std::string bay_number;
  std::optional<std::string> sensor_id;  // the csv export of §5.1 does not carry it
  EventType event_type = EventType::kArrive;
  Timestamp timestamp;
  std::optional<int64_t> duration_minutes;
  std::optional<Decimal> revenue;
  std::optional<std::string> detection_mode;
  bool operator==(const ParkingEvent&) const = default;
};

// Everything but the events: small enough to hold in memory (a city has thousands of bays, not
// millions), sorted by key by whoever fills it.
struct Metadata {
  std::vector<Zone> zones;
  std::vector<Bay> bays;
  std::vector<Sensor> sensors;
};

// The order a source delivers its events in, as far as it knows.
enum class EventOrder {
  kKey,   // zone, bay, timestamp: promised
  kTime,  // timestamp: likely (a file), not promised
  kNone,  // no order at all (parallel scans)
};

}  // namespace vdpark
