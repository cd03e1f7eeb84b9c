// FleetSimulator: a fleet of PSL01B parking sensors (SPEC §4) as the stream of MQTT messages they
// publish, with no broker involved: `vdpark simulate` sends them, tests feed them to ingest.
//
// Each simulated bay walks through arrivals and departures drawn from the synthetic history's
// traffic model (generate/traffic_model.h: its zone kind's daily curve in local time, lognormal
// stays), and its sensor publishes
//   - a status message on every change:  visiondrive/parking/{zoneId}/{bayNumber}/status
//       {"deviceId":"PSL01B-000001","status":"occupied","battery":95,"signal":-72,"mode":"dual",
//        "ts":1736678400000}
//   - a heartbeat every heartbeat_micros (first at a random phase), the same with the current
//     status and "heartbeat":true at the end;
//   - a health message every health_micros on .../{bayNumber}/health:
//       {"deviceId":"PSL01B-000001","battery":95,"signal":-72,"ts":1736678400000}
// Batteries drain slowly (about one sensor in twenty is failing and goes under 20 % during the
// run; some start there), and the signal wanders a few dBm around each sensor's level.
//
// On top of those good messages come duplicates (the same topic and payload again 0.2-5 s later,
// as a QoS 1 redelivery) and bad messages, each one of: bad JSON (cut short or not JSON at all),
// an unknown deviceId, a battery outside 0-100, or a registered sensor on another bay's topic.
//
// Times are whole milliseconds (what "ts" can carry), and one bay's good messages have strictly
// increasing times. The stream is a merge over the bays in time order, holding O(bays) state, and
// the same fleet, options and seed give the same messages byte for byte.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "domain/billing.h"
#include "domain/model.h"
#include "domain/timestamp.h"
#include "simulate/expected_state.h"
#include "simulate/pacer.h"

namespace vdpark {

struct SimulateOptions {
  uint64_t seed = 42;  // same seed, fleet and options: same messages
  int sensors = 0;     // simulate the first N bays that have a sensor, by key; 0 = all of them
  Timestamp start = Timestamp::FromSeconds(1793491200);  // 2026-11-01T00:00Z; `simulate` uses now
  int64_t duration_micros = kMicrosPerDay;               // good messages fall in [start, +duration)
  int64_t heartbeat_micros = 30 * kMicrosPerMinute;      // each sensor's heartbeat period, > 0
  int64_t health_micros = 6 * kMicrosPerHour;            // each sensor's /health period; 0 = none
  double duplicate_rate = 0;  // share of good messages sent twice, in [0, 1]
  double bad_rate = 0;        // share of bad messages among all first sends, in [0, 1)
  bool with_ts = true;        // payloads carry "ts" (a processor then uses it as the event time)
  UtcOffset utc_offset;       // the zones' local time, for the daily curves
};

// kInvalidArgument naming the option when one is out of range.
Status ValidateSimulateOptions(const SimulateOptions& options);

struct SimulatedMessage {
  Timestamp at;  // when the sensor publishes it (simulated time, whole milliseconds)
  std::string topic;
  std::string payload;
  bool bad = false;        // made to be rejected
  bool duplicate = false;  // a second send of an earlier good message, same topic and payload
};

// What the stream held so far.
struct SimulateCounts {
  uint64_t messages = 0;    // everything, duplicates and bad ones included
  uint64_t changes = 0;     // good status messages that report a change
  uint64_t heartbeats = 0;  // good status messages with "heartbeat":true
  uint64_t health = 0;      // good health messages
  uint64_t duplicates = 0;
  uint64_t bad = 0;
};

class FleetSimulator {
 public:
  // Simulates the first options.sensors bays of `fleet` that have a sensor, sorted by
  // (zone_id, bay_number); every one when sensors is 0 or more than there are. Each bay starts in
  // its fleet status (a bay of unknown status has a car or not, and says so in its first
  // message). `options` must be valid (ValidateSimulateOptions); out-of-range values are clamped.
  FleetSimulator(const Metadata& fleet, const SimulateOptions& options);
  ~FleetSimulator();
  FleetSimulator(FleetSimulator&&) noexcept;
  FleetSimulator& operator=(FleetSimulator&&) noexcept;

  // The next message in time order (ties in no promised order); nullopt once every good message
  // of the window and every duplicate has been returned.
  std::optional<SimulatedMessage> Next();

  // What a correct processor has made of the good messages returned so far (SPEC §4: vacant or
  // unknown -> occupied is an ARRIVE, occupied -> vacant a LEAVE, anything else no event; the
  // duplicates and bad messages change nothing). Final once Next() has returned nullopt.
  ExpectedState Expected() const;

  const SimulateCounts& counts() const;
  size_t simulated_bays() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vdpark
