#include "simulate/pacer.h"

#include <algorithm>
#include <thread>

namespace vdpark {

namespace {

// Checks for a stop at least this often while waiting.
constexpr std::chrono::milliseconds kStopCheck(100);
// Beyond a century of wall time a wait is as good as forever (and stays inside the clock's range).
constexpr double kMostWallSeconds = 100.0 * 365 * 24 * 3600;

}  // namespace

Pacer::Pacer(double speed, Timestamp sim_start)
    : speed_(speed > 0 ? speed : 0), sim_start_(sim_start), wall_start_(Clock::now()) {}

std::chrono::nanoseconds Pacer::Delay(Timestamp sim_time) const {
  if (speed_ <= 0) return std::chrono::nanoseconds(0);
  const double wall_seconds = std::min(
      static_cast<double>(sim_time - sim_start_) / static_cast<double>(kMicrosPerSecond) / speed_,
      kMostWallSeconds);
  const auto due = wall_start_ + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(std::max(wall_seconds, 0.0)));
  const auto now = Clock::now();
  if (due <= now) return std::chrono::nanoseconds(0);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(due - now);
}

bool Pacer::WaitUntil(Timestamp sim_time, const std::atomic<bool>* stop) const {
  for (;;) {
    if (stop && stop->load(std::memory_order_relaxed)) return false;
    const std::chrono::nanoseconds delay = Delay(sim_time);
    if (delay.count() <= 0) return true;
    std::this_thread::sleep_for(stop ? std::min<std::chrono::nanoseconds>(delay, kStopCheck)
                                     : delay);
  }
}

Timestamp Pacer::SimNow() const {
  if (speed_ <= 0) return sim_start_;
  const double wall_seconds = std::chrono::duration<double>(Clock::now() - wall_start_).count();
  return sim_start_ + static_cast<int64_t>(wall_seconds * speed_ * kMicrosPerSecond);
}

}  // namespace vdpark
