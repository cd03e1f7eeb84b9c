// Pacer: plays simulated time back in wall time, so that a simulated fleet publishes at the pace
// its timestamps say (or faster).
#pragma once

#include <atomic>
#include <chrono>

#include "domain/timestamp.h"

namespace vdpark {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  // `speed`: simulated seconds per wall second (1 = real time, 60 = an hour a minute); 0 or less
  // means as fast as possible. The wall clock starts now, at `sim_start`.
  Pacer(double speed, Timestamp sim_start);

  // How long until `sim_time` is due in wall time; zero when it is due already or speed is 0.
  std::chrono::nanoseconds Delay(Timestamp sim_time) const;

  // Blocks until `sim_time` is due. Returns false, sooner, when `stop` is given and becomes true
  // (checked at least every 100 ms); true once the time is due.
  bool WaitUntil(Timestamp sim_time, const std::atomic<bool>* stop = nullptr) const;

  // The simulated time that is due now (sim_start when speed is 0).
  Timestamp SimNow() const;

 private:
  double speed_;
  Timestamp sim_start_;
  Clock::time_point wall_start_;
};

}  // namespace vdpark
