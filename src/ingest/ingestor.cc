#include "ingest/ingestor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "ingest/failure_class.h"

namespace vdpark {

Ingestor::Ingestor(LiveStore& live, RecordStore& records, IngestConfig config, ChangeSink on_change,
                   ErrorSink on_error)
    : live_(live),
      records_(records),
      config_(std::move(config)),
      on_change_(std::move(on_change)),
      on_error_(std::move(on_error)) {}

void Ingestor::Reject(std::string_view topic, std::string_view payload, const MessageRejection& r) {
  metrics_.errors.fetch_add(1, std::memory_order_relaxed);
  metrics_.errors_by_reason[static_cast<size_t>(r.fault)].fetch_add(1, std::memory_order_relaxed);
  std::string reason(ToString(r.fault));
  reason += ": ";
  reason += r.status.message();
  spdlog::warn("ingest: message rejected, {}", reason);
  if (on_error_) on_error_(topic, payload, reason);
}

Status Ingestor::StoreFailed(const SensorMessage& m, const Status& s) {
  metrics_.store_failures.fetch_add(1, std::memory_order_relaxed);
  Status failed = s.WithContext("topic '" + m.topic + "'");
  spdlog::error("ingest: {} (left for redelivery)", failed.ToString());
  return failed;
}

void Ingestor::Count(const BayDecision& d) {
  auto bump = [](std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); };
  switch (d.outcome) {
    case IngestOutcome::kArrive:
      bump(metrics_.arrivals);
      break;
    case IngestOutcome::kLeave:
      bump(metrics_.departures);
      break;
    case IngestOutcome::kVacated:
      bump(metrics_.vacated);
      break;
    case IngestOutcome::kHeartbeat:
      bump(metrics_.heartbeats);
      break;
    case IngestOutcome::kLate:
      bump(metrics_.late);
      break;
    case IngestOutcome::kDuplicate:
      bump(metrics_.duplicates);
      break;
    case IngestOutcome::kHealth:
    case IngestOutcome::kOffline:
      break;
  }
  if (d.alerts.low_battery) bump(metrics_.low_battery_alerts);
  if (d.alerts.back_online) bump(metrics_.back_online);
}

void Ingestor::Remember(const Sensor& sensor) {
  Heard& h = heard_[sensor.sensor_id];
  if (sensor.last_seen && *sensor.last_seen > h.last_seen) h.last_seen = *sensor.last_seen;
  h.watched = sensor.status == std::nullopt || sensor.status == kSensorActive ||
              sensor.status == kSensorLowBattery;
}

Status Ingestor::Replay(const Bay& bay, const std::optional<Sensor>& sensor, Timestamp received,
                        Timestamp event_time) {
  if (!on_change_) return Status::OK();
  AppliedChange a;
  a.outcome = IngestOutcome::kDuplicate;
  a.replayed = true;
  a.received = received;
  a.event_time = event_time;
  a.change.bay_after = bay;
  a.change.sensor = sensor;
  if (bay.last_change) {
    ParkingEvent key{
        .zone_id = bay.zone_id, .bay_number = bay.bay_number, .timestamp = *bay.last_change};
    auto event = records_.GetEvent(key);
    if (event.ok()) {
      a.change.event = std::move(*event);
    } else if (!event.status().IsNotSupported()) {
      // The consumer may be missing this very event: better the message come again.
      return event.status();
    }
  }
  on_change_(a);
  return Status::OK();
}

