#include "cli/command_support.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "common/log_escape.h"
#include "common/redact_url.h"

namespace vdpark::cli {

namespace {

// %* in a pattern: the message as LogLineFormatter writes it. One place for every log line, so
// that no call site has to remember which of its values came from outside.
class SafeMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string text =
        EscapeForLog(RedactUrlsIn(std::string_view(msg.payload.data(), msg.payload.size())));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SafeMessageFlag>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> LogLineFormatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<SafeMessageFlag>('*').set_pattern("%^%l%$: %*");
  return formatter;
}

void SetUpLogging(bool verbose, bool quiet) {
  auto logger = spdlog::stderr_color_mt("vdpark");
  logger->set_formatter(LogLineFormatter());
  logger->set_level(verbose ? spdlog::level::debug
                            : (quiet ? spdlog::level::warn : spdlog::level::info));
  spdlog::set_default_logger(logger);
}

int Fail(const Status& s) {
  spdlog::error("{}", s.ToString());
  return s.IsInvalidArgument() ? kExitUsage : kExitFailed;
}

Result<Timestamp> ParseSince(const std::string& text, Timestamp now) {
  // No timestamp reads as a duration: a duration is digits and units only, and a timestamp holds a
  // '-' or is digits only (epoch milliseconds).
  if (auto span = ParseDurationMicros("--since", text); span.ok()) {
    return Timestamp::FromMicros(now.micros() - *span);
  }
  auto t = Timestamp::Parse(text);
  if (!t.ok()) {
    std::string message = "--since '";
    message += text;
    message += "': expected a duration such as 90d, 36h or 1h30m, or a timestamp (";
    message += t.status().message();
    message += ")";
    return Status::InvalidArgument(message);
  }
  return t;
}

RejectsFile::RejectsFile(std::string path, size_t log_first)
    : path_(std::move(path)), log_first_(log_first) {}

RejectsFile::~RejectsFile() {
  if (file_) std::fclose(file_);
}

RejectFn RejectsFile::Sink() {
  return [this](Rejected r) { Add(r); };
}

namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void RejectsFile::Add(const Rejected& r) {
  ++count_;
  if (count_ <= log_first_) spdlog::warn("rejected {}: {}", r.where, r.reason);
  if (count_ == log_first_ + 1) spdlog::warn("more rejects follow; all are in {}", path_);
  if (!file_) {
    file_ = std::fopen(path_.c_str(), "w");
    if (!file_) {
      spdlog::error("cannot write the rejects file {}", path_);
      return;
    }
    std::fputs("where,reason,raw\n", file_);
  }
  std::string line = CsvField(r.where) + "," + CsvField(r.reason) + "," + CsvField(r.raw) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
}

std::string RejectsFile::Summary() const {
  if (count_ == 0) return "";
  return std::to_string(count_) + " rejected: see " + path_;
}

void PrintJson(const boost::json::value& value) {
  std::string s = boost::json::serialize(value);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace vdpark::cli
