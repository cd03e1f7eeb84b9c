#include "common/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace vdpark {

Progress::Progress(std::string what, std::optional<uint64_t> total, bool force,
                   std::chrono::milliseconds interval)
    : what_(std::move(what)),
      total_(total),
      enabled_(force || isatty(STDERR_FILENO)),
      interval_(interval),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

std::string Progress::FormatRate(double per_second) {
  char buf[32];
  if (per_second >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM/s", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk/s", per_second / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f/s", per_second);
  }
  return buf;
}

std::string Progress::FormatDuration(double seconds) {
  char buf[32];
  long s = std::lround(seconds);
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, s / 60 % 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

void Progress::MaybePrint(uint64_t done, bool final) {
  auto now = std::chrono::steady_clock::now();
  if (!final && now - last_ < interval_) return;
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? done / elapsed : 0;
  std::string line = "\r" + what_ + ": " + std::to_string(done);
  if (total_ && *total_ > 0) {
    double pct = std::min(100.0, 100.0 * done / *total_);
    char buf[16];
    std::snprintf(buf, sizeof buf, " (%.0f%%)", pct);
    line += buf;
  }
  line += "  " + FormatRate(rate);
  if (!final && total_ && rate > 0 && done < *total_) {
    line += "  ETA " + FormatDuration((*total_ - done) / rate);
  }
  if (final) line += "  in " + FormatDuration(elapsed);
  line += "   ";
  std::fputs(line.c_str(), stderr);
  if (final) std::fputs("\n", stderr);
  std::fflush(stderr);
  printed_ = true;
}

void Progress::Finish(uint64_t done) {
  if (!enabled_) return;
  MaybePrint(done, true);
  enabled_ = false;
}

}  // namespace vdpark
