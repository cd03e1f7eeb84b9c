// The dual_write phase of CheckMigration: the mirror's figures from serve's GET /metrics.
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include "common/redact_url.h"
#include "verify/api_client.h"
#include "verify/migration_phases.h"

namespace vdpark {

namespace {

constexpr const char* kTitle = "Dual-write (§4)";

// The samples without labels of Prometheus text ("name value" lines; comments and labelled
// samples are skipped): enough for the mirror's gauges, which have no labels.
std::map<std::string, double, std::less<>> UnlabelledSamples(const std::string& text) {
  std::map<std::string, double, std::less<>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || line.find('{') < space) continue;
    double value = 0;
    const char* begin = line.data() + space + 1;
    const char* end = line.data() + line.size();
    if (std::from_chars(begin, end, value).ec == std::errc()) out[line.substr(0, space)] = value;
  }
  return out;
}

std::string Number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

MigrationPhase CheckDualWrite(const MigrationStatusOptions& o) {
  MigrationPhase p{"dual_write", kTitle, PhaseState::kUnknown, "", {}};
  const bool asked = o.require_dual_write || !o.mirror_metrics_url.empty();
  std::string text;
  if (o.mirror_metrics_text) {
    text = *o.mirror_metrics_text;
  } else if (!o.mirror_metrics_url.empty()) {
    const std::string shown = RedactUrl(o.mirror_metrics_url);
    Result<ApiReply> reply = ApiGet(o.mirror_metrics_url, "", o.http_timeout);
    if (!reply.ok() || reply->status != 200) {
      p.detail = "the mirror's figures could not be read from " + shown + ": " +
                 (reply.ok() ? "status " + std::to_string(reply->status)
                             : RedactUrlsIn(reply.status().message()));
      p.checks.push_back({"mirror's figures", std::nullopt, p.detail,
                          "dual-write could not be checked (" + shown + " unreachable)"});
      return p;
    }
    text = std::move(reply->body);
  } else {
    p.detail = "not checked: give --mirror-metrics URL (the /metrics of the serve that mirrors)";
    p.checks.push_back({"dual-write on", std::nullopt, p.detail,
                        o.require_dual_write ? "dual-write not checked" : ""});
    return p;
  }

  const auto samples = UnlabelledSamples(text);
  auto sample = [&](std::string_view name) -> std::optional<double> {
    auto it = samples.find(name);
    if (it == samples.end()) return std::nullopt;
    return it->second;
  };
  const auto up = sample("vdpark_mirror_up");
  const auto depth = sample("vdpark_mirror_queue_depth");
  const auto lag = sample("vdpark_mirror_lag_seconds");
  if (!up && !depth && !lag) {
    p.state = PhaseState::kNotStarted;
    p.detail = "off: serve mirrors nothing (no --mirror)";
    p.checks.push_back({"dual-write on", false, p.detail, asked ? "dual-write is off" : ""});
    return p;
  }
  p.checks.push_back({"dual-write on", true, "serve mirrors every change (--mirror)", ""});
  // vdpark_mirror_up is 0 until the first write too: down only once a write has failed.
  const bool down = up != 1.0 && sample("vdpark_mirror_failures_total").value_or(0) > 0;
  StatusCheck up_check{"mirror up", !down, "its last write to PostgreSQL succeeded",
                       "mirror is down: its last write to PostgreSQL failed"};
  if (down) {
    up_check.detail = "its last write to PostgreSQL failed";
  } else if (up != 1.0) {
    up_check.ok = std::nullopt;
    up_check.detail = "no write to PostgreSQL tried yet (no change since serve started)";
    up_check.reason.clear();
  }
  p.checks.push_back(std::move(up_check));
  const double lag_s = lag.value_or(0), queued = depth.value_or(0);
  p.checks.push_back({"mirror lag at most " + Number(o.max_mirror_lag_seconds) + " s",
                      lag_s <= o.max_mirror_lag_seconds, Number(lag_s) + " s",
                      "mirror lag " + Number(std::round(lag_s)) + " s"});
  p.checks.push_back({"mirror queue at most " + std::to_string(o.max_mirror_queue),
                      queued <= static_cast<double>(o.max_mirror_queue),
                      Number(queued) + " changes waiting",
                      "mirror queue holds " + Number(queued) + " changes"});
  bool failed = false;
  for (const StatusCheck& c : p.checks) failed = failed || c.ok == false;
  p.state = failed ? PhaseState::kFailed : PhaseState::kDone;
  p.detail = "on: queue " + Number(queued) + ", lag " + Number(lag_s) + " s" +
             (down ? ", mirror down" : "");
  return p;
}

}  // namespace vdpark
