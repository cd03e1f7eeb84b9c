#include "store/s3/s3_event_archive.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "store/event_page_cursor.h"

namespace vdpark {

namespace {

constexpr std::string_view kEventsFolder = "events/";

// The order of a day's events (s3_event_archive.h): by zone, newest first, bay highest first.
bool Before(const ParkingEvent& a, const ParkingEvent& b) {
  return std::tie(a.zone_id, b.timestamp, b.bay_number) <
         std::tie(b.zone_id, a.timestamp, a.bay_number);
}

// Compares an event's zone with a zone id, either way round (std::equal_range).
struct ByZone {
  bool operator()(const ParkingEvent& e, const std::string& zone) const { return e.zone_id < zone; }
  bool operator()(const std::string& zone, const ParkingEvent& e) const { return zone < e.zone_id; }
};

// True when `e` comes after the cursor's position in the newest-first order.
bool After(const ParkingEvent& e, const EventCursor& at) {
  return e.timestamp < at.timestamp ||
         (e.timestamp == at.timestamp && e.bay_number < at.bay_number);
}

}  // namespace

S3EventArchive::S3EventArchive(std::string url, Options options, std::unique_ptr<S3Store> store)
    : url_(std::move(url)),
      options_(options),
      name_(store->DisplayName()),
      store_(std::move(store)),
      read_at_(std::chrono::steady_clock::now()) {}

Result<std::unique_ptr<S3EventArchive>> S3EventArchive::Open(std::string_view url,
                                                             Options options) {
  StoreOptions read_only;
  read_only.create_if_missing = false;
  VDPARK_ASSIGN_OR_RETURN(auto store, S3Store::OpenUrl(url, read_only));
  return std::unique_ptr<S3EventArchive>(
      new S3EventArchive(std::string(url), options, std::move(store)));
}

uint64_t S3EventArchive::days_downloaded() const {
  std::lock_guard lock(mu_);
  return downloaded_;
}

Status S3EventArchive::Refresh() {
  const auto now = std::chrono::steady_clock::now();
  if (now - read_at_ < options_.refresh) return Status::OK();
  StoreOptions read_only;
  read_only.create_if_missing = false;
  VDPARK_ASSIGN_OR_RETURN(store_, S3Store::OpenUrl(url_, read_only));
  read_at_ = now;
  return Status::OK();
}

Result<std::shared_ptr<const S3EventArchive::Day>> S3EventArchive::ReadDay(
    const std::string& day, const std::string& sha256) {
  auto kept = kept_.find(day);
  if (kept != kept_.end() && kept->second.day->sha256 == sha256) {
    kept->second.used = ++use_clock_;
    return kept->second.day;
  }
  auto read = std::make_shared<Day>();
  read->sha256 = sha256;
  VDPARK_ASSIGN_OR_RETURN(const Timestamp start, Timestamp::Parse(day + "T00:00:00Z"));
  EventScanOptions one_day;
  one_day.since = start;
  one_day.until = start + (kMicrosPerDay - 1);  // the S3 store reads the days it names, inclusive
  Status bad_row;
  VDPARK_RETURN_IF_ERROR(store_->ScanEvents(
      one_day,
      [&](ParkingEvent&& e, const Origin&) {
        read->events.push_back(std::move(e));
        return Status::OK();
      },
      [&](Rejected r) {
        if (bad_row.ok()) {
          bad_row =
              Status::Corruption(r.where + ": an archived event that cannot be read: " + r.reason);
        }
      }));
  VDPARK_RETURN_IF_ERROR(bad_row);
  std::sort(read->events.begin(), read->events.end(), Before);
  ++downloaded_;
  kept_[day] = KeptDay{read, ++use_clock_};
  while (kept_.size() > std::max<size_t>(options_.days_kept, 1)) {
    kept_.erase(std::min_element(kept_.begin(), kept_.end(), [](const auto& a, const auto& b) {
      return a.second.used < b.second.used;
    }));
  }
  return std::shared_ptr<const Day>(std::move(read));
}

Result<EventPage> S3EventArchive::QueryEvents(const EventQuery& query) {
  if (query.limit == 0) return Status::InvalidArgument("limit: must be at least 1");
  std::optional<EventCursor> cursor;
  if (!query.cursor.empty()) {
    VDPARK_ASSIGN_OR_RETURN(cursor, DecodeEventCursor(query));
  }
  EventPage page;
  if (query.from && query.to && *query.from >= *query.to) return page;
  // The days the window and the cursor reach, as the day objects are named.
  const std::string first_day = query.from ? query.from->DayIso() : std::string();
  std::string last_day = query.to ? (*query.to + -1).DayIso() : std::string("9999-99-99");
  if (cursor) last_day = std::min(last_day, cursor->timestamp.DayIso());

  std::lock_guard lock(mu_);
  VDPARK_RETURN_IF_ERROR(Refresh());
  const auto& files = store_->manifest().files;
  // One more than the page, to know whether another follows.
  const size_t wanted = query.limit + 1;
  for (auto it = files.rbegin(); it != files.rend() && page.events.size() < wanted; ++it) {
    const std::string& key = it->first;
    if (!key.starts_with(kEventsFolder) || it->second.rows == 0) continue;
    const std::string day = key.substr(kEventsFolder.size(), 10);
    if (day > last_day) continue;
    if (day < first_day) break;
    VDPARK_ASSIGN_OR_RETURN(std::shared_ptr<const Day> events, ReadDay(day, it->second.sha256));
    auto zone =
        std::equal_range(events->events.begin(), events->events.end(), query.zone_id, ByZone{});
    for (auto e = zone.first; e != zone.second && page.events.size() < wanted; ++e) {
      if (query.to && e->timestamp >= *query.to) continue;
      if (query.from && e->timestamp < *query.from) break;
      if (cursor && !After(*e, *cursor)) continue;
      if (query.bay_number && e->bay_number != *query.bay_number) continue;
      if (query.event_type && e->event_type != *query.event_type) continue;
      page.events.push_back(*e);
    }
  }
  if (page.events.size() > query.limit) {
    page.events.pop_back();
    page.next_cursor = EncodeEventCursor(page.events.back());
  }
  return page;
}

}  // namespace vdpark
