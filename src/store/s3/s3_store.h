// S3Store: the `s3://BUCKET/PREFIX?region=&endpoint=&profile=` store (SPEC §1, issue 16): the four
// files of MIGRATION_PLAN §5.1 in exactly csv:'s format (csv_store.h), gzip-compressed, as
// objects under the prefix:
//
//   zones.csv.gz  bays.csv.gz  sensors.csv.gz    the metadata, whole
//   events/2026-01-12.csv.gz                     the events of one UTC day, sorted by time
//   manifest.json                                every object's rows, sizes and SHA-256
//   (s3_manifest.h)
//
// Reading: every object read is checked against the manifest (its size and SHA-256) before it is
// parsed: a mismatch is kCorruption naming the object. A store without manifest.json is kNotFound
// for a read. Rows are read by csv:'s reader, so bad rows go to the RejectFn as csv: does, their
// place named by the object ("s3://b/p/events/2026-01-12.csv.gz:17"). Events come day by day,
// each day in its file's order (repeatable).
//
// Writing: WriteMetadata and WriteEvents stage rows on local disk (a private temporary folder,
// removed when the store is closed); Flush() uploads them and then manifest.json, the commit
// point. Events are written by key (zone, bay, time): a day that gets new events is rewritten
// whole, its rows the union of the object already there and the new ones, a later row replacing
// an earlier one of the same key. So writing the same events twice, or resuming a killed load,
// leaves every event once. A day object that the manifest does not vouch for (left by a load
// killed between uploading a day and the manifest) is taken in the same way when its day is
// rewritten. WriteMetadata replaces the three metadata objects at the next Flush (by key within
// the calls since Open, as csv: does). options.truncate deletes every object under the prefix at
// Open. A record that breaks the record rules is kInvalidArgument, as for csv:.
//
// One thread at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/record_store.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_manifest.h"
#include "store/s3/s3_url.h"
#include "store/store_options.h"

namespace vdpark {

class CsvStore;
class CsvWriter;

class S3Store : public RecordStore {
 public:
  static constexpr std::string_view kManifestKey = "manifest.json";

  // Opens the store: reads manifest.json when there is one. With options.create_if_missing the
  // bucket is created when absent; with options.truncate everything under the prefix is deleted.
  static Result<std::unique_ptr<S3Store>> Open(S3Url url, std::unique_ptr<S3Client> client,
                                               const StoreOptions& options = {});
  // The same from the store's URL (s3_url.h), with a client on the URL's credentials and
  // endpoint (aws_config.h). kInvalidArgument names the part of the URL that is wrong.
  static Result<std::unique_ptr<S3Store>> OpenUrl(std::string_view url,
                                                  const StoreOptions& options = {});
  ~S3Store() override;

  std::string DisplayName() const override;

  Result<Metadata> ReadMetadata(const RejectFn& rejects) override;
  // Events before options.since's day, or after options.until's, are not downloaded. Events
  // written through this store and not yet flushed are not included.
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override;
  bool EventsInKeyOrder() const override { return false; }
  bool EventOrderIsRepeatable() const override { return true; }  // day by day, file order
  bool SafeForConcurrentCalls() const override { return false; }
  // The manifest's event rows (no `since`); nullopt for a window.
  Result<std::optional<uint64_t>> CountEvents(std::optional<Timestamp> since) override;
  std::optional<uint64_t> EstimateEventCount() override;

  Status WriteMetadata(const Metadata& metadata) override;
  Status WriteEvents(std::span<const ParkingEvent> events) override;
  Status Flush() override;

  const S3Manifest& manifest() const { return manifest_; }
  S3Client& client() { return *client_; }
  const S3Url& url() const { return url_; }

 private:
  S3Store(S3Url url, std::unique_ptr<S3Client> client, const StoreOptions& options);
  std::string Key(std::string_view name) const { return url_.prefix + std::string(name); }
  // The object's CSV text, checked against the manifest.
  Result<std::string> FetchVerified(const std::string& name);
  Status Upload(const std::string& name, std::string_view csv, uint64_t rows, std::string first,
                std::string last);
  Status FlushDay(const std::string& day);
  Status FlushMetadata();
  Status WriteFile(const std::string& path, std::string_view text);

  S3Url url_;
  std::unique_ptr<S3Client> client_;
  StoreOptions options_;
  S3Manifest manifest_;
  bool has_manifest_ = false;
  bool dirty_ = false;
  std::string staging_;                                         // our own temporary folder
  std::unique_ptr<CsvStore> metadata_;                          // staged metadata, when written
  std::map<std::string, std::unique_ptr<CsvWriter>> new_days_;  // day -> its staged new rows
};

}  // namespace vdpark
