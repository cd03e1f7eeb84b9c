// vdpark verify-api --old URL --new URL: the API comparison of plan §6.2, for every zone. Both
// APIs' zone lists are fetched and compared; then, for each zone both list, the zone, its bays,
// its latest events, its sensors and its occupancy, each from both sides and compared with
// DiffApiJson (verify/api_diff.h): every difference is listed by route and JSON path. Exit 0 when
// the two agree, 1 on any difference, 2 when an API cannot be read, 3 on bad usage.
// A URL's path is where that API's routes are (PATH/zones, ...); a URL without one takes
// --old-prefix or --new-prefix.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/http_types.h"
#include "api/json_views.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/record_result.h"
#include "common/progress.h"
#include "common/redact_url.h"
#include "verify/api_client.h"
#include "verify/api_diff.h"

namespace vdpark::cli {

namespace {

namespace json = boost::json;

// One line of JSON on stdout, numbers as people write them (0.25, not 2.5E-1).
void PrintJsonLine(const json::value& value) {
  std::string text = ToJsonText(value);
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
}

struct VerifyApiArgs {
  std::string old_url, new_url;
  // Where the routes are when a URL has no path: the old API's at the root, the new one's under
  // /v1. `*_prefix_given`: on the command line (then a URL with a path is ambiguous).
  std::string old_prefix;
  std::string new_prefix = "/v1";
  bool old_prefix_given = false, new_prefix_given = false;
  std::string api_key;              // X-Api-Key, sent to both
  std::vector<std::string> ignore;  // fields not compared
  int64_t events_limit = 100;       // /zones/{id}/events?limit=
  std::string timeout = "30s";      // per request
  size_t max_listed = 100;          // differences listed (all are counted)
  bool json = false;
  RecordPlace record;  // where the result is recorded for `vdpark status`
};

// A difference found on one route.
struct RouteDifference {
  std::string route;  // "GET /zones/zone-001/bays"
  ApiDifference difference;
};

// What both APIs answered to one route.
struct RoutePair {
  ApiReply old_reply, new_reply;
};

class ApiComparison {
 public:
  // `old_base`, `new_base`: where each API's routes are (RoutesBase).
  ApiComparison(const VerifyApiArgs& args, std::string old_base, std::string new_base,
                std::chrono::milliseconds timeout)
      : args_(args),
        old_base_(std::move(old_base)),
        new_base_(std::move(new_base)),
        timeout_(timeout) {
    options_.ignore.insert(args.ignore.begin(), args.ignore.end());
  }

  // GETs `path` (with its query) from both sides.
  Result<RoutePair> Fetch(const std::string& path) {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto old_reply, ApiGet(old_base_ + path, args_.api_key, timeout_),
                                 "--old");
    VDPARK_ASSIGN_OR_RETURN_WITH(auto new_reply, ApiGet(new_base_ + path, args_.api_key, timeout_),
                                 "--new");
    ++routes_;
    return RoutePair{std::move(old_reply), std::move(new_reply)};
  }

  // Compares what both sides answered to `path`; records every difference. `page_limit`: the
  // answers are pages of the newest events, at most this many (0: not such a page).
  void Compare(const std::string& path, const RoutePair& replies, size_t page_limit = 0) {
    const std::string route = "GET " + path;
    const uint64_t before = total_;
    if (replies.old_reply.status != replies.new_reply.status) {
      Add(route, {"(status)", StatusText(replies.old_reply), StatusText(replies.new_reply)});
    } else {
      boost::system::error_code old_ec, new_ec;
      json::value old_doc = json::parse(replies.old_reply.body, old_ec);
      json::value new_doc = json::parse(replies.new_reply.body, new_ec);
      if (old_ec || new_ec) {
        // Not JSON on one side at least: the bodies as text.
        if (replies.old_reply.body != replies.new_reply.body) {
          Add(route, {"(body)", Quote(replies.old_reply.body), Quote(replies.new_reply.body)});
        }
      } else {
        if (page_limit > 0) {
          const size_t left_out = AlignEventPages(old_doc, new_doc, page_limit);
          if (left_out > 0) {
            spdlog::debug("{}: {} events older than a full page's oldest not compared", route,
                          left_out);
          }
        }
        for (ApiDifference& d : DiffApiJson(old_doc, new_doc, options_)) Add(route, std::move(d));
      }
    }
    if (total_ > before) ++routes_different_;
  }

