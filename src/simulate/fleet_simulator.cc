#include "simulate/fleet_simulator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <queue>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "generate/dubai_places.h"
#include "generate/random.h"
#include "generate/traffic_model.h"

namespace vdpark {

namespace {

using generate::BayTraffic;
using generate::BayTrafficParams;
using generate::DetectionMode;
using generate::Rng;
using generate::ZoneKind;

// Random streams of their own, apart from those of `vdpark generate` (1-3).
constexpr uint64_t kTrafficDomain = 11;
constexpr uint64_t kSensorDomain = 12;

constexpr int64_t kMs = 1000;
// As in the generator: a car needs a moment to pull out before the next one pulls in.
constexpr int64_t kMinGapMicros = 20 * kMicrosPerSecond;
// A bay of unknown status has a car in it this often.
constexpr double kUnknownOccupied = 0.35;
// Sensors whose battery is failing: they cross under 20 % during the run.
constexpr double kFailingBattery = 0.05;

int64_t FloorMs(int64_t us) {
  return Timestamp::FloorDiv(us, kMs) * kMs;
}

// The zone's kind from the car park it is named after ("Dubai Marina Walk P2", as the generator
// names zones), else from a word in its name; streets otherwise.
ZoneKind KindOf(const Zone& zone) {
  if (!zone.name) return ZoneKind::kStreet;
  const std::string_view name = *zone.name;
  for (const generate::DubaiArea& area : generate::DubaiAreas()) {
    for (const generate::DubaiPlace& place : area.places) {
      if (name.starts_with(place.name) && name.substr(place.name.size()).starts_with(" P")) {
        return place.kind;
      }
    }
  }
  static constexpr std::pair<std::string_view, ZoneKind> kWords[] = {
      {"Mall", ZoneKind::kMall},         {"Centre", ZoneKind::kMall},
      {"Tower", ZoneKind::kOffice},      {"Business", ZoneKind::kOffice},
      {"Beach", ZoneKind::kLeisure},     {"Park", ZoneKind::kLeisure},
      {"Walk", ZoneKind::kLeisure},      {"Residen", ZoneKind::kResidential},
      {"Villa", ZoneKind::kResidential},
  };
  for (const auto& [word, kind] : kWords) {
    if (name.find(word) != std::string_view::npos) return kind;
  }
  return ZoneKind::kStreet;
}

enum class Due : uint8_t { kChange, kHeartbeat, kHealth };

// What a returned message means for the expected state.
enum class Meaning : uint8_t { kNone, kVacant, kOccupied };

}  // namespace

struct FleetSimulator::State {
  struct SimBay {
    uint32_t zone = 0;  // index into `zones`
    std::string zone_id, bay_number, sensor_id;
    std::string topic;  // "visiondrive/parking/{zoneId}/{bayNumber}/", then "status" or "health"
    BayTrafficParams params;
    BayTraffic traffic;
    Rng rng;  // the sensor's own: signal, modes, duplicates, bad messages
    int64_t next_heartbeat_us = generate::kNever;
    int64_t next_health_us = generate::kNever;
    int64_t last_sent_us = 0;
    double battery_start = 100;
    double drain_per_us = 0;
    int signal = -80;
    DetectionMode mode = DetectionMode::kDual;
    bool occupied = false;  // what the sensor sees
    // What a correct processor has made of the good messages so far.
    BayStatus seen = BayStatus::kUnknown;
    int64_t arrivals = 0;
    int64_t departures = 0;
  };

  // A message made but not yet returned, and what it means for its bay.
  struct Pending {
    SimulatedMessage message;
    uint32_t bay = 0;
    Meaning meaning = Meaning::kNone;
    bool heartbeat = false;
  };

  struct Later {  // a duplicate waiting for its time
    int64_t at_us;
    uint64_t seq;
    SimulatedMessage message;
    bool operator>(const Later& o) const { return std::tie(at_us, seq) > std::tie(o.at_us, o.seq); }
  };

  using BayDue = std::pair<int64_t, uint32_t>;  // (time, bay)

  SimulateOptions options;
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::vector<SimBay> bays;
  std::vector<std::string> zone_ids;          // every zone, sorted
  std::vector<int64_t> zone_base_occupied;    // per zone: its bays that are not simulated, occupied
  std::vector<std::string> fleet_sensor_ids;  // sorted: to make ids that are surely unknown

