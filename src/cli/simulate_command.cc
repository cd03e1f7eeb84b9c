// vdpark simulate --mqtt URL: a fleet of PSL01B sensors publishing realistic traffic (SPEC §4,
// §6) to a broker, at QoS 1, at the pace their timestamps say or as fast as the broker takes it.
//
// The fleet is a store's (--store URL, read with ReadMetadata) or the one `vdpark generate` makes
// with the same --seed, --zones, --bays-min, --bays-max, --days and --end, bays in the states its
// history leaves them: what a store migrated from that export holds. FleetSimulator (simulate/)
// makes the messages, PublishFleet (simulate/publish_fleet.h) paces and publishes them; this
// command reads the options, opens the fleet and the broker, and writes what a correct processor
// must have made of them (--expect).
//
// Exit 0 only when every message published was acknowledged by the broker. SIGINT or SIGTERM
// stops cleanly: the message already drawn is sent at once, what is in flight is waited for,
// --expect describes exactly what was sent, and the exit code follows the same rule; a second
// signal ends the process at once.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/progress.h"
#include "generate/generated_fleet.h"
#include "generate/generator.h"
#include "ingest/mqtt_client.h"
#include "simulate/fleet_simulator.h"
#include "simulate/publish_fleet.h"

namespace vdpark::cli {

namespace {

using std::chrono::seconds;

struct SimulateArgs {
  std::string mqtt, store, expect;
  std::string start = "now", duration = "24h", heartbeat = "30m", end = "today", ts = "auto";
  GenerateOptions fleet;  // the generated fleet (without --store); its seed is the run's
  int sensors = 0;
  double speed = 1, duplicates = 0, bad = 0;
  uint64_t messages = 0;   // stop after this many; 0 = when the duration ends
  int max_in_flight = 64;  // at most the broker's Receive Maximum (shipped config: 100)
  bool json = false;
};

// Set by SIGINT/SIGTERM. The handler is installed with SA_RESETHAND: a second signal is fatal.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void OnStopSignal(int) {
  g_stop.store(true);
}

void CatchStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

Status CheckFlags(const SimulateArgs& a) {
  auto bad = [](const std::string& msg) { return Status::InvalidArgument(msg); };
  if (!(a.speed >= 0)) return bad("--speed must be 0 (as fast as possible) or more");
  if (a.sensors < 0) return bad("--sensors must be 0 (all) or more");
  if (!(a.duplicates >= 0 && a.duplicates <= 1)) return bad("--duplicates must be in [0, 1]");
  if (!(a.bad >= 0 && a.bad < 1)) return bad("--bad must be at least 0 and below 1");
  if (a.max_in_flight < 1) return bad("--max-in-flight must be 1 or more");
  if (a.store.empty()) {
    const GenerateOptions& g = a.fleet;
    if (g.zones < 1) return bad("--zones must be 1 or more");
    if (g.bays_per_zone_min < 1) return bad("--bays-min must be 1 or more");
    if (g.bays_per_zone_max < g.bays_per_zone_min)
      return bad("--bays-max must be --bays-min or more");
    if (g.days < 0) return bad("--days must be 0 or more");
  }
  return Status::OK();
}

struct Fleet {
  Metadata metadata;
  std::string name;
};

Result<Fleet> LoadFleet(const SimulateArgs& a) {
  if (!a.store.empty()) {
    StoreOptions so;
    so.create_if_missing = false;
    VDPARK_ASSIGN_OR_RETURN_WITH(auto store, OpenStore(a.store, so), "--store");
    uint64_t rejected = 0;
    auto left_out = [&](Rejected r) {
      if (++rejected <= 10) spdlog::warn("--store: left out {}: {}", r.where, r.reason);
    };
    VDPARK_ASSIGN_OR_RETURN_WITH(auto md, store->ReadMetadata(left_out), "--store");
    if (rejected > 10) spdlog::warn("--store: {} records left out in all", rejected);
    return Fleet{std::move(md), store->DisplayName()};
  }
  GenerateOptions g = a.fleet;
  VDPARK_ASSIGN_OR_RETURN(g.end, ParseEnd(a.end));
  VDPARK_ASSIGN_OR_RETURN_WITH(auto metadata, GenerateFleet(g), "generating the fleet");
  return Fleet{std::move(metadata), "generated fleet (seed " + std::to_string(g.seed) + ", " +
                                        std::to_string(g.zones) + " zones)"};
}

Result<SimulateOptions> MakeSimulateOptions(const SimulateArgs& a) {
  SimulateOptions o;
  o.seed = a.fleet.seed;
  o.sensors = a.sensors;
  o.duplicate_rate = a.duplicates;
  o.bad_rate = a.bad;
  VDPARK_ASSIGN_OR_RETURN(o.duration_micros, ParseDurationMicros("--duration", a.duration));
  VDPARK_ASSIGN_OR_RETURN(auto heartbeat, ParseDurationMicros("--heartbeat", a.heartbeat));
  if (heartbeat < 1000) return Status::InvalidArgument("--heartbeat must be 1ms or more");
  o.heartbeat_micros = heartbeat;
  const bool now = a.start == "now";
  if (now) {
    o.start = Timestamp::FromMillis(Timestamp::Now().micros() / 1000);
  } else {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto t, Timestamp::Parse(a.start), "--start '" + a.start + "'");
    o.start = Timestamp::FromMillis(Timestamp::FloorDiv(t.micros(), 1000));
  }
  // A processor takes "ts" as the event time only within a few minutes of when the message
  // arrives; a stream whose clock runs ahead of the wall clock would be timed partly by "ts",
  // partly by arrival, and so out of order. Only a real-time run from now carries it by default.
  o.with_ts = a.ts == "on" || (a.ts == "auto" && now && a.speed == 1);
  o.utc_offset = a.fleet.utc_offset;
  VDPARK_RETURN_IF_ERROR(ValidateSimulateOptions(o));
  return o;
}