  const std::vector<RouteDifference>& differences() const { return differences_; }
  uint64_t total_differences() const { return total_; }
  uint64_t routes() const { return routes_; }
  uint64_t routes_different() const { return routes_different_; }

 private:
  // "200", or "501 \"this store cannot answer GetZone\"": an error's status with its message.
  static std::string StatusText(const ApiReply& reply) {
    std::string text = std::to_string(reply.status);
    if (reply.status < 300) return text;
    boost::system::error_code ec;
    json::value body = json::parse(reply.body, ec);
    const json::value* message =
        ec || !body.is_object() ? nullptr : body.get_object().if_contains("message");
    if (message != nullptr && message->is_string()) {
      text += " " + Quote(std::string(message->get_string()));
    }
    return text;
  }

  static std::string Quote(const std::string& text) {
    std::string shown = text.size() > 160 ? text.substr(0, 157) + "..." : text;
    return json::serialize(json::value(shown));
  }

  void Add(const std::string& route, ApiDifference d) {
    ++total_;
    if (differences_.size() < args_.max_listed) differences_.push_back({route, std::move(d)});
  }

  const VerifyApiArgs& args_;
  const std::string old_base_, new_base_;
  std::chrono::milliseconds timeout_;
  ApiDiffOptions options_;
  std::vector<RouteDifference> differences_;
  uint64_t total_ = 0, routes_ = 0, routes_different_ = 0;
};

// The zone ids a /zones answer lists. InvalidArgument when the API refused the key, IOError when
// the answer is not a zone list.
Result<std::vector<std::string>> ZoneIds(const ApiReply& reply, const std::string& side) {
  auto bad = [&](const std::string& why) {
    std::string text = side + ": GET /zones answered " + std::to_string(reply.status) + ", " + why +
                       ": " + reply.body.substr(0, 300);
    // Refused: the key is missing or wrong, a matter of usage.
    if (reply.status == 401 || reply.status == 403) return Status::InvalidArgument(text);
    return Status::IOError(text);
  };
  if (reply.status == 401 || reply.status == 403) return bad("refused (--api-key)");
  if (reply.status != 200) return bad("not 200");
  boost::system::error_code ec;
  json::value doc = json::parse(reply.body, ec);
  const json::value* zones =
      ec || !doc.is_object() ? nullptr : doc.get_object().if_contains("zones");
  if (zones == nullptr || !zones->is_array()) return bad("not {\"zones\":[...]}");
  std::vector<std::string> ids;
  for (const json::value& z : zones->get_array()) {
    const json::value* id = z.is_object() ? z.get_object().if_contains("zoneId") : nullptr;
    if (id == nullptr || !id->is_string()) return bad("a zone without a zoneId");
    ids.emplace_back(id->get_string());
  }
  return ids;
}

// Where an API's routes are, without a trailing '/': the URL's path when it has one (the plan's
// PARKING_API_URL, §7.1, is https://parking-api.visiondrive.ae/v1), else the URL and `prefix`.
// A path of "/" alone is none. InvalidArgument, naming `flag`, when the URL is not
// http(s)://HOST[:PORT][/PATH], or has a path while `prefix_flag` was given too.
Result<std::string> RoutesBase(const std::string& flag, const std::string& url,
                               const std::string& prefix_flag, const std::string& prefix,
                               bool prefix_given) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(flag + " '" + RedactUrl(url) + "': " + why);
  };
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return bad("expected an http:// or https:// URL");
  }
  const size_t authority = url.find("://") + 3;
  const size_t slash = url.find('/', authority);
  if (url.find_first_of("?#") != std::string::npos || slash == authority ||
      authority == url.size()) {
    return bad("expected http(s)://HOST[:PORT][/PATH]");
  }
  std::string path = slash == std::string::npos ? "" : url.substr(slash);
  while (path.ends_with('/')) path.pop_back();
  const std::string origin = url.substr(0, slash);
  if (path.empty()) return origin + prefix;
  if (prefix_given) {
    std::string why = "the URL's path (";
    why += path;
    why += ") is where the routes are: give it there or in ";
    why += prefix_flag;
    why += ", not both";
    return bad(why);
  }
  return origin + path;
}