  std::priority_queue<BayDue, std::vector<BayDue>, std::greater<>> bay_queue;
  std::priority_queue<Later, std::vector<Later>, std::greater<>> later;
  std::deque<Pending> ready;
  uint64_t later_seq = 0;
  SimulateCounts counts;

  State(const Metadata& fleet, const SimulateOptions& o);

  std::pair<int64_t, Due> NextDue(const SimBay& b) const {
    int64_t t = FloorMs(b.traffic.next_us);
    Due due = Due::kChange;
    if (b.next_heartbeat_us < t) {
      t = b.next_heartbeat_us;
      due = Due::kHeartbeat;
    }
    if (b.next_health_us < t) {
      t = b.next_health_us;
      due = Due::kHealth;
    }
    return {std::max(t, b.last_sent_us + kMs), due};
  }

  void Schedule(uint32_t i) {
    const int64_t t = NextDue(bays[i]).first;
    if (t < end_us) bay_queue.emplace(t, i);
  }

  int Battery(const SimBay& b, int64_t at) const {
    const double v = b.battery_start - b.drain_per_us * static_cast<double>(at - start_us);
    return static_cast<int>(std::lround(std::clamp(v, 0.0, 100.0)));
  }

  int Signal(SimBay& b) {
    return std::clamp(b.signal + static_cast<int>(b.rng.Int(-2, 2)), -120, -40);
  }

