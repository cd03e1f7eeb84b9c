// Progress: a rate-limited progress line (count, rate, ETA) for long work, on a terminal only.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace vdpark {

class Progress {
 public:
  // `what` names the unit ("events"); `total` is an estimate when known. Writes to stderr only
  // when it is a terminal (or `force` is set), at most every `interval`.
  Progress(std::string what, std::optional<uint64_t> total, bool force = false,
           std::chrono::milliseconds interval = std::chrono::milliseconds(500));

  // Reports `done` so far; cheap enough to call for every item.
  void Update(uint64_t done) {
    if (!enabled_ || (++calls_ & 1023) != 0) return;
    MaybePrint(done, false);
  }
  // Prints the final line (and a newline) once.
  void Finish(uint64_t done);

  static std::string FormatRate(double per_second);
  static std::string FormatDuration(double seconds);

 private:
  void MaybePrint(uint64_t done, bool final);

  std::string what_;
  std::optional<uint64_t> total_;
  bool enabled_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point start_, last_;
  uint64_t calls_ = 0;
  bool printed_ = false;
};

}  // namespace vdpark
