// vdpark simulate --mqtt URL: a fleet of PSL01B sensors publishing realistic traffic (SPEC §4,
// §6) to a broker, at QoS 1, at the pace their timestamps say or as fast as the broker takes it.
//
// The fleet is a store's (--store URL, read with ReadMetadata) or the one `vdpark generate` makes
// with the same --seed, --zones, --bays-min, --bays-max, --days and --end, bays in the states its
// history leaves them: what a store migrated from that export holds. FleetSimulator (simulate/)
// makes the messages; this command paces and publishes them, and writes what a correct processor
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
#include <span>
#include <string>
#include <tuple>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/progress.h"
#include "generate/generator.h"
#include "ingest/mqtt_client.h"
#include "simulate/fleet_simulator.h"
#include "simulate/pacer.h"

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

// Takes the metadata Generate writes first and stops it before the history: the fleet costs
// only the generator's dry run.
class MetadataOnlyStore : public Store {
 public:
  std::string DisplayName() const override { return "generated fleet"; }
  Result<Metadata> ReadMetadata(const RejectFn&) override { return metadata; }
  Status ScanEvents(const EventScanOptions&, const EventVisitor&, const RejectFn&) override {
    return Status::OK();
  }
  bool EventsInKeyOrder() const override { return true; }
  Status WriteMetadata(const Metadata& md) override {
    metadata = md;
    taken = true;
    return Status::OK();
  }
  Status WriteEvents(std::span<const ParkingEvent>) override {
    return Status::Aborted("the fleet is all the simulator needs");
  }
  Status Flush() override { return Status::OK(); }

  Metadata metadata;
  bool taken = false;
};

struct Fleet {
  Metadata metadata;
  std::string name;
};

Result<Fleet> LoadFleet(const SimulateArgs& a) {
  if (!a.store.empty()) {
    StoreOptions so;
    so.create_if_missing = false;
    auto store = OpenStore(a.store, so);
    if (!store.ok()) return store.status().WithContext("--store");
    uint64_t rejected = 0;
    auto md = (*store)->ReadMetadata([&](Rejected r) {
      if (++rejected <= 10) spdlog::warn("--store: left out {}: {}", r.where, r.reason);
    });
    if (!md.ok()) return md.status().WithContext("--store");
    if (rejected > 10) spdlog::warn("--store: {} records left out in all", rejected);
    return Fleet{std::move(*md), (*store)->DisplayName()};
  }
  GenerateOptions g = a.fleet;
  auto end = ParseEnd(a.end);
  if (!end.ok()) return end.status();
  g.end = *end;
  MetadataOnlyStore capture;
  auto stats = Generate(g, capture);
  if (!capture.taken) return stats.status().WithContext("generating the fleet");
  return Fleet{std::move(capture.metadata), "generated fleet (seed " + std::to_string(g.seed) +
                                                ", " + std::to_string(g.zones) + " zones)"};
}

Result<SimulateOptions> MakeSimulateOptions(const SimulateArgs& a) {
  SimulateOptions o;
  o.seed = a.fleet.seed;
  o.sensors = a.sensors;
  o.duplicate_rate = a.duplicates;
  o.bad_rate = a.bad;
  auto duration = ParseDurationMicros("--duration", a.duration);
  if (!duration.ok()) return duration.status();
  o.duration_micros = *duration;
  auto heartbeat = ParseDurationMicros("--heartbeat", a.heartbeat);
  if (!heartbeat.ok()) return heartbeat.status();
  if (*heartbeat < 1000) return Status::InvalidArgument("--heartbeat must be 1ms or more");
  o.heartbeat_micros = *heartbeat;
  const bool now = a.start == "now";
  if (now) {
    o.start = Timestamp::FromMillis(Timestamp::Now().micros() / 1000);
  } else {
    auto t = Timestamp::Parse(a.start);
    if (!t.ok()) return t.status().WithContext("--start '" + a.start + "'");
    o.start = Timestamp::FromMillis(Timestamp::FloorDiv(t->micros(), 1000));
  }
  // A processor takes "ts" as the event time only within a few minutes of when the message
  // arrives; a stream whose clock runs ahead of the wall clock would be timed partly by "ts",
  // partly by arrival, and so out of order. Only a real-time run from now carries it by default.
  o.with_ts = a.ts == "on" || (a.ts == "auto" && now && a.speed == 1);
  o.utc_offset = a.fleet.utc_offset;
  VDPARK_RETURN_IF_ERROR(ValidateSimulateOptions(o));
  return o;
}

struct RunTotals {
  uint64_t sent = 0;  // handed to the publisher
  bool interrupted = false;
  Status failure;  // the publish that stopped the run, if one did
  double seconds = 0;
};

