// Ingestor: the event processor of SPEC §4 over a Store, without the transport. Whoever receives
// MQTT messages hands each one to Handle() with its topic, payload and receive time, and
// acknowledges it when Handle returns OK.
//
// For each message: parse, read the sensor (and the zone and bay of a status message), decide
// (DecideBayChange), write the LiveChange whole; when another writer changed the bay in between
// (kConditionFailed), read and decide again. A message that cannot be used is never an error:
// it is counted, logged and passed to the ErrorSink. Nor is a message whose records cannot be
// handled (ingest/failure_class.h: a stored record that cannot be decoded, a value refused, a
// bay that never stays as read): it is tried IngestConfig::unhandleable_attempts times with
// backoff, then counted (unhandleable), logged once at error level and passed to the ErrorSink
// with the reason "unhandleable: ...", so that one such message never holds up the others. Only
// a store failure is an error, and then the message is to be delivered again.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "common/status.h"
#include "ingest/bay_processor.h"
#include "ingest/ingest_metrics.h"
#include "ingest/sensor_message.h"
#include "store/live_store.h"
#include "store/record_store.h"

namespace vdpark {

// One change as written (or, replayed, as found stored).
struct AppliedChange {
  // What was written. A replayed change carries state, not deltas: bay_after and sensor as
  // stored, the event at the bay's last change (when there is one), bay_before unset and
  // occupied_delta 0, so a consumer applies it idempotently.
  LiveChange change;
  IngestOutcome outcome = IngestOutcome::kDuplicate;
  IngestAlerts alerts;
  Timestamp event_time;  // the time the message counts at; the sweep's `now` for kOffline
  Timestamp received;    // when the message arrived; the sweep's `now` for kOffline
  // True for a redelivered message: nothing was written now, the change is passed again for a
  // consumer that may have missed it (a crash after the commit, before the consumer saw it).
  bool replayed = false;
};

// Called after each committed change (and for each replayed one), on the thread that made it.
using ChangeSink = std::function<void(const AppliedChange& change)>;
// Called for each message that cannot be used: the caller publishes it to
// visiondrive/parking/errors. `reason` is "<class>: <error naming topic and field>".
using ErrorSink =
    std::function<void(std::string_view topic, std::string_view payload, std::string_view reason)>;

// The zone GiveUp reads to tell a store that is down from a message's own bad records: whether
// it exists does not matter, only that the read answers.
inline constexpr std::string_view kStoreProbeZoneId = "vdpark-store-probe";

class Ingestor {
 public:
  // `store` must outlive the Ingestor. Either sink may be empty.
  Ingestor(LiveStore& live, RecordStore& records, IngestConfig config = {},
           ChangeSink on_change = {}, ErrorSink on_error = {});

  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // Processes one message received at `received`. OK when it is done with: applied, found to be
  // late or a duplicate, rejected as unusable, or given up on as unhandleable after its bounded
  // tries (both counted, logged, sent to the ErrorSink). An error only when the store failed
  // (FailureClass::kStore, or a probe read failing too): the message is then not to be
  // acknowledged, so that it comes again. May sleep between tries (at most the sum of the
  // backoffs in IngestConfig). One thread at a time.
  Status Handle(std::string_view topic, std::string_view payload, Timestamp received);

  // Marks "offline", once, every sensor silent for longer than config.offline_after at `now`,
  // writing only the sensor; returns how many were marked. Silence is judged from what this
  // Ingestor has seen (sensors loaded with ReadMetadata on the first sweep; one never heard from
  // counts from that first sweep), confirmed against the stored sensor before it is marked, so
  // that messages taken by another worker count too. Safe to call while Handle runs on another
  // thread.
  Result<uint64_t> SweepOffline(Timestamp now);

  // Readable from any thread at any time.
  const IngestMetrics& metrics() const { return metrics_; }
  // The metrics in Prometheus text format.
  std::string MetricsText() const { return FormatPrometheus(metrics_); }
  const IngestConfig& config() const { return config_; }

 private:
  struct Heard {
    Timestamp last_seen;
    bool watched = true;  // not offline, and a status ingest manages
  };

  void Reject(std::string_view topic, std::string_view payload, const MessageRejection& r);
  Status StoreFailed(const SensorMessage& m, const Status& s);
  // One try of a parsed message: read, decide, write (deciding again after conflicts). The
  // store's errors as they came, for Handle to classify.
  Status Apply(std::string_view topic, std::string_view payload, const SensorMessage& m,
               Timestamp received, std::chrono::steady_clock::time_point started);
  // After `attempts` tries failed with `failure` (FailureClass::kMessage): OK once the message is
  // counted, logged and passed to the ErrorSink; the store's error when a probe read fails too.
  Status GiveUp(std::string_view topic, std::string_view payload, const SensorMessage& m,
                const Status& failure, int attempts);
  // Passes the stored state of a redelivered message's bay to the ChangeSink.
  Status Replay(const Bay& bay, const std::optional<Sensor>& sensor, Timestamp received,
                Timestamp event_time);
  void Count(const BayDecision& d);
  void Remember(const Sensor& sensor);  // requires mu_
  Status LoadSensors(Timestamp now);

  LiveStore& live_;
  RecordStore& records_;  // the fleet for the sweep, and earlier events by key
  const IngestConfig config_;
  const ChangeSink on_change_;
  const ErrorSink on_error_;
  IngestMetrics metrics_;

  // Serializes writes of Handle and the sweep, so that the sweep never writes a sensor over a
  // newer state, and guards heard_.
  std::mutex mu_;
  std::unordered_map<std::string, Heard> heard_;  // by sensor id
  std::mutex sweep_mu_;                           // one sweep at a time
  bool loaded_ = false;                           // guarded by sweep_mu_
};

}  // namespace vdpark
