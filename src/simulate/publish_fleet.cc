#include "simulate/publish_fleet.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "common/progress.h"
#include "simulate/pacer.h"

namespace vdpark {

namespace {

// PublishAsync, and once more after the connection is back when it fails at once (the publisher
// buffers nothing while disconnected, so the message was not sent).
Status PublishOne(MqttPublisher& pub, const SimulatedMessage& m) {
  Status s = pub.PublishAsync(m.topic, m.payload, 1);
  if (s.ok() || s.IsInvalidArgument()) return s;
  spdlog::warn("{}; waiting for the broker", s.ToString());
  VDPARK_RETURN_IF_ERROR(pub.WaitConnected(std::chrono::seconds(30)));
  return pub.PublishAsync(m.topic, m.payload, 1);
}

// The pace: from the simulated start, or with started_now from the simulated moment that is now.
Pacer PacerFor(const PublishFleetOptions& o) {
  Timestamp paced_from = o.start;
  if (o.started_now && o.speed > 0) {
    paced_from =
        o.start + static_cast<int64_t>(static_cast<double>(Timestamp::Now() - o.start) * o.speed);
  }
  return Pacer(o.speed, paced_from);
}

// Every message at its time, until there is none, the limit, a failure or `stop`.
void PublishPaced(FleetSimulator& sim, MqttPublisher& pub, const PublishFleetOptions& o,
                  const std::atomic<bool>& stop, PublishFleetReport& t) {
  Progress progress("messages",
                    o.messages > 0 ? std::optional<uint64_t>(o.messages) : std::nullopt);
  const Pacer pacer = PacerFor(o);
  while (o.messages == 0 || t.sent < o.messages) {
    if (stop.load()) {
      t.interrupted = true;
      break;
    }
    auto m = sim.Next();
    if (!m) break;
    // Interrupted while waiting: the message is drawn (and counted in Expected()), so it goes
    // out now, and the loop ends before the next.
    if (!pacer.WaitUntil(m->at, &stop)) t.interrupted = true;
    Status s = PublishOne(pub, *m);
    if (!s.ok()) {
      t.failure = s;
      break;
    }
    progress.Update(++t.sent);
    if (t.interrupted) break;
  }
  progress.Finish(t.sent);
}

}  // namespace

PublishFleetReport PublishFleet(FleetSimulator& sim, MqttPublisher& publisher,
                                const PublishFleetOptions& options, const std::atomic<bool>& stop) {
  using Clock = std::chrono::steady_clock;
  PublishFleetReport t;
  const auto wall_start = Clock::now();
  PublishPaced(sim, publisher, options, stop, t);
  t.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();
  if (t.interrupted) spdlog::info("interrupted: waiting for the messages in flight");
  const auto flush_start = Clock::now();
  t.flushed = publisher.Flush(options.flush_timeout);
  t.seconds += std::chrono::duration<double>(Clock::now() - flush_start).count();
  t.acknowledged = publisher.published();
  return t;
}

}  // namespace vdpark
