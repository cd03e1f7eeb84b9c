#include "migrate/migrate.h"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/blocking_queue.h"
#include "common/progress.h"
#include "domain/duplicate_detector.h"

namespace vdpark {

namespace {

// (zone, bay) pairs, looked up per event without allocating.
class BayIndex {
 public:
  explicit BayIndex(const Metadata& md) {
    for (const Bay& b : md.bays) bays_.insert(Join(b.zone_id, b.bay_number));
    for (const Zone& z : md.zones) zones_.insert(z.zone_id);
  }
  bool HasZone(const std::string& zone) const { return zones_.count(zone) > 0; }
  bool HasBay(const std::string& zone, const std::string& bay) {
    scratch_.assign(zone);
    scratch_ += '\0';
    scratch_ += bay;
    return bays_.count(scratch_) > 0;
  }

 private:
  static std::string Join(const std::string& a, const std::string& b) {
    std::string s = a;
    s += '\0';
    s += b;
    return s;
  }
  std::unordered_set<std::string> bays_, zones_;
  std::string scratch_;
};

}  // namespace

uint64_t RejectDanglingMetadata(Metadata* md, std::string_view source_name,
                                const RejectFn& rejects) {
  std::set<std::string, std::less<>> zones;
  for (const Zone& z : md->zones) zones.insert(z.zone_id);
  uint64_t removed = 0;
  std::erase_if(md->bays, [&](const Bay& b) {
    if (zones.count(b.zone_id)) return false;
    ++removed;
    if (rejects) {
      rejects({std::string(source_name) + " bay " + b.zone_id + "/" + b.bay_number,
               "its zone '" + b.zone_id + "' is not among the zones", ""});
    }
    return true;
  });
  std::erase_if(md->sensors, [&](const Sensor& s) {
    if (!s.zone_id || zones.count(*s.zone_id)) return false;
    ++removed;
    if (rejects) {
      rejects({std::string(source_name) + " sensor " + s.sensor_id,
               "its zone '" + *s.zone_id + "' is not among the zones", ""});
    }
    return true;
  });
  return removed;
}

Result<MigrateStats> Migrate(Store& source, Store& target, const MigrateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const WriteStats writes_before = target.GetWriteStats();
  MigrateStats stats;
  auto reject = [&](Rejected r) {
    ++stats.rejected;
    if (options.on_reject) options.on_reject(std::move(r));
  };

  auto md = source.ReadMetadata(reject);
  if (!md.ok()) return md.status().WithContext("reading " + source.DisplayName());
  RejectDanglingMetadata(&*md, source.DisplayName(), reject);
  VDPARK_RETURN_IF_ERROR(target.WriteMetadata(*md).WithContext("writing " + target.DisplayName()));
  stats.zones = md->zones.size();
  stats.bays = md->bays.size();
  stats.sensors = md->sensors.size();

  // The writer runs beside the reader; the queue bounds what is in flight between them.
  BlockingQueue<std::vector<ParkingEvent>> queue(options.queue_batches);
  Status write_status;  // read only after the writer has joined
  std::atomic<bool> writer_failed{false};
  uint64_t written = 0;
  std::thread writer([&] {
    while (auto batch = queue.Pop()) {
      if (writer_failed) continue;  // drain so the reader never blocks on a dead writer
      write_status = target.WriteEvents(*batch);
      if (!write_status.ok()) writer_failed = true;
      written += batch->size();
    }
  });

  BayIndex bays(*md);
  DuplicateDetector duplicates(source.EventsInKeyOrder());
  Progress progress("events", source.EstimateEventCount(), false);
  const int64_t ttl_seconds = options.retention_days * 86400;
  std::vector<ParkingEvent> batch;
  batch.reserve(options.batch_size);
  EventScanOptions scan;
  scan.since = options.since;
  Status read_status = source.ScanEvents(
      scan,
      [&](ParkingEvent&& e, const Origin& origin) -> Status {
        if (!bays.HasBay(e.zone_id, e.bay_number)) {
          std::string why =
              bays.HasZone(e.zone_id)
                  ? "bay '" + e.bay_number + "' is not among zone '" + e.zone_id + "''s bays"
                  : "zone '" + e.zone_id + "' is not among the zones";
          reject({origin.ToString(), why, std::string(origin.raw)});
          return Status::OK();
        }
        ++stats.events_read;
        if (options.show_progress) progress.Update(stats.events_read);
        if (options.since && e.timestamp < *options.since) return Status::OK();
        if (ttl_seconds > 0 && e.timestamp.seconds() + ttl_seconds <= options.now.seconds()) {
          ++stats.expired;
          return Status::OK();
        }
        duplicates.Seen(e);
        batch.push_back(std::move(e));
        if (batch.size() >= options.batch_size) {
          if (!queue.Push(std::move(batch))) return Status::Aborted("writer stopped");
          batch = {};
          batch.reserve(options.batch_size);
        }
        return writer_failed ? Status::Aborted("writer failed") : Status::OK();
      },
      reject);
  if (read_status.ok() && !batch.empty()) queue.Push(std::move(batch));
  queue.Close();
  writer.join();
  if (options.show_progress) progress.Finish(stats.events_read);

  if (!write_status.ok()) return write_status.WithContext("writing " + target.DisplayName());
  if (!read_status.ok()) return read_status.WithContext("reading " + source.DisplayName());
  VDPARK_RETURN_IF_ERROR(target.Flush().WithContext("flushing " + target.DisplayName()));
  stats.events_written = written;
  const WriteStats writes_after = target.GetWriteStats();
  stats.target_writes = {writes_after.consumed_write_units - writes_before.consumed_write_units,
                         writes_after.requests - writes_before.requests,
                         writes_after.throttled - writes_before.throttled,
                         writes_after.retried_items - writes_before.retried_items,
                         writes_after.concurrency_cuts - writes_before.concurrency_cuts};
  stats.duplicates = duplicates.duplicates();
  stats.duplicates_exact = duplicates.exact();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace vdpark
