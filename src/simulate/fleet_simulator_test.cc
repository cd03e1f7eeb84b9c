#include "simulate/fleet_simulator.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "generate/fleet_builder.h"

namespace vdpark {
namespace {

namespace json = boost::json;

constexpr int64_t kMs = 1000;

// A small generated city; bays start occupied, vacant or unknown in turn, and one bay has no
// sensor.
Metadata TestFleet(int zones = 5, uint64_t seed = 3) {
  GenerateOptions g;
  g.seed = seed;
  g.zones = zones;
  g.bays_per_zone_min = 10;
  g.bays_per_zone_max = 30;
  g.days = 1;
  generate::Fleet f = generate::BuildFleet(g);
  Metadata m{f.zones, f.bays, f.sensors};
  for (size_t i = 0; i < m.bays.size(); ++i) {
    m.bays[i].status = i % 3 == 0   ? BayStatus::kOccupied
                       : i % 3 == 1 ? BayStatus::kVacant
                                    : BayStatus::kUnknown;
  }
  m.bays[1].sensor_id.reset();
  return m;
}

SimulateOptions Options(int64_t hours = 24) {
  SimulateOptions o;
  o.seed = 7;
  o.duration_micros = hours * kMicrosPerHour;
  return o;
}

std::vector<SimulatedMessage> RunAll(FleetSimulator& sim) {
  std::vector<SimulatedMessage> out;
  while (auto m = sim.Next()) out.push_back(std::move(*m));
  return out;
}

std::vector<SimulatedMessage> RunAll(const Metadata& fleet, const SimulateOptions& o) {
  FleetSimulator sim(fleet, o);
  return RunAll(sim);
}

struct Topic {
  std::string zone, bay, kind;  // kind: "status" or "health"
};

Topic ParseTopic(const std::string& topic) {
  constexpr std::string_view kPrefix = "visiondrive/parking/";
  EXPECT_TRUE(topic.starts_with(kPrefix)) << topic;
  const std::string rest = topic.substr(kPrefix.size());
  const size_t a = rest.find('/'), b = rest.find('/', a + 1);
  EXPECT_NE(b, std::string::npos) << topic;
  return Topic{rest.substr(0, a), rest.substr(a + 1, b - a - 1), rest.substr(b + 1)};
}

bool IsHeartbeat(const SimulatedMessage& m) {
  return !m.bad && m.payload.find(R"("heartbeat":true)") != std::string::npos;
}

// SPEC §4 applied to the good, first-time messages, bay by bay from the fleet's statuses.
ExpectedState ReferenceFold(const Metadata& fleet, const std::vector<SimulatedMessage>& messages) {
  std::map<std::pair<std::string, std::string>, ExpectedBay> bays;
  for (const Bay& b : fleet.bays) {
    bays[{b.zone_id, b.bay_number}] = ExpectedBay{b.zone_id, b.bay_number, b.status, 0, 0};
  }
  for (const SimulatedMessage& m : messages) {
    if (m.bad || m.duplicate) continue;
    const Topic t = ParseTopic(m.topic);
    if (t.kind != "status") continue;
    ExpectedBay& b = bays.at({t.zone, t.bay});
    const bool occupied = json::parse(m.payload).at("status").as_string() == "occupied";
    if (occupied && b.status != BayStatus::kOccupied) ++b.arrivals;
    if (!occupied && b.status == BayStatus::kOccupied) ++b.departures;
    b.status = occupied ? BayStatus::kOccupied : BayStatus::kVacant;
  }
  ExpectedState e;
  std::map<std::string, int64_t> zones;
  for (const Zone& z : fleet.zones) zones[z.zone_id] = 0;
  for (const auto& [key, b] : bays) {
    e.bays.push_back(b);
    if (b.status == BayStatus::kOccupied) ++zones[b.zone_id];
  }
  for (const auto& [zone, n] : zones) e.zones.push_back(ExpectedZone{zone, n});
  return e;
}

TEST(FleetSimulatorTest, SameSeedSameMessagesAnotherSeedOthers) {
  const Metadata fleet = TestFleet();
  SimulateOptions o = Options(12);
  o.duplicate_rate = 0.05;
  o.bad_rate = 0.05;
  auto key = [](const std::vector<SimulatedMessage>& ms) {
    std::string all;
    for (const SimulatedMessage& m : ms) {
      all += std::to_string(m.at.micros()) + m.topic + m.payload + (m.bad ? "B" : "") +
             (m.duplicate ? "D" : "") + "\n";
    }
    return all;
  };
  const std::string first = key(RunAll(fleet, o));
  EXPECT_GT(first.size(), 10000u);
  EXPECT_EQ(first, key(RunAll(fleet, o)));
  o.seed = 8;
  EXPECT_NE(first, key(RunAll(fleet, o)));
}

TEST(FleetSimulatorTest, MessagesComeInTimeOrderInsideTheWindow) {
  const Metadata fleet = TestFleet();
  SimulateOptions o = Options();
  o.duplicate_rate = 0.1;
  o.bad_rate = 0.1;
  const auto messages = RunAll(fleet, o);
  ASSERT_FALSE(messages.empty());
  const int64_t end = o.start.micros() + o.duration_micros;
  std::map<std::string, int64_t> last_per_bay;
  for (size_t i = 0; i < messages.size(); ++i) {
    const SimulatedMessage& m = messages[i];
    if (i > 0) {
      ASSERT_LE(messages[i - 1].at, m.at) << i;
    }
    EXPECT_GE(m.at, o.start);
    EXPECT_EQ(m.at.micros() % kMs, 0);
    if (m.duplicate) {
      EXPECT_LT(m.at.micros(), end + 5 * kMicrosPerSecond);
      continue;
    }
    EXPECT_LT(m.at.micros(), end);
    if (m.bad) continue;
    // One bay's good messages never share a millisecond, so "ts" orders them.
    const Topic t = ParseTopic(m.topic);
    auto [it, fresh] = last_per_bay.emplace(t.zone + "/" + t.bay, m.at.micros());
    if (!fresh) {
      EXPECT_LT(it->second, m.at.micros()) << m.topic;
      it->second = m.at.micros();
    }
  }
}

TEST(FleetSimulatorTest, HeartbeatsComeEveryPeriodPerSensor) {
  const Metadata fleet = TestFleet();
  SimulateOptions o = Options(6);
  o.heartbeat_micros = 10 * kMicrosPerMinute;
  o.duplicate_rate = 0.1;
  FleetSimulator sim(fleet, o);
  const auto messages = RunAll(sim);
  std::map<std::string, std::vector<int64_t>> beats;
  for (const SimulatedMessage& m : messages) {
    if (IsHeartbeat(m) && !m.duplicate) beats[m.topic].push_back(m.at.micros());
  }
  ASSERT_EQ(beats.size(), sim.simulated_bays());
  for (const auto& [topic, times] : beats) {
    ASSERT_EQ(times.size(), 36u) << topic;  // 6 hours of 10-minute periods, at any phase
    EXPECT_LT(times.front(), o.start.micros() + o.heartbeat_micros + 2 * kMs);
    for (size_t i = 1; i < times.size(); ++i) {
      // Nominally exact; a heartbeat due in the same millisecond as a change of its bay goes a
      // millisecond later.
      EXPECT_NEAR(times[i] - times[i - 1], o.heartbeat_micros, 2 * kMs) << topic;
    }
  }
  EXPECT_EQ(sim.counts().heartbeats, sim.simulated_bays() * 36);
}

TEST(FleetSimulatorTest, ExpectedStateIsWhatAReferenceFoldOfTheGoodMessagesGives) {
  const Metadata fleet = TestFleet();
  SimulateOptions o = Options(48);
  o.duplicate_rate = 0.1;
  o.bad_rate = 0.1;
  FleetSimulator sim(fleet, o);
  const auto messages = RunAll(sim);
  const ExpectedState expected = sim.Expected();
  const ExpectedState reference = ReferenceFold(fleet, messages);

  // Every bay with a sensor is simulated, the one without is not, and it stays as it was.
  ASSERT_EQ(expected.bays.size(), fleet.bays.size() - 1);
  for (const ExpectedBay& r : reference.bays) {
    const ExpectedBay* e = expected.FindBay(r.zone_id, r.bay_number);
    if (!e) {
      EXPECT_EQ(r.arrivals + r.departures, 0) << r.zone_id << " " << r.bay_number;
      continue;
    }
    EXPECT_EQ(*e, r) << r.zone_id << " " << r.bay_number;
  }
  EXPECT_EQ(expected.zones, reference.zones);
  // Real traffic, not a handful of events.
  EXPECT_GT(expected.arrivals(), static_cast<int64_t>(expected.bays.size()) * 5);
  EXPECT_GT(expected.departures(), static_cast<int64_t>(expected.bays.size()) * 5);
  // Every change a sensor reports is an event, except where a bay of unknown status is
  // concerned: its first word decides (an occupied heartbeat is an ARRIVE, a departure is none).
  int64_t unknown = 0;
  for (const Bay& b : fleet.bays) unknown += b.sensor_id && b.status == BayStatus::kUnknown;
  const int64_t changes = static_cast<int64_t>(sim.counts().changes);
  EXPECT_LE(std::abs(expected.arrivals() + expected.departures() - changes), unknown);
}

TEST(FleetSimulatorTest, DuplicateAndBadRatesAreRoughlyAsAsked) {
  const Metadata fleet = TestFleet(6);
  SimulateOptions o = Options(48);
  o.duplicate_rate = 0.05;
  o.bad_rate = 0.03;
  FleetSimulator sim(fleet, o);
  const auto messages = RunAll(sim);
  ASSERT_GT(messages.size(), 10000u);
  double good = 0, duplicates = 0, bad = 0;
  for (const SimulatedMessage& m : messages) {
    good += !m.bad && !m.duplicate;
    duplicates += m.duplicate;
    bad += m.bad;
    EXPECT_FALSE(m.bad && m.duplicate);
  }
  EXPECT_NEAR(duplicates / good, 0.05, 0.01);
  EXPECT_NEAR(bad / (good + bad), 0.03, 0.008);
  EXPECT_EQ(sim.counts().messages, messages.size());
  EXPECT_EQ(sim.counts().duplicates, static_cast<uint64_t>(duplicates));
  EXPECT_EQ(sim.counts().bad, static_cast<uint64_t>(bad));

  // A duplicate repeats an earlier good message of its bay, topic and payload alike.
  std::set<std::pair<std::string, std::string>> sent;
  for (const SimulatedMessage& m : messages) {
    if (m.duplicate) {
      EXPECT_TRUE(sent.contains({m.topic, m.payload})) << m.payload;
    } else if (!m.bad) {
      sent.insert({m.topic, m.payload});
    }
  }
}

TEST(FleetSimulatorTest, PayloadsAreTheSensorJsonOfTheSpec) {
  const Metadata fleet = TestFleet();
  std::map<std::pair<std::string, std::string>, std::string> sensor_of;
  std::set<std::string> known;
  for (const Bay& b : fleet.bays) {
    if (b.sensor_id) sensor_of[{b.zone_id, b.bay_number}] = *b.sensor_id;
  }
  for (const Sensor& s : fleet.sensors) known.insert(s.sensor_id);

  SimulateOptions o = Options(24);
  o.bad_rate = 0.05;
  o.duplicate_rate = 0.02;
  int bad_json = 0, unknown = 0, battery = 0, wrong_bay = 0, health = 0;
  for (const SimulatedMessage& m : RunAll(fleet, o)) {
    const Topic t = ParseTopic(m.topic);
    ASSERT_TRUE(sensor_of.contains({t.zone, t.bay})) << m.topic;
    const std::string& sensor = sensor_of[{t.zone, t.bay}];
    boost::system::error_code ec;
    const json::value v = json::parse(m.payload, ec);
    if (m.bad) {
      if (ec || !v.is_object()) {
        ++bad_json;
      } else if (!known.contains(std::string(v.at("deviceId").as_string()))) {
        ++unknown;
      } else if (v.at("deviceId").as_string() != sensor) {
        ++wrong_bay;
      } else {
        const int64_t b = v.at("battery").as_int64();
        EXPECT_TRUE(b < 0 || b > 100) << m.payload;
        ++battery;
      }
      continue;
    }
    ASSERT_FALSE(ec) << m.payload;
    const json::object& p = v.as_object();
    EXPECT_EQ(p.at("deviceId").as_string(), sensor);
    const int64_t b = p.at("battery").as_int64();
    EXPECT_TRUE(b >= 0 && b <= 100) << m.payload;
    const int64_t signal = p.at("signal").as_int64();
    EXPECT_TRUE(signal >= -120 && signal <= -40) << m.payload;
    // A redelivery carries the first send's "ts".
    if (m.duplicate) {
      EXPECT_LT(p.at("ts").as_int64(), m.at.micros() / kMs);
    } else {
      EXPECT_EQ(p.at("ts").as_int64(), m.at.micros() / kMs);
    }
    if (t.kind == "health") {
      ++health;
      EXPECT_EQ(p.size(), 4u) << m.payload;  // deviceId, battery, signal, ts
      continue;
    }
    ASSERT_EQ(t.kind, "status");
    const std::string status(p.at("status").as_string());
    EXPECT_TRUE(status == "occupied" || status == "vacant") << m.payload;
    const std::string mode(p.at("mode").as_string());
    EXPECT_TRUE(mode == "dual" || mode == "magnetic" || mode == "radar") << m.payload;
    if (const json::value* hb = p.if_contains("heartbeat")) {
      EXPECT_TRUE(hb->as_bool());
    }
    EXPECT_EQ(p.size(), p.contains("heartbeat") ? 7u : 6u) << m.payload;
  }
  EXPECT_GT(bad_json, 0);
  EXPECT_GT(unknown, 0);
  EXPECT_GT(battery, 0);
  EXPECT_GT(wrong_bay, 0);
  EXPECT_GT(health, 0);

  // The example of SPEC §4, field for field and in its order.
  o.bad_rate = 0;
  o.duplicate_rate = 0;
  for (const SimulatedMessage& m : RunAll(fleet, o)) {
    if (m.topic.ends_with("/status") && !IsHeartbeat(m)) {
      EXPECT_TRUE(m.payload.starts_with(R"({"deviceId":"PSL01B-)")) << m.payload;
      EXPECT_NE(m.payload.find(R"(,"status":")"), std::string::npos);
      EXPECT_LT(m.payload.find(R"("battery":)"), m.payload.find(R"("signal":)"));
      EXPECT_LT(m.payload.find(R"("mode":)"), m.payload.find(R"("ts":)"));
      break;
    }
  }
}

TEST(FleetSimulatorTest, WithoutTsThePayloadsLeaveItOut) {
  SimulateOptions o = Options(2);
  o.with_ts = false;
  for (const SimulatedMessage& m : RunAll(TestFleet(2), o)) {
    EXPECT_FALSE(json::parse(m.payload).as_object().contains("ts")) << m.payload;
  }
}

TEST(FleetSimulatorTest, SimulatesTheFirstBaysWithASensorByKey) {
  const Metadata fleet = TestFleet();
  std::vector<std::pair<std::string, std::string>> keys;
  for (const Bay& b : fleet.bays) {
    if (b.sensor_id) keys.emplace_back(b.zone_id, b.bay_number);
  }
  std::sort(keys.begin(), keys.end());
  keys.resize(7);

  SimulateOptions o = Options(6);
  o.sensors = 7;
  FleetSimulator sim(fleet, o);
  EXPECT_EQ(sim.simulated_bays(), 7u);
  std::set<std::pair<std::string, std::string>> seen;
  for (const SimulatedMessage& m : RunAll(sim)) {
    const Topic t = ParseTopic(m.topic);
    seen.insert({t.zone, t.bay});
  }
  EXPECT_EQ(seen, std::set(keys.begin(), keys.end()));
  const ExpectedState e = sim.Expected();
  ASSERT_EQ(e.bays.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(e.bays[i].zone_id, keys[i].first);
    EXPECT_EQ(e.bays[i].bay_number, keys[i].second);
  }
  EXPECT_EQ(e.zones.size(), fleet.zones.size());  // every zone, for its occupied count
}

TEST(FleetSimulatorTest, SomeBatteriesDrainUnderTwentyPercent) {
  const Metadata fleet = TestFleet(10);
  std::map<std::string, std::vector<int64_t>> levels;
  for (const SimulatedMessage& m : RunAll(fleet, Options(24))) {
    const json::object p = json::parse(m.payload).as_object();
    levels[std::string(p.at("deviceId").as_string())].push_back(p.at("battery").as_int64());
  }
  int crossed = 0;
  for (const auto& [sensor, l] : levels) {
    EXPECT_TRUE(std::is_sorted(l.rbegin(), l.rend())) << sensor;  // never goes back up
    crossed += l.front() >= 20 && l.back() < 20;
  }
  EXPECT_GT(crossed, 0);
  EXPECT_LT(crossed, static_cast<int>(levels.size()) / 5);
}

TEST(FleetSimulatorTest, ArrivalsFollowTheDailyCurve) {
  const Metadata fleet = TestFleet(8);
  SimulateOptions o = Options(7 * 24);
  o.health_micros = 0;
  int night = 0, evening = 0;
  for (const SimulatedMessage& m : RunAll(fleet, o)) {
    if (m.topic.ends_with("/health")) ADD_FAILURE() << "health messages were turned off";
    if (IsHeartbeat(m) || m.payload.find(R"("status":"occupied")") == std::string::npos) continue;
    const int local_hour = static_cast<int>((m.at.micros() / kMicrosPerHour + 4) % 24);
    night += local_hour >= 2 && local_hour < 5;
    evening += local_hour >= 17 && local_hour < 20;
  }
  EXPECT_GT(evening, 4 * night) << "night " << night << ", evening " << evening;
}

TEST(FleetSimulatorTest, ExpectedStateRoundTripsThroughJson) {
  const Metadata fleet = TestFleet(3);
  FleetSimulator sim(fleet, Options(12));
  RunAll(sim);
  const ExpectedState e = sim.Expected();
  auto back = ExpectedState::FromJson(e.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
  EXPECT_NE(back->FindZone(fleet.zones[0].zone_id), nullptr);
  EXPECT_EQ(back->FindBay("no-such-zone", "A-001"), nullptr);

  EXPECT_TRUE(ExpectedState::FromJson("{").status().IsInvalidArgument());
  auto wrong = ExpectedState::FromJson(
      R"({"bays":[{"zoneId":"z","bayNumber":"A","status":"parked","arrivals":0,"departures":0}],)"
      R"("zones":[]})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("bays[0]"), std::string::npos);
}

TEST(FleetSimulatorTest, ValidateNamesTheBadOption) {
  SimulateOptions o;
  EXPECT_TRUE(ValidateSimulateOptions(o).ok());
  o.bad_rate = 1;
  EXPECT_NE(ValidateSimulateOptions(o).message().find("bad_rate"), std::string::npos);
  o = SimulateOptions{};
  o.heartbeat_micros = 0;
  EXPECT_TRUE(ValidateSimulateOptions(o).IsInvalidArgument());
}

TEST(FleetSimulatorPacerTest, SpeedZeroNeverWaits) {
  Pacer pacer(0, Timestamp::FromSeconds(1000));
  EXPECT_EQ(pacer.Delay(Timestamp::FromSeconds(1000000)).count(), 0);
  EXPECT_TRUE(pacer.WaitUntil(Timestamp::FromSeconds(1000000)));
}

TEST(FleetSimulatorPacerTest, WaitsUntilTheSimulatedTimeIsDue) {
  const Timestamp start = Timestamp::FromSeconds(1000);
  Pacer pacer(3600, start);  // an hour a second
  const auto t0 = Pacer::Clock::now();
  EXPECT_TRUE(pacer.WaitUntil(start + 360 * kMicrosPerSecond));  // 0.1 s of wall time
  const auto waited = Pacer::Clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(95));
  EXPECT_LT(waited, std::chrono::milliseconds(1000));
  EXPECT_EQ(pacer.Delay(start).count(), 0);  // the past is due
  EXPECT_GE(pacer.SimNow(), start + 360 * kMicrosPerSecond);

  std::atomic<bool> stop{true};
  EXPECT_FALSE(pacer.WaitUntil(start + 3600 * 1000 * kMicrosPerSecond, &stop));
}

}  // namespace
}  // namespace vdpark
