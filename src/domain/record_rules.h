// The rules a zone, bay, sensor or event keeps to be stored anywhere: one set, applied by every
// reader (the single-table mapper, the csv and psql row readers) and every writer (the stores'
// writes, the API's POST bodies, ingest's sensor messages), so that nothing is written that a
// reader would refuse.
//
// clang-format off
//   ids           zoneId, bayNumber, sensorId, tenantId; a bay's sensorId, a sensor's zoneId and
//                 bayNumber: 1 to 128 bytes of UTF-8 without control characters (U+0000-U+001F,
//                 U+007F) and without '#' (the single-table keys' separator, SPEC §3)
//   text          name, address, city, model, firmwareVersion, bayType, a sensor's status:
//                 at most 1,024 bytes of UTF-8 without a NUL byte (PostgreSQL's text cannot hold
//                 one; line breaks and tabs are allowed, an address may span lines)
//   detectionMode 1 to 32 bytes of text as above (what sensors send is narrower, see
//                 ingest/sensor_message.h; a source database's text column may hold others)
//   timestamps    within Timestamp's range, 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z
//   hours         operatingHours open and close from 00:00 to 24:00
// clang-format on
//
// A field is named as the single table and the API spell it (camelCase: "installDate"); a csv or
// psql reader names its column (ColumnName turns one into the other).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/model.h"

namespace vdpark {

inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxTextBytes = 1024;
inline constexpr size_t kMaxDetectionModeBytes = 32;

// Each rule on one value: OK, or kInvalidArgument saying why, for the caller to put the field's
// name in front of ("empty", "2000 bytes, over the limit of 1024", "a NUL byte at 3").
Status CheckIdText(std::string_view id);
Status CheckFreeText(std::string_view text);
Status CheckDetectionMode(std::string_view mode);
Status CheckTime(Timestamp t);

// The first field of a record that breaks a rule: its name (camelCase) and why.
struct RuleBreak {
  std::string_view field;
  std::string why;
};
std::optional<RuleBreak> FindRuleBreak(const Zone& zone);
std::optional<RuleBreak> FindRuleBreak(const Bay& bay);
std::optional<RuleBreak> FindRuleBreak(const Sensor& sensor);
std::optional<RuleBreak> FindRuleBreak(const ParkingEvent& event);

// OK, or kInvalidArgument naming the record and the field: "sensor 'S-1', field 'installDate':
// '0000-01-01T…' is outside the range …". The record's id is cut short and its control
// characters escaped, so the message is one printable line.
Status CheckRecord(const Zone& zone);
Status CheckRecord(const Bay& bay);
Status CheckRecord(const Sensor& sensor);
Status CheckRecord(const ParkingEvent& event);
// CheckRecord of every zone, bay and sensor: the first that breaks a rule.
Status CheckRecords(const Metadata& metadata);

// The csv / psql column of a field: "installDate" -> "install_date".
std::string ColumnName(std::string_view field);

}  // namespace vdpark
