#include "generate/generator.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "domain/billing.h"
#include "generate/fleet_builder.h"
#include "generate/random.h"
#include "generate/traffic_model.h"

namespace vdpark {

namespace {

using generate::AdvanceBay;
using generate::BayTraffic;
using generate::BayTrafficParams;
using generate::DetectionMode;
using generate::Fleet;

constexpr size_t kBatchSize = 4096;
constexpr uint64_t kTrafficDomain = 2;
constexpr uint64_t kDuplicateDomain = 3;
// A car needs a moment to pull out before the next one pulls in.
constexpr int64_t kMinGapMicros = 20 * kMicrosPerSecond;
// The most events a target may ask of one bay a day: beyond it stays would be mere seconds.
constexpr uint64_t kMostEventsPerBayDay = 24 * 60;

Status Validate(const GenerateOptions& o) {
  auto bad = [](std::string_view what) { return Status::InvalidArgument(what); };
  if (o.tenants < 1) return bad("tenants must be at least 1");
  if (o.zones < 1) return bad("zones must be at least 1");
  if (o.bays_per_zone_min < 1) return bad("bays_per_zone_min must be at least 1");
  if (o.bays_per_zone_max < o.bays_per_zone_min) {
    return bad("bays_per_zone_max must be at least bays_per_zone_min");
  }
  if (static_cast<int64_t>(o.zones) * o.bays_per_zone_max > 10'000'000) {
    return bad("zones x bays_per_zone_max must be at most 10 million bays");
  }
  if (o.days < 0 || o.days > 36600) return bad("days must be between 0 and 36600");
  if (o.target_events && *o.target_events == 0) return bad("target_events must be positive");
  if (!(o.duplicate_rate >= 0 && o.duplicate_rate <= 1)) {
    return bad("duplicate_rate must be between 0 and 1");
  }
  if (o.utc_offset.minutes < -14 * 60 || o.utc_offset.minutes > 14 * 60) {
    return bad("utc_offset must be within 14 hours of UTC");
  }
  return Status::OK();
}

// Every bay's traffic parameters and starting state for one run at rate factor `factor`.
struct Traffic {
  std::vector<BayTrafficParams> params;
  std::vector<BayTraffic> start;
};

Traffic PlanTraffic(const Fleet& fleet, const GenerateOptions& o, double factor) {
  // Past the realistic rate, arrivals alone saturate (a bay is busy most of the day), so stays
  // shorten too: events then grow about as the square root of the factor, without bound.
  const double stay_scale = factor > 1 ? 1 / std::sqrt(factor) : 1;
  const int64_t start_us = o.end.micros() - o.days * kMicrosPerDay;
  Traffic t;
  t.params.reserve(fleet.bays.size());
  t.start.reserve(fleet.bays.size());
  for (size_t i = 0; i < fleet.bays.size(); ++i) {
    const uint32_t z = fleet.bay_zone[i];
    BayTrafficParams p;
    p.curve = &generate::CurveFor(fleet.zone_kind[z]);
    p.kind = fleet.zone_kind[z];
    p.arrival_scale = fleet.zone_popularity[z] * fleet.bay_popularity[i] * factor;
    p.stay_scale = stay_scale;
    p.min_gap_us = std::max<int64_t>(static_cast<int64_t>(kMinGapMicros * stay_scale), 1);
    p.offset_us = o.utc_offset.minutes * kMicrosPerMinute;
    t.start.push_back(
        generate::StartBay(generate::StreamSeed(o.seed, kTrafficDomain, i), p, start_us));
    t.params.push_back(p);
  }
  return t;
}

struct LastEvent {
  int64_t us = 0;
  bool any = false;
  bool arrive = false;
};

// A run that only counts: how many events, and each bay's last one.
struct DryRun {
  double factor = 1;
  uint64_t events = 0;
  std::vector<LastEvent> last;
};

DryRun Count(const Fleet& fleet, const GenerateOptions& o, double factor) {
  const Traffic t = PlanTraffic(fleet, o, factor);
  DryRun run;
  run.factor = factor;
  run.last.resize(t.start.size());
  for (size_t i = 0; i < t.start.size(); ++i) {
    BayTraffic bay = t.start[i];
    LastEvent& last = run.last[i];
    uint64_t n = 0;
    AdvanceBay(bay, t.params[i], o.end.micros(),
               [&](EventType type, int64_t us, int64_t, DetectionMode) {
                 ++n;
                 last = LastEvent{us, true, type == EventType::kArrive};
               });
    run.events += n;
  }
  return run;
}

// The events of every `stride`-th bay, scaled up to all bays: bays are in zone order, so the
// sample spreads over every zone and kind.
double EstimateEvents(const Fleet& fleet, const GenerateOptions& o, double factor, size_t stride) {
  const Traffic t = PlanTraffic(fleet, o, factor);
  uint64_t n = 0, sampled = 0;
  for (size_t i = 0; i < t.start.size(); i += stride, ++sampled) {
    BayTraffic bay = t.start[i];
    AdvanceBay(bay, t.params[i], o.end.micros(),
               [&](EventType, int64_t, int64_t, DetectionMode) { ++n; });
  }
  return static_cast<double>(n) * static_cast<double>(t.start.size()) /
         static_cast<double>(sampled);
}

// Searches for the rate factor whose events (as `count` gives them) are within `tolerance` of
// `target`, starting at `factor`: a secant search on log(events) against log(factor), which is
// near a straight line (slope 1 while bays are mostly vacant, 1/2 when saturated). Returns the
// best factor tried.
template <typename CountFn>
double SearchFactor(double factor, double target, double tolerance, int max_tries, CountFn count) {
  double events = count(factor);
  double best = factor, best_error = std::abs(events - target) / target;
  double prev_factor = 0, prev_events = 0;
  for (int i = 0; i < max_tries && best_error > tolerance; ++i) {
    double next;
    if (events == 0) {
      next = factor * 16;
    } else {
      double slope = 1;
      if (prev_events > 0 && events != prev_events && factor != prev_factor) {
        slope = std::log(events / prev_events) / std::log(factor / prev_factor);
        slope = std::clamp(slope, 0.3, 1.5);
      }
      // Bounded steps: a wild guess must not cost a dry run of billions of events.
      next = factor * std::clamp(std::pow(target / events, 1 / slope), 1.0 / 16, 16.0);
    }
    prev_factor = factor;
    prev_events = events;
    factor = std::clamp(next, 1e-9, 1e9);
    events = count(factor);
    const double error = std::abs(events - target) / target;
    if (error < best_error) best = factor, best_error = error;
  }
  return best;
}

// The dry run at the rate factor 1, or with target_events at the factor whose events are
// nearest the target. The search runs on a sample of about 2000 bays and one full run confirms
// it; only if the sample misled it (small fleets, small targets) does it go on with full runs.
DryRun Calibrate(const Fleet& fleet, const GenerateOptions& o) {
  if (!o.target_events) return Count(fleet, o, 1.0);
  const auto target = static_cast<double>(*o.target_events);
  double factor = 1;
  const size_t stride = fleet.bays.size() / 2000;
  if (stride > 1) {
    factor = SearchFactor(factor, target, 0.005, 20,
                          [&](double f) { return EstimateEvents(fleet, o, f, stride); });
  }
  DryRun best;
  double best_error = INFINITY;
  SearchFactor(factor, target, 0.01, 20, [&](double f) {
    DryRun run = Count(fleet, o, f);
    const auto events = static_cast<double>(run.events);
    if (std::abs(events - target) / target < best_error) {
      best_error = std::abs(events - target) / target;
      best = std::move(run);
    }
    return events;
  });
  return best;
}

// Each bay's final state from its last event (see generator.h for a bay with none).
void SetFinalStates(const DryRun& run, Fleet& fleet) {
  for (size_t i = 0; i < fleet.bays.size(); ++i) {
    Bay& bay = fleet.bays[i];
    const LastEvent& last = run.last[i];
    if (!last.any) {
      bay.status = BayStatus::kVacant;
      bay.last_change = fleet.sensors[i].install_date;
      bay.occupied_since.reset();
    } else {
      const Timestamp at = Timestamp::FromMicros(last.us);
      bay.status = last.arrive ? BayStatus::kOccupied : BayStatus::kVacant;
      bay.last_change = at;
      bay.occupied_since = last.arrive ? std::optional<Timestamp>(at) : std::nullopt;
    }
  }
}

Metadata SortedMetadata(const Fleet& fleet) {
  Metadata m{fleet.zones, fleet.bays, fleet.sensors};
  std::sort(m.zones.begin(), m.zones.end(),
            [](const Zone& a, const Zone& b) { return a.zone_id < b.zone_id; });
  std::sort(m.bays.begin(), m.bays.end(), [](const Bay& a, const Bay& b) {
    return a.zone_id != b.zone_id ? a.zone_id < b.zone_id : a.bay_number < b.bay_number;
  });
  std::sort(m.sensors.begin(), m.sensors.end(),
            [](const Sensor& a, const Sensor& b) { return a.sensor_id < b.sensor_id; });
  return m;
}

// One event of the day being generated, small so a day of them sorts fast.
struct DayEvent {
  int64_t us;
  int64_t revenue_micros;
  int32_t duration_minutes;
  uint32_t bay;
  EventType type;
  DetectionMode mode;
};

bool Earlier(const DayEvent& a, const DayEvent& b) {
  return a.us != b.us ? a.us < b.us : a.bay < b.bay;
}

// Sorts a day's events by (time, bay), a total order since a bay never has two events at one
// instant: a counting sort on the second of the day, then each second's few events by
// comparison. Several times faster than one std::sort over the day.
class DaySorter {
 public:
  void Sort(std::vector<DayEvent>& day, int64_t day_start_us) {
    constexpr int64_t kSeconds = kMicrosPerDay / kMicrosPerSecond;
    counts_.assign(kSeconds + 1, 0);
    auto second = [&](const DayEvent& e) { return (e.us - day_start_us) / kMicrosPerSecond; };
    for (const DayEvent& e : day) ++counts_[second(e) + 1];
    for (int64_t i = 1; i <= kSeconds; ++i) counts_[i] += counts_[i - 1];
    scratch_.resize(day.size());
    for (const DayEvent& e : day) scratch_[counts_[second(e)]++] = e;
    // counts_[i] is now where second i ends.
    size_t begin = 0;
    for (int64_t i = 0; i < kSeconds; ++i) {
      const size_t end = counts_[i];
      if (end - begin > 1) std::sort(scratch_.begin() + begin, scratch_.begin() + end, Earlier);
      begin = end;
    }
    day.swap(scratch_);
  }