Status CheckArgs(const VerifyApiArgs& a) {
  for (const auto& [flag, prefix] :
       {std::pair{"--old-prefix", &a.old_prefix}, std::pair{"--new-prefix", &a.new_prefix}}) {
    if (!prefix->empty() && (!prefix->starts_with('/') || prefix->ends_with('/'))) {
      return Status::InvalidArgument(std::string(flag) + " '" + *prefix +
                                     "': expected \"\" or a path such as /v1");
    }
  }
  if (a.events_limit < 1 || a.events_limit > 1000) {
    return Status::InvalidArgument("--events-limit: expected 1 to 1000");
  }
  return Status::OK();
}

int RunVerifyApi(const VerifyApiArgs& a) {
  if (Status s = CheckArgs(a); !s.ok()) return Fail(s);
  auto old_base = RoutesBase("--old", a.old_url, "--old-prefix", a.old_prefix, a.old_prefix_given);
  if (!old_base.ok()) return Fail(old_base.status());
  auto new_base = RoutesBase("--new", a.new_url, "--new-prefix", a.new_prefix, a.new_prefix_given);
  if (!new_base.ok()) return Fail(new_base.status());
  auto timeout = ParseDurationMicros("--timeout", a.timeout);
  if (!timeout.ok()) return Fail(timeout.status());
  const auto started = std::chrono::steady_clock::now();
  ApiComparison cmp(a, *old_base, *new_base,
                    std::chrono::milliseconds(std::max<int64_t>(*timeout / 1000, 1)));

  // The zone lists, compared, and the zones on both sides.
  auto listed = cmp.Fetch("/zones");
  if (!listed.ok()) return Fail(listed.status());
  auto old_zones = ZoneIds(listed->old_reply, "--old");
  if (!old_zones.ok()) return Fail(old_zones.status());
  auto new_zones = ZoneIds(listed->new_reply, "--new");
  if (!new_zones.ok()) return Fail(new_zones.status());
  cmp.Compare("/zones", *listed);
  std::set<std::string> on_new(new_zones->begin(), new_zones->end());
  std::vector<std::string> common;
  for (const std::string& id : std::set<std::string>(old_zones->begin(), old_zones->end())) {
    if (on_new.contains(id)) common.push_back(id);
  }

  for (const std::string& id : common) {
    const std::string path = "/zones/" + PercentEncode(id);
    const std::string query = "?zoneId=" + PercentEncode(id);
    const std::string events = path + "/events?limit=" + std::to_string(a.events_limit);
    for (const std::string& route :
         {path, path + "/bays", events, "/sensors" + query, "/analytics/occupancy" + query}) {
      auto replies = cmp.Fetch(route);
      if (!replies.ok()) return Fail(replies.status());
      cmp.Compare(route, *replies, route == events ? static_cast<size_t>(a.events_limit) : 0);
    }
    spdlog::debug("zone {} compared", id);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool ok = cmp.total_differences() == 0;
  const int code = ok ? kExitOk : kExitDifferences;
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  {
    MigrationRecord m;
    m.kind = "verify-api";
    m.at = Timestamp::Now();
    m.source = RedactUrl(*old_base);
    m.target = RedactUrl(*new_base);
    m.ok = ok;
    m.differences = cmp.total_differences();
    for (const RouteDifference& d : cmp.differences()) {
      if (m.first_differences.size() == kRecordedDifferences) break;
      m.first_differences.push_back(d.route + ": " + d.difference.ToString());
    }
    m.counts = {{"zonesOld", static_cast<double>(old_zones->size())},
                {"zonesNew", static_cast<double>(new_zones->size())},
                {"zonesCompared", static_cast<double>(common.size())},
                {"routes", static_cast<double>(cmp.routes())},
                {"routesDifferent", static_cast<double>(cmp.routes_different())}};
    m.seconds = seconds;
    RecordResult(a.record.Dir(), m);
  }

  if (a.json) {
    json::array diffs;
    for (const RouteDifference& d : cmp.differences()) {
      auto side = [](const std::string& text) {
        return text.empty() ? json::value(nullptr) : json::value(text);
      };
      diffs.push_back({{"route", d.route},
                       {"path", d.difference.path},
                       {"old", side(d.difference.old_value)},
                       {"new", side(d.difference.new_value)}});
    }
    PrintJsonLine(json::object{
        {"old", RedactUrl(*old_base)},
        {"new", RedactUrl(*new_base)},
        {"ok", ok},
        {"zones",
         {{"old", old_zones->size()}, {"new", new_zones->size()}, {"compared", common.size()}}},
        {"routes", cmp.routes()},
        {"routesDifferent", cmp.routes_different()},
        {"totalDifferences", cmp.total_differences()},
        {"differences", std::move(diffs)},
        {"seconds", seconds}});
    return code;
  }
  std::printf("verify-api %s (old) against %s (new)\n", RedactUrl(*old_base).c_str(),
              RedactUrl(*new_base).c_str());
  std::printf("  zones: old %zu, new %zu, compared %zu; %llu routes fetched from each\n",
              old_zones->size(), new_zones->size(), common.size(), u(cmp.routes()));
  for (const RouteDifference& d : cmp.differences()) {
    std::printf("  %s: %s\n", d.route.c_str(), d.difference.ToString().c_str());
  }
  if (cmp.total_differences() > cmp.differences().size()) {
    std::printf("  ... and %llu more differences\n",
                u(cmp.total_differences() - cmp.differences().size()));
  }
  std::printf("%s: %llu differences in %llu of %llu routes, in %s\n", ok ? "OK" : "DIFFERENT",
              u(cmp.total_differences()), u(cmp.routes_different()), u(cmp.routes()),
              Progress::FormatDuration(seconds).c_str());
  return code;
}

}  // namespace

void AddVerifyApiCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VerifyApiArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify-api",
      "Compare two REST APIs (plan §6.2): every zone's endpoints fetched from both; exit 1 on "
      "any difference");
  cmd->add_option("--old", args->old_url,
                  "The old API: http://HOST:PORT, or with the path its routes are under")
      ->required();
  cmd->add_option("--new", args->new_url,
                  "The new API: http://HOST:PORT, or with the path its routes are under "
                  "(https://parking-api.visiondrive.ae/v1)")
      ->envname("PARKING_API_URL")
      ->required();
  CLI::Option* old_prefix =
      cmd->add_option("--old-prefix", args->old_prefix,
                      "Path the old API's routes are under when --old has none (\"\": the root)")
          ->capture_default_str();
  CLI::Option* new_prefix =
      cmd->add_option("--new-prefix", args->new_prefix,
                      "Path the new API's routes are under when --new has none")
          ->capture_default_str();
  cmd->add_option("--api-key", args->api_key, "X-Api-Key sent to both");
  cmd->add_option("--ignore", args->ignore,
                  "A field known to differ, not compared (repeatable): a name (lastHeartbeat) "
                  "or a path without indexes (bays.currentDuration)");
  cmd->add_option("--events-limit", args->events_limit,
                  "Latest events compared per zone (/zones/{id}/events?limit=N)")
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Per request")->capture_default_str();
  cmd->add_option("--max-listed", args->max_listed, "Differences to list (all are counted)")
      ->capture_default_str();
  AddRecordPlaceOptions(cmd, &args->record);
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, exit_code, old_prefix, new_prefix] {
    args->old_prefix_given = old_prefix->count() > 0;
    args->new_prefix_given = new_prefix->count() > 0;
    *exit_code = RunVerifyApi(*args);
  });
}

}  // namespace vdpark::cli