// Opened before the run, so that a path that cannot be written fails before anything is sent.
Result<std::unique_ptr<std::ofstream>> OpenExpect(const std::string& path) {
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out) return Status::IOError("--expect: cannot write " + path);
  return out;
}

Status WriteExpect(std::ofstream& out, const std::string& path, const ExpectedState& expected) {
  out << expected.ToJson() << '\n';
  out.close();
  if (!out) return Status::IOError("--expect: cannot write " + path);
  return Status::OK();
}

void PrintJsonSummary(const SimulateArgs& a, const std::string& broker, const Fleet& fleet,
                      const FleetSimulator& sim, Timestamp start, const PublishFleetReport& t) {
  const SimulateCounts& c = sim.counts();
  const double rate = t.seconds > 0 ? static_cast<double>(t.sent) / t.seconds : 0;
  boost::json::object o{{"mqtt", broker},
                        {"fleet", fleet.name},
                        {"sensors", sim.simulated_bays()},
                        {"messages", t.sent},
                        {"acknowledged", t.acknowledged},
                        {"changes", c.changes},
                        {"heartbeats", c.heartbeats},
                        {"health", c.health},
                        {"duplicates", c.duplicates},
                        {"bad", c.bad},
                        {"seconds", t.seconds},
                        {"rate", rate},
                        {"start", start.ToIso()},
                        {"interrupted", t.interrupted}};
  if (!a.expect.empty()) o["expect"] = a.expect;
  PrintJson(o);
}

void PrintSummary(const std::string& broker, const FleetSimulator& sim,
                  const PublishFleetReport& t) {
  const SimulateCounts& c = sim.counts();
  const double rate = t.seconds > 0 ? static_cast<double>(t.sent) / t.seconds : 0;
  std::printf(
      "published %llu messages (%llu acknowledged) from %zu sensors to %s in %s (%s): %llu "
      "changes, %llu heartbeats, %llu health, %llu duplicates, %llu bad%s\n",
      (unsigned long long)t.sent, (unsigned long long)t.acknowledged, sim.simulated_bays(),
      broker.c_str(), Progress::FormatDuration(t.seconds).c_str(),
      Progress::FormatRate(rate).c_str(), (unsigned long long)c.changes,
      (unsigned long long)c.heartbeats, (unsigned long long)c.health,
      (unsigned long long)c.duplicates, (unsigned long long)c.bad,
      t.interrupted ? " (interrupted)" : "");
}

// OK only when every message sent was acknowledged and --expect was written.
Status Outcome(const PublishFleetReport& t, const Status& expect_written) {
  if (!t.failure.ok()) return t.failure;
  if (!t.flushed.ok() || t.acknowledged != t.sent) {
    return Status::Unavailable(std::to_string(t.sent - t.acknowledged) + " of " +
                               std::to_string(t.sent) + " messages not acknowledged by the broker" +
                               (t.flushed.ok() ? std::string() : ": " + t.flushed.ToString()));
  }
  return expect_written;
}

