#include "ingest/ingest_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <optional>

#include "common/metric_families.h"
#include "ingest/error_message.h"

namespace vdpark {

IngestService::IngestService(LiveStore& live, RecordStore& records, IngestServiceOptions options,
                             ChangeSink on_change)
    : options_(std::move(options)) {
  ingestor_ = std::make_unique<Ingestor>(
      live, records, options_.ingest, std::move(on_change),
      [this](std::string_view topic, std::string_view payload, std::string_view reason) {
        PublishError(topic, payload, reason);
        if (options_.on_rejected) options_.on_rejected(topic, payload, reason);
      });
}

Result<std::unique_ptr<IngestService>> IngestService::Start(
    LiveStore& live, RecordStore& records, IngestServiceOptions options, ChangeSink on_change,
    std::chrono::milliseconds connect_timeout) {
  VDPARK_ASSIGN_OR_RETURN(auto broker, ParseMqttUrl(options.mqtt_url));
  if (options.reconcile_on_start) {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto fixed, live.ReconcileOccupancy(), "reconciling occupiedBays");
    if (fixed > 0) spdlog::warn("reconciled occupiedBays of {} zones with their bays", fixed);
  }
  std::unique_ptr<IngestService> service(
      new IngestService(live, records, std::move(options), std::move(on_change)));
  const IngestServiceOptions& o = service->options_;

  if (!o.intake_dir.empty()) {
    VDPARK_ASSIGN_OR_RETURN_WITH(service->intake_, IntakeLog::Open(o.intake_dir), "the intake log");
    if (service->intake_->size() > 0) {
      spdlog::info("intake log {}: {} messages taken before the last stop, handled first",
                   o.intake_dir, service->intake_->size());
    }
  }

  MqttPublisherOptions pub;
  pub.client_id = o.client_id + "-errors";
  pub.connect_timeout = std::chrono::duration_cast<std::chrono::seconds>(connect_timeout);
  VDPARK_ASSIGN_OR_RETURN_WITH(service->errors_, MqttPublisher::Connect(broker, pub),
                               "connecting the errors publisher");

  MqttSubscriberOptions sub;
  sub.topics = {o.topic_root + "/+/+/status", o.topic_root + "/+/+/health"};
  sub.shared_group = o.shared_group;
  sub.client_id = o.client_id;
  IngestService* self = service.get();
  // The applier starts before the subscription: what the log holds from before goes first.
  if (service->intake_) service->applier_ = std::thread([self] { self->ApplyLoop(); });
  VDPARK_ASSIGN_OR_RETURN(
      service->subscriber_,
      MqttSubscriber::Start(broker, sub,
                            [self](std::string_view topic, std::string_view payload, bool) {
                              return self->OnMessage(topic, payload);
                            }));
  VDPARK_RETURN_IF_ERROR(service->subscriber_->WaitConnected(connect_timeout)
                             .WithContext("subscribing at " + broker.display));
  service->sweeper_ = std::thread([self] { self->SweepLoop(); });
  spdlog::info("ingesting {}/+/+/status|health from {} as {}{}", o.topic_root, broker.display,
               o.client_id, o.shared_group.empty() ? "" : " in group " + o.shared_group);
  return service;
}

IngestService::~IngestService() {
  (void)Stop();
}

Status IngestService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::OK();
    stopping_ = true;
  }
  cv_.notify_all();
  room_.notify_all();
  Status s = subscriber_ ? subscriber_->Stop() : Status::OK();
  {
    std::lock_guard lock(mu_);
    subscriber_stopped_ = true;
  }
  if (intake_) intake_->Close();  // the applier takes what is left, then ends
  if (applier_.joinable()) applier_.join();
  if (sweeper_.joinable()) sweeper_.join();
  if (errors_) {
    Status flushed = errors_->Flush(std::chrono::seconds(5));
    if (!flushed.ok()) spdlog::warn("errors topic: {}", flushed.ToString());
  }
  return s;
}

bool IngestService::OnMessage(std::string_view topic, std::string_view payload) {
  if (intake_) return AppendToIntake(topic, payload);
  Status s = ingestor_->Handle(topic, payload, Timestamp::Now());
  if (s.ok()) return true;
  // The store failed: leave the message unacknowledged, so that it comes again.
  spdlog::error("topic {}: not acknowledged, will come again: {}", topic, s.ToString());
  return false;
}

bool IngestService::AppendToIntake(std::string_view topic, std::string_view payload) {
  {
    // A full log (the store down for long): wait for room, holding up Paho (and so the broker).
    std::unique_lock lock(mu_);
    room_.wait(lock, [this] { return stopping_ || intake_->size() < options_.intake_max; });
  }
  Result<uint64_t> appended = intake_->Append(Timestamp::Now(), topic, payload);
  if (!appended.ok()) {
    spdlog::error("topic {}: not acknowledged, will come again: {}", topic,
                  appended.status().ToString());
    return false;
  }
  return true;  // Paho writes the PUBACK now
}

