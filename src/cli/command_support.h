// What every subcommand shares: logging set-up, the rejects file, durations and times on the
// command line (ParseDurationMicros, common/duration.h, and ParseSince), the store URLs for --help
// (kStoreUrlForms, store/store_urls.h), and printing a report as text or JSON.
#pragma once

#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/duration.h"
#include "common/result.h"
#include "store/open_store.h"
#include "store/store_urls.h"

namespace spdlog {
class formatter;
}

namespace vdpark::cli {

// Exit codes: 0 success, 1 the check found differences, 2 the work failed, 3 bad usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDifferences = 1;
inline constexpr int kExitFailed = 2;
inline constexpr int kExitUsage = 3;

// Logs to stderr as "LEVEL: message" through LogLineFormatter.
void SetUpLogging(bool verbose, bool quiet);

// "LEVEL: message" (the level in colour on a terminal), the message with every URL's secrets
// taken out (common/redact_url.h: RedactUrlsIn) and its control characters and invalid UTF-8
// escaped (common/log_escape.h: EscapeForLog): one log call is always one line, whatever the
// values logged hold (a zone id from a URL, a device id from an MQTT payload).
std::unique_ptr<spdlog::formatter> LogLineFormatter();

// Logs `s` as an error and returns kExitFailed (kExitUsage for bad input).
int Fail(const Status& s);

// A duration before `now` ("90d", "36h", "1h30m": ParseDurationMicros), or a timestamp in any form
// Timestamp::Parse takes. InvalidArgument naming --since and `text` otherwise.
Result<Timestamp> ParseSince(const std::string& text, Timestamp now);

// Collects rejected records: the first few are logged, all are written to a CSV file
// (where,reason,raw) that is created only when there is something to write.
class RejectsFile {
 public:
  explicit RejectsFile(std::string path, size_t log_first = 20);
  ~RejectsFile();
  RejectFn Sink();
  uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }
  // One line for the summary: "" when none, else "N rejected: see FILE".
  std::string Summary() const;

 private:
  void Add(const Rejected& r);

  std::string path_;
  size_t log_first_;
  uint64_t count_ = 0;
  std::FILE* file_ = nullptr;
};

// Prints `value` as JSON, one line, on stdout.
void PrintJson(const boost::json::value& value);

}  // namespace vdpark::cli
