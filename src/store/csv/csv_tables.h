// The four files of the plan's §5.1 export as CsvStore reads and writes them: their names, their
// columns in the order the export queries select them, and the enums that index those columns.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace vdpark::csv_tables {

// The columns of each file, in the order the §5.1 export queries select them and this store writes
// them; the enums index these arrays.
// clang-format off
inline constexpr std::array<std::string_view, 11> kZoneColumns = {
    "zone_id", "name", "address", "city", "total_bays", "lng", "lat", "price_per_hour",
    "operating_hours", "tenant_id", "created_at"};
enum ZoneColumn { kZoneZoneId, kZoneName, kZoneAddress, kZoneCity, kZoneTotalBays, kZoneLng,
                  kZoneLat, kZonePrice, kZoneHours, kZoneTenant, kZoneCreatedAt };

inline constexpr std::array<std::string_view, 9> kBayColumns = {
    "zone_id", "bay_number", "sensor_id", "status", "last_change", "occupied_since", "bay_type",
    "lng", "lat"};
enum BayColumn { kBayZoneId, kBayNumber, kBaySensorId, kBayStatus, kBayLastChange,
                 kBayOccupiedSince, kBayType, kBayLng, kBayLat };

inline constexpr std::array<std::string_view, 7> kEventColumns = {
    "zone_id", "bay_number", "event_type", "timestamp", "duration_minutes", "revenue",
    "detection_mode"};
enum EventColumn { kEventZoneId, kEventBayNumber, kEventType, kEventTimestamp, kEventDuration,
                   kEventRevenue, kEventDetectionMode };

inline constexpr std::array<std::string_view, 9> kSensorColumns = {
    "sensor_id", "model", "firmware_version", "install_date", "zone_id", "bay_number", "status",
    "last_battery", "last_signal"};
enum SensorColumn { kSensorId, kSensorModel, kSensorFirmware, kSensorInstallDate, kSensorZoneId,
                    kSensorBayNumber, kSensorStatus, kSensorBattery, kSensorSignal };
// clang-format on

inline constexpr std::string_view kZonesFile = "zones.csv";
inline constexpr std::string_view kBaysFile = "bays.csv";
inline constexpr std::string_view kEventsFile = "events.csv";
inline constexpr std::string_view kSensorsFile = "sensors.csv";

// A record longer than this is broken (csv_format.h, rule 2): a row of the §5.1 files is well under
// a kilobyte, so a mebibyte is a quote that never closes or a line that never ends.
inline constexpr size_t kMaxRecordBytes = size_t{1} << 20;

struct TableSpec {
  std::string_view file;
  std::span<const std::string_view> columns;
};
inline constexpr TableSpec kZones{kZonesFile, kZoneColumns};
inline constexpr TableSpec kBays{kBaysFile, kBayColumns};
inline constexpr TableSpec kEvents{kEventsFile, kEventColumns};
inline constexpr TableSpec kSensors{kSensorsFile, kSensorColumns};

}  // namespace vdpark::csv_tables
