#include "ingest/alert_keeper.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/log_escape.h"

namespace vdpark {

namespace {

constexpr int64_t kSettingsTtlMicros = 30 * kMicrosPerSecond;
constexpr size_t kMaxOpenAlertsRead = 100000;
constexpr size_t kMaxReasonBytes = 300;

// The deviceId of a sensor message's payload; nullopt when it names none.
std::optional<std::string> DeviceIdOf(std::string_view payload) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::value* id = v.get_object().if_contains("deviceId");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) return std::nullopt;
  return std::string(id->get_string());
}

std::string Percent(double v) {
  return std::to_string(static_cast<int64_t>(v)) + " %";
}

}  // namespace

AlertKeeper::AlertKeeper(OperatorStore& alerts, RecordLookup& records,
                         std::function<Result<std::vector<Sensor>>()> list_sensors,
                         OperatorSettings defaults, Publish publish)
    : alerts_(alerts),
      records_(records),
      list_sensors_(std::move(list_sensors)),
      defaults_(std::move(defaults)),
      publish_(std::move(publish)) {}

AlertKeeper::Counts AlertKeeper::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

std::optional<std::string> AlertKeeper::TenantOf(const std::optional<std::string>& zone_id) {
  if (!zone_id) return std::nullopt;
  {
    std::lock_guard lock(mu_);
    if (auto it = zone_tenants_.find(*zone_id); it != zone_tenants_.end()) return it->second;
  }
  Result<std::optional<Zone>> zone = records_.GetZone(*zone_id);
  if (!zone.ok()) return std::nullopt;  // not cached: read again next time
  std::optional<std::string> tenant = *zone ? (*zone)->tenant_id : std::nullopt;
  std::lock_guard lock(mu_);
  zone_tenants_[*zone_id] = tenant;
  return tenant;
}

OperatorSettings AlertKeeper::SettingsFor(const std::optional<std::string>& tenant_id) {
  const std::string slot = tenant_id.value_or("");
  const Timestamp now = Timestamp::Now();
  {
    std::lock_guard lock(mu_);
    auto it = settings_.find(slot);
    if (it != settings_.end() && now.micros() - it->second.read_at.micros() < kSettingsTtlMicros) {
      return it->second.settings;
    }
  }
  OperatorSettings found = defaults_;
  Result<std::optional<OperatorSettings>> own = alerts_.GetSettings(tenant_id);
  if (own.ok() && !*own && tenant_id) own = alerts_.GetSettings(std::nullopt);
  if (!own.ok()) {
    spdlog::warn("alerts: reading the settings: {}", own.status().ToString());
  } else if (*own) {
    found = **own;
  }
  std::lock_guard lock(mu_);
  settings_[slot] = {found, now};
  return found;
}

void AlertKeeper::Raise(const Sensor& sensor, AlertKind kind, AlertSeverity severity,
                        std::string message, std::optional<double> value, Timestamp now) {
  Alert a;
  a.sensor_id = sensor.sensor_id;
  a.kind = kind;
  a.raised_at = now;
  a.severity = severity;
  a.zone_id = sensor.zone_id;
  a.bay_number = sensor.bay_number;
  a.tenant_id = TenantOf(sensor.zone_id);
  a.message = std::move(message);
  a.value = value;
  Result<CreateOutcome> raised = alerts_.RaiseAlert(a);
  if (!raised.ok()) {
    spdlog::warn("alerts: raising {}: {}", a.id().ToString(), raised.status().ToString());
    return;
  }
  {
    std::lock_guard lock(mu_);
    open_.insert({a.sensor_id, kind});
    if (*raised == CreateOutcome::kCreated) ++counts_.raised;
  }
  if (*raised != CreateOutcome::kCreated) return;
  spdlog::info("alert raised: {} {} ({})", ToString(kind), EscapeForLog(a.sensor_id),
               EscapeForLog(a.message));
  if (publish_) publish_(a);
}