 private:
  std::vector<size_t> counts_;
  std::vector<DayEvent> scratch_;
};

// Turns DayEvents into ParkingEvents in a batch that is reused, so that once the batch's strings
// have grown to fit, writing an event allocates nothing; writes each full batch.
class EventWriter {
 public:
  EventWriter(RecordStore& out, const Fleet& fleet, const GenerateOptions& o,
              const std::function<void(uint64_t)>& progress)
      : out_(out), o_(o), progress_(progress), batch_(kBatchSize) {
    keys_.reserve(fleet.bays.size());
    for (const Bay& b : fleet.bays) keys_.push_back({b.zone_id, b.bay_number, *b.sensor_id});
  }

  Status Add(const DayEvent& e) {
    VDPARK_RETURN_IF_ERROR(Put(e));
    ++events_;
    if (o_.duplicate_rate > 0 && IsDuplicated(e)) {
      VDPARK_RETURN_IF_ERROR(Put(e));
      ++duplicates_;
    }
    return Status::OK();
  }

  Status Finish() { return WriteBatch(); }
  uint64_t events() const { return events_; }
  uint64_t duplicates() const { return duplicates_; }

 private:
  // A hash of the event's key, not a draw from a stream: the choice does not depend on batching.
  bool IsDuplicated(const DayEvent& e) const {
    const uint64_t h = generate::Mix64(generate::StreamSeed(o_.seed, kDuplicateDomain, e.bay) ^
                                       static_cast<uint64_t>(e.us));
    return static_cast<double>(h >> 11) * 0x1.0p-53 < o_.duplicate_rate;
  }

