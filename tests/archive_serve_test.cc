// serve --archive against s3rver: the API's events older than the live store's retention come
// from the archive that `vdpark archive` wrote, so that the events pages and the analytics reach
// back past the TTL; a window across the horizon is read from both, each event once.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli_run.h"
#include "s3rver.h"
#include "served_api.h"
#include "store/open_store.h"
#include "verify/api_client.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::Server;
using testing::TempDir;
using testing::Vdpark;

constexpr int kRetentionDays = 7;

std::string Key(const ParkingEvent& e) {
  return e.zone_id + "/" + e.bay_number + "/" + e.timestamp.ToIso() + "/" +
         std::string(ToString(e.event_type));
}

// Every event of the store at `url`.
std::vector<ParkingEvent> EventsOf(const std::string& url) {
  std::vector<ParkingEvent> events;
  auto store = OpenStore(url);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return events;
  Status s = (*store)->ScanEvents({},
                                  [&](ParkingEvent&& e, const Origin&) {
                                    events.push_back(std::move(e));
                                    return Status::OK();
                                  },
                                  {});
  EXPECT_TRUE(s.ok()) << s.ToString();
  return events;
}

class ArchiveServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = testing::S3rverEndpoint();  // a failure when s3rver is not there
    if (endpoint_.empty()) return;
    // Two weeks of history up to today's midnight; the live store keeps its last 7 days (what
    // migrate's TTL leaves), the archive what is older than 5 days.
    CliRun gen =
        Vdpark(tmp_, "generate --out csv:all --days 14 --zones 2 --bays-min 8 --bays-max 12");
    ASSERT_EQ(gen.code, 0) << gen.err;
    archive_ =
        "s3://" + testing::UniqueBucketName("serve-archive") + "/history/?endpoint=" + endpoint_;
    CliRun archived =
        Vdpark(tmp_, "archive --store csv:all --target '" + archive_ + "' --older-than 5d --json");
    ASSERT_EQ(archived.code, 0) << archived.out << archived.err;
    CliRun live = Vdpark(tmp_, "migrate --source csv:all --target embedded:live --retention-days " +
                                   std::to_string(kRetentionDays));
    ASSERT_EQ(live.code, 0) << live.out << live.err;

    all_ = EventsOf("csv:" + tmp_ / "all");
    ASSERT_GT(all_.size(), 1000u);
    zone_ = all_.front().zone_id;
    // The live store holds none of the oldest week: whatever the API tells of it, the archive
    // told.
    const Timestamp horizon = Timestamp::Now() + -kRetentionDays * kMicrosPerDay;
    size_t live_old = 0;
    for (const ParkingEvent& e : EventsOf("embedded:" + tmp_ / "live")) {
      live_old += e.timestamp < horizon + -kMicrosPerHour;
    }
    ASSERT_EQ(live_old, 0u);
  }

  // The events the API gives for `query` (…&limit=N), page after page, and the pages: of zone_,
  // or of its bay `bay`.
  std::vector<std::string> Pages(const std::string& api, const std::string& query,
                                 size_t* pages = nullptr, const std::string& bay = "") {
    std::vector<std::string> keys;
    std::string cursor;
    Timestamp last = Timestamp::FromMicros(std::numeric_limits<int64_t>::max());
    for (size_t n = 1;; ++n) {
      std::string url =
          api + "/v1/zones/" + zone_ + (bay.empty() ? "" : "/bays/" + bay) + "/events?" + query;
      if (!cursor.empty()) url += "&cursor=" + cursor;
      auto reply = ApiGet(url, "", std::chrono::seconds(30));
      EXPECT_TRUE(reply.ok() && reply->status == 200)
          << url << ": " << (reply.ok() ? reply->body : reply.status().ToString());
      if (!reply.ok() || reply->status != 200) return keys;
      auto page = Json(reply->body);
      for (const auto& v : page.at("events").as_array()) {
        const auto& e = v.as_object();
        const Timestamp t = *Timestamp::Parse(std::string(e.at("timestamp").as_string()));
        EXPECT_LE(t, last) << "newest first";
        last = t;
        keys.push_back(std::string(e.at("zoneId").as_string()) + "/" +
                       std::string(e.at("bayNumber").as_string()) + "/" + t.ToIso() + "/" +
                       std::string(e.at("eventType").as_string()));
      }
      if (page.at("nextCursor").is_null()) {
        if (pages) *pages = n;
        return keys;
      }
      cursor = std::string(page.at("nextCursor").as_string());
    }
  }

  // The keys of zone_'s events in [from, to) that `keep` keeps, sorted.
  std::vector<std::string> Expected(std::optional<Timestamp> from, std::optional<Timestamp> to,
                                    const std::function<bool(const ParkingEvent&)>& keep) {
    std::vector<std::string> keys;
    for (const ParkingEvent& e : all_) {
      if (e.zone_id != zone_ || (from && e.timestamp < *from) || (to && e.timestamp >= *to) ||
          !keep(e)) {
        continue;
      }
      keys.push_back(Key(e));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::string endpoint_, archive_, zone_;
  TempDir tmp_;
  std::vector<ParkingEvent> all_;
};

std::vector<std::string> Sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST_F(ArchiveServeTest, OldEventsPagesAndAnalyticsAreAnsweredFromTheArchive) {
  if (HasFailure()) return;
  Server serve(tmp_,
               {"--store", "embedded:live", "--retention-days", std::to_string(kRetentionDays),
                "--archive", archive_, "--api-cache", "0s"},
               "serve.log");
  const std::string api = serve.WaitUrl();
  ASSERT_FALSE(api.empty()) << serve.log();
  EXPECT_NE(serve.log().find("archive: events older than 7 days read from s3://"),
            std::string::npos)
      << serve.log();
  const Timestamp now = Timestamp::Now();
  auto iso = [](Timestamp t) { return t.ToIso(); };
  auto all = [](const ParkingEvent&) { return true; };

  // A page of the oldest week only: every event there, from the archive.
  const Timestamp old_from = now + -13 * kMicrosPerDay, old_to = now + -9 * kMicrosPerDay;
  const auto old = Expected(old_from, old_to, all);
  ASSERT_GT(old.size(), 50u);
  EXPECT_EQ(Sorted(Pages(api, "from=" + iso(old_from) + "&to=" + iso(old_to) + "&limit=1000")),
            old);

  // The whole history of the zone, 37 events a page: the live week, then the archive, with
  // neither a gap nor an event twice where they meet.
  size_t pages = 0;
  const auto whole = Pages(api, "limit=37", &pages);
  EXPECT_EQ(Sorted(whole), Expected(std::nullopt, std::nullopt, all));
  EXPECT_EQ(std::set<std::string>(whole.begin(), whole.end()).size(), whole.size());
  EXPECT_GT(pages, 10u);

  // One bay's arrivals across the horizon.
  const std::string bay = all_.front().bay_number;
  const Timestamp from = now + -10 * kMicrosPerDay, to = now + -3 * kMicrosPerDay;
  EXPECT_EQ(Sorted(Pages(api, "from=" + iso(from) + "&to=" + iso(to) + "&eventType=ARRIVE&limit=5",
                         nullptr, bay)),
            Expected(from, to, [&](const ParkingEvent& e) {
              return e.bay_number == bay && e.event_type == EventType::kArrive;
            }));

  // The analytics of an old window count the archived events.
  auto revenue = ApiGet(api + "/v1/analytics/revenue?zoneId=" + zone_ + "&from=" + iso(old_from) +
                            "&to=" + iso(old_to),
                        "", std::chrono::seconds(30));
  ASSERT_TRUE(revenue.ok() && revenue->status == 200)
      << (revenue.ok() ? revenue->body : revenue.status().ToString());
  const auto arrivals = Expected(
      old_from, old_to, [](const ParkingEvent& e) { return e.event_type == EventType::kArrive; });
  EXPECT_EQ(testing::U(Json(revenue->body).at("totals").at("arrivals")), arrivals.size());
}

TEST_F(ArchiveServeTest, WithoutTheArchiveTheOldWeekIsEmptyAndABadArchiveIsRefused) {
  if (HasFailure()) return;
  const Timestamp now = Timestamp::Now();
  {
    Server serve(tmp_, {"--store", "embedded:live", "--retention-days", "7"}, "plain.log");
    const std::string api = serve.WaitUrl();
    ASSERT_FALSE(api.empty()) << serve.log();
    EXPECT_TRUE(Pages(api, "from=" + (now + -13 * kMicrosPerDay).ToIso() +
                               "&to=" + (now + -9 * kMicrosPerDay).ToIso())
                    .empty());
  }
  CliRun absent = Vdpark(tmp_,
                         "serve --store embedded:live --listen 127.0.0.1:0 --archive "
                         "'s3://no-such-bucket-vdpark/x/?endpoint=" +
                             endpoint_ + "' --stop-after 5s");
  EXPECT_EQ(absent.code, 2) << absent.out << absent.err;
  EXPECT_NE(absent.err.find("--archive"), std::string::npos) << absent.err;
  EXPECT_NE(absent.err.find("NoSuchBucket"), std::string::npos) << absent.err;
  CliRun not_s3 = Vdpark(tmp_,
                         "serve --store embedded:live --listen 127.0.0.1:0 --archive "
                         "csv:elsewhere --stop-after 5s");
  EXPECT_NE(not_s3.code, 0);
  EXPECT_NE(not_s3.err.find("an archive of events is an s3:// store"), std::string::npos)
      << not_s3.err;
  CliRun no_ttl = Vdpark(tmp_,
                         "serve --store embedded:live --listen 127.0.0.1:0 "
                         "--retention-days 0 --archive '" +
                             archive_ + "' --stop-after 5s");
  EXPECT_NE(no_ttl.code, 0);
  EXPECT_NE(no_ttl.err.find("--archive: needs --retention-days > 0"), std::string::npos)
      << no_ttl.err;
}

// Events of one instant in several bays, a page of one at a time: each comes once, the archive's
// order (bay number, highest first) holding across pages and days.
TEST(S3EventArchiveTest, EventsOfOneInstantArePagedOneByOneEachOnce) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  const std::string url =
      "s3://" + testing::UniqueBucketName("instants") + "/a/?endpoint=" + endpoint;
  StoreOptions create;
  create.create_if_missing = true;
  auto store = OpenStore(url, create);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<ParkingEvent> events;
  std::set<std::string> expected;
  for (const char* at : {"2026-03-01T23:59:59Z", "2026-03-02T00:00:00Z", "2026-03-02T08:00:00Z"}) {
    for (const char* bay : {"B-1", "B-2", "B-3"}) {
      ParkingEvent e;
      e.zone_id = "zone-9";
      e.bay_number = bay;
      e.event_type = EventType::kArrive;
      e.timestamp = *Timestamp::Parse(at);
      events.push_back(e);
      expected.insert(Key(e));
    }
  }
  ParkingEvent other = events.front();
  other.zone_id = "zone-8";  // another zone's, never told
  events.push_back(other);
  ASSERT_TRUE((*store)->WriteEvents(events).ok());
  ASSERT_TRUE((*store)->Flush().ok());

  auto archive = OpenEventArchive(url);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  EventQuery q;
  q.zone_id = "zone-9";
  q.limit = 1;
  std::vector<std::string> told;
  for (int page = 0; page < 20; ++page) {
    auto got = (*archive)->QueryEvents(q);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (const ParkingEvent& e : got->events) told.push_back(Key(e));
    if (got->next_cursor.empty()) break;
    q.cursor = got->next_cursor;
  }
  EXPECT_EQ(told.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(told.begin(), told.end()), expected);
  EXPECT_EQ(told.front(), "zone-9/B-3/2026-03-02T08:00:00.000000Z/ARRIVE");
  EXPECT_EQ(told.back(), "zone-9/B-1/2026-03-01T23:59:59.000000Z/ARRIVE");

  // A cursor of another zone is refused, naming it.
  q.zone_id = "zone-8";
  auto wrong = (*archive)->QueryEvents(q);
  EXPECT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("cursor"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
