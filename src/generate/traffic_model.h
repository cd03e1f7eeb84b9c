// How cars use a parking bay, for the synthetic export: when they arrive and how long they stay.
//
// A bay alternates between vacant and occupied. While vacant, arrivals come as a Poisson process
// whose intensity follows the zone kind's daily curve in local time (low overnight, a morning peak
// for offices and streets, an evening peak for malls, beaches and homes; Dubai's weekend is
// Saturday-Sunday and Friday afternoon is half a weekend). A car stays a lognormal time whose
// median depends on the zone kind and, for offices and homes, on the hour it arrived (a 08:00
// arrival at an office stays the working day, a 19:00 arrival at home stays the night).
//
// Everything here is a pure function of its inputs and the Rng it is given, so the same seed
// walks every bay through the same history however the caller slices time.
#pragma once

#include <array>
#include <cstdint>

#include "domain/model.h"
#include "domain/timestamp.h"
#include "generate/random.h"

namespace vdpark::generate {

enum class ZoneKind : uint8_t { kStreet, kMall, kOffice, kResidential, kLeisure };
inline constexpr int kZoneKinds = 5;

// "Never" for an arrival time: far beyond any history, with room to add an offset.
inline constexpr int64_t kNever = INT64_MAX / 4;

// Hour of the day (0-23) of a local time given in microseconds since the local epoch.
inline int LocalHour(int64_t local_us) {
  return static_cast<int>(Timestamp::FloorDiv(local_us, kMicrosPerHour) % 24);
}

// A zone kind's arrival intensity over one local week, in 15-minute steps.
class ArrivalCurve {
 public:
  explicit ArrivalCurve(ZoneKind kind);

  // Arrivals per hour at local time `local_us` (µs since the local epoch) for a vacant bay of
  // traffic scale 1.
  double RateAt(int64_t local_us) const;

  // The first arrival after `from_local_us` of a Poisson process with intensity
  // scale × RateAt(t), found by inverting the cumulative intensity at the Exp(1) draw `e`: exact
  // for the piecewise-constant curve, one draw per arrival, no rejection. Always later than
  // `from_local_us`; kNever when the arrival would be more than a million weeks away.
  int64_t NextArrival(int64_t from_local_us, double scale, double e) const;

 private:
  static constexpr int kBucketsPerDay = 96;
  static constexpr int kBuckets = 7 * kBucketsPerDay;
  static constexpr int64_t kBucketMicros = kMicrosPerDay / kBucketsPerDay;
  static constexpr int64_t kWeekMicros = 7 * kMicrosPerDay;

  std::array<double, kBuckets> mass_{};     // expected arrivals in each bucket at scale 1
  std::array<double, kBuckets + 1> cum_{};  // arrivals from the week's start to each bucket
};

// The curves of every zone kind, built once.
const ArrivalCurve& CurveFor(ZoneKind kind);

// A stay in microseconds for a car arriving at local hour `local_hour` in a zone of `kind`,
// multiplied by `stay_scale` (1 for realistic traffic; smaller when a caller asks for more events
// than realistic stays allow).
int64_t SampleStayMicros(ZoneKind kind, int local_hour, double stay_scale, Rng& rng);

// The sensor's detection mode for one event: mostly both magnetometer and radar agree ("dual").
enum class DetectionMode : uint8_t { kDual, kMagnetic, kRadar };
const char* ToString(DetectionMode mode);
inline DetectionMode SampleDetectionMode(Rng& rng) {
  const double u = rng.Uniform();
  return u < 0.88   ? DetectionMode::kDual
         : u < 0.95 ? DetectionMode::kMagnetic
                    : DetectionMode::kRadar;
}

// What shapes one bay's traffic; fixed for a generator run.
struct BayTrafficParams {
  const ArrivalCurve* curve = nullptr;
  ZoneKind kind = ZoneKind::kStreet;
  double arrival_scale = 1;  // zone popularity × bay popularity × the run's rate factor
  double stay_scale = 1;     // see SampleStayMicros
  int64_t min_gap_us = 0;    // a car pulls out before the next one can pull in
  int64_t offset_us = 0;     // local time = UTC + this
};

// One bay's state between calls: its own random stream and its next event.
struct BayTraffic {
  Rng rng;
  int64_t next_us = kNever;  // UTC µs of the next event (an ARRIVE when vacant, else a LEAVE)
  int64_t arrive_us = 0;     // when occupied: the arrival
  bool occupied = false;
};

// A bay that is vacant at `start_us` and whose first arrival follows the curve from there.
inline BayTraffic StartBay(uint64_t seed, const BayTrafficParams& p, int64_t start_us) {
  BayTraffic bay{Rng(seed)};
  const int64_t local =
      p.curve->NextArrival(start_us + p.offset_us, p.arrival_scale, bay.rng.Exponential());
  bay.next_us = local >= kNever ? kNever : local - p.offset_us;
  return bay;
}

// Moves the bay through every event before `until_us`, calling
// emit(EventType, timestamp_us, arrive_us (for a LEAVE), DetectionMode) for each, in time order.
// Events strictly alternate ARRIVE/LEAVE and strictly increase in time. The result does not
// depend on how a history is cut into calls.
template <typename Emit>
void AdvanceBay(BayTraffic& bay, const BayTrafficParams& p, int64_t until_us, Emit&& emit) {
  while (bay.next_us < until_us) {
    const DetectionMode mode = SampleDetectionMode(bay.rng);
    const int64_t now = bay.next_us;
    if (!bay.occupied) {
      emit(EventType::kArrive, now, int64_t{0}, mode);
      bay.occupied = true;
      bay.arrive_us = now;
      bay.next_us =
          now + SampleStayMicros(p.kind, LocalHour(now + p.offset_us), p.stay_scale, bay.rng);
    } else {
      emit(EventType::kLeave, now, bay.arrive_us, mode);
      bay.occupied = false;
      const int64_t local = p.curve->NextArrival(now + p.min_gap_us + p.offset_us, p.arrival_scale,
                                                 bay.rng.Exponential());
      bay.next_us = local >= kNever ? kNever : local - p.offset_us;
    }
  }
}

}  // namespace vdpark::generate