Status Ingestor::Handle(std::string_view topic, std::string_view payload, Timestamp received) {
  const auto started = std::chrono::steady_clock::now();
  metrics_.messages.fetch_add(1, std::memory_order_relaxed);
  auto parsed = ParseOrRejectSensorMessage(topic, payload, config_.max_payload_bytes);
  if (auto* rejected = std::get_if<MessageRejection>(&parsed)) {
    Reject(topic, payload, *rejected);
    return Status::OK();
  }
  const SensorMessage& m = std::get<SensorMessage>(parsed);
  const bool is_status = m.kind == SensorMessageKind::kStatus;
  (is_status ? metrics_.status : metrics_.health).fetch_add(1, std::memory_order_relaxed);

  // The tries run here, inside the caller's MQTT callback, rather than by counting the broker's
  // redeliveries: a redelivery costs a session takeover and a reconnect (about 3 s each, measured),
  // a count keyed by payload would need a bounded map and would not see the deliveries another
  // process of a shared group takes, and a restart would forget it. Here the stream waits for at
  // most the bounded tries (100 + 400 ms by default) and every process gives up alike.
  const int attempts = std::max(1, config_.unhandleable_attempts);
  std::chrono::milliseconds wait = config_.unhandleable_backoff;
  for (int attempt = 1;; ++attempt) {
    Status s = Apply(topic, payload, m, received, started);
    if (s.ok()) return s;
    if (ClassifyFailure(s) == FailureClass::kStore) return StoreFailed(m, s);
    if (attempt >= attempts) return GiveUp(topic, payload, m, s, attempt);
    metrics_.unhandleable_retries.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("ingest: topic '{}': try {} of {} failed, again in {} ms: {}", m.topic, attempt,
                  attempts, wait.count(), s.ToString());
    std::this_thread::sleep_for(wait);
    wait = std::min<std::chrono::milliseconds>(wait * 4, std::chrono::seconds(5));
  }
}

Status Ingestor::GiveUp(std::string_view topic, std::string_view payload, const SensorMessage& m,
                        const Status& failure, int attempts) {
  // A store-wide failure may come back with a code of the message's class (refused or expired
  // credentials are kInvalidArgument): a store that cannot read an item unrelated to the message
  // either is down, and the message waits for it.
  auto probe = live_.GetZone(kStoreProbeZoneId);
  if (!probe.ok()) {
    return StoreFailed(m, probe.status().WithContext("the store fails a probe read too, after '" +
                                                     failure.ToString() + "'"));
  }
  metrics_.unhandleable.fetch_add(1, std::memory_order_relaxed);
  std::string reason = "unhandleable: ";
  reason += failure.WithContext("topic '" + m.topic + "'").ToString();
  reason += " (" + std::to_string(attempts) + (attempts == 1 ? " try" : " tries");
  reason += ", a retry cannot fix it)";
  spdlog::error("ingest: message given up on, sent to the errors topic and acknowledged: {}",
                reason);
  if (on_error_) on_error_(topic, payload, reason);
  return Status::OK();
}

