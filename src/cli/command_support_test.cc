#include "cli/command_support.h"

#include <gtest/gtest.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace vdpark::cli {
namespace {

// What one call logs through LogLineFormatter.
std::string Logged(std::string_view value) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(LogLineFormatter());
  logger.warn("api: GET /v1/zones/{}: not found", value);
  return out.str();
}

TEST(LogLineFormatterTest, OneCallIsOneLineWhateverTheValueHolds) {
  const std::string line = Logged("x\nerror: api: FORGED\r\x1b[2J\xff");
  EXPECT_EQ(line,
            "warning: api: GET /v1/zones/x\\nerror: api: FORGED\\r\\x1b[2J\\xff: not found\n");
}

TEST(LogLineFormatterTest, UrlsAreLoggedWithoutTheirSecrets) {
  EXPECT_EQ(Logged("mqtt://user:PASSWORD@127.0.0.1:1883"),
            "warning: api: GET /v1/zones/mqtt://user:***@127.0.0.1:1883: not found\n");
}

}  // namespace
}  // namespace vdpark::cli