  std::string StatusPayload(std::string_view device, bool occupied, int64_t battery, int signal,
                            DetectionMode mode, int64_t at, bool heartbeat) const {
    std::string p;
    p.reserve(128);
    p += R"({"deviceId":")";
    p += device;
    p += R"(","status":")";
    p += occupied ? "occupied" : "vacant";
    p += R"(","battery":)";
    p += std::to_string(battery);
    p += R"(,"signal":)";
    p += std::to_string(signal);
    p += R"(,"mode":")";
    p += generate::ToString(mode);
    p += '"';
    if (options.with_ts) p += R"(,"ts":)" + std::to_string(at / kMs);
    if (heartbeat) p += R"(,"heartbeat":true)";
    p += '}';
    return p;
  }

  std::string HealthPayload(std::string_view device, int battery, int signal, int64_t at) const {
    std::string p = R"({"deviceId":")" + std::string(device) + R"(","battery":)" +
                    std::to_string(battery) + R"(,"signal":)" + std::to_string(signal);
    if (options.with_ts) p += R"(,"ts":)" + std::to_string(at / kMs);
    p += '}';
    return p;
  }

  // The next good message of bay `i`, due at `at`, moving the bay on.
  Pending Good(uint32_t i, int64_t at, Due due) {
    SimBay& b = bays[i];
    Pending out;
    out.bay = i;
    out.message.at = Timestamp::FromMicros(at);
    switch (due) {
      case Due::kChange:
        // Exactly the bay's next event: AdvanceBay stops at the first event not before the limit.
        generate::AdvanceBay(b.traffic, b.params, b.traffic.next_us + 1,
                             [&](EventType type, int64_t, int64_t, DetectionMode mode) {
                               b.occupied = type == EventType::kArrive;
                               b.mode = mode;
                             });
        [[fallthrough]];
      case Due::kHeartbeat: {
        const bool heartbeat = due == Due::kHeartbeat;
        if (heartbeat) b.next_heartbeat_us += options.heartbeat_micros;
        out.message.topic = b.topic + "status";
        out.message.payload = StatusPayload(b.sensor_id, b.occupied, Battery(b, at), Signal(b),
                                            b.mode, at, heartbeat);
        out.meaning = b.occupied ? Meaning::kOccupied : Meaning::kVacant;
        out.heartbeat = heartbeat;
        break;
      }
      case Due::kHealth:
        b.next_health_us += options.health_micros;
        out.message.topic = b.topic + "health";
        out.message.payload = HealthPayload(b.sensor_id, Battery(b, at), Signal(b), at);
        break;
    }
    b.last_sent_us = at;
    return out;
  }

  // A sensor id that no sensor of the fleet has.
  std::string UnknownSensor(Rng& rng) const {
    for (;;) {
      std::string id = "PSL01B-9" + std::to_string(rng.Int(1000000, 9999999));
      if (!std::binary_search(fleet_sensor_ids.begin(), fleet_sensor_ids.end(), id)) return id;
    }
  }

  // A message about bay `i` at `at` that a processor must reject.
  Pending Bad(uint32_t i, int64_t at) {
    SimBay& b = bays[i];
    Pending out;
    out.bay = i;
    out.message.at = Timestamp::FromMicros(at);
    out.message.bad = true;
    out.message.topic = b.topic + "status";
    const int signal = Signal(b);
    int64_t kind = b.rng.Int(0, 3);
    if (kind == 3 && bays.size() < 2) kind = 1;
    switch (kind) {
      case 0: {  // bad JSON: cut short (a proper prefix of an object never parses), or not JSON
        const std::string whole =
            StatusPayload(b.sensor_id, b.occupied, Battery(b, at), signal, b.mode, at, false);
        const int64_t cut = b.rng.Int(0, 2);
        out.message.payload =
            cut == 0 ? "occupied"
            : cut == 1
                ? whole.substr(
                      0, static_cast<size_t>(b.rng.Int(1, static_cast<int64_t>(whole.size()) - 1)))
                : std::string("\x01\x02PSL01B\xff");
        break;
      }
      case 1:  // a sensor nobody registered
        out.message.payload = StatusPayload(UnknownSensor(b.rng), b.occupied, Battery(b, at),
                                            signal, b.mode, at, false);
        break;
      case 2: {  // a battery level no sensor reports
        const int64_t battery = b.rng.Chance(0.5) ? b.rng.Int(101, 255) : b.rng.Int(-50, -1);
        out.message.payload =
            StatusPayload(b.sensor_id, b.occupied, battery, signal, b.mode, at, false);
        break;
      }
      default: {  // a registered sensor on another bay's topic
        auto other = static_cast<uint32_t>(b.rng.Int(0, static_cast<int64_t>(bays.size()) - 2));
        if (other >= i) ++other;
        out.message.payload = StatusPayload(bays[other].sensor_id, b.occupied, Battery(b, at),
                                            signal, b.mode, at, false);
        break;
      }
    }
    return out;
  }

  // Fills `ready` with the next bay's messages, or queues nothing when every bay is done.
  void Produce() {
    const int64_t bay_at = bay_queue.empty() ? generate::kNever : bay_queue.top().first;
    if (!later.empty() && later.top().at_us <= bay_at) {
      Pending dup;
      dup.message = later.top().message;
      later.pop();
      ready.push_back(std::move(dup));
      return;
    }
    if (bay_queue.empty()) return;
    const uint32_t i = bay_queue.top().second;
    bay_queue.pop();
    SimBay& b = bays[i];
    const auto [at, due] = NextDue(b);
    while (b.rng.Chance(options.bad_rate)) ready.push_back(Bad(i, at));
    Pending good = Good(i, at, due);
    if (b.rng.Chance(options.duplicate_rate)) {
      const int64_t dup_at = at + b.rng.Int(200, 5000) * kMs;
      SimulatedMessage dup = good.message;
      dup.at = Timestamp::FromMicros(dup_at);
      dup.duplicate = true;
      later.push(Later{dup_at, later_seq++, std::move(dup)});
    }
    ready.push_back(std::move(good));
    Schedule(i);
  }

  void Fold(const Pending& p) {
    const SimulatedMessage& m = p.message;
    ++counts.messages;
    if (m.bad) {
      ++counts.bad;
      return;
    }
    if (m.duplicate) {
      ++counts.duplicates;
      return;
    }
    if (p.meaning == Meaning::kNone) {
      ++counts.health;
      return;
    }
    SimBay& b = bays[p.bay];
    const bool occupied = p.meaning == Meaning::kOccupied;
    if (p.heartbeat) {
      ++counts.heartbeats;
    } else {
      ++counts.changes;
    }
    if (occupied && b.seen != BayStatus::kOccupied) ++b.arrivals;
    if (!occupied && b.seen == BayStatus::kOccupied) ++b.departures;
    b.seen = occupied ? BayStatus::kOccupied : BayStatus::kVacant;
  }
};