// PublishAsync, and once more after the connection is back when it fails at once (the publisher
// buffers nothing while disconnected, so the message was not sent).
Status PublishOne(MqttPublisher& pub, const SimulatedMessage& m) {
  Status s = pub.PublishAsync(m.topic, m.payload, 1);
  if (s.ok() || s.IsInvalidArgument()) return s;
  spdlog::warn("{}; waiting for the broker", s.ToString());
  VDPARK_RETURN_IF_ERROR(pub.WaitConnected(std::chrono::seconds(30)));
  return pub.PublishAsync(m.topic, m.payload, 1);
}

RunTotals Publish(FleetSimulator& sim, MqttPublisher& pub, const SimulateArgs& a,
                  Timestamp sim_start) {
  RunTotals t;
  Progress progress("messages",
                    a.messages > 0 ? std::optional<uint64_t>(a.messages) : std::nullopt);
  const auto wall_start = std::chrono::steady_clock::now();
  // With --start now, simulated time began when the flags were read, before the fleet was built
  // and the broker connected: pace from the simulated moment that is now, so that each message
  // goes out when its ts says (what a latency measurement relies on).
  Timestamp paced_from = sim_start;
  if (a.start == "now" && a.speed > 0) {
    paced_from = sim_start +
                 static_cast<int64_t>(static_cast<double>(Timestamp::Now() - sim_start) * a.speed);
  }
  const Pacer pacer(a.speed, paced_from);
  while (a.messages == 0 || t.sent < a.messages) {
    if (g_stop.load()) {
      t.interrupted = true;
      break;
    }
    auto m = sim.Next();
    if (!m) break;
    // Interrupted while waiting: the message is drawn (and counted in Expected()), so it goes
    // out now, and the loop ends before the next.
    if (!pacer.WaitUntil(m->at, &g_stop)) t.interrupted = true;
    Status s = PublishOne(pub, *m);
    if (!s.ok()) {
      t.failure = s;
      break;
    }
    progress.Update(++t.sent);
    if (t.interrupted) break;
  }
  progress.Finish(t.sent);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return t;
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
  RunTotals t = Publish(sim, **pub, a, options->start);
  if (t.interrupted) spdlog::info("interrupted: waiting for the messages in flight");
  const auto flush_start = std::chrono::steady_clock::now();
  Status flushed = (*pub)->Flush(std::chrono::seconds(30));
  t.seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - flush_start).count();
  const uint64_t acknowledged = (*pub)->published();
  (*pub).reset();  // flushed already: disconnects

  Status written;
  if (expect_file) written = WriteExpect(*expect_file, a.expect, sim.Expected());

  const SimulateCounts& c = sim.counts();
  const double rate = t.seconds > 0 ? static_cast<double>(t.sent) / t.seconds : 0;
  if (a.json) {
    boost::json::object o{{"mqtt", broker->display},
                          {"fleet", fleet->name},
                          {"sensors", sim.simulated_bays()},
                          {"messages", t.sent},
                          {"acknowledged", acknowledged},
                          {"changes", c.changes},
                          {"heartbeats", c.heartbeats},
                          {"health", c.health},
                          {"duplicates", c.duplicates},
                          {"bad", c.bad},
                          {"seconds", t.seconds},
                          {"rate", rate},
                          {"start", options->start.ToIso()},
                          {"interrupted", t.interrupted}};
    if (!a.expect.empty()) o["expect"] = a.expect;
    PrintJson(o);
  } else {
    std::printf(
        "published %llu messages (%llu acknowledged) from %zu sensors to %s in %s (%s): %llu "
        "changes, %llu heartbeats, %llu health, %llu duplicates, %llu bad%s\n",
        (unsigned long long)t.sent, (unsigned long long)acknowledged, sim.simulated_bays(),
        broker->display.c_str(), Progress::FormatDuration(t.seconds).c_str(),
        Progress::FormatRate(rate).c_str(), (unsigned long long)c.changes,
        (unsigned long long)c.heartbeats, (unsigned long long)c.health,
        (unsigned long long)c.duplicates, (unsigned long long)c.bad,
        t.interrupted ? " (interrupted)" : "");
  }

  if (!t.failure.ok()) return Fail(t.failure);
  if (!flushed.ok() || acknowledged != t.sent) {
    return Fail(Status::Unavailable(std::to_string(t.sent - acknowledged) + " of " +
                                    std::to_string(t.sent) +
                                    " messages not acknowledged by the broker" +
                                    (flushed.ok() ? std::string() : ": " + flushed.ToString())));
  }
  if (!written.ok()) return Fail(written);
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
