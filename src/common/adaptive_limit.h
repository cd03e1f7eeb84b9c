// AdaptiveLimit: how many requests to keep in flight against a server that throttles, by
// additive increase and multiplicative decrease (as TCP does): each throttled answer halves the
// limit (at most once per `cooldown`, so one burst of throttling counts once), each run of
// `grow_after` successes adds one, between `min` and `max`. Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

namespace vdpark {

class AdaptiveLimit {
 public:
  using Clock = std::chrono::steady_clock;

  AdaptiveLimit(int max, int min = 1, int grow_after = 8,
                std::chrono::milliseconds cooldown = std::chrono::milliseconds(200))
      : max_(std::max(1, max)),
        min_(std::clamp(min, 1, max_)),
        grow_after_(std::max(1, grow_after)),
        cooldown_(cooldown),
        limit_(max_) {}

  int limit() const { return limit_.load(std::memory_order_relaxed); }

  void OnSuccess() {
    std::lock_guard lock(mu_);
    if (++successes_ < grow_after_) return;
    successes_ = 0;
    limit_.store(std::min(max_, limit_.load() + 1));
  }

  void OnThrottled() {
    std::lock_guard lock(mu_);
    successes_ = 0;
    auto now = Clock::now();
    if (now - last_cut_ < cooldown_) return;
    last_cut_ = now;
    limit_.store(std::max(min_, limit_.load() / 2));
    ++cuts_;
  }

  int cuts() const {
    std::lock_guard lock(mu_);
    return cuts_;
  }

 private:
  const int max_, min_, grow_after_;
  const std::chrono::milliseconds cooldown_;
  std::atomic<int> limit_;
  mutable std::mutex mu_;
  int successes_ = 0;
  int cuts_ = 0;
  Clock::time_point last_cut_{};
};

}  // namespace vdpark
