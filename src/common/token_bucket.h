// TokenBucket: a ceiling on a rate (write units per second for --max-wcu). Tokens accrue at
// `rate` per second up to `burst`; Acquire(n) waits until n are there and takes them. A request
// larger than the burst is let through once the bucket is full, so nothing waits forever.
// Thread-safe. A rate of 0 means no ceiling.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

namespace vdpark {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // `now` replaces the clock (tests); empty means steady_clock.
  explicit TokenBucket(double rate_per_second, double burst = 0,
                       std::function<Clock::time_point()> now = {})
      : rate_(rate_per_second),
        burst_(burst > 0 ? burst : std::max(1.0, rate_per_second)),
        now_(now ? std::move(now) : [] { return Clock::now(); }),
        tokens_(burst_),
        last_(now_()) {}

  bool unlimited() const { return rate_ <= 0; }

  // How long a caller must wait before `n` tokens are there, taking them now (the debt is paid
  // by the wait). Zero when unlimited or when they are there already.
  std::chrono::nanoseconds Reserve(double n) {
    if (unlimited()) return std::chrono::nanoseconds(0);
    std::lock_guard lock(mu_);
    auto now = now_();
    tokens_ =
        std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
    tokens_ -= std::min(n, burst_);
    if (tokens_ >= 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / rate_ * 1e9));
  }

  // Blocks until `n` tokens are taken.
  void Acquire(double n) {
    auto wait = Reserve(n);
    if (wait.count() > 0) std::this_thread::sleep_for(wait);
  }

 private:
  const double rate_;
  const double burst_;
  const std::function<Clock::time_point()> now_;
  std::mutex mu_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace vdpark
