// The event processor alone: how many sensor messages a second Ingestor::Handle (SPEC §4) takes
// into an embedded store, with no broker and no network. The ingest benchmark
// (bench/ingest_bench.sh) prints it beside Mosquitto's own ceiling and the end-to-end rate of
// `vdpark serve`.
//
// Untimed: a fleet generated as `vdpark generate --out embedded:DIR` makes it (same options,
// same store contents), the store then opened again with default options, as a server opens it.
// Timed: N messages from FleetSimulator (the stream `vdpark simulate --speed 0` publishes with
// the same options) handed one at a time to Ingestor::Handle, each received at its simulated
// time; every call timed on its own.
// Checked afterwards: every simulated bay's status and every zone's occupiedBays in the store
// equal ExpectedState, so that the figure is of a processor that gets it right.
//
// Prints one JSON object: messages, seconds (in Handle), messages_per_s, p50_us, p99_us,
// p999_us, max_us (per Handle), loop_messages_per_s (making the messages included), outcomes,
// mismatches.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "generate/generator.h"
#include "ingest/ingestor.h"
#include "simulate/fleet_simulator.h"
#include "store/open_store.h"

using namespace vdpark;

namespace {

struct Args {
  uint64_t messages = 200'000;
  uint64_t seed = 42;
  int zones = 40;
  int days = 1;
  int64_t hours = 48;  // simulated window; the stream stops earlier at `messages`
  double duplicates = 0, bad = 0;
  std::string dir;  // "" = a fresh folder under the system's temp folder, removed afterwards
};

int Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "ingest_processor_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 2;
}

double Quantile(const std::vector<int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted_ns.size() - 1));
  return static_cast<double>(sorted_ns[i]) / 1000.0;
}

// Simulated bays whose status differs, and zones whose occupiedBays differs, from `expected`.
Result<uint64_t> Mismatches(LiveStore& store, const ExpectedState& expected) {
  uint64_t wrong = 0;
  for (const ExpectedBay& b : expected.bays) {
    auto bay = store.GetBay(b.zone_id, b.bay_number);
    if (!bay.ok()) return bay.status();
    if (!*bay || (*bay)->status != b.status) ++wrong;
  }
  for (const ExpectedZone& z : expected.zones) {
    auto zone = store.GetZone(z.zone_id);
    if (!zone.ok()) return zone.status();
    if (!*zone || (*zone)->occupied_bays.value_or(-1) != z.occupied_bays) ++wrong;
  }
  return wrong;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"Ingestor::Handle over an embedded store: messages/s and per-message latency"};
  app.add_option("--messages", a.messages, "Messages to feed")->capture_default_str();
  app.add_option("--seed", a.seed, "Fleet and traffic seed")->capture_default_str();
  app.add_option("--zones", a.zones, "Zones of the generated fleet")->capture_default_str();
  app.add_option("--days", a.days, "Days of history behind the bays")->capture_default_str();
  app.add_option("--hours", a.hours, "Simulated hours at most")->capture_default_str();
  app.add_option("--duplicates", a.duplicates, "Share sent twice")->capture_default_str();
  app.add_option("--bad", a.bad, "Share of unusable messages")->capture_default_str();
  app.add_option("--dir", a.dir, "Folder for the store (kept)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::err);  // rejected messages are logged one by one

  namespace fs = std::filesystem;
  const bool temporary = a.dir.empty();
  const fs::path dir =
      temporary ? fs::temp_directory_path() / ("vdpark-ingest-bench-" + std::to_string(getpid()))
                : fs::path(a.dir);
  fs::remove_all(dir);
  const std::string url = "embedded:" + (dir / "store").string();

  GenerateOptions g;
  g.seed = a.seed;
  g.zones = a.zones;
  g.days = a.days;
  {
    StoreOptions so;  // as `vdpark generate` writes
    so.truncate = true;
    so.retention_days = 0;
    auto out = OpenStore(url, so);
    if (!out.ok()) return Die(url, out.status());
    auto stats = Generate(g, **out);
    if (!stats.ok()) return Die("generate", stats.status());
  }
  auto store = OpenStoreRoles(url);
  if (!store.ok()) return Die(url, store.status());
  auto fleet = store->records->ReadMetadata([](Rejected) {});
  if (!fleet.ok()) return Die("reading the fleet", fleet.status());

  SimulateOptions o;  // as `vdpark simulate --speed 0 --start END` makes them (no "ts")
  o.seed = a.seed;
  o.start = g.end;
  o.duration_micros = a.hours * kMicrosPerHour;
  o.duplicate_rate = a.duplicates;
  o.bad_rate = a.bad;
  o.with_ts = false;
  if (Status s = ValidateSimulateOptions(o); !s.ok()) return Die("options", s);
  FleetSimulator sim(*fleet, o);

  Ingestor ingestor(*store->live, *store->records);
  std::vector<int64_t> ns;
  ns.reserve(a.messages);
  using Clock = std::chrono::steady_clock;
  const auto loop_start = Clock::now();
  while (ns.size() < a.messages) {
    auto m = sim.Next();
    if (!m) break;
    const auto t0 = Clock::now();
    Status s = ingestor.Handle(m->topic, m->payload, m->at);
    const auto t1 = Clock::now();
    if (!s.ok()) return Die("Handle", s);
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  const double loop_s = std::chrono::duration<double>(Clock::now() - loop_start).count();

  int64_t total_ns = 0;
  for (int64_t n : ns) total_ns += n;
  const double handle_s = static_cast<double>(total_ns) / 1e9;
  auto wrong = Mismatches(*store->live, sim.Expected());
  if (!wrong.ok()) return Die("checking the store", wrong.status());
  std::sort(ns.begin(), ns.end());

  const IngestMetrics& mt = ingestor.metrics();
  const double n = static_cast<double>(ns.size());
  boost::json::object r{{"messages", ns.size()},
                        {"bays", sim.simulated_bays()},
                        {"seconds", handle_s},
                        {"messages_per_s", handle_s > 0 ? n / handle_s : 0},
                        {"p50_us", Quantile(ns, 0.50)},
                        {"p99_us", Quantile(ns, 0.99)},
                        {"p999_us", Quantile(ns, 0.999)},
                        {"max_us", ns.empty() ? 0.0 : static_cast<double>(ns.back()) / 1000.0},
                        {"loop_messages_per_s", loop_s > 0 ? n / loop_s : 0},
                        {"outcomes",
                         {{"arrivals", mt.arrivals.load()},
                          {"departures", mt.departures.load()},
                          {"heartbeats", mt.heartbeats.load()},
                          {"health", mt.health.load()},
                          {"duplicates", mt.duplicates.load()},
                          {"late", mt.late.load()},
                          {"errors", mt.errors.load()}}},
                        {"mismatches", *wrong}};
  std::string line = boost::json::serialize(r);
  std::printf("%s\n", line.c_str());
  store->records.reset();
  if (temporary) fs::remove_all(dir);
  return *wrong == 0 ? 0 : 1;
}
