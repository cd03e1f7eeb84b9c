// Probe: the real-time test of plan §6.3. Publishes one status message for a bay, as its sensor
// would (ts = now), then watches each target (an API's GET /zones/{Z}/bays/{B}, a store's
// GetBay: verify/probe_targets.h) every `interval` until it shows the change, and reports for
// each how long that took, or that it did not within `timeout`.
//
// "Shows the change": the bay has the status sent and, when it had that status already (a
// heartbeat), a lastChange or lastHeartbeat other than before. The status sent is
// options.status, or the opposite of what the first target shows now; the sensor sent as is
// options.sensor, or the one the first target shows for the bay. The watchers start with the
// publish: a fast processor may show the change before the broker's acknowledgement is back.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "domain/timestamp.h"
#include "ingest/mqtt_client.h"
#include "verify/probe_targets.h"

namespace vdpark {

struct ProbeOptions {
  std::string zone, bay;  // topic levels: not empty, without / + #
  std::string sensor;     // the message's deviceId; "" = as the first target shows it
  std::string status;     // "occupied", "vacant", or "" = the opposite of what is shown now
  std::chrono::microseconds timeout{std::chrono::seconds(30)};       // for each target
  std::chrono::microseconds interval{std::chrono::milliseconds(5)};  // between two reads of one
};

// What happened at one target.
struct ProbeWatch {
  std::unique_ptr<ProbeTarget> target;
  BayView before;
  std::optional<double> latency_ms;  // set when shown
  std::string last_status;           // as last read
  std::string last_error;            // of the last read that failed; "" when it succeeded
  uint64_t reads = 0;
};

struct ProbeReport {
  std::string sensor, status, topic;  // sent as, sent, to
  Timestamp published_at;
  double ack_ms = 0;                // until the broker acknowledged the message
  std::vector<ProbeWatch> watches;  // one per target, in their order

  size_t shown() const;       // targets that showed the change
  double slowest_ms() const;  // the longest latency of those; 0 when none
  bool ok() const { return shown() == watches.size(); }
};

// Reads every target once (an error names the target), publishes the message to `broker` and
// watches the targets. kInvalidArgument when there is no target, or no sensor to send as; a
// broker that cannot be reached or does not take the message: its error. A target that does not
// show the change in time is in the report, not an error.
Result<ProbeReport> Probe(const MqttOptions& broker,
                          std::vector<std::unique_ptr<ProbeTarget>> targets,
                          const ProbeOptions& options);

}  // namespace vdpark
