#include "migrate/migrate.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <set>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "common/blocking_queue.h"
#include "common/progress.h"
#include "domain/duplicate_detector.h"

namespace vdpark {

namespace {

// (zone, bay) pairs, looked up once per event: a flat open-addressing table of indexes into
// the metadata's bays (which outlive it), so that a lookup costs two hashes and one comparison.
class BayIndex {
 public:
  explicit BayIndex(const Metadata& md) : bays_(md.bays) {
    for (const Zone& z : md.zones) zones_.insert(z.zone_id);
    size_t size = 16;
    while (size < bays_.size() * 2) size *= 2;
    slots_.assign(size, kEmpty);
    for (uint32_t i = 0; i < bays_.size(); ++i) {
      size_t at = Hash(bays_[i].zone_id, bays_[i].bay_number) & (size - 1);
      while (slots_[at] != kEmpty) at = (at + 1) & (size - 1);
      slots_[at] = i;
    }
  }
  bool HasZone(const std::string& zone) const { return zones_.count(zone) > 0; }
  bool HasBay(std::string_view zone, std::string_view bay) const {
    const size_t mask = slots_.size() - 1;
    for (size_t at = Hash(zone, bay) & mask; slots_[at] != kEmpty; at = (at + 1) & mask) {
      const Bay& b = bays_[slots_[at]];
      if (b.bay_number == bay && b.zone_id == zone) return true;
    }
    return false;
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static size_t Hash(std::string_view zone, std::string_view bay) {
    const size_t h = std::hash<std::string_view>{}(zone);
    const size_t x = (h ^ (std::hash<std::string_view>{}(bay) + 0x9e3779b97f4a7c15ULL + (h << 6))) *
                     0xff51afd7ed558ccdULL;
    return x ^ (x >> 32);  // the table takes the low bits: fold the high ones in
  }
  const std::vector<Bay>& bays_;
  std::vector<uint32_t> slots_;
  std::unordered_set<std::string> zones_;
};

// What the reader hands the writer: events, and where the stream is once they are written.
struct Batch {
  std::vector<ParkingEvent> events;
  uint64_t scanned = 0;      // position mode: events of the stream done once this batch is
  uint64_t rows_read = 0;    // slice mode, with slice_end: rows read by the slices done
  bool slice_end = false;    // slice mode: the last batch of a slice
  uint64_t slices_done = 0;  // slice mode, with slice_end: slices done once this batch is
};

// The first and last event time at or after `since`; nullopt when there is no event. From the
// store when it can tell, otherwise by a first pass; rejects are left to the scans that follow,
// so that each is reported once per slice it falls in.
Result<std::optional<std::pair<Timestamp, Timestamp>>> EventTimeRange(
    RecordStore& source, std::optional<Timestamp> since) {
  auto known = source.EventTimeRange(since);
  if (known.ok() || !known.status().IsNotSupported()) return known;
  std::optional<std::pair<Timestamp, Timestamp>> range;
  EventScanOptions scan;
  scan.since = since;
  Status s = source.ScanEvents(scan,
                               [&](ParkingEvent&& e, const Origin&) {
                                 if (since && e.timestamp < *since) return Status::OK();
                                 if (!range) range.emplace(e.timestamp, e.timestamp);
                                 range->first = std::min(range->first, e.timestamp);
                                 range->second = std::max(range->second, e.timestamp);
                                 return Status::OK();
                               },
                               {});
  if (!s.ok()) return s;
  return range;
}

// Bounds cutting [first, last] into at most `n` slices of equal width: slice i is
// [bounds[i], bounds[i+1]).
std::vector<Timestamp> CutIntoSlices(Timestamp first, Timestamp last, int n) {
  const Timestamp end = last + 1;
  const int64_t span = end - first;
  const int64_t count = std::clamp<int64_t>(n, 1, span);
  const int64_t width = (span + count - 1) / count;
  std::vector<Timestamp> bounds;
  for (Timestamp t = first; t < end; t = t + width) bounds.push_back(t);
  bounds.push_back(end);
  return bounds;
}

// The slices of a new load: the source's own partitions when it has them, otherwise equal slices
// of the time range of the events at or after `since` (none when there is no event).
Result<EventPartitions> PlanSlices(RecordStore& source, const MigrateOptions& options) {
  auto partitions = source.PartitionEvents(options.since, options.slices);
  if (!partitions.ok()) return partitions.status();
  if (*partitions) return std::move(**partitions);
  auto range = EventTimeRange(source, options.since);
  if (!range.ok()) return range.status();
  EventPartitions time_slices;
  if (*range) {
    const std::vector<Timestamp> bounds =
        CutIntoSlices((*range)->first, (*range)->second, options.slices);
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      time_slices.ids.push_back(TimeSliceId(bounds[i], bounds[i + 1]));
    }
  }
  return time_slices;
}

}  // namespace

std::string TimeSliceId(Timestamp from, Timestamp to) {
  return "time:" + std::to_string(from.micros()) + ":" + std::to_string(to.micros());
}

std::optional<std::pair<Timestamp, Timestamp>> ParseTimeSliceId(std::string_view id) {
  constexpr std::string_view kPrefix = "time:";
  if (!id.starts_with(kPrefix)) return std::nullopt;
  id.remove_prefix(kPrefix.size());
  int64_t from = 0, to = 0;
  const char* end = id.data() + id.size();
  auto first = std::from_chars(id.data(), end, from);
  if (first.ec != std::errc() || first.ptr == end || *first.ptr != ':') return std::nullopt;
  auto second = std::from_chars(first.ptr + 1, end, to);
  if (second.ec != std::errc() || second.ptr != end || to <= from) return std::nullopt;
  return std::pair(Timestamp::FromMicros(from), Timestamp::FromMicros(to));
}

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

Result<MigrateStats> Migrate(RecordStore& source, RecordStore& target,
                             const MigrateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const WriteStats writes_before = target.GetWriteStats();
  MigrateStats stats;
  auto reject = [&](Rejected r) {
    ++stats.rejected;
    if (options.on_reject) options.on_reject(std::move(r));
  };
  MigrateProgress progress = options.resume.value_or(MigrateProgress{});
  stats.resumed = options.resume.has_value();
  stats.events_already_loaded = progress.events_loaded;
  // Slices cost a first pass and a scan each: worth it only when progress is recorded.
  const bool sliced =
      options.on_durable && (options.force_slices || !source.EventOrderIsRepeatable());
  stats.sliced = sliced;
  // Flushes the target, then records `p`: a checkpoint never claims what a crash could lose.
  auto checkpoint = [&](const MigrateProgress& p) -> Status {
    VDPARK_RETURN_IF_ERROR(target.Flush().WithContext("flushing " + target.DisplayName()));
    return options.on_durable(p);
  };

  auto md = source.ReadMetadata(reject);
  if (!md.ok()) return md.status().WithContext("reading " + source.DisplayName());
  RejectDanglingMetadata(&*md, source.DisplayName(), reject);
  stats.zones = md->zones.size();
  stats.bays = md->bays.size();
  stats.sensors = md->sensors.size();
  if (sliced && !progress.sliced()) {  // a resumed load keeps the slices it started with
    auto plan = PlanSlices(source, options);
    if (!plan.ok()) return plan.status().WithContext("reading " + source.DisplayName());
    progress.slices = std::move(plan->ids);
    progress.read_together = std::max<size_t>(plan->read_together, 1);
    progress.slices_done = 0;
  }
  // The completeness guard's count, before anything is read: rows written while the load runs
  // can only make the source hold more than it counted. Position mode reads everything again on
  // every run, so counts again; a resumed slice load keeps the count its slices began with (a
  // checkpoint from before the guard has none, and that load is not checked).
  if (!sliced || progress.slices_done == 0) {
    auto count = source.CountEvents(options.since);
    if (!count.ok())
      return count.status().WithContext("counting the events of " + source.DisplayName());
    progress.source_events = *count;
    progress.rows_read = 0;
  }
  if (!progress.metadata_written) {
    VDPARK_RETURN_IF_ERROR(
        target.WriteMetadata(*md).WithContext("writing " + target.DisplayName()));
    progress.metadata_written = true;
    if (options.on_durable) VDPARK_RETURN_IF_ERROR(checkpoint(progress));
  }
  // The reader's view of where to start; `progress` belongs to the writer from here on.
  const uint64_t skip = sliced ? 0 : progress.events_scanned;
  const std::vector<std::string> slices = progress.slices;
  const size_t read_together = std::max<size_t>(progress.read_together, 1);
  const uint64_t first_slice = progress.slices_done;
  const uint64_t rows_read_before = sliced ? progress.rows_read : 0;

  // The writer runs beside the reader; the queue bounds what is in flight between them.
  BlockingQueue<Batch> queue(options.queue_batches);
  Status write_status;  // read only after the writer has joined
  std::atomic<bool> writer_failed{false};
  uint64_t written = 0;
  std::thread writer([&] {
    uint64_t since_checkpoint = 0;
    while (auto batch = queue.Pop()) {
      if (writer_failed) continue;  // drain so the reader never blocks on a dead writer
      if (!batch->events.empty()) {
        write_status = target.WriteEvents(batch->events);
        written += batch->events.size();
        since_checkpoint += batch->events.size();
      }
      const bool due = options.on_durable &&
                       (sliced ? batch->slice_end : since_checkpoint >= options.checkpoint_every);
      if (write_status.ok() && due) {
        if (sliced) {
          progress.slices_done = batch->slices_done;
          progress.rows_read = batch->rows_read;
        } else {
          progress.events_scanned = batch->scanned;
        }
        progress.events_loaded = stats.events_already_loaded + written;
        write_status = checkpoint(progress);
        since_checkpoint = 0;
      }
      if (!write_status.ok()) writer_failed = true;
    }
  });

  BayIndex bays(*md);
  DuplicateDetector duplicates(source.EventStreamOrder());
  const std::optional<uint64_t> estimate = source.EstimateEventCount();
  if (estimate) duplicates.Reserve(*estimate + *estimate / 8);  // an estimate may fall short
  Progress progress_line("events", estimate, false);
  const int64_t ttl_seconds = options.retention_days * 86400;
  Batch batch;
  batch.events.reserve(options.batch_size);
  auto push = [&]() -> Status {
    if (!queue.Push(std::move(batch))) return Status::Aborted("writer stopped");
    batch = {};
    batch.events.reserve(options.batch_size);
    return Status::OK();
  };
  uint64_t scanned = 0;                           // visits so far: the position in the stream
  uint64_t rows = 0;                              // event rows read in the window, this run
  std::optional<Timestamp> slice_from, slice_to;  // the time slice being read (slice mode)
  // Rows the source could not read count as read: the guard asks whether the source passed
  // everything it holds, not whether everything was usable (rejects are counted apart).
  const RejectFn scan_reject = [&](Rejected r) {
    ++rows;
    reject(std::move(r));
  };
  EventVisitor visit = [&](ParkingEvent&& e, const Origin& origin) -> Status {
    // A store may pass events outside the slice (csv ignores until): they belong to another.
    if (slice_to && (e.timestamp < *slice_from || e.timestamp >= *slice_to)) return Status::OK();
    if (!options.since || e.timestamp >= *options.since) ++rows;
    const bool loaded_before = scanned++ < skip;
    if (!bays.HasBay(e.zone_id, e.bay_number)) {
      std::string why = bays.HasZone(e.zone_id) ? "bay '" + e.bay_number + "' is not among zone '" +
                                                      e.zone_id + "''s bays"
                                                : "zone '" + e.zone_id + "' is not among the zones";
      reject({origin.ToString(), why, std::string(origin.raw)});
      return Status::OK();
    }
    ++stats.events_read;
    if (options.show_progress) progress_line.Update(stats.events_read);
    if (options.since && e.timestamp < *options.since) return Status::OK();
    if (ttl_seconds > 0 && e.timestamp.seconds() + ttl_seconds <= options.now.seconds()) {
      ++stats.expired;
      return Status::OK();
    }
    duplicates.Count(e);
    // Read again only so that the counts cover the whole source; the target has it already.
    if (loaded_before) return Status::OK();
    batch.events.push_back(std::move(e));
    if (batch.events.size() >= options.batch_size) {
      batch.scanned = scanned;
      VDPARK_RETURN_IF_ERROR(push());
    }
    return writer_failed ? Status::Aborted("writer failed") : Status::OK();
  };

  Status read_status;
  if (!sliced) {
    EventScanOptions scan;
    scan.since = options.since;
    read_status = source.ScanEvents(scan, visit, scan_reject);
    batch.scanned = scanned;
    if (read_status.ok() && !batch.events.empty()) read_status = push();
  } else {
    // A time slice is read alone; a source's partitions `read_together` at a time, in one call
    // that reads them side by side. Either way the writer checkpoints only at the end of a call,
    // when every slice read so far is complete. Not in the middle: a partition half delivered
    // would be read again whole on resume, and where the target appends (csv, cut back only to
    // the checkpoint's length) its rows before the cut would be there twice.
    for (size_t i = first_slice; read_status.ok() && i < slices.size();) {
      size_t end = i + 1;
      if (auto window = ParseTimeSliceId(slices[i])) {
        std::tie(slice_from, slice_to) = *window;
        EventScanOptions scan;
        scan.since = window->first;
        scan.until = window->second;
        read_status = source.ScanEvents(scan, visit, scan_reject);
      } else {
        end = std::min(slices.size(), i + read_together);
        slice_from.reset();
        slice_to.reset();
        read_status = source.ScanEventPartitions(std::span(slices).subspan(i, end - i),
                                                 options.since, visit, scan_reject);
      }
      batch.slice_end = true;
      batch.slices_done = end;
      batch.rows_read = rows_read_before + rows;
      if (read_status.ok()) read_status = push();
      i = end;
    }
  }
  queue.Close();
  writer.join();
  if (options.show_progress) progress_line.Finish(stats.events_read);

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
  stats.source_events = progress.source_events;
  stats.rows_read = rows_read_before + rows;
  if (stats.source_events && stats.rows_read < *stats.source_events) {
    return Status::Corruption(
        "incomplete: " + source.DisplayName() + " held " + std::to_string(*stats.source_events) +
        " events when this load began, and " + std::to_string(stats.rows_read) +
        " were read from it: " + std::to_string(*stats.source_events - stats.rows_read) +
        " missing. What was read is in " + target.DisplayName() +
        "; find why the source passed fewer (its log, its partitions) and load again with "
        "--restart");
  }
  stats.duplicates = duplicates.duplicates();
  stats.duplicates_exact = duplicates.exact();
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace vdpark