FleetSimulator::State::State(const Metadata& fleet, const SimulateOptions& o) : options(o) {
  options.heartbeat_micros = std::max<int64_t>(options.heartbeat_micros, kMs);
  options.health_micros = std::max<int64_t>(options.health_micros, 0);
  options.duration_micros = std::max<int64_t>(options.duration_micros, 0);
  options.duplicate_rate = std::clamp(options.duplicate_rate, 0.0, 1.0);
  options.bad_rate = std::clamp(options.bad_rate, 0.0, 0.99);
  start_us = (Timestamp::FloorDiv(options.start.micros() - 1, kMs) + 1) * kMs;  // up to a ms
  end_us = options.start.micros() + options.duration_micros;

  // Zones: every one the fleet has or its bays name.
  for (const Zone& z : fleet.zones) zone_ids.push_back(z.zone_id);
  for (const Bay& b : fleet.bays) zone_ids.push_back(b.zone_id);
  std::sort(zone_ids.begin(), zone_ids.end());
  zone_ids.erase(std::unique(zone_ids.begin(), zone_ids.end()), zone_ids.end());
  zone_base_occupied.assign(zone_ids.size(), 0);
  auto zone_index = [&](const std::string& id) {
    return static_cast<uint32_t>(std::lower_bound(zone_ids.begin(), zone_ids.end(), id) -
                                 zone_ids.begin());
  };
  std::unordered_map<std::string_view, ZoneKind> kinds;
  for (const Zone& z : fleet.zones) kinds.emplace(z.zone_id, KindOf(z));
  std::unordered_map<std::string_view, const Sensor*> sensors;
  for (const Sensor& s : fleet.sensors) {
    sensors.emplace(s.sensor_id, &s);
    fleet_sensor_ids.push_back(s.sensor_id);
  }
  for (const Bay& b : fleet.bays) {
    if (b.sensor_id) fleet_sensor_ids.push_back(*b.sensor_id);
  }
  std::sort(fleet_sensor_ids.begin(), fleet_sensor_ids.end());
  fleet_sensor_ids.erase(std::unique(fleet_sensor_ids.begin(), fleet_sensor_ids.end()),
                         fleet_sensor_ids.end());

  // The bays to simulate: the first N with a sensor, by key.
  std::vector<const Bay*> chosen;
  for (const Bay& b : fleet.bays) {
    if (b.sensor_id && !b.sensor_id->empty()) chosen.push_back(&b);
  }
  std::sort(chosen.begin(), chosen.end(), [](const Bay* a, const Bay* b) {
    return std::tie(a->zone_id, a->bay_number) < std::tie(b->zone_id, b->bay_number);
  });
  if (options.sensors > 0 && static_cast<size_t>(options.sensors) < chosen.size()) {
    chosen.resize(static_cast<size_t>(options.sensors));
  }
  std::vector<bool> simulated(fleet.bays.size(), false);
  for (const Bay* b : chosen) simulated[static_cast<size_t>(b - fleet.bays.data())] = true;
  for (size_t i = 0; i < fleet.bays.size(); ++i) {
    if (!simulated[i] && fleet.bays[i].status == BayStatus::kOccupied) {
      ++zone_base_occupied[zone_index(fleet.bays[i].zone_id)];
    }
  }

  const double duration_days =
      static_cast<double>(options.duration_micros) / static_cast<double>(kMicrosPerDay);
  bays.resize(chosen.size());
  for (size_t i = 0; i < chosen.size(); ++i) {
    const Bay& src = *chosen[i];
    SimBay& b = bays[i];
    b.zone = zone_index(src.zone_id);
    b.zone_id = src.zone_id;
    b.bay_number = src.bay_number;
    b.sensor_id = *src.sensor_id;
    b.topic = "visiondrive/parking/" + src.zone_id + "/" + src.bay_number + "/";
    b.rng = Rng(generate::StreamSeed(options.seed, kSensorDomain, i));
    b.seen = src.status;

    const auto kind = kinds.find(src.zone_id);
    b.params.kind = kind == kinds.end() ? ZoneKind::kStreet : kind->second;
    b.params.curve = &generate::CurveFor(b.params.kind);
    b.params.arrival_scale = b.rng.Uniform(0.6, 1.4);
    b.params.min_gap_us = kMinGapMicros;
    b.params.offset_us = options.utc_offset.minutes * kMicrosPerMinute;

    const uint64_t traffic_seed = generate::StreamSeed(options.seed, kTrafficDomain, i);
    b.occupied = src.status == BayStatus::kOccupied ||
                 (src.status == BayStatus::kUnknown && b.rng.Chance(kUnknownOccupied));
    if (b.occupied) {
      // A car already there leaves after what is left of a stay.
      b.traffic = BayTraffic{Rng(traffic_seed)};
      b.traffic.occupied = true;
      b.traffic.arrive_us = src.occupied_since ? src.occupied_since->micros() : start_us;
      const int64_t stay = generate::SampleStayMicros(
          b.params.kind, generate::LocalHour(start_us + b.params.offset_us), 1, b.traffic.rng);
      b.traffic.next_us =
          start_us + std::max<int64_t>(
                         kMicrosPerSecond,
                         static_cast<int64_t>(static_cast<double>(stay) * b.traffic.rng.Uniform()));
    } else {
      b.traffic = generate::StartBay(traffic_seed, b.params, start_us);
    }
    b.mode = generate::SampleDetectionMode(b.rng);

    const auto sensor = sensors.find(b.sensor_id);
    const Sensor* s = sensor == sensors.end() ? nullptr : sensor->second;
    b.battery_start = s && s->last_battery
                          ? static_cast<double>(std::clamp<int64_t>(*s->last_battery, 0, 100))
                          : 100 - 80 * std::pow(b.rng.Uniform(), 2);
    double battery_end = b.battery_start - b.rng.Uniform(0.02, 0.1) * duration_days;
    if (options.duration_micros > 0 && b.rng.Chance(kFailingBattery)) {
      b.battery_start = b.rng.Uniform(20.5, 23);
      battery_end = b.rng.Uniform(12, 19);
    }
    b.drain_per_us = options.duration_micros > 0 ? (b.battery_start - battery_end) /
                                                       static_cast<double>(options.duration_micros)
                                                 : 0;
    b.signal = s && s->last_signal
                   ? static_cast<int>(std::clamp<int64_t>(*s->last_signal, -120, -40))
                   : static_cast<int>(
                         std::clamp<int64_t>(std::lround(-82 + 9 * b.rng.Normal()), -110, -60));

    b.next_heartbeat_us = start_us + b.rng.Int(0, options.heartbeat_micros / kMs - 1) * kMs;
    if (options.health_micros > 0) {
      b.next_health_us =
          start_us + b.rng.Int(0, std::max<int64_t>(options.health_micros / kMs, 1) - 1) * kMs;
    }
    b.last_sent_us = start_us - kMs;
    Schedule(static_cast<uint32_t>(i));
  }
}

