// AlertKeeper: raises and resolves the sensors' alerts (domain/alert.h) as ingest hears from them,
// judged against the settings of the sensor's tenant (stored by the API's PUT /settings; the
// operator's own when the tenant has none; `defaults`, serve's flags, when neither is stored).
//
//   low_battery  raised when a reading falls under lowBatteryPercent (once per fall: an operator
//                who resolves it while the battery is still low is not asked again until it has
//                recovered and fallen again); resolved by vdpark when a reading is at or above it.
//   offline      raised by Sweep when a sensor has been silent longer than offlineAfterMinutes
//                (confirmed against the stored sensor, so that messages taken by another process
//                count), once per silence; resolved when the sensor is heard from.
//   detection    raised when a message of a registered sensor is set aside as unusable (bad
//                values, sent for another bay); resolved when one of its messages is applied.
//
// The store keeps one open alert per sensor and kind whoever raises it, so several processes may
// run keepers on one table. What this keeper knows of the open alerts is read again by every
// Sweep, which also resolves what another process saw clear. A store error is logged and the
// next change or Sweep tries again; nothing here holds ingest up for long (one conditional write
// when an alert is raised or resolved, none otherwise).
//
// Thread-safe: OnChange, OnRejected and Sweep may run on different threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "domain/alert.h"
#include "ingest/ingestor.h"
#include "store/operator_store.h"
#include "store/record_lookup.h"

namespace vdpark {

class AlertKeeper {
 public:
  // Sees each alert raised, acknowledged or resolved here (the live stream); may be empty.
  using Publish = std::function<void(const Alert&)>;

  struct Counts {
    uint64_t raised = 0;
    uint64_t resolved = 0;
  };

  // `alerts`, `records` and `sensors` must outlive the keeper. `list_sensors` gives every sensor,
  // for the first Sweep (those never heard from count as silent from then).
  AlertKeeper(OperatorStore& alerts, RecordLookup& records,
              std::function<Result<std::vector<Sensor>>()> list_sensors, OperatorSettings defaults,
              Publish publish = {});

  // After each committed (or replayed) change: the sensor's reading and the fact it was heard.
  void OnChange(const AppliedChange& change);
  // A message set aside (ErrorSink): a detection alert when its deviceId is a registered sensor.
  void OnRejected(std::string_view topic, std::string_view payload, std::string_view reason,
                  Timestamp now);
  // Offline alerts for sensors silent too long at `now`; open alerts read again, and those whose
  // condition has cleared resolved. The first Sweep also reads every sensor's last reading: run
  // one before ingest starts, so that a recovery is told apart from a first reading.
  Result<Counts> Sweep(Timestamp now);

  // The settings that apply to a tenant's sensors (read at most every 30 s per tenant).
  OperatorSettings SettingsFor(const std::optional<std::string>& tenant_id);

  Counts counts() const;

 private:
  using AlertSlot = std::pair<std::string, AlertKind>;  // sensor id, kind
  struct Heard {
    std::optional<Timestamp> last_seen;
    std::optional<double> battery;
    std::optional<std::string> zone_id;
    bool offline_raised = false;  // for this silence
  };
  struct CachedSettings {
    OperatorSettings settings;
    Timestamp read_at;
  };

  // The sensor's alert of `kind` raised (when none is open); `value` as the alert carries it.
  void Raise(const Sensor& sensor, AlertKind kind, AlertSeverity severity, std::string message,
             std::optional<double> value, Timestamp now);
  // The sensor's open alert of `kind` resolved by vdpark, when this keeper knows of one.
  void ResolveCleared(std::string_view sensor_id, AlertKind kind, Timestamp now);
  std::optional<std::string> TenantOf(const std::optional<std::string>& zone_id);
  Status LoadSensors(Timestamp now);

  OperatorStore& alerts_;
  RecordLookup& records_;
  const std::function<Result<std::vector<Sensor>>()> list_sensors_;
  const OperatorSettings defaults_;
  const Publish publish_;

  mutable std::mutex mu_;
  std::map<std::string, Heard, std::less<>> heard_;  // by sensor id
  std::set<AlertSlot> open_;                         // as last read or written here
  std::map<std::string, std::optional<std::string>, std::less<>> zone_tenants_;
  std::map<std::string, CachedSettings> settings_;  // by tenant id ("" = the operator's)
  bool loaded_ = false;
  Counts counts_;
};

}  // namespace vdpark
