// A small hand-written §5.1 export, in psql's form, shared by the migrate, verify and audit tests.
#pragma once

#include <string>

#include "test_dirs.h"

namespace vdpark::testing {

inline constexpr const char* kZonesCsv =
    "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
    "created_at\n"
    "zone-001,Marina Walk P1,\"Marina Walk, Dubai Marina\",Dubai,3,55.1403,25.0805,12.50,"
    "\"{\"\"open\"\": \"\"08:00\"\", \"\"close\"\": \"\"22:00\"\"}\",tenant-rta,"
    "2024-05-01 09:00:00+04\n"
    "zone-002,Deira Souk,\"Al Ras,\nDeira\",Dubai,2,55.2962,25.2697,4,"
    "\"{\"\"open\"\": \"\"00:00\"\", \"\"close\"\": \"\"23:59\"\"}\",tenant-emaar,"
    "2024-06-01 09:00:00+04\n";

inline constexpr const char* kBaysCsv =
    "zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat\n"
    "zone-001,A-001,PSL01B-000001,occupied,2026-11-20 10:00:00+04,2026-11-20 10:00:00+04,standard,"
    "55.14031,25.08051\n"
    "zone-001,A-002,PSL01B-000002,vacant,2026-11-20 11:30:00+04,,standard,55.14032,25.08052\n"
    "zone-001,A-003,PSL01B-000003,unknown,,,disabled,,\n"
    "zone-002,B-001,PSL01B-000004,occupied,2026-11-20 09:00:00+04,2026-11-20 09:00:00+04,vip,"
    "55.2962,25.2697\n"
    "zone-002,B-002,PSL01B-000005,vacant,2026-11-20 08:00:00+04,,standard,55.2963,25.2698\n";

inline constexpr const char* kSensorsCsv =
    "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,last_battery,"
    "last_signal\n"
    "PSL01B-000001,PSL01B,2.1.4,2025-01-01 00:00:00+04,zone-001,A-001,active,95,-72\n"
    "PSL01B-000002,PSL01B,2.1.4,2025-01-01 00:00:00+04,zone-001,A-002,active,18,-101\n"
    "PSL01B-000003,PSL01B,2.1.3,2025-01-01 00:00:00+04,zone-001,A-003,active,77,-80\n"
    "PSL01B-000004,PSL01B,2.1.4,2025-02-01 00:00:00+04,zone-002,B-001,active,64,-66\n"
    "PSL01B-000005,PSL01B,2.1.4,2025-02-01 00:00:00+04,zone-002,B-002,active,88,-90\n";

// Ten good events in time order (lines 2-11).
inline constexpr const char* kEventsCsv =
    "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
    "zone-002,B-002,ARRIVE,2026-11-20 07:00:00+04,,,dual\n"
    "zone-002,B-002,LEAVE,2026-11-20 08:00:00+04,60,4.00,dual\n"
    "zone-002,B-001,ARRIVE,2026-11-20 09:00:00+04,,,radar\n"
    "zone-001,A-001,ARRIVE,2026-11-20 09:15:00.25+04,,,dual\n"
    "zone-001,A-001,LEAVE,2026-11-20 09:45:00.5+04,30,6.25,dual\n"
    "zone-001,A-002,ARRIVE,2026-11-20 10:00:00+04,,,magnetic\n"
    "zone-001,A-001,ARRIVE,2026-11-20 10:00:00+04,,,dual\n"
    "zone-001,A-002,LEAVE,2026-11-20 11:30:00+04,90,18.75,magnetic\n"
    "zone-001,A-003,ARRIVE,2026-11-21 10:00:00.123456+04,,,dual\n"
    "zone-001,A-003,LEAVE,2026-11-21 12:00:00.123456+04,120,25.00,dual\n";

// Writes the fixture into `dir`, with `extra_events` appended to events.csv.
inline void WriteFixture(const TempDir& tmp, const std::string& dir,
                         const std::string& extra_events = "") {
  tmp.Write(dir + "/zones.csv", kZonesCsv);
  tmp.Write(dir + "/bays.csv", kBaysCsv);
  tmp.Write(dir + "/sensors.csv", kSensorsCsv);
  tmp.Write(dir + "/events.csv", std::string(kEventsCsv) + extra_events);
}

}  // namespace vdpark::testing
