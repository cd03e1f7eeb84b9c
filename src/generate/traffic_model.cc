#include "generate/traffic_model.h"

#include <algorithm>
#include <cmath>

namespace vdpark::generate {

namespace {

using Hourly = std::array<double, 24>;

// Relative arrival intensity per local hour (the value holds at the middle of the hour), and the
// arrivals per hour a vacant bay sees where the curve is 1. Shapes follow what Dubai operators
// publish about their car parks: streets busy from the morning commute to late evening, malls
// from opening to midnight with busier weekends, offices a sharp 07:00-09:00 peak on working days,
// homes an evening return, beaches and promenades late afternoons and weekends.
struct KindTraffic {
  Hourly weekday;
  Hourly weekend;
  double weekend_level;  // the weekend curve's height relative to the weekday's
  double peak_rate;      // arrivals per hour at curve 1
};

constexpr KindTraffic kTraffic[kZoneKinds] = {
    // kStreet
    {{.08, .05, .03, .03, .04, .08, .25, .55, .80, .90, .90, .90,
      .85, .75, .70, .70, .80, .95, 1.0, 1.0, .90, .70, .40, .20},
     {.15, .10, .05, .03, .03, .04, .08, .15, .30, .50, .70, .80,
      .80, .75, .70, .75, .85, .95, 1.0, 1.0, .95, .80, .55, .30},
     0.85,
     1.8},
    // kMall
    {{.10, .03, .01, .01, .01, .01, .02, .04, .08, .15, .40, .50,
      .55, .55, .50, .50, .60, .75, .90, 1.0, .95, .75, .45, .25},
     {.20, .06, .02, .01, .01, .01, .02, .04, .08, .20, .55, .75,
      .85, .90, .90, .90, .95, 1.0, 1.0, 1.0, .95, .80, .55, .35},
     1.3,
     1.1},
    // kOffice
    {{.02, .01, .01, .01, .02, .06, .35, .85, 1.0, .80, .45, .35,
      .40, .45, .35, .30, .25, .20, .15, .12, .08, .06, .04, .03},
     {.02, .01, .01, .01, .01, .02, .04, .08, .12, .15, .18, .18,
      .18, .16, .15, .14, .12, .10, .08, .06, .05, .04, .03, .02},
     1.0,
     1.4},
    // kResidential
    {{.12, .08, .05, .03, .03, .05, .10, .20, .25, .25, .25, .30,
      .35, .35, .35, .40, .55, .75, .95, 1.0, .95, .80, .55, .30},
     {.20, .12, .06, .03, .03, .04, .06, .10, .20, .35, .50, .60,
      .65, .60, .55, .55, .65, .80, .95, 1.0, .95, .85, .60, .40},
     1.0,
     0.7},
    // kLeisure
    {{.08, .03, .01, .01, .01, .03, .10, .15, .15, .15, .20, .25,
      .25, .25, .30, .40, .60, .85, 1.0, 1.0, .90, .70, .45, .20},
     {.15, .06, .02, .01, .01, .04, .15, .30, .50, .70, .85, .90,
      .85, .80, .80, .90, 1.0, 1.0, 1.0, 1.0, .95, .80, .55, .30},
     1.5,
     1.0},
};

// A stay is short (an errand, a meal) or long (a working day, a night), each lognormal in
// minutes. Arrivals inside [long_from, long_to) local hours are long with p_long_window.
struct KindStay {
  double short_median, short_sigma;
  double long_median, long_sigma;
  double p_long;
  int long_from, long_to;
  double p_long_window;
};

constexpr KindStay kStay[kZoneKinds] = {
    {40, 0.75, 180, 0.5, 0.08, 0, 0, 0},       // kStreet
    {95, 0.5, 240, 0.35, 0.08, 0, 0, 0},       // kMall
    {45, 0.8, 510, 0.2, 0.15, 6, 10, 0.75},    // kOffice
    {70, 0.8, 660, 0.35, 0.10, 16, 24, 0.55},  // kResidential
    {110, 0.55, 240, 0.35, 0.12, 0, 0, 0},     // kLeisure
};

constexpr double kMinStayMinutes = 2;
constexpr double kMaxStayMinutes = 36 * 60;

// The curve's value at `hour` (fractional, 0-24) of one day, interpolated between hour middles.
double Interpolate(const Hourly& h, double hour) {
  const double x = hour - 0.5;
  const double lo = std::floor(x);
  const double f = x - lo;
  const int i = (static_cast<int>(lo) + 24) % 24;
  return h[i] * (1 - f) + h[(i + 1) % 24] * f;
}

}  // namespace

ArrivalCurve::ArrivalCurve(ZoneKind kind) {
  const KindTraffic& t = kTraffic[static_cast<int>(kind)];
  constexpr double kBucketHours = 24.0 / kBucketsPerDay;
  cum_[0] = 0;
  for (int b = 0; b < kBuckets; ++b) {
    // The week starts on local day 0 of the epoch, a Thursday: weekday 0 = Sunday.
    const int weekday = (b / kBucketsPerDay + 4) % 7;
    const double hour = (b % kBucketsPerDay + 0.5) * kBucketHours;
    const double work = Interpolate(t.weekday, hour);
    const double rest = Interpolate(t.weekend, hour) * t.weekend_level;
    double v = work;
    if (weekday == 0 || weekday == 6) {
      v = rest;
    } else if (weekday == 5 && hour >= 12) {
      v = 0.5 * (work + rest);  // Friday afternoon: government offices close at noon
    }
    // Never quite zero, so every stretch of time has some chance of an arrival.
    mass_[b] = std::max(v, 0.005) * t.peak_rate * kBucketHours;
    cum_[b + 1] = cum_[b] + mass_[b];
  }
}

double ArrivalCurve::RateAt(int64_t local_us) const {
  const int64_t within = local_us - Timestamp::FloorDiv(local_us, kWeekMicros) * kWeekMicros;
  const int b = static_cast<int>(within / kBucketMicros);
  return mass_[b] * static_cast<double>(kMicrosPerHour) / static_cast<double>(kBucketMicros);
}

int64_t ArrivalCurve::NextArrival(int64_t from_local_us, double scale, double e) const {
  const double week_mass = cum_[kBuckets];
  if (!(scale > 0) || e / scale > 1e6 * week_mass) return kNever;
  int64_t week = Timestamp::FloorDiv(from_local_us, kWeekMicros);
  const int64_t within = from_local_us - week * kWeekMicros;
  const int b0 = static_cast<int>(within / kBucketMicros);
  const double into = static_cast<double>(within - b0 * kBucketMicros) / kBucketMicros;
  double target = cum_[b0] + mass_[b0] * into + e / scale;
  const double whole_weeks = std::floor(target / week_mass);
  week += static_cast<int64_t>(whole_weeks);
  target -= whole_weeks * week_mass;
  // The bucket whose cumulative range holds the target. Most arrivals come within a few hours,
  // so a short forward scan (predictable branches) beats a binary search over the whole week.
  int b;
  if (whole_weeks == 0 && b0 + 16 < kBuckets && target < cum_[b0 + 16]) {
    b = b0;
    while (cum_[b + 1] <= target) ++b;
  } else {
    b = static_cast<int>(std::upper_bound(cum_.begin(), cum_.end(), target) - cum_.begin()) - 1;
    b = std::clamp(b, 0, kBuckets - 1);
  }
  const double frac = std::clamp((target - cum_[b]) / mass_[b], 0.0, 1.0);
  auto offset = static_cast<int64_t>(frac * static_cast<double>(kBucketMicros));
  offset = std::min(offset, kBucketMicros - 1);
  const int64_t t = week * kWeekMicros + b * kBucketMicros + offset;
  return t > from_local_us ? t : from_local_us + 1;
}

const ArrivalCurve& CurveFor(ZoneKind kind) {
  static const ArrivalCurve kCurves[kZoneKinds] = {
      ArrivalCurve(ZoneKind::kStreet), ArrivalCurve(ZoneKind::kMall),
      ArrivalCurve(ZoneKind::kOffice), ArrivalCurve(ZoneKind::kResidential),
      ArrivalCurve(ZoneKind::kLeisure)};
  return kCurves[static_cast<int>(kind)];
}

int64_t SampleStayMicros(ZoneKind kind, int local_hour, double stay_scale, Rng& rng) {
  const KindStay& s = kStay[static_cast<int>(kind)];
  const bool in_window = local_hour >= s.long_from && local_hour < s.long_to;
  const bool is_long = rng.Chance(in_window ? s.p_long_window : s.p_long);
  double minutes = is_long ? rng.LogNormal(s.long_median, s.long_sigma)
                           : rng.LogNormal(s.short_median, s.short_sigma);
  minutes = std::clamp(minutes, kMinStayMinutes, kMaxStayMinutes);
  const auto us =
      static_cast<int64_t>(minutes * stay_scale * static_cast<double>(kMicrosPerMinute));
  return std::max<int64_t>(us, kMicrosPerSecond);
}

const char* ToString(DetectionMode mode) {
  switch (mode) {
    case DetectionMode::kDual:
      return "dual";
    case DetectionMode::kMagnetic:
      return "magnetic";
    case DetectionMode::kRadar:
      return "radar";
  }
  return "dual";
}

}  // namespace vdpark::generate
