#include "cli/in_process_fleet.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "simulate/fleet_simulator.h"
#include "simulate/pacer.h"

namespace vdpark::cli {

InProcessFleet::InProcessFleet(LiveStore& live, RecordStore& store, const IngestConfig& config,
                               ChangeSink on_change, int sensors, double speed)
    : ingestor_(live, store, config, std::move(on_change)) {
  thread_ = std::thread([this, &store, sensors, speed] { Run(store, sensors, speed); });
}

InProcessFleet::~InProcessFleet() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void InProcessFleet::Run(RecordStore& store, int sensors, double speed) {
  auto fleet = store.ReadMetadata({});
  if (!fleet.ok()) {
    spdlog::error("simulated fleet: {}", fleet.status().ToString());
    return;
  }
  SimulateOptions o;
  o.sensors = sensors;
  o.start = Timestamp::Now();
  o.duration_micros = 365 * kMicrosPerDay;  // as long as anyone watches
  o.duplicate_rate = 0.01;
  o.bad_rate = 0.002;
  FleetSimulator sim(*fleet, o);
  Pacer pacer(speed, o.start);
  while (!stop_) {
    auto m = sim.Next();
    if (!m || !pacer.WaitUntil(m->at, &stop_)) break;
    // The message's ts is simulated time, ahead of the clock when speed > 1: the processor
    // then takes the receive time, as it would from a sensor with a fast clock.
    Status s = ingestor_.Handle(m->topic, m->payload, Timestamp::Now());
    if (!s.ok()) spdlog::warn("simulated fleet: {}", s.ToString());
  }
}

}  // namespace vdpark::cli