  Status Put(const DayEvent& e) {
    if (used_ == batch_.size()) VDPARK_RETURN_IF_ERROR(WriteBatch());
    ParkingEvent& slot = batch_[used_++];
    const BayKeys& bay = keys_[e.bay];
    slot.zone_id = bay.zone_id;
    slot.bay_number = bay.bay_number;
    slot.sensor_id = bay.sensor_id;
    slot.event_type = e.type;
    slot.timestamp = Timestamp::FromMicros(e.us);
    slot.detection_mode = generate::ToString(e.mode);
    if (e.type == EventType::kLeave) {
      slot.duration_minutes = e.duration_minutes;
      slot.revenue = Decimal::FromMicros(e.revenue_micros, 2);
    } else {
      slot.duration_minutes.reset();
      slot.revenue.reset();
    }
    return Status::OK();
  }

  Status WriteBatch() {
    if (used_ == 0) return Status::OK();
    VDPARK_RETURN_IF_ERROR(out_.WriteEvents(std::span<const ParkingEvent>(batch_.data(), used_)));
    used_ = 0;
    if (progress_) progress_(events_);
    return Status::OK();
  }

  RecordStore& out_;
  // What an event repeats of its bay, packed tighter than the Bays: events come from bays in
  // random order, and this keeps more of them in cache.
  struct BayKeys {
    std::string zone_id, bay_number, sensor_id;
  };
  std::vector<BayKeys> keys_;
  const GenerateOptions& o_;
  const std::function<void(uint64_t)>& progress_;
  std::vector<ParkingEvent> batch_;
  size_t used_ = 0;
  uint64_t events_ = 0;
  uint64_t duplicates_ = 0;
};

}  // namespace

Result<GenerateStats> Generate(const GenerateOptions& options, RecordStore& out,
                               const std::function<void(uint64_t events_so_far)>& progress) {
  VDPARK_RETURN_IF_ERROR(Validate(options));
  Fleet fleet = generate::BuildFleet(options);
  if (options.target_events) {
    const uint64_t most =
        fleet.bays.size() * static_cast<uint64_t>(options.days) * kMostEventsPerBayDay;
    if (*options.target_events > most) {
      return Status::InvalidArgument("target_events " + std::to_string(*options.target_events) +
                                     " is more than " + std::to_string(fleet.bays.size()) +
                                     " bays can make in " + std::to_string(options.days) +
                                     " days (at most " + std::to_string(most) +
                                     ", one event a minute per bay): add zones, bays or days");
    }
  }

  // The bays' final states go out with the metadata, before the events that lead to them, so a
  // dry run (which the target search needs anyway) walks the history once first.
  const DryRun run = Calibrate(fleet, options);
  SetFinalStates(run, fleet);
  VDPARK_RETURN_IF_ERROR(out.WriteMetadata(SortedMetadata(fleet)));

  Traffic traffic = PlanTraffic(fleet, options, run.factor);
  EventWriter writer(out, fleet, options, progress);
  std::vector<DayEvent> day;
  DaySorter sorter;
  if (options.days > 0) day.reserve(run.events / options.days + run.events / options.days / 2);
  const int64_t start_us = options.end.micros() - options.days * kMicrosPerDay;
  const UtcOffset offset = options.utc_offset;

  for (int d = 0; d < options.days; ++d) {
    const int64_t day_end = start_us + (d + 1) * kMicrosPerDay;
    day.clear();
    for (uint32_t i = 0; i < traffic.start.size(); ++i) {
      const Zone& zone = fleet.zones[fleet.bay_zone[i]];
      AdvanceBay(traffic.start[i], traffic.params[i], day_end,
                 [&](EventType type, int64_t us, int64_t arrive_us, DetectionMode mode) {
                   DayEvent e{us, 0, 0, i, type, mode};
                   if (type == EventType::kLeave) {
                     const Timestamp a = Timestamp::FromMicros(arrive_us);
                     const Timestamp l = Timestamp::FromMicros(us);
                     e.duration_minutes = static_cast<int32_t>(DurationMinutes(a, l));
                     e.revenue_micros = Revenue(*zone.price_per_hour,
                                                BillableMicros(a, l, zone.operating_hours, offset))
                                            .micros();
                   }
                   day.push_back(e);
                 });
    }
    sorter.Sort(day, day_end - kMicrosPerDay);
    for (const DayEvent& e : day) VDPARK_RETURN_IF_ERROR(writer.Add(e));
  }
  VDPARK_RETURN_IF_ERROR(writer.Finish());
  if (writer.events() != run.events) {
    return Status::Internal("generate: the history (" + std::to_string(writer.events()) +
                            " events) differs from its dry run (" + std::to_string(run.events) +
                            ")");
  }
  VDPARK_RETURN_IF_ERROR(out.Flush());

  GenerateStats stats;
  stats.zones = fleet.zones.size();
  stats.bays = fleet.bays.size();
  stats.sensors = fleet.sensors.size();
  stats.events = writer.events();
  stats.duplicates_written = writer.duplicates();
  return stats;
}

}  // namespace vdpark
