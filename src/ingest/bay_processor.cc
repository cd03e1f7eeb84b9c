#include "ingest/bay_processor.h"

#include <string>

namespace vdpark {

namespace {

bool ManagedStatus(const std::optional<std::string>& status) {
  return !status || *status == kSensorActive || *status == kSensorLowBattery ||
         *status == kSensorOffline;
}

MessageRejection Reject(MessageFault fault, const SensorMessage& m, std::string_view what) {
  std::string msg = "topic '" + m.topic + "': deviceId '" + m.device_id + "' ";
  msg.append(what);
  return {fault, Status::InvalidArgument(msg)};
}

// The sensor after hearing from it: battery, signal and lastSeen always; the status (and its
// alerts) when ingest manages it. The low-battery alert is raised on the way into "low_battery"
// only, so once per sensor until a reading at or above the threshold brings it back to "active".
Sensor HeardFrom(const Sensor& old, const SensorMessage& m, Timestamp received,
                 const IngestConfig& config, IngestAlerts* alerts) {
  Sensor s = old;
  if (m.battery) s.last_battery = m.battery;
  if (m.signal) s.last_signal = m.signal;
  if (!s.last_seen || received > *s.last_seen) s.last_seen = received;
  if (!ManagedStatus(old.status)) return s;

  std::string next(old.status.value_or(std::string(kSensorActive)));
  if (next == kSensorOffline) {
    alerts->back_online = true;
    // Offline hides whether the battery was low; the last reading says, and its alert was raised
    // when it came in.
    bool was_low = old.last_battery && *old.last_battery < config.low_battery_percent;
    next = was_low ? kSensorLowBattery : kSensorActive;
  }
  if (m.battery) {
    if (*m.battery < config.low_battery_percent) {
      if (next != kSensorLowBattery) alerts->low_battery = true;
      next = kSensorLowBattery;
    } else {
      if (next == kSensorLowBattery) alerts->battery_recovered = true;
      next = kSensorActive;
    }
  }
  s.status = std::move(next);
  return s;
}

}  // namespace

std::string_view ToString(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::kArrive:
      return "arrive";
    case IngestOutcome::kLeave:
      return "leave";
    case IngestOutcome::kVacated:
      return "vacated";
    case IngestOutcome::kHeartbeat:
      return "heartbeat";
    case IngestOutcome::kHealth:
      return "health";
    case IngestOutcome::kLate:
      return "late";
    case IngestOutcome::kDuplicate:
      return "duplicate";
    case IngestOutcome::kOffline:
      return "offline";
  }
  return "duplicate";
}

Timestamp EventTime(const SensorMessage& message, Timestamp received, const IngestConfig& config) {
  if (!message.ts) return received;
  int64_t skew = *message.ts - received;
  if (skew < 0) skew = -skew;
  return skew <= config.max_clock_skew.count() ? *message.ts : received;
}

OrRejection<BayDecision> DecideBayChange(const SensorMessage& message, Timestamp received,
                                         const std::optional<Zone>& zone,
                                         const std::optional<Bay>& bay,
                                         const std::optional<Sensor>& sensor,
                                         const IngestConfig& config) {
  if (!sensor) return Reject(MessageFault::kUnknownSensor, message, "is not a registered sensor");
  bool here = sensor->zone_id == message.zone_id && sensor->bay_number == message.bay_number;
  if (!sensor->zone_id && !sensor->bay_number) {
    here = bay && bay->sensor_id == message.device_id;
  }
  if (!here) {
    if (!sensor->zone_id && !sensor->bay_number) {
      return Reject(MessageFault::kWrongBay, message, "is registered to no bay");
    }
    return Reject(MessageFault::kWrongBay, message,
                  "is registered to bay " + sensor->zone_id.value_or("?") + "/" +
                      sensor->bay_number.value_or("?"));
  }

  BayDecision d;
  d.event_time = EventTime(message, received, config);
  Sensor heard = HeardFrom(*sensor, message, received, config, &d.alerts);
  if (message.kind == SensorMessageKind::kHealth) {
    d.outcome = IngestOutcome::kHealth;
    d.change.sensor = std::move(heard);
    return d;
  }

  if (!zone) {
    return Reject(MessageFault::kUnknownBay, message,
                  "reports for zone '" + message.zone_id + "', which does not exist");
  }
  if (!bay) {
    return Reject(MessageFault::kUnknownBay, message,
                  "reports for bay '" + message.bay_number + "' of zone '" + message.zone_id +
                      "', which does not exist");
  }

  const Bay& b = *bay;
  const BayStatus status = message.status.value_or(BayStatus::kUnknown);
  const Timestamp t = d.event_time;
  auto duplicate = [&] {
    BayDecision nothing;
    nothing.outcome = IngestOutcome::kDuplicate;
    nothing.event_time = t;
    return nothing;
  };
  auto late = [&] {
    d.outcome = IngestOutcome::kLate;
    d.change.sensor = std::move(heard);
    return d;
  };
  // A redelivery carries the time and status already applied; anything else not newer than what
  // the bay knows cannot move it backwards. At the very instant of the last change the first
  // message stands: two changes cannot share an event key.
  if (b.last_change && t <= *b.last_change) {
    return t == *b.last_change && status == b.status ? duplicate() : late();
  }
  if (b.last_heartbeat && t <= *b.last_heartbeat) {
    return status == b.status ? duplicate() : late();
  }

  Bay after = b;
  ParkingEvent event{.zone_id = b.zone_id,
                     .bay_number = b.bay_number,
                     .sensor_id = message.device_id,
                     .timestamp = t,
                     .detection_mode = message.mode};
  if (status == b.status) {
    d.outcome = IngestOutcome::kHeartbeat;
    after.last_heartbeat = t;
  } else if (status == BayStatus::kOccupied) {
    d.outcome = IngestOutcome::kArrive;
    after.status = BayStatus::kOccupied;
    after.last_change = t;
    after.occupied_since = t;
    event.event_type = EventType::kArrive;
    d.change.event = std::move(event);
    d.change.occupied_delta = 1;
  } else if (b.status == BayStatus::kOccupied) {
    d.outcome = IngestOutcome::kLeave;
    std::optional<Timestamp> since = b.occupied_since ? b.occupied_since : b.last_change;
    if (since) {
      event.duration_minutes = DurationMinutes(*since, t);
      if (zone->price_per_hour) {
        event.revenue =
            Revenue(*zone->price_per_hour,
                    BillableMicros(*since, t, zone->operating_hours, config.zone_offset));
      }
    }
    after.status = BayStatus::kVacant;
    after.last_change = t;
    after.occupied_since.reset();
    event.event_type = EventType::kLeave;
    d.change.event = std::move(event);
    d.change.occupied_delta = -1;
  } else {
    d.outcome = IngestOutcome::kVacated;
    after.status = BayStatus::kVacant;
    after.last_change = t;
    after.occupied_since.reset();
  }
  d.change.bay_before = b;
  d.change.bay_after = std::move(after);
  d.change.sensor = std::move(heard);
  return d;
}

std::optional<Sensor> MarkOfflineIfSilent(const Sensor& sensor, Timestamp last_heard, Timestamp now,
                                          const IngestConfig& config) {
  if (!ManagedStatus(sensor.status) || sensor.status == kSensorOffline) return std::nullopt;
  if (now - last_heard <= config.offline_after.count()) return std::nullopt;
  Sensor offline = sensor;
  offline.status = std::string(kSensorOffline);
  return offline;
}

}  // namespace vdpark