int RunSimulate(const SimulateArgs& a) {
  if (Status s = CheckFlags(a); !s.ok()) return Fail(s);
  auto broker = ParseMqttUrl(a.mqtt);
  if (!broker.ok()) return Fail(broker.status().WithContext("--mqtt"));
  auto options = MakeSimulateOptions(a);
  if (!options.ok()) return Fail(options.status());
  std::unique_ptr<std::ofstream> expect_file;
  if (!a.expect.empty()) {
    auto opened = OpenExpect(a.expect);
    if (!opened.ok()) return Fail(opened.status());
    expect_file = std::move(*opened);
  }
  auto fleet = LoadFleet(a);
  if (!fleet.ok()) return Fail(fleet.status());

  FleetSimulator sim(fleet->metadata, *options);
  if (sim.simulated_bays() == 0) {
    return Fail(Status::InvalidArgument(fleet->name + " has no bay with a sensor to simulate"));
  }
  MqttPublisherOptions po;
  po.max_in_flight = a.max_in_flight;
  auto pub = MqttPublisher::Connect(*broker, po);
  if (!pub.ok()) return Fail(pub.status().WithContext("--mqtt"));
  spdlog::info("simulating {} sensors of {} from {} at speed {} to {}", sim.simulated_bays(),
               fleet->name, options->start.ToIso(), a.speed, broker->display);

  CatchStopSignals();
  PublishFleetOptions fo;
  fo.start = options->start;
  fo.started_now = a.start == "now";
  fo.speed = a.speed;
  fo.messages = a.messages;
  const PublishFleetReport t = PublishFleet(sim, **pub, fo, g_stop);
  (*pub).reset();  // flushed already: disconnects

  Status written;
  if (expect_file) written = WriteExpect(*expect_file, a.expect, sim.Expected());
  if (a.json) {
    PrintJsonSummary(a, broker->display, *fleet, sim, options->start, t);
  } else {
    PrintSummary(broker->display, sim, t);
  }
  if (Status s = Outcome(t, written); !s.ok()) return Fail(s);
  return kExitOk;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Publish a simulated fleet of PSL01B parking sensors to an MQTT broker");
  cmd->add_option("--mqtt", a->mqtt, "Broker: mqtt://[user[:password]@]host[:port] or mqtts://")
      ->required();
  CLI::Option* store = cmd->add_option("--store", a->store,
                                       "Take the fleet from this store (" + kStoreUrlForms +
                                           "); otherwise generate it as `vdpark generate` does");
  cmd->add_option("--seed", a->fleet.seed, "Same seed (fleet and options), same messages")
      ->capture_default_str();
  for (auto [flag, value, help] : {
           std::tuple{"--zones", &a->fleet.zones, "Generated fleet: parking zones"},
           std::tuple{"--bays-min", &a->fleet.bays_per_zone_min,
                      "Generated fleet: fewest bays in a zone"},
           std::tuple{"--bays-max", &a->fleet.bays_per_zone_max,
                      "Generated fleet: most bays in a zone"},
           std::tuple{"--days", &a->fleet.days,
                      "Generated fleet: days of history behind the bays' states"},
       }) {
    cmd->add_option(flag, *value, help)->capture_default_str()->excludes(store);
  }
  cmd->add_option("--end", a->end,
                  "Generated fleet: end of its history, 'today' (00:00 UTC) or a timestamp")
      ->capture_default_str()
      ->excludes(store);
  cmd->add_option("--sensors", a->sensors, "Simulate the first N bays with a sensor; 0 = all")
      ->capture_default_str();
  cmd->add_option("--speed", a->speed,
                  "Simulated seconds per wall second (1 = real time); 0 = as fast as possible")
      ->capture_default_str();
  cmd->add_option("--start", a->start, "Simulated start: 'now' or a timestamp")
      ->capture_default_str();
  cmd->add_option("--duration", a->duration, "Simulated time to cover: 24h, 90m, 7d, 1h30m")
      ->capture_default_str();
  cmd->add_option("--messages", a->messages, "Stop after this many messages; 0 = no limit")
      ->capture_default_str();
  cmd->add_option("--heartbeat", a->heartbeat, "Each sensor's heartbeat period")
      ->capture_default_str();
  cmd->add_option("--duplicates", a->duplicates,
                  "Share of messages sent twice, as a QoS 1 redelivery, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--bad", a->bad, "Share of unusable messages, in [0, 1)")->capture_default_str();
  cmd->add_option("--ts", a->ts,
                  "Payloads carry \"ts\": auto (only at --speed 1 from --start now), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  cmd->add_option("--max-in-flight", a->max_in_flight, "Publishes awaiting their PUBACK at most")
      ->capture_default_str();
  cmd->add_option("--expect", a->expect,
                  "Write what a correct processor makes of the messages (JSON) to this file");
  cmd->add_flag("--json", a->json, "Print the summary as JSON");
  cmd->callback([a, exit_code] { *exit_code = RunSimulate(*a); });
}

}  // namespace vdpark::cli
