// MigrationStatusJson: the status in the JSON shape of issue 15's contract.
#include "verify/migration_status.h"

namespace vdpark {

namespace json = boost::json;

namespace {

json::value Record(const std::optional<MigrationRecord>& r, Timestamp now) {
  if (!r) return nullptr;
  json::array listed;
  for (const std::string& d : r->first_differences) listed.emplace_back(d);
  json::object counts;
  for (const auto& [name, value] : r->counts) counts[name] = value;
  return json::object{{"at", r->at.ToIso()},
                      {"ageSeconds", (now.micros() - r->at.micros()) / 1'000'000},
                      {"ok", r->ok},
                      {"differences", r->differences},
                      {"source", r->source},
                      {"target", r->target},
                      {"firstDifferences", std::move(listed)},
                      {"counts", std::move(counts)},
                      {"seconds", r->seconds}};
}

json::object Phase(const MigrationPhase& p) {
  json::array checks;
  for (const StatusCheck& c : p.checks) {
    checks.push_back({{"name", c.name},
                      {"ok", c.ok ? json::value(*c.ok) : json::value(nullptr)},
                      {"detail", c.detail}});
  }
  return {{"id", p.id},
          {"title", p.title},
          {"state", PhaseStateName(p.state)},
          {"detail", p.detail},
          {"checks", std::move(checks)}};
}

}  // namespace

json::object MigrationStatusJson(const MigrationStatus& s) {
  json::array reasons;
  for (const std::string& r : s.reasons) reasons.emplace_back(r);
  json::array phases;
  for (const MigrationPhase& p : s.phases) phases.push_back(Phase(p));
  return {{"source", s.source},
          {"target", s.target},
          {"checkedAt", s.checked_at.ToIso()},
          {"verdict", {{"ready", s.ready}, {"reasons", std::move(reasons)}}},
          {"phases", std::move(phases)},
          {"lastVerify", Record(s.last_verify, s.checked_at)},
          {"lastApiCompare", Record(s.last_api_compare, s.checked_at)},
          {"lastProbe", Record(s.last_probe, s.checked_at)},
          {"lastMigrate", Record(s.last_migrate, s.checked_at)}};
}

}  // namespace vdpark
