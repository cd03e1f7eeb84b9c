#include "api/response_cache.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

using namespace std::chrono_literals;
using Clock = ResponseCache::Clock;

ApiResponse Body(const char* text) {
  ApiResponse r;
  r.body = text;
  return r;
}

TEST(ResponseCacheTest, KeptUpToMaxAgeWhileTheStoreDoesNotChange) {
  ResponseCache cache(100ms, 1000ms);
  const auto t0 = Clock::now();
  cache.Put("a", Body("one"), t0, cache.generation());
  ASSERT_TRUE(cache.Get("a", t0 + 999ms));
  EXPECT_EQ(cache.Get("a", t0 + 999ms)->body, "one");
  EXPECT_FALSE(cache.Get("a", t0 + 1000ms));
  EXPECT_FALSE(cache.Get("b", t0));
}

TEST(ResponseCacheTest, AfterAChangeKeptOnlyUpToMinAge) {
  ResponseCache cache(100ms, 1000ms);
  const auto t0 = Clock::now();
  cache.Put("a", Body("one"), t0, cache.generation());
  cache.Invalidate();
  EXPECT_TRUE(cache.Get("a", t0 + 99ms));
  EXPECT_FALSE(cache.Get("a", t0 + 100ms));
  // Made again after the change: kept up to max_age once more.
  cache.Put("a", Body("two"), t0 + 150ms, cache.generation());
  ASSERT_TRUE(cache.Get("a", t0 + 900ms));
  EXPECT_EQ(cache.Get("a", t0 + 900ms)->body, "two");
}

TEST(ResponseCacheTest, AnAnswerBegunBeforeAChangeCountsAsOlderThanIt) {
  ResponseCache cache(100ms, 1000ms);
  const auto t0 = Clock::now();
  const uint64_t before = cache.generation();
  cache.Invalidate();  // lands while the answer is being made
  cache.Put("a", Body("stale?"), t0, before);
  EXPECT_TRUE(cache.Get("a", t0 + 50ms));
  EXPECT_FALSE(cache.Get("a", t0 + 200ms));
}

TEST(ResponseCacheTest, BoundedInBytesDroppingTheLeastRecentlyUsed) {
  const ApiResponse big = Body(std::string(1000, 'x').c_str());
  const size_t one = ResponseCache::Cost("a", big);
  ResponseCache cache(100ms, 1000ms, /*max_bytes=*/2 * one + one / 2);
  const auto t0 = Clock::now();
  cache.Put("a", big, t0, cache.generation());
  cache.Put("b", big, t0, cache.generation());
  EXPECT_TRUE(cache.Get("a", t0));  // "b" is now the least recently used
  cache.Put("c", big, t0, cache.generation());
  EXPECT_TRUE(cache.Get("a", t0));
  EXPECT_FALSE(cache.Get("b", t0));
  EXPECT_TRUE(cache.Get("c", t0));
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_LE(cache.bytes(), 2 * one + one / 2);
  // An answer larger than the whole cache is not kept, and leaves the others.
  cache.Put("huge", Body(std::string(3 * one, 'y').c_str()), t0, cache.generation());
  EXPECT_FALSE(cache.Get("huge", t0));
  EXPECT_TRUE(cache.Get("a", t0));
}

}  // namespace
}  // namespace vdpark
