// Field-by-field comparison of two records with the same key. Each returns "" when the records
// agree, else "field: source != target; ..." for every field that differs. Fields only the live
// system sets (zone occupiedBays, bay lastHeartbeat, sensor lastSeen) are not compared.
#pragma once

#include <string>

#include "domain/model.h"

namespace vdpark {

std::string DiffZones(const Zone& source, const Zone& target);
std::string DiffBays(const Bay& source, const Bay& target);
std::string DiffSensors(const Sensor& source, const Sensor& target);
std::string DiffEvents(const ParkingEvent& source, const ParkingEvent& target);

// Keys as verify lists them: "zone-001", "zone-001/A-001", "PSL01B-000001",
// "zone-001/A-001/2026-01-12T19:59:43.123456Z".
std::string EventKeyText(const ParkingEvent& e);

}  // namespace vdpark
