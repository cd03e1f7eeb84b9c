#include "common/duration.h"

#include <gtest/gtest.h>

#include <string>

namespace vdpark {
namespace {

constexpr int64_t kSecond = 1'000'000;

TEST(ParseDurationMicrosTest, EveryUnitAndTheirSums) {
  struct Case {
    const char* text;
    int64_t micros;
  };
  const Case cases[] = {
      {"250us", 250},
      {"500ms", 500'000},
      {"30s", 30 * kSecond},
      {"15m", 15 * 60 * kSecond},
      {"36h", 36 * 3600 * kSecond},
      {"90d", 90LL * 86400 * kSecond},
      {"0s", 0},
      {"1h30m", 90 * 60 * kSecond},
      {"1d12h", 36 * 3600 * kSecond},
      {"2m30s", 150 * kSecond},
      {"1s500ms", 1'500'000},
      {"1m1ms1us", 60 * kSecond + 1001},
      {"007s", 7 * kSecond},
      {"106751991d", 106751991LL * 86400 * kSecond},  // the most days int64 microseconds hold
  };
  for (const Case& c : cases) {
    auto d = ParseDurationMicros("--timeout", c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status().ToString();
    EXPECT_EQ(*d, c.micros) << c.text;
  }
}

TEST(ParseDurationMicrosTest, RefusalsNameTheFlagAndTheText) {
  const std::string expected =
      "': expected a duration such as 90d, 36h, 1h30m, 15m, 30s or 500ms (whole numbers, each "
      "with its unit: d, h, m, s, ms or us)";
  for (const char* text : {"", "90", "d", "h30m", "1h30", "1.5h", "-5s", "+5s", " 5s", "5s ", "5 s",
                           "5x", "5S", "5sec", "1h-30m", "5mss", "PT5S"}) {
    auto d = ParseDurationMicros("--max-skew", text);
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_TRUE(d.status().IsInvalidArgument()) << text;
    EXPECT_EQ(d.status().message(), "--max-skew '" + std::string(text) + expected);
  }
}

TEST(ParseDurationMicrosTest, TooLongIsRefusedRatherThanWrapped) {
  for (const char* text : {"106751992d", "99999999999999999999us", "106751991d23h59m59s"}) {
    auto d = ParseDurationMicros("--duration", text);
    ASSERT_FALSE(d.ok()) << text << " -> " << *d;
    EXPECT_EQ(d.status().message(), "--duration '" + std::string(text) + "': too long a duration");
  }
}

}  // namespace
}  // namespace vdpark
