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
  auto widen = [&](ParkingEvent&& e, const Origin&) {
    if (since && e.timestamp < *since) return Status::OK();
    if (!range) range.emplace(e.timestamp, e.timestamp);
    range->first = std::min(range->first, e.timestamp);
    range->second = std::max(range->second, e.timestamp);
    return Status::OK();
  };
  VDPARK_RETURN_IF_ERROR(source.ScanEvents(scan, widen, {}));
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
  VDPARK_ASSIGN_OR_RETURN(auto partitions, source.PartitionEvents(options.since, options.slices));
  if (partitions) return std::move(*partitions);
  VDPARK_ASSIGN_OR_RETURN(auto range, EventTimeRange(source, options.since));
  EventPartitions time_slices;
  if (range) {
    const std::vector<Timestamp> bounds =
        CutIntoSlices(range->first, range->second, options.slices);
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

namespace {

// Flushes `target`, then records `progress`: a checkpoint never claims what a crash could lose.
Status FlushAndRecord(RecordStore& target, const ProgressFn& on_durable,
                      const MigrateProgress& progress) {
  VDPARK_RETURN_IF_ERROR(target.Flush().WithContext("flushing " + target.DisplayName()));
  return on_durable(progress);
}

// Where the reader starts, fixed before the writer runs: the progress belongs to the writer from
// then on.
struct ReadStart {
  uint64_t skip = 0;                // position mode: events of the stream loaded by earlier runs
  std::vector<std::string> slices;  // slice mode: every slice, the first `first_slice` done
  size_t read_together = 1;         // slice mode: partitions read side by side
  uint64_t first_slice = 0;
  uint64_t rows_read_before = 0;  // slice mode: rows read by the slices done
};

// The writer thread, beside the reader: writes the batches the reader queues and, when a
// checkpoint is due, records the progress they make once the target has made it durable.
class EventWriter {
 public:
  // Starts the thread; `progress` is the writer's until Join().
  EventWriter(RecordStore& target, const MigrateOptions& options, bool sliced,
              uint64_t already_loaded, MigrateProgress& progress, BlockingQueue<Batch>& queue)
      : target_(target),
        options_(options),
        sliced_(sliced),
        already_loaded_(already_loaded),
        progress_(progress),
        queue_(queue),
        thread_([this] { Run(); }) {}

  // Returns once the queue is closed and drained.
  void Join() { thread_.join(); }
  // Whether a write or a checkpoint failed: the reader then stops.
  bool failed() const { return failed_; }
  // After Join(): the first error, and the events handed to the target.
  const Status& status() const { return status_; }
  uint64_t written() const { return written_; }

 private:
  void Run() {
    uint64_t since_checkpoint = 0;
    while (auto batch = queue_.Pop()) {
      if (failed_) continue;  // drain so the reader never blocks on a dead writer
      if (!batch->events.empty()) {
        status_ = target_.WriteEvents(batch->events);
        written_ += batch->events.size();
        since_checkpoint += batch->events.size();
      }
      const bool due = options_.on_durable &&
                       (sliced_ ? batch->slice_end : since_checkpoint >= options_.checkpoint_every);
      if (status_.ok() && due) {
        status_ = RecordProgress(*batch);
        since_checkpoint = 0;
      }
      if (!status_.ok()) failed_ = true;
    }
  }

  Status RecordProgress(const Batch& batch) {
    if (sliced_) {
      progress_.slices_done = batch.slices_done;
      progress_.rows_read = batch.rows_read;
    } else {
      progress_.events_scanned = batch.scanned;
    }
    progress_.events_loaded = already_loaded_ + written_;
    return FlushAndRecord(target_, options_.on_durable, progress_);
  }

  RecordStore& target_;
  const MigrateOptions& options_;
  const bool sliced_;
  const uint64_t already_loaded_;
  MigrateProgress& progress_;
  BlockingQueue<Batch>& queue_;
  Status status_;
  std::atomic<bool> failed_{false};
  uint64_t written_ = 0;
  std::thread thread_;  // last: it starts once everything it uses is set
};

// The reader: visits the source's events in the window, counts and sets aside what is not
// loaded (unknown bays, past the retention; duplicates are counted), and queues the rest, less
// what an earlier run loaded, in batches for the writer.
class EventReader {
 public:
  EventReader(RecordStore& source, const Metadata& md, const MigrateOptions& options,
              ReadStart start, MigrateStats& stats, RejectFn reject, BlockingQueue<Batch>& queue,
              const EventWriter& writer)
      : source_(source),
        options_(options),
        start_(std::move(start)),
        stats_(stats),
        reject_(std::move(reject)),
        queue_(queue),
        writer_(writer),
        bays_(md),
        duplicates_(source.EventStreamOrder()),
        estimate_(source.EstimateEventCount()),
        progress_line_("events", estimate_, false),
        ttl_seconds_(options.retention_days * 86400) {
    if (estimate_) duplicates_.Reserve(*estimate_ + *estimate_ / 8);  // an estimate may fall short
    batch_.events.reserve(options_.batch_size);
  }

  // Position mode: the whole stream, in the source's repeatable order.
  Status ReadInOrder() {
    EventScanOptions scan;
    scan.since = options_.since;
    Status status = source_.ScanEvents(scan, visit_, scan_reject_);
    batch_.scanned = scanned_;
    if (status.ok() && !batch_.events.empty()) status = Push();
    return status;
  }

  // Slice mode: the slices not done yet. A time slice is read alone; a source's partitions
  // `read_together` at a time, in one call that reads them side by side. Either way the writer
  // checkpoints only at the end of a call, when every slice read so far is complete. Not in the
  // middle: a partition half delivered would be read again whole on resume, and where the target
  // appends (csv, cut back only to the checkpoint's length) its rows before the cut would be
  // there twice.
  Status ReadSlices() {
    const std::vector<std::string>& slices = start_.slices;
    Status status;
    for (size_t i = start_.first_slice; status.ok() && i < slices.size();) {
      size_t end = i + 1;
      if (auto window = ParseTimeSliceId(slices[i])) {
        std::tie(slice_from_, slice_to_) = *window;
        EventScanOptions scan;
        scan.since = window->first;
        scan.until = window->second;
        status = source_.ScanEvents(scan, visit_, scan_reject_);
      } else {
        end = std::min(slices.size(), i + start_.read_together);
        slice_from_.reset();
        slice_to_.reset();
        status = source_.ScanEventPartitions(std::span(slices).subspan(i, end - i), options_.since,
                                             visit_, scan_reject_);
      }
      batch_.slice_end = true;
      batch_.slices_done = end;
      batch_.rows_read = rows_read();
      if (status.ok()) status = Push();
      i = end;
    }
    return status;
  }

  // Once the reading is over: ends the progress line, and puts the duplicates in the stats.
  void Finish() {
    if (options_.show_progress) progress_line_.Finish(stats_.events_read);
    stats_.duplicates = duplicates_.duplicates();
    stats_.duplicates_exact = duplicates_.exact();
  }

  // Event rows read in the window, by this run and (slice mode) the slices done before it.
  uint64_t rows_read() const { return start_.rows_read_before + rows_; }

 private:
  Status Visit(ParkingEvent&& e, const Origin& origin) {
    // A store may pass events outside the slice (csv ignores until): they belong to another.
    if (slice_to_ && (e.timestamp < *slice_from_ || e.timestamp >= *slice_to_)) {
      return Status::OK();
    }
    if (!options_.since || e.timestamp >= *options_.since) ++rows_;
    const bool loaded_before = scanned_++ < start_.skip;
    if (!bays_.HasBay(e.zone_id, e.bay_number)) {
      std::string why =
          bays_.HasZone(e.zone_id)
              ? "bay '" + e.bay_number + "' is not among zone '" + e.zone_id + "''s bays"
              : "zone '" + e.zone_id + "' is not among the zones";
      reject_({origin.ToString(), why, std::string(origin.raw)});
      return Status::OK();
    }
    ++stats_.events_read;
    if (options_.show_progress) progress_line_.Update(stats_.events_read);
    if (options_.since && e.timestamp < *options_.since) return Status::OK();
    if (ttl_seconds_ > 0 && e.timestamp.seconds() + ttl_seconds_ <= options_.now.seconds()) {
      ++stats_.expired;
      return Status::OK();
    }
    duplicates_.Count(e);
    // Read again only so that the counts cover the whole source; the target has it already.
    if (loaded_before) return Status::OK();
    batch_.events.push_back(std::move(e));
    if (batch_.events.size() >= options_.batch_size) {
      batch_.scanned = scanned_;
      VDPARK_RETURN_IF_ERROR(Push());
    }
    return writer_.failed() ? Status::Aborted("writer failed") : Status::OK();
  }

  // Rows the source could not read count as read: the guard asks whether the source passed
  // everything it holds, not whether everything was usable (rejects are counted apart).
  void RejectUnreadable(Rejected r) {
    ++rows_;
    reject_(std::move(r));
  }

  Status Push() {
    if (!queue_.Push(std::move(batch_))) return Status::Aborted("writer stopped");
    batch_ = {};
    batch_.events.reserve(options_.batch_size);
    return Status::OK();
  }

  RecordStore& source_;
  const MigrateOptions& options_;
  const ReadStart start_;
  MigrateStats& stats_;
  const RejectFn reject_;
  BlockingQueue<Batch>& queue_;
  const EventWriter& writer_;
  const BayIndex bays_;
  DuplicateDetector duplicates_;
  const std::optional<uint64_t> estimate_;
  Progress progress_line_;
  const int64_t ttl_seconds_;
  const EventVisitor visit_ = [this](ParkingEvent&& e, const Origin& origin) {
    return Visit(std::move(e), origin);
  };
  const RejectFn scan_reject_ = [this](Rejected r) { RejectUnreadable(std::move(r)); };
  Batch batch_;
  uint64_t scanned_ = 0;                            // visits so far: the position in the stream
  uint64_t rows_ = 0;                               // event rows read in the window, this run
  std::optional<Timestamp> slice_from_, slice_to_;  // the time slice being read (slice mode)
};

// One call of Migrate: the state its steps share, the steps in the order Run() takes them.
class MigrateRun {
 public:
  MigrateRun(RecordStore& source, RecordStore& target, const MigrateOptions& options)
      : source_(source),
        target_(target),
        options_(options),
        writes_before_(target.GetWriteStats()),
        progress_(options.resume.value_or(MigrateProgress{})),
        // Slices cost a first pass and a scan each: worth it only when progress is recorded.
        sliced_(options.on_durable && (options.force_slices || !source.EventOrderIsRepeatable())) {
    stats_.resumed = options.resume.has_value();
    stats_.events_already_loaded = progress_.events_loaded;
    stats_.sliced = sliced_;
  }

  Result<MigrateStats> Run() {
    VDPARK_ASSIGN_OR_RETURN(auto md, ReadMetadata());
    // A resumed load keeps the slices it started with.
    if (sliced_ && !progress_.sliced()) VDPARK_RETURN_IF_ERROR(PlanSlicesOfNewLoad());
    VDPARK_RETURN_IF_ERROR(CountSourceEvents());
    VDPARK_RETURN_IF_ERROR(WriteMetadataOnce(md));
    VDPARK_RETURN_IF_ERROR(LoadEvents(md));
    VDPARK_RETURN_IF_ERROR(CheckComplete());
    return Finish();
  }

 private:
  // The metadata, whole and checked: zones, bays and sensors that can be written.
  Result<Metadata> ReadMetadata() {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto md, source_.ReadMetadata(reject_),
                                 "reading " + source_.DisplayName());
    RejectDanglingMetadata(&md, source_.DisplayName(), reject_);
    stats_.zones = md.zones.size();
    stats_.bays = md.bays.size();
    stats_.sensors = md.sensors.size();
    return md;
  }

  Status PlanSlicesOfNewLoad() {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto plan, PlanSlices(source_, options_),
                                 "reading " + source_.DisplayName());
    progress_.slices = std::move(plan.ids);
    progress_.read_together = std::max<size_t>(plan.read_together, 1);
    progress_.slices_done = 0;
    return Status::OK();
  }

  // The completeness guard's count, before anything is read: rows written while the load runs
  // can only make the source hold more than it counted. Position mode reads everything again on
  // every run, so counts again; a resumed slice load keeps the count its slices began with (a
  // checkpoint from before the guard has none, and that load is not checked).
  Status CountSourceEvents() {
    if (sliced_ && progress_.slices_done > 0) return Status::OK();
    VDPARK_ASSIGN_OR_RETURN_WITH(progress_.source_events, source_.CountEvents(options_.since),
                                 "counting the events of " + source_.DisplayName());
    progress_.rows_read = 0;
    return Status::OK();
  }

  Status WriteMetadataOnce(const Metadata& md) {
    if (progress_.metadata_written) return Status::OK();
    VDPARK_RETURN_IF_ERROR(
        target_.WriteMetadata(md).WithContext("writing " + target_.DisplayName()));
    progress_.metadata_written = true;
    if (options_.on_durable) {
      VDPARK_RETURN_IF_ERROR(FlushAndRecord(target_, options_.on_durable, progress_));
    }
    return Status::OK();
  }

  // The reader's view of where to start, taken before the writer has the progress.
  ReadStart StartOfReading() const {
    ReadStart start;
    start.skip = sliced_ ? 0 : progress_.events_scanned;
    start.slices = progress_.slices;
    start.read_together = std::max<size_t>(progress_.read_together, 1);
    start.first_slice = progress_.slices_done;
    start.rows_read_before = sliced_ ? progress_.rows_read : 0;
    return start;
  }

  // The events: the writer runs beside the reader, the queue bounds what is in flight between
  // them. Everything written is flushed at the end.
  Status LoadEvents(const Metadata& md) {
    ReadStart start = StartOfReading();
    BlockingQueue<Batch> queue(options_.queue_batches);
    EventWriter writer(target_, options_, sliced_, stats_.events_already_loaded, progress_, queue);
    EventReader reader(source_, md, options_, std::move(start), stats_, reject_, queue, writer);
    Status read_status = sliced_ ? reader.ReadSlices() : reader.ReadInOrder();
    queue.Close();
    writer.Join();
    reader.Finish();
    if (!writer.status().ok()) {
      return writer.status().WithContext("writing " + target_.DisplayName());
    }
    if (!read_status.ok()) return read_status.WithContext("reading " + source_.DisplayName());
    VDPARK_RETURN_IF_ERROR(target_.Flush().WithContext("flushing " + target_.DisplayName()));
    stats_.events_written = writer.written();
    stats_.rows_read = reader.rows_read();
    return Status::OK();
  }

  // The completeness guard: a load that read fewer rows than the source held fails.
  Status CheckComplete() {
    stats_.source_events = progress_.source_events;
    if (!stats_.source_events || stats_.rows_read >= *stats_.source_events) return Status::OK();
    return Status::Corruption(
        "incomplete: " + source_.DisplayName() + " held " + std::to_string(*stats_.source_events) +
        " events when this load began, and " + std::to_string(stats_.rows_read) +
        " were read from it: " + std::to_string(*stats_.source_events - stats_.rows_read) +
        " missing. What was read is in " + target_.DisplayName() +
        "; find why the source passed fewer (its log, its partitions) and load again with "
        "--restart");
  }

  MigrateStats Finish() {
    const WriteStats writes_after = target_.GetWriteStats();
    stats_.target_writes = {writes_after.consumed_write_units - writes_before_.consumed_write_units,
                            writes_after.requests - writes_before_.requests,
                            writes_after.throttled - writes_before_.throttled,
                            writes_after.retried_items - writes_before_.retried_items,
                            writes_after.concurrency_cuts - writes_before_.concurrency_cuts};
    stats_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return stats_;
  }

  void Reject(Rejected r) {
    ++stats_.rejected;
    if (options_.on_reject) options_.on_reject(std::move(r));
  }

  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  RecordStore& source_;
  RecordStore& target_;
  const MigrateOptions& options_;
  const WriteStats writes_before_;
  MigrateStats stats_;
  MigrateProgress progress_;
  const bool sliced_;
  const RejectFn reject_ = [this](Rejected r) { Reject(std::move(r)); };
};

}  // namespace

Result<MigrateStats> Migrate(RecordStore& source, RecordStore& target,
                             const MigrateOptions& options) {
  return MigrateRun(source, target, options).Run();
}

}  // namespace vdpark
