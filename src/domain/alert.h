// Alert: a condition of one sensor that an operator is to see and act on (the portal's Alerts
// page), and OperatorSettings: the thresholds and preferences an operator (or a tenant) sets.
//
// An alert is raised by ingest (ingest/alert_keeper.h), at most one open per sensor and kind; an
// operator acknowledges it, and it is resolved by an operator or, when its condition clears, by
// vdpark itself. Resolved alerts are kept: they are the history.
//
// An alert's id, "{kind}-{raisedAt in epoch µs}-{sensorId}" (low_battery-1736678400000000-S-1),
// names it wherever it is stored, and is safe in a URL path segment as far as the sensor id is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/billing.h"
#include "domain/timestamp.h"

namespace vdpark {

enum class AlertKind { kLowBattery, kOffline, kDetection };
enum class AlertSeverity { kWarning, kCritical };
enum class AlertState { kActive, kAcknowledged, kResolved };

// "low_battery", "offline", "detection"; "warning", "critical"; "active", "acknowledged",
// "resolved". Parse*: exactly those; nullopt otherwise.
std::string_view ToString(AlertKind kind);
std::string_view ToString(AlertSeverity severity);
std::string_view ToString(AlertState state);
std::optional<AlertKind> ParseAlertKind(std::string_view text);
std::optional<AlertSeverity> ParseAlertSeverity(std::string_view text);
std::optional<AlertState> ParseAlertState(std::string_view text);

// What names one alert: its sensor, kind and the time it was raised.
struct AlertId {
  std::string sensor_id;
  AlertKind kind = AlertKind::kLowBattery;
  Timestamp raised_at;

  std::string ToString() const;
  // kInvalidArgument saying what is wrong with `text`.
  static Result<AlertId> Parse(std::string_view text);
  bool operator==(const AlertId&) const = default;
};

struct Alert {
  std::string sensor_id;
  AlertKind kind = AlertKind::kLowBattery;
  Timestamp raised_at;
  AlertSeverity severity = AlertSeverity::kWarning;
  AlertState state = AlertState::kActive;
  // Where the sensor was when it was raised; the tenant decides who sees it.
  std::optional<std::string> zone_id, bay_number, tenant_id;
  std::string message;          // what happened, for a person
  std::optional<double> value;  // battery percent (low_battery), minutes silent (offline)
  std::optional<Timestamp> acknowledged_at;
  std::optional<std::string> acknowledged_by;  // "operator", "tenant:ID"
  std::optional<Timestamp> resolved_at;
  std::optional<std::string> resolved_by;  // as acknowledged_by, or kAlertResolver
  bool auto_resolved = false;
  std::optional<std::string> note;  // the operator's words with the last acknowledge or resolve

  AlertId id() const { return {sensor_id, kind, raised_at}; }
  bool open() const { return state != AlertState::kResolved; }
  bool operator==(const Alert&) const = default;
};

// Who resolves an alert whose condition has cleared.
inline constexpr std::string_view kAlertResolver = "vdpark";
// The longest note an operator may leave (bytes of UTF-8).
inline constexpr size_t kMaxAlertNoteBytes = 1024;

// Severity of a low-battery alert at `percent`: critical under 10 %, else warning.
AlertSeverity LowBatterySeverity(double percent);

// The thresholds that raise alerts and the portal's preferences, for all tenants (the operator's
// own) or for one tenant. Defaults are SPEC §4's and the serve command's.
struct OperatorSettings {
  int low_battery_percent = 20;          // 1-99: a battery under this raises low_battery
  int offline_after_minutes = 90;        // 1-10080: silence this long raises offline
  int refresh_seconds = 30;              // 5-3600: how often the portal reads again
  std::string time_zone = "Asia/Dubai";  // what UtcOffset::Parse accepts

  UtcOffset offset() const;  // of time_zone (Asia/Dubai when it does not parse)
  bool operator==(const OperatorSettings&) const = default;
};

// OK, or kInvalidArgument naming the first field out of its range ("lowBatteryPercent: 0 is
// outside 1-99").
Status CheckSettings(const OperatorSettings& settings);

}  // namespace vdpark