void AlertKeeper::ResolveCleared(std::string_view sensor_id, AlertKind kind, Timestamp now) {
  Result<std::optional<Alert>> open = alerts_.GetOpenAlert(sensor_id, kind);
  if (!open.ok()) {
    spdlog::warn("alerts: reading {}'s {} alert: {}", EscapeForLog(sensor_id), ToString(kind),
                 open.status().ToString());
    return;
  }
  if (!*open) {
    std::lock_guard lock(mu_);
    open_.erase({std::string(sensor_id), kind});
    return;
  }
  Alert resolved = **open;
  resolved.state = AlertState::kResolved;
  resolved.resolved_at = now;
  resolved.resolved_by = std::string(kAlertResolver);
  resolved.auto_resolved = true;
  Status s = alerts_.ResolveAlert(**open, resolved);
  if (!s.ok()) {
    // kConditionFailed: someone acted on it meanwhile; the next Sweep decides again.
    if (!s.IsConditionFailed()) spdlog::warn("alerts: {}", s.ToString());
    return;
  }
  {
    std::lock_guard lock(mu_);
    open_.erase({std::string(sensor_id), kind});
    ++counts_.resolved;
  }
  if (publish_) publish_(resolved);
}

void AlertKeeper::OnChange(const AppliedChange& change) {
  if (!change.change.sensor || change.outcome == IngestOutcome::kOffline) return;
  const Sensor& sensor = *change.change.sensor;
  std::optional<double> before;
  bool offline_open = false, detection_open = false, battery_open = false;
  {
    std::lock_guard lock(mu_);
    Heard& h = heard_[sensor.sensor_id];
    before = h.battery;
    if (sensor.last_battery) h.battery = static_cast<double>(*sensor.last_battery);
    if (sensor.last_seen && (!h.last_seen || *sensor.last_seen > *h.last_seen)) {
      h.last_seen = sensor.last_seen;
      h.offline_raised = false;
    }
    h.zone_id = sensor.zone_id;
    offline_open = open_.contains({sensor.sensor_id, AlertKind::kOffline});
    detection_open = open_.contains({sensor.sensor_id, AlertKind::kDetection});
    battery_open = open_.contains({sensor.sensor_id, AlertKind::kLowBattery});
  }
  const Timestamp now = change.received;
  if (offline_open) ResolveCleared(sensor.sensor_id, AlertKind::kOffline, now);
  if (detection_open && !change.replayed) {
    ResolveCleared(sensor.sensor_id, AlertKind::kDetection, now);
  }
  if (!sensor.last_battery) return;
  const double battery = static_cast<double>(*sensor.last_battery);
  const OperatorSettings settings = SettingsFor(TenantOf(sensor.zone_id));
  const double threshold = settings.low_battery_percent;
  if (battery < threshold) {
    if (!before || *before >= threshold) {
      Raise(sensor, AlertKind::kLowBattery, LowBatterySeverity(battery),
            "battery at " + Percent(battery) + ", under " + Percent(threshold), battery, now);
    }
  } else if (battery_open || (before && *before < threshold)) {
    // Recovered: resolved whether or not this keeper has seen the alert (another raised it).
    ResolveCleared(sensor.sensor_id, AlertKind::kLowBattery, now);
  }
}

void AlertKeeper::OnRejected(std::string_view topic, std::string_view payload,
                             std::string_view reason, Timestamp now) {
  std::optional<std::string> device = DeviceIdOf(payload);
  if (!device) return;
  Result<std::optional<Sensor>> sensor = records_.GetSensor(*device);
  // An unknown sensor has no tenant to show it to: the errors topic has it.
  if (!sensor.ok() || !*sensor) return;
  std::string message = "a message on " + std::string(topic.substr(0, 200)) + " was set aside: ";
  message += reason.substr(0, kMaxReasonBytes);
  Raise(**sensor, AlertKind::kDetection, AlertSeverity::kWarning, std::move(message), std::nullopt,
        now);
}

