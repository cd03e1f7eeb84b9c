// PublishFleet: a simulated fleet's messages (fleet_simulator.h) out to an MQTT broker, at QoS 1,
// at the pace their times say (pacer.h) or as fast as the broker takes them: the work of
// `vdpark simulate`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/status.h"
#include "domain/timestamp.h"
#include "ingest/mqtt_client.h"
#include "simulate/fleet_simulator.h"

namespace vdpark {

struct PublishFleetOptions {
  Timestamp start;           // the simulation's start (SimulateOptions::start)
  bool started_now = false;  // `start` was the wall clock's now (see below)
  double speed = 1;          // simulated seconds per wall second; 0 = as fast as possible
  uint64_t messages = 0;     // stop after this many; 0 = when the simulator has no more
  std::chrono::seconds flush_timeout{30};  // how long to wait for the messages in flight
};

struct PublishFleetReport {
  uint64_t sent = 0;          // handed to the publisher
  uint64_t acknowledged = 0;  // of those, acknowledged by the broker
  bool interrupted = false;   // `stop` was set
  Status failure;             // the publish that stopped the run, if one did
  Status flushed;             // the wait for the messages in flight
  double seconds = 0;         // publishing and the wait, in wall time
};

// Draws messages from `sim` and publishes each when its time comes, until the simulator has no
// more, options.messages are sent, a publish fails (after one retry once the connection is back,
// when it failed at once) or `stop` is set: the message already drawn then goes out at once and
// the loop ends. Then waits up to flush_timeout for what is in flight. With started_now, the
// simulated time began before the fleet was built and the broker connected: the pace is taken
// from the simulated moment that is now, so that each message goes out when its time says (what
// a latency measurement relies on). A progress line on stderr when it is a terminal.
PublishFleetReport PublishFleet(FleetSimulator& sim, MqttPublisher& publisher,
                                const PublishFleetOptions& options, const std::atomic<bool>& stop);

}  // namespace vdpark
