// ApiDiff: what differs between two JSON responses of the REST API (SPEC §5), the old API's and
// the new one's, for verify-api (plan §6.2). Pure: JSON in, differences out, no network.
//
// How two values are compared:
//  - numbers by value, whatever their JSON form: 12.5 == 12.50 == 1.25E1, 3 == 3.0; within a
//    field's tolerance where one is set (currentDuration, minutes at the moment of the request);
//  - strings that are both ISO-8601 timestamps by the instant they name
//    ("2026-01-12T19:59:43.1Z" == "2026-01-12T19:59:43.100000Z"); other strings exactly;
//  - objects member by member, whatever their order; a member on one side only is a difference;
//  - arrays of records by their key rather than their position (an API may order them
//    differently): zones by zoneId, bays by zoneId and bayNumber, sensors by sensorId, events by
//    zoneId, bayNumber and timestamp, days by date; an array of another name whose records all
//    carry some of zoneId, bayNumber, sensorId and timestamp by those; any other array by position;
//  - opaque fields (nextCursor: each store encodes its own) only by whether they are null.
// A field named in `ignore` is not compared, at any depth.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vdpark {

struct ApiDiffOptions {
  // Member names ("currentDuration") or generic paths without indexes ("bays.currentDuration",
  // "summary.vacant") not compared.
  std::set<std::string> ignore;
  // Member name -> largest difference of two numbers still counted as equal.
  std::map<std::string, double> tolerance = {{"currentDuration", 1}};
  // Members compared only by whether they are null: their text is each server's own.
  std::set<std::string> opaque = {"nextCursor"};
  // Array name -> the members that identify a record in it. Arrays not named here are matched
  // by whichever of zoneId, bayNumber, sensorId and timestamp all their records carry.
  std::map<std::string, std::vector<std::string>> array_keys = {
      {"zones", {"zoneId"}},
      {"bays", {"zoneId", "bayNumber"}},
      {"sensors", {"sensorId"}},
      {"events", {"zoneId", "bayNumber", "timestamp"}},
      {"days", {"date"}}};
};

// One difference. `path` names the value from the response's root: "bays[bayNumber=A-003].status",
// "summary.vacant", "events[bayNumber=A-001,timestamp=2026-01-12T19:59:43.123456Z]" (a record
// matched by key: the key members that tell the records apart), "zones[2]" (by position), "" for
// the whole body. `old_value` and `new_value` are JSON text, shortened when long; "" when the
// value is absent on that side.
struct ApiDifference {
  std::string path;
  std::string old_value;
  std::string new_value;

  // `bays[bayNumber=A-003].status: old "occupied", new "vacant"`; an absent side reads "absent".
  std::string ToString() const;
  bool operator==(const ApiDifference&) const = default;
};

// Every difference between `old_value` and `new_value`, in the order of the old document (then
// what only the new one has). Empty when they agree.
std::vector<ApiDifference> DiffApiJson(const boost::json::value& old_value,
                                       const boost::json::value& new_value,
                                       const ApiDiffOptions& options = {});

// Two pages of the newest events (`{"events":[...]}`, newest first, at most `limit` records
// each, as /zones/{id}/events?limit= answers) hold the same window of time only when neither is
// cut by the limit. A full page holds nothing older than its oldest record, so the records of
// either page older than that are left out of both: they are not missing from the full one, they
// fell off its end. Returns how many records were left out; pages that are not objects with an
// events array stay as they are.
size_t AlignEventPages(boost::json::value& old_page, boost::json::value& new_page, size_t limit);

}  // namespace vdpark