Status ValidateSimulateOptions(const SimulateOptions& o) {
  auto bad = [](std::string_view what) { return Status::InvalidArgument(what); };
  if (o.sensors < 0) return bad("sensors must be 0 (all) or more");
  if (o.duration_micros < 0) return bad("duration must not be negative");
  if (o.heartbeat_micros < kMs) return bad("heartbeat must be at least a millisecond");
  if (o.health_micros < 0) return bad("health period must be 0 (none) or more");
  if (!(o.duplicate_rate >= 0 && o.duplicate_rate <= 1)) {
    return bad("duplicate_rate must be between 0 and 1");
  }
  if (!(o.bad_rate >= 0 && o.bad_rate < 1)) return bad("bad_rate must be at least 0 and below 1");
  if (o.utc_offset.minutes < -14 * 60 || o.utc_offset.minutes > 14 * 60) {
    return bad("utc_offset must be within 14 hours of UTC");
  }
  return Status::OK();
}

FleetSimulator::FleetSimulator(const Metadata& fleet, const SimulateOptions& options)
    : state_(std::make_unique<State>(fleet, options)) {}
FleetSimulator::~FleetSimulator() = default;
FleetSimulator::FleetSimulator(FleetSimulator&&) noexcept = default;
FleetSimulator& FleetSimulator::operator=(FleetSimulator&&) noexcept = default;

std::optional<SimulatedMessage> FleetSimulator::Next() {
  State& s = *state_;
  if (s.ready.empty()) s.Produce();
  if (s.ready.empty()) return std::nullopt;
  State::Pending p = std::move(s.ready.front());
  s.ready.pop_front();
  s.Fold(p);
  return std::move(p.message);
}

ExpectedState FleetSimulator::Expected() const {
  const State& s = *state_;
  ExpectedState e;
  std::vector<int64_t> occupied = s.zone_base_occupied;
  e.bays.reserve(s.bays.size());
  for (const State::SimBay& b : s.bays) {
    e.bays.push_back(ExpectedBay{b.zone_id, b.bay_number, b.seen, b.arrivals, b.departures});
    if (b.seen == BayStatus::kOccupied) ++occupied[b.zone];
  }
  e.zones.reserve(s.zone_ids.size());
  for (size_t z = 0; z < s.zone_ids.size(); ++z) {
    e.zones.push_back(ExpectedZone{s.zone_ids[z], occupied[z]});
  }
  return e;
}

const SimulateCounts& FleetSimulator::counts() const {
  return state_->counts;
}

size_t FleetSimulator::simulated_bays() const {
  return state_->bays.size();
}

}  // namespace vdpark