Status AlertKeeper::LoadSensors(Timestamp now) {
  VDPARK_ASSIGN_OR_RETURN(std::vector<Sensor> sensors, list_sensors_());
  std::lock_guard lock(mu_);
  for (const Sensor& s : sensors) {
    Heard& h = heard_[s.sensor_id];
    if (!h.last_seen) h.last_seen = s.last_seen.value_or(now);
    if (!h.battery && s.last_battery) h.battery = static_cast<double>(*s.last_battery);
    if (!h.zone_id) h.zone_id = s.zone_id;
  }
  loaded_ = true;
  return Status::OK();
}

Result<AlertKeeper::Counts> AlertKeeper::Sweep(Timestamp now) {
  const Counts before = counts();
  bool loaded;
  {
    std::lock_guard lock(mu_);
    loaded = loaded_;
  }
  if (!loaded) VDPARK_RETURN_IF_ERROR(LoadSensors(now).WithContext("alerts: listing sensors"));

  // The open alerts as the store has them, each checked against its sensor as stored.
  AlertQuery q;
  q.open = true;
  q.limit = kMaxOpenAlertsRead;
  VDPARK_ASSIGN_OR_RETURN(std::vector<Alert> open, alerts_.ListAlerts(q));
  {
    std::lock_guard lock(mu_);
    open_.clear();
    for (const Alert& a : open) open_.insert({a.sensor_id, a.kind});
  }
  for (const Alert& a : open) {
    VDPARK_ASSIGN_OR_RETURN(std::optional<Sensor> sensor, records_.GetSensor(a.sensor_id));
    bool cleared = !sensor;
    if (sensor) {
      const OperatorSettings settings = SettingsFor(TenantOf(sensor->zone_id));
      switch (a.kind) {
        case AlertKind::kLowBattery:
          cleared = sensor->last_battery && *sensor->last_battery >= settings.low_battery_percent;
          break;
        case AlertKind::kOffline:
          cleared = sensor->last_seen && now.micros() - sensor->last_seen->micros() <
                                             settings.offline_after_minutes * kMicrosPerMinute;
          break;
        case AlertKind::kDetection:
          cleared = sensor->last_seen && *sensor->last_seen > a.raised_at;
          break;
      }
    }
    if (cleared) ResolveCleared(a.sensor_id, a.kind, now);
  }

  // Sensors silent longer than their tenant allows, as this keeper has heard them.
  std::vector<std::pair<std::string, Heard>> silent;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, h] : heard_) {
      if (!h.offline_raised && h.last_seen && !open_.contains({id, AlertKind::kOffline})) {
        silent.emplace_back(id, h);
      }
    }
  }
  for (const auto& [id, h] : silent) {
    const OperatorSettings settings = SettingsFor(TenantOf(h.zone_id));
    const int64_t limit = settings.offline_after_minutes * kMicrosPerMinute;
    if (now.micros() - h.last_seen->micros() <= limit) continue;
    // Confirmed against the store: another process may have heard from it.
    VDPARK_ASSIGN_OR_RETURN(std::optional<Sensor> sensor, records_.GetSensor(id));
    if (!sensor) continue;
    const Timestamp seen = sensor->last_seen.value_or(*h.last_seen);
    if (now.micros() - seen.micros() <= limit) {
      std::lock_guard lock(mu_);
      if (!heard_[id].last_seen || seen > *heard_[id].last_seen) heard_[id].last_seen = seen;
      continue;
    }
    const double minutes = static_cast<double>((now.micros() - seen.micros()) / kMicrosPerMinute);
    Raise(*sensor, AlertKind::kOffline, AlertSeverity::kCritical,
          "no message for " + std::to_string(static_cast<int64_t>(minutes)) + " min (limit " +
              std::to_string(settings.offline_after_minutes) + " min)",
          minutes, now);
    std::lock_guard lock(mu_);
    if (open_.contains({id, AlertKind::kOffline})) heard_[id].offline_raised = true;
  }
  const Counts after = counts();
  return Counts{after.raised - before.raised, after.resolved - before.resolved};
}

}  // namespace vdpark
