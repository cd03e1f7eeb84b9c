// IngestService: the ingest half of `vdpark serve` (SPEC §4): sensor messages from an MQTT
// broker into the Ingestor, unusable ones out to the errors topic (in the format of
// ingest/error_message.h: valid JSON, the payload cut at 4 KiB, base64 when not UTF-8), and the
// offline sweep.
//
// With an intake log (IngestServiceOptions::intake_dir, serve's default), the message callback
// appends each message to the log (intake_log.h) and returns, so that Paho acknowledges it once it
// is on disk; the applier thread hands the log's messages to the Ingestor in order and removes
// them once handled. A process killed at any moment finds in its log what it acknowledged and had
// not handled, and handles it at its next start (again, for what it had handled but not yet
// removed: the Ingestor decides those duplicates). When the store fails, the applier waits and
// tries the same message again; the log holds what arrives meanwhile, up to intake_max messages,
// and then the callback waits for room (and the broker, its in-flight window full, stops sending).
//
// Without one, a message is handled inside the callback and acknowledged only once the Ingestor
// has written it (or found it to be a duplicate, late, or unusable, or given up on it): a process
// killed at any moment gets its unacknowledged messages again from its persistent session. When
// the store fails, the message is left unacknowledged and comes again after a reconnect.
//
// Either way, a message whose own records cannot be handled (ingest/failure_class.h) does not hold
// up the others: the Ingestor tries it IngestConfig::unhandleable_attempts times, then it goes to
// the errors topic with the reason "unhandleable: ..." and is done with.
//
// Before subscribing, each zone's occupiedBays is reconciled with its bays
// (LiveStore::ReconcileOccupancy): a store without transactions (dynalite) could have been left off
// by a crash between its writes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "ingest/ingestor.h"
#include "ingest/intake_log.h"
#include "ingest/mqtt_client.h"
#include "store/live_store.h"
#include "store/record_store.h"

namespace vdpark {

struct IngestServiceOptions {
  std::string mqtt_url;  // mqtt://host:port or mqtts://host:8883?ca=...&cert=...&key=...
  // The broker keeps the session (and the messages not yet acknowledged) under this id: keep it
  // the same across restarts, and different for each process.
  std::string client_id = "vdpark-serve";
  std::string shared_group;  // "" or an MQTT 5 shared-subscription group to split sensors over
  std::string topic_root = "visiondrive/parking";  // {root}/{zone}/{bay}/status|health
  IngestConfig ingest;
  std::chrono::milliseconds sweep_every{std::chrono::seconds(60)};  // the offline sweep
  bool reconcile_on_start = true;
  // Sees every message set aside as unusable or unhandleable, after it went to the errors topic
  // (the alerts' detection issues); may be empty.
  ErrorSink on_rejected;
  // The intake log's folder (one process's own: the log is locked while open); "" = handle each
  // message inside the callback. At most intake_max messages wait in it.
  std::string intake_dir;
  size_t intake_max = 100'000;
  // For the tests: the process kills itself (SIGKILL) right after the applier has handled this
  // many messages, before it removes them from the log. 0: never.
  uint64_t crash_after_applied = 0;
};

class IngestService {
 public:
  // Reconciles the counters, connects the errors publisher and subscribes; returns once
  // subscribed (Unavailable when the broker cannot be reached within `connect_timeout`).
  // `on_change` (may be empty) sees every committed change: the mirror, the live stream.
  static Result<std::unique_ptr<IngestService>> Start(
      LiveStore& live, RecordStore& records, IngestServiceOptions options, ChangeSink on_change,
      std::chrono::milliseconds connect_timeout = std::chrono::seconds(10));
  ~IngestService();  // Stop()s

  // Disconnects (a message being handled finishes first), stops the sweep. Idempotent.
  Status Stop();

  const IngestMetrics& metrics() const { return ingestor_->metrics(); }
  MqttSubscriber::Stats mqtt_stats() const { return subscriber_->stats(); }
  uint64_t errors_published() const { return errors_published_; }
  // Ingest and MQTT metrics in Prometheus text format.
  std::string MetricsText() const;

 private:
  IngestService(LiveStore& live, RecordStore& records, IngestServiceOptions options,
                ChangeSink on_change);
  bool OnMessage(std::string_view topic, std::string_view payload);
  bool AppendToIntake(std::string_view topic, std::string_view payload);
  void ApplyLoop();
  // Handles one message of the log, waiting out store failures; false when stopping first.
  bool ApplyOne(const IntakeMessage& m);
  void PublishError(std::string_view topic, std::string_view payload, std::string_view reason);
  void SweepLoop();

  const IngestServiceOptions options_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<MqttPublisher> errors_;  // visiondrive/parking/errors
  std::unique_ptr<IntakeLog> intake_;      // null without an intake log
  std::unique_ptr<MqttSubscriber> subscriber_;
  std::atomic<uint64_t> errors_published_{0}, errors_unpublished_{0};
  std::atomic<uint64_t> applied_{0};  // messages of the log handled

  std::mutex mu_;
  std::condition_variable cv_;    // stopping_, and the sweep's period
  std::condition_variable room_;  // the log has room again, or stopping_
  bool stopping_ = false;
  bool subscriber_stopped_ = false;  // nothing more is appended: the applier drains and ends
  std::thread sweeper_, applier_;
};

}  // namespace vdpark