void IngestService::ApplyLoop() {
  constexpr size_t kBatch = 256;
  // Once the subscriber has stopped, what is left is handled for at most this long; the rest
  // stays in the log for the next start.
  constexpr auto kDrainOnStop = std::chrono::seconds(5);
  std::optional<std::chrono::steady_clock::time_point> drain_until;
  uint64_t handled = 0, acked = 0;  // the last sequence handled, and removed from the log
  // Removing costs a write: done a batch at a time, and whenever the log is caught up with. A
  // crash before it only makes the next start handle those messages again, as duplicates.
  auto remove_handled = [&] {
    if (handled == acked) return;
    Status s = intake_->Ack(handled);
    if (!s.ok()) spdlog::error("intake log: {}", s.ToString());
    acked = handled;
    room_.notify_all();
  };
  for (;;) {
    std::vector<IntakeMessage> batch = intake_->Take(kBatch, std::chrono::milliseconds(100));
    if (batch.empty()) {
      remove_handled();
      std::lock_guard lock(mu_);
      if (subscriber_stopped_) return;  // Take returns at once after Close: all handled
      continue;
    }
    if (drain_until && std::chrono::steady_clock::now() > *drain_until) {
      remove_handled();
      spdlog::info("intake log: {} messages left for the next start", intake_->size());
      return;
    }
    for (const IntakeMessage& m : batch) {
      if (!m.status.ok()) {
        // Not this build's entry, or a damaged one: said, and set aside (it cannot be read).
        spdlog::error("{}: set aside", m.status.ToString());
      } else if (!ApplyOne(m)) {
        remove_handled();  // stopping while the store fails: the rest waits for the next start
        return;
      }
      handled = m.sequence;
      if (options_.crash_after_applied > 0 &&
          applied_.load(std::memory_order_relaxed) == options_.crash_after_applied) {
        raise(SIGKILL);  // the test's moment: handled, not yet removed from the log
      }
    }
    if (handled - acked >= kBatch) remove_handled();
    if (!drain_until) {
      std::lock_guard lock(mu_);
      if (subscriber_stopped_) drain_until = std::chrono::steady_clock::now() + kDrainOnStop;
    }
  }
}

bool IngestService::ApplyOne(const IntakeMessage& m) {
  auto backoff = std::chrono::milliseconds(100);
  for (int attempt = 0;; ++attempt) {
    Status s = ingestor_->Handle(m.topic, m.payload, m.received);
    if (s.ok()) {
      applied_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    // The store failed: the message stays first in the log and is tried again.
    if (attempt == 0 || attempt % 10 == 0) {
      spdlog::error("topic {}: the store failed, trying again (attempt {}): {}", m.topic,
                    attempt + 1, s.ToString());
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, backoff, [this] { return stopping_; })) return false;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

void IngestService::PublishError(std::string_view topic, std::string_view payload,
                                 std::string_view reason) {
  // The original payload (its first 4 KiB, base64 when it is not UTF-8), with where it came from
  // and why it was refused, for whoever watches the errors topic: always valid JSON
  // (ingest/error_message.h).
  Status s = errors_->PublishAsync(options_.topic_root + "/errors",
                                   ErrorTopicMessage(topic, payload, reason, Timestamp::Now()), 1);
  if (s.ok()) {
    ++errors_published_;
  } else {
    ++errors_unpublished_;  // counted and logged by the Ingestor already: nothing is lost
    spdlog::warn("could not publish to {}/errors: {}", options_.topic_root, s.ToString());
  }
}

void IngestService::SweepLoop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, options_.sweep_every, [this] { return stopping_; })) {
    lock.unlock();
    auto marked = ingestor_->SweepOffline(Timestamp::Now());
    if (!marked.ok()) {
      spdlog::warn("offline sweep: {}", marked.status().ToString());
    } else if (*marked > 0) {
      spdlog::warn(
          "{} sensors offline (silent for more than {} min)", *marked,
          std::chrono::duration_cast<std::chrono::minutes>(options_.ingest.offline_after).count());
    }
    lock.lock();
  }
}

std::string IngestService::MetricsText() const {
  const MqttSubscriber::Stats st = subscriber_->stats();
  auto count = [](uint64_t v) { return static_cast<double>(v); };
  return ingestor_->MetricsText() +
         PrometheusText({
             CounterFamily("vdpark_mqtt_received_total", "Messages handed to the processor.",
                           count(st.received)),
             CounterFamily("vdpark_mqtt_redelivered_total",
                           "Messages the broker sent again (DUP flag).", count(st.duplicates)),
             CounterFamily("vdpark_mqtt_not_acknowledged_total",
                           "Messages left for the broker to send again.", count(st.rejected)),
             CounterFamily("vdpark_mqtt_reconnects_total", "Connections made after the first.",
                           count(st.reconnects)),
             CounterFamily("vdpark_mqtt_session_taken_over_total",
                           "Connections the broker closed because another connection took the "
                           "session over (another process with the same client id).",
                           count(st.session_taken_over)),
             CounterFamily("vdpark_mqtt_errors_published_total",
                           "Unusable and unhandleable messages published to the errors topic.",
                           count(errors_published_.load())),
             GaugeFamily("vdpark_intake_messages",
                         "Messages acknowledged to the broker and not yet handled (the intake "
                         "log).",
                         intake_ ? count(intake_->size()) : 0),
             GaugeFamily("vdpark_intake_oldest_seconds",
                         "How long the oldest message of the intake log has waited.",
                         intake_ ? static_cast<double>(intake_->OldestAgeMicros()) / 1e6 : 0),
             CounterFamily("vdpark_intake_applied_total", "Messages of the intake log handled.",
                           count(applied_.load())),
         });
}

}  // namespace vdpark
