// The bay state machine of SPEC §4: what one sensor message does to its bay, its zone's counter
// and its sensor. Pure functions, no I/O: the Ingestor reads the records, asks here, and writes
// the LiveChange that comes back.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/billing.h"
#include "domain/model.h"
#include "domain/timestamp.h"
#include "ingest/sensor_message.h"
#include "store/live_store.h"

namespace vdpark {

struct IngestConfig {
  // A message's ts is its event time when it is within this of the receive time; otherwise the
  // receive time is (a sensor's clock may be wrong).
  std::chrono::microseconds max_clock_skew = std::chrono::minutes(5);
  // A reported battery (percent) under this raises the sensor's low-battery alert, once.
  int64_t low_battery_percent = 20;
  // A sensor silent for longer than this is marked offline: three missed 30-minute heartbeats.
  std::chrono::microseconds offline_after = std::chrono::minutes(90);
  // The zones' local time, in which operating hours are read (Asia/Dubai, +04:00).
  UtcOffset zone_offset;
  // Larger payloads are rejected unread.
  size_t max_payload_bytes = 4096;
  // How many times a message is decided again after another writer changed its bay first.
  int max_conflict_retries = 16;
  // A message whose handling fails with an error a retry cannot fix (ingest/failure_class.h) is
  // tried this many times in all (values under 1 count as 1), waiting unhandleable_backoff before
  // the second try and four times longer before each next one (100 ms, 400 ms, ...; each wait at
  // most 5 s), then published to the errors topic and acknowledged. The tries run inside the
  // MQTT callback, which holds the stream meanwhile: keep their sum far under the MQTT keep-alive
  // (30 s).
  int unhandleable_attempts = 3;
  std::chrono::milliseconds unhandleable_backoff{100};
};

// The sensor statuses ingest sets. Other statuses ("maintenance", "retired", ...) belong to
// operators: ingest leaves them as they are and raises no alerts for those sensors.
inline constexpr std::string_view kSensorActive = "active";
inline constexpr std::string_view kSensorLowBattery = "low_battery";
inline constexpr std::string_view kSensorOffline = "offline";

// What a message did.
enum class IngestOutcome {
  kArrive,     // vacant/unknown -> occupied: an ARRIVE event, occupiedBays + 1
  kLeave,      // occupied -> vacant: a LEAVE event with duration and revenue, occupiedBays - 1
  kVacated,    // unknown -> vacant: no event, no counter change
  kHeartbeat,  // same status: lastHeartbeat moves
  kHealth,     // a health message: the sensor only
  kLate,       // older than the bay's last change: the bay stays, the sensor is updated
  kDuplicate,  // a redelivery (or not newer than the last heartbeat): nothing changes
  kOffline,    // not a message: the offline sweep marked the sensor offline
};
// "arrive", "leave", "vacated", "heartbeat", "health", "late", "duplicate", "offline".
std::string_view ToString(IngestOutcome outcome);

// Alerts raised by a change, each once per occurrence rather than once per message.
struct IngestAlerts {
  bool low_battery = false;        // the battery fell under the threshold
  bool battery_recovered = false;  // it is back at or above it
  bool back_online = false;        // a sensor marked offline was heard from again
  bool offline = false;            // the sweep marked the sensor offline
  bool any() const { return low_battery || battery_recovered || back_online || offline; }
};

struct BayDecision {
  // What to write. For a bay change (arrive, leave, vacated, heartbeat) bay_before is the bay as
  // given, so the write applies only while the stored bay is still that one; bay_after the whole
  // new bay. Late and health messages change only the sensor (no bay in the change); a duplicate
  // changes nothing (an empty change).
  LiveChange change;
  IngestOutcome outcome = IngestOutcome::kDuplicate;
  IngestAlerts alerts;
  Timestamp event_time;  // the time the message counts at (see EventTime)
};

// The message's ts when present and within config.max_clock_skew of `received`; `received`
// otherwise.
Timestamp EventTime(const SensorMessage& message, Timestamp received, const IngestConfig& config);

// Decides what `message`, received at `received`, does given the records as read (nullopt: not
// found). `zone` and `bay` are needed for status messages only. A rejection (kInvalidArgument
// naming the topic and deviceId) when the sensor is unknown (kUnknownSensor), registered to
// another bay (kWrongBay; a sensor with no registration is accepted when the bay names it), or
// when the topic's zone or bay does not exist (kUnknownBay).
OrRejection<BayDecision> DecideBayChange(const SensorMessage& message, Timestamp received,
                                         const std::optional<Zone>& zone,
                                         const std::optional<Bay>& bay,
                                         const std::optional<Sensor>& sensor,
                                         const IngestConfig& config);

// `sensor` marked offline when it has been silent (last heard at `last_heard`) for longer than
// config.offline_after at `now`; nullopt when it has not, is offline already, or has a status
// ingest does not manage.
std::optional<Sensor> MarkOfflineIfSilent(const Sensor& sensor, Timestamp last_heard, Timestamp now,
                                          const IngestConfig& config);

}  // namespace vdpark
