#include "domain/alert.h"

#include <charconv>

#include "domain/record_rules.h"

namespace vdpark {

std::string_view ToString(AlertKind kind) {
  switch (kind) {
    case AlertKind::kLowBattery:
      return "low_battery";
    case AlertKind::kOffline:
      return "offline";
    case AlertKind::kDetection:
      return "detection";
  }
  return "detection";
}

std::string_view ToString(AlertSeverity severity) {
  return severity == AlertSeverity::kCritical ? "critical" : "warning";
}

std::string_view ToString(AlertState state) {
  switch (state) {
    case AlertState::kActive:
      return "active";
    case AlertState::kAcknowledged:
      return "acknowledged";
    case AlertState::kResolved:
      return "resolved";
  }
  return "resolved";
}

std::optional<AlertKind> ParseAlertKind(std::string_view text) {
  for (AlertKind k : {AlertKind::kLowBattery, AlertKind::kOffline, AlertKind::kDetection}) {
    if (text == ToString(k)) return k;
  }
  return std::nullopt;
}

std::optional<AlertSeverity> ParseAlertSeverity(std::string_view text) {
  for (AlertSeverity s : {AlertSeverity::kWarning, AlertSeverity::kCritical}) {
    if (text == ToString(s)) return s;
  }
  return std::nullopt;
}

std::optional<AlertState> ParseAlertState(std::string_view text) {
  for (AlertState s : {AlertState::kActive, AlertState::kAcknowledged, AlertState::kResolved}) {
    if (text == ToString(s)) return s;
  }
  return std::nullopt;
}

std::string AlertId::ToString() const {
  std::string out(vdpark::ToString(kind));
  out += '-';
  out += std::to_string(raised_at.micros());
  out += '-';
  out += sensor_id;
  return out;
}

Result<AlertId> AlertId::Parse(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("alert id '" + std::string(text.substr(0, 200)) +
                                   "': " + std::string(why) +
                                   " (expected KIND-MICROSECONDS-SENSORID, as the API lists it)");
  };
  const size_t first = text.find('-');
  if (first == std::string_view::npos) return bad("no kind");
  const size_t second = text.find('-', first + 1);
  if (second == std::string_view::npos) return bad("no time");
  AlertId id;
  std::optional<AlertKind> kind = ParseAlertKind(text.substr(0, first));
  if (!kind) return bad("unknown kind");
  id.kind = *kind;
  const std::string_view micros = text.substr(first + 1, second - first - 1);
  int64_t us = 0;
  auto [end, ec] = std::from_chars(micros.data(), micros.data() + micros.size(), us);
  if (ec != std::errc() || end != micros.data() + micros.size()) return bad("time is not a number");
  VDPARK_ASSIGN_OR_RETURN(id.raised_at, Timestamp::FromMicrosChecked(us));
  id.sensor_id = std::string(text.substr(second + 1));
  if (Status s = CheckIdText(id.sensor_id); !s.ok()) return bad("sensor id " + s.message());
  return id;
}

AlertSeverity LowBatterySeverity(double percent) {
  return percent < 10 ? AlertSeverity::kCritical : AlertSeverity::kWarning;
}

UtcOffset OperatorSettings::offset() const {
  return UtcOffset::Parse(time_zone).value_or(UtcOffset{});
}

Status CheckSettings(const OperatorSettings& s) {
  const auto range = [](std::string_view field, int v, int lo, int hi) -> Status {
    if (v >= lo && v <= hi) return Status::OK();
    return Status::InvalidArgument(std::string(field) + ": " + std::to_string(v) + " is outside " +
                                   std::to_string(lo) + "-" + std::to_string(hi));
  };
  VDPARK_RETURN_IF_ERROR(range("lowBatteryPercent", s.low_battery_percent, 1, 99));
  VDPARK_RETURN_IF_ERROR(range("offlineAfterMinutes", s.offline_after_minutes, 1, 10080));
  VDPARK_RETURN_IF_ERROR(range("refreshSeconds", s.refresh_seconds, 5, 3600));
  if (!UtcOffset::Parse(s.time_zone)) {
    return Status::InvalidArgument("timeZone: '" + s.time_zone.substr(0, 64) +
                                   "' is not Asia/Dubai, UTC or an offset such as +04:00");
  }
  return Status::OK();
}

}  // namespace vdpark
