#include "ingest/ingest_service.h"

#include <spdlog/spdlog.h>

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
  Status s = subscriber_ ? subscriber_->Stop() : Status::OK();
  if (sweeper_.joinable()) sweeper_.join();
  if (errors_) {
    Status flushed = errors_->Flush(std::chrono::seconds(5));
    if (!flushed.ok()) spdlog::warn("errors topic: {}", flushed.ToString());
  }
  return s;
}

bool IngestService::OnMessage(std::string_view topic, std::string_view payload) {
  Status s = ingestor_->Handle(topic, payload, Timestamp::Now());
  if (s.ok()) return true;
  // The store failed: leave the message unacknowledged, so that it comes again.
  spdlog::error("topic {}: not acknowledged, will come again: {}", topic, s.ToString());
  return false;
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
         });
}

}  // namespace vdpark
