// EventStream: the live feed of GET /stream (server-sent events), one event per bay change.
//
// Ingest publishes from its own thread (through Sink(), a ChangeSink); each subscriber (one open
// /stream connection) has a bounded queue that Publish only appends to, so a slow client never
// holds ingest up: one that falls more than queue_limit events behind is closed and dropped, and
// its connection ends (the browser's EventSource reconnects by itself). A tenant's subscriber
// gets only the events of its tenant's zones.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/api_keys.h"
#include "domain/alert.h"
#include "ingest/ingestor.h"
#include "store/change_feed.h"
#include "store/record_lookup.h"

namespace vdpark {

// A bay change as the stream sends it, one JSON object on one line:
// {"type":"bay","zoneId","bayNumber","status","lastChange"[,"eventType","duration","revenue"]}.
// nullopt for what moves no bay: heartbeats, health messages, late messages, duplicates, the
// offline sweep, and replays (the stream had them when they were first written).
std::optional<std::string> BayChangeJson(const AppliedChange& change);
// The same line for a change a store's own feed told (store/change_feed.h).
std::string BayChangeJson(const BayChange& change);

struct EventStreamOptions {
  size_t queue_limit = 1024;  // events waiting per subscriber; one more and it is dropped
  std::chrono::milliseconds heartbeat{15000};  // a comment line on a quiet stream this often
};

class EventStream {
 public:
  using Options = EventStreamOptions;

  // The tenant of a zone; nullopt when the zone is unknown or has none (then only operators see
  // its events). Called on the publishing thread; a tenant found is cached for the zone.
  using ZoneTenantFn = std::function<std::optional<std::string>(std::string_view zone_id)>;
  // Reads zones' tenants from `store` (which must outlive the stream).
  static ZoneTenantFn TenantsFrom(RecordLookup& store);

  class Subscription {
   public:
    // The events queued since the last call, oldest first.
    std::vector<std::string> Take();
    // True once the subscriber was dropped (it fell behind) or the stream closed: the server
    // then ends the connection.
    bool closed() const;
    const Caller& caller() const { return caller_; }

   private:
    friend class EventStream;
    Subscription(Caller caller, std::function<void()> notify)
        : caller_(std::move(caller)), notify_(std::move(notify)) {}
    const Caller caller_;
    const std::function<void()> notify_;
    mutable std::mutex mu_;
    std::deque<std::string> queue_;  // guarded by mu_
    bool closed_ = false;            // guarded by mu_
  };

  explicit EventStream(ZoneTenantFn zone_tenant = {}, Options options = {});
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // A new subscriber seeing what `caller` may see. `notify` is called (on the publishing thread,
  // with no lock held) each time an event is queued for it or it is closed; it must not block:
  // the server posts a wake-up to the connection's strand.
  std::shared_ptr<Subscription> Subscribe(Caller caller, std::function<void()> notify);
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  // Queues `json_line` (one line of JSON, no newline) for every subscriber that sees `zone_id`.
  // Never blocks on a subscriber.
  void Publish(std::string_view zone_id, std::string json_line);
  // A ChangeSink for the Ingestor: publishes BayChangeJson of each change. The stream must
  // outlive the sink.
  ChangeSink Sink();
  // Publishes BayChangeJson of a change a store's feed told: what the stream sends when the store
  // tells every writer's changes (DynamoDB's stream), in place of Sink().
  void PublishChange(const BayChange& change);
  // Publishes {"type":"alert", ...AlertJson} to the subscribers that see the alert's zone (an
  // alert without a zone: operators only).
  void PublishAlert(const Alert& alert);

  // Closes every subscription (the server is stopping).
  void CloseAll();

  const Options& options() const { return options_; }
  size_t subscribers() const;
  uint64_t published() const { return published_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // vdpark_stream_* gauges and counters in Prometheus text format.
  std::string PrometheusText() const;

 private:
  std::optional<std::string> TenantOf(std::string_view zone_id);

  const ZoneTenantFn zone_tenant_;
  const Options options_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subscribers_;  // guarded by mu_
  std::mutex tenants_mu_;
  std::unordered_map<std::string, std::string> tenants_;  // zone -> tenant; guarded by tenants_mu_
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace vdpark
