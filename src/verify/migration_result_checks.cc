// The verify and api_compare phases of CheckMigration: the last recorded results.
#include "verify/migration_phases.h"

namespace vdpark {

namespace {

std::string Plural(uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::chrono::seconds Age(const MigrationStatusOptions& o, const MigrationRecord& r) {
  return std::chrono::seconds((o.now.micros() - r.at.micros()) / 1'000'000);
}

// "4 differences: missing event ..., different bay ..." as far as the record lists them.
std::string Differences(const MigrationRecord& r) {
  std::string text = Plural(r.differences, "difference", "differences");
  for (size_t i = 0; i < r.first_differences.size() && i < 3; ++i) {
    text += i == 0 ? ": " : "; ";
    text += r.first_differences[i];
  }
  if (r.differences > 3 && !r.first_differences.empty()) text += "; ...";
  return text;
}

}  // namespace

StatusCheck AgeCheck(const MigrationStatusOptions& o, const MigrationRecord& r,
                     const std::string& what) {
  const std::chrono::seconds age = Age(o, r);
  return {"at most " + AgeText(o.verify_max_age) + " old", age <= o.verify_max_age,
          AgeText(age) + " old (" + r.at.ToIso() + ")", what + " is " + AgeText(age) + " old"};
}

std::optional<StatusCheck> OtherStoresCheck(const MigrationStatusOptions& o,
                                            const MigrationRecord& r, const std::string& what) {
  // `what` says what the record did: "the last verify compared", "the last load copied".
  if (r.pair.empty() || r.pair == MigrationPairKey(o.source_url, o.target_url)) return std::nullopt;
  const std::string compared = r.source + " -> " + r.target;
  return StatusCheck{"of this migration's stores", false, compared,
                     what + " " + compared + ", not this migration's source and target"};
}

MigrationPhase CheckVerify(const MigrationStatusOptions& o,
                           const std::optional<MigrationRecord>& last_verify,
                           const std::optional<MigrationRecord>& last_migrate) {
  MigrationPhase p{"verify", "Verify (§6.1)", PhaseState::kNotStarted, "", {}};
  if (!last_verify) {
    p.detail = "no verify recorded (vdpark verify --source URL --target URL records one)";
    p.checks.push_back({"verify recorded", false, p.detail, "no verify recorded"});
    return p;
  }
  const MigrationRecord& v = *last_verify;
  p.checks.push_back({"no differences", v.ok, Differences(v),
                      "verify found " + Plural(v.differences, "difference", "differences")});
  p.checks.push_back(AgeCheck(o, v, "verify"));
  if (last_migrate) {
    const bool after = v.at >= last_migrate->at;
    p.checks.push_back({"after the backfill", after,
                        after ? "verified after the load of " + last_migrate->at.ToIso()
                              : "verified before the load of " + last_migrate->at.ToIso(),
                        "verify predates the end of the backfill"});
  }
  if (auto other = OtherStoresCheck(o, v, "the last verify compared")) p.checks.push_back(*other);
  if (auto sampled = v.Count("sampled"); sampled && *sampled > 0) {
    p.detail = "events sampled, ";
  }
  p.detail += Differences(v) + ", " + p.checks[1].detail;
  bool current = true;
  for (size_t i = 1; i < p.checks.size(); ++i) current = current && p.checks[i].ok == true;
  p.state = !v.ok ? PhaseState::kFailed : current ? PhaseState::kDone : PhaseState::kUnknown;
  return p;
}

MigrationPhase CheckApiCompare(const MigrationStatusOptions& o,
                               const std::optional<MigrationRecord>& last_api_compare,
                               const std::optional<MigrationRecord>& last_probe) {
  MigrationPhase p{"api_compare", "API comparison (§6.2, §6.3)", PhaseState::kNotStarted, "", {}};
  if (!last_api_compare) {
    p.detail =
        "no API comparison recorded (vdpark verify-api ... --migration-source URL "
        "--migration-target URL records one)";
    p.checks.push_back({"API comparison recorded", std::nullopt, p.detail,
                        o.require_api_compare ? "no API comparison recorded" : ""});
  } else {
    const MigrationRecord& a = *last_api_compare;
    p.checks.push_back(
        {"APIs agree", a.ok, Differences(a),
         "API comparison found " + Plural(a.differences, "difference", "differences")});
    p.checks.push_back(AgeCheck(o, a, "API comparison"));
    p.detail = "API comparison: " + Differences(a) + ", " + p.checks.back().detail;
  }
  if (!last_probe) {
    p.checks.push_back({"live probe", std::nullopt,
                        "no probe recorded (vdpark probe ... --migration-source URL "
                        "--migration-target URL records one)",
                        ""});
  } else {
    const MigrationRecord& r = *last_probe;
    std::string shown =
        r.ok ? "every API and store showed the change"
             : Plural(r.differences, "target", "targets") + " did not show the change";
    if (auto slowest = r.Count("slowestMs")) {
      shown += ", the slowest after " + std::to_string(static_cast<int64_t>(*slowest)) + " ms";
    }
    p.checks.push_back({"live probe", r.ok, shown, "probe: " + shown});
    StatusCheck age = AgeCheck(o, r, "probe");
    age.name = "probe " + age.name;
    p.checks.push_back(std::move(age));
    p.detail += (p.detail.empty() ? "" : "; ") + std::string("probe: ") + shown;
  }
  bool any_failed = false, all_ok = true;
  for (const StatusCheck& c : p.checks) {
    any_failed = any_failed || c.ok == false;
    // A check not made and not asked for (no probe recorded) leaves the phase done.
    all_ok = all_ok && (c.ok == true || (!c.ok && c.reason.empty()));
  }
  if (last_api_compare || last_probe) {
    p.state = any_failed ? PhaseState::kFailed : all_ok ? PhaseState::kDone : PhaseState::kUnknown;
  }
  return p;
}

}  // namespace vdpark
