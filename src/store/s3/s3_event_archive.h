// S3EventArchive: an s3:// store (s3_store.h) read as the API's archive of events past the live
// store's retention (event_archive.h, `serve --archive`): written by `vdpark archive`, a day
// object at a time.
//
// A page reads the day objects its window and cursor reach, newest day first, each checked
// against the manifest as every read of the store is (a changed object is kCorruption naming
// it). The days read last are kept in memory, each while the manifest gives it the same SHA-256;
// the manifest is read again when it is older than `refresh`, so days archived since serve
// started are found. Within a zone, a day's events are ordered newest first, the events of one
// instant by bay number, highest first. A row of the archive that cannot be read is kCorruption
// naming its place: the archive is vdpark's own writing, and a page must not quietly miss one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/event_archive.h"
#include "store/s3/s3_store.h"

namespace vdpark {

class S3EventArchive : public EventArchive {
 public:
  struct Options {
    std::chrono::seconds refresh{60};  // manifest.json is read again after this long
    size_t days_kept = 16;             // the days held in memory, the most recently read
  };

  // Opens the archive at `url` (s3://BUCKET/PREFIX?...): the bucket must exist; a prefix with no
  // manifest yet is an empty archive (nothing archived so far).
  static Result<std::unique_ptr<S3EventArchive>> Open(std::string_view url, Options options);

  std::string DisplayName() const override { return name_; }
  Result<EventPage> QueryEvents(const EventQuery& query) override;

  // Day objects read from S3 so far (not from memory): what the tests and the logs count.
  uint64_t days_downloaded() const;

 private:
  // One day's events, by zone, then newest first, then by bay number, highest first.
  struct Day {
    std::string sha256;
    std::vector<ParkingEvent> events;
  };
  struct KeptDay {
    std::shared_ptr<const Day> day;
    uint64_t used = 0;  // when it was last read, on use_clock_
  };

  S3EventArchive(std::string url, Options options, std::unique_ptr<S3Store> store);
  // The manifest is read again when it is older than options_.refresh. mu_ held.
  Status Refresh();
  // The day `day` ("2026-01-12"), from memory or S3. mu_ held.
  Result<std::shared_ptr<const Day>> ReadDay(const std::string& day, const std::string& sha256);

  const std::string url_;
  const Options options_;
  std::string name_;
  mutable std::mutex mu_;  // guards everything below
  std::unique_ptr<S3Store> store_;
  std::chrono::steady_clock::time_point read_at_;
  std::map<std::string, KeptDay> kept_;  // by day
  uint64_t use_clock_ = 0;
  uint64_t downloaded_ = 0;
};

}  // namespace vdpark