Status Ingestor::Apply(std::string_view topic, std::string_view payload, const SensorMessage& m,
                       Timestamp received, std::chrono::steady_clock::time_point started) {
  const bool is_status = m.kind == SensorMessageKind::kStatus;
  auto record_lag = [&] {
    if (!m.ts) return;
    auto spent = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    metrics_.lag.Record((received - *m.ts) + spent.count());
  };

  std::lock_guard lock(mu_);
  for (int attempt = 0;; ++attempt) {
    VDPARK_ASSIGN_OR_RETURN(std::optional<Sensor> sensor, live_.GetSensor(m.device_id));
    std::optional<Zone> zone;
    std::optional<Bay> bay;
    if (is_status && sensor) {
      VDPARK_ASSIGN_OR_RETURN(zone, live_.GetZone(m.zone_id));
      VDPARK_ASSIGN_OR_RETURN(bay, live_.GetBay(m.zone_id, m.bay_number));
    }
    auto decided = DecideBayChange(m, received, zone, bay, sensor, config_);
    if (auto* rejected = std::get_if<MessageRejection>(&decided)) {
      Reject(topic, payload, *rejected);
      return Status::OK();
    }
    BayDecision& d = std::get<BayDecision>(decided);

    if (d.outcome == IngestOutcome::kDuplicate) {
      Count(d);
      record_lag();
      return Replay(*bay, sensor, received, d.event_time);
    }
    Status s = live_.ApplyLiveChange(d.change);
    if (s.IsConditionFailed()) {
      if (attempt >= config_.max_conflict_retries) {
        return Status::ConditionFailed("bay " + m.zone_id + "/" + m.bay_number +
                                       " still changing after " + std::to_string(attempt + 1) +
                                       " tries");
      }
      metrics_.conflicts_retried.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    VDPARK_RETURN_IF_ERROR(s);

    Count(d);
    if (d.change.sensor) Remember(*d.change.sensor);
    record_lag();
    if (on_change_) {
      on_change_(AppliedChange{.change = std::move(d.change),
                               .outcome = d.outcome,
                               .alerts = d.alerts,
                               .event_time = d.event_time,
                               .received = received});
    }
    return Status::OK();
  }
}

Status Ingestor::LoadSensors(Timestamp now) {
  auto skipped = [](const Rejected& r) {
    spdlog::warn("ingest: sensor sweep skips {}: {}", r.where, r.reason);
  };
  VDPARK_ASSIGN_OR_RETURN_WITH(auto md, records_.ReadMetadata(skipped),
                               "loading sensors for the offline sweep");
  std::lock_guard lock(mu_);
  for (const Sensor& s : md.sensors) {
    // A sensor never heard from counts as heard at the first sweep; one Handle saw meanwhile
    // keeps the newer of the two.
    auto [it, inserted] = heard_.try_emplace(s.sensor_id, Heard{s.last_seen.value_or(now)});
    if (inserted) Remember(s);
  }
  return Status::OK();
}

Result<uint64_t> Ingestor::SweepOffline(Timestamp now) {
  std::lock_guard sweep_lock(sweep_mu_);
  if (!loaded_) {
    Status s = LoadSensors(now);
    if (!s.ok()) {
      metrics_.store_failures.fetch_add(1, std::memory_order_relaxed);
      return s;
    }
    loaded_ = true;
  }
  std::vector<std::string> silent;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, h] : heard_) {
      if (h.watched && now - h.last_seen > config_.offline_after.count()) silent.push_back(id);
    }
  }

  uint64_t marked = 0;
  for (const std::string& id : silent) {
    std::lock_guard lock(mu_);
    // The stored sensor decides: another worker may have heard from it, or an operator changed it.
    auto stored = live_.GetSensor(id);
    if (!stored.ok()) {
      metrics_.store_failures.fetch_add(1, std::memory_order_relaxed);
      return stored.status().WithContext("offline sweep, sensor " + id);
    }
    if (!*stored) {
      heard_.erase(id);
      continue;
    }
    Heard& h = heard_[id];
    Timestamp last_heard = h.last_seen;
    if ((*stored)->last_seen && *(*stored)->last_seen > last_heard) {
      last_heard = *(*stored)->last_seen;
    }
    std::optional<Sensor> offline = MarkOfflineIfSilent(**stored, last_heard, now, config_);
    if (!offline) {
      Remember(**stored);
      continue;
    }
    LiveChange change;
    change.sensor = std::move(offline);
    Status s = live_.ApplyLiveChange(change);
    if (!s.ok()) {
      metrics_.store_failures.fetch_add(1, std::memory_order_relaxed);
      return s.WithContext("offline sweep, sensor " + id);
    }
    Remember(*change.sensor);
    metrics_.offline.fetch_add(1, std::memory_order_relaxed);
    ++marked;
    spdlog::info("ingest: sensor {} offline, last heard {}", id, last_heard.ToIso());
    if (on_change_) {
      AppliedChange a{.change = std::move(change),
                      .outcome = IngestOutcome::kOffline,
                      .event_time = now,
                      .received = now};
      a.alerts.offline = true;
      on_change_(a);
    }
  }
  return marked;
}

}  // namespace vdpark
