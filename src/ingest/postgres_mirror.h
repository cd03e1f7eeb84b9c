// PostgresMirror: dual-write (SPEC §4, plan §4.3 Option B). Every change ingest commits is also
// written to the old TimescaleDB/PostgreSQL store, through a durable local queue, so that the
// mirror being slow or down never blocks or loses ingest.
//
// Enqueue runs on the ingest thread (from the ChangeSink) and only appends to the MirrorQueue. A
// background thread replays the queue, strictly in order and alone, into a PostgresStore in
// batches: the bays and sensors of a batch as upserts by key (WriteMetadata with only those
// records; a bay not there yet is created), its events merged by (zone, bay, timestamp)
// (WriteEvents), then the batch is acknowledged. Within a batch the last change of a key wins, as
// it would have applied last. Both writes are idempotent, so a batch written again after a
// failure, or a replayed change (AppliedChange::replayed, which carries the stored state), changes
// nothing twice. The zone's occupiedBays is not a column of the source schema: deltas are not
// mirrored.
//
// When PostgreSQL cannot be reached (or refuses a write) the batch stays queued and is tried again
// on a new connection after a backoff that doubles up to `max_backoff`; the first failure of an
// outage is logged as a warning, the recovery as info, the attempts between them only counted.
//
// Cutover (plan §7.2) turns the mirror off: with DUAL_WRITE_ENABLED=false no PostgresMirror is
// made and the ChangeSink does not call one, so it costs nothing. A queue left with changes in it
// is replayed by the next mirror opened on the folder.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"
#include "common/status.h"
#include "ingest/ingestor.h"
#include "ingest/mirror_queue.h"
#include "store/postgres/postgres_store.h"

namespace vdpark {

struct PostgresMirrorOptions {
  size_t batch_size = 500;  // changes written to PostgreSQL per round (two transactions)
  std::chrono::milliseconds initial_backoff{200};  // the wait after a first failure
  std::chrono::milliseconds max_backoff{30'000};   // the longest wait between attempts
  int connect_timeout_seconds = 5;  // libpq's connect_timeout, unless the URL sets one
  bool start = true;                // start the background thread in Open (tests: false)
  MirrorQueueOptions queue;         // fsync per append, create the folder
};

// What the mirror has done, readable from any thread.
struct MirrorMetrics {
  std::atomic<uint64_t> queued{0};            // changes appended to the queue
  std::atomic<uint64_t> enqueue_failures{0};  // changes that could not be appended (disk)
  std::atomic<uint64_t> mirrored{0};          // changes committed to PostgreSQL
  std::atomic<uint64_t> failures{0};          // failed attempts to write a batch (or connect)
  std::atomic<uint64_t> outages{0};           // times PostgreSQL went from working to failing
  std::atomic<uint64_t> dropped{0};           // queue entries that did not decode, skipped
  std::atomic<uint64_t> queue_depth{0};       // changes waiting (set on each enqueue and round)
  std::atomic<int64_t> oldest_age_micros{0};  // how long the oldest waiting change has waited
  std::atomic<bool> connected{false};         // the last attempt succeeded
};

// The metrics in Prometheus text format, written by prometheus-cpp (common/metric_families.h):
// vdpark_mirror_{queued,enqueue_failures,mirrored,failures,outages,dropped}_total,
// vdpark_mirror_queue_depth, vdpark_mirror_lag_seconds (age of the oldest change waiting),
// vdpark_mirror_up.
std::string FormatPrometheus(const MirrorMetrics& metrics);

class PostgresMirror {
 public:
  // Opens the queue in `queue_dir` and starts the background thread (unless options.start is
  // false). Does not connect: PostgreSQL may be down now, the thread keeps trying. InvalidArgument
  // for a URL that is not postgres://, postgresql:// or timescale://; the queue's errors.
  static Result<std::unique_ptr<PostgresMirror>> Open(const std::string& queue_dir,
                                                      std::string_view postgres_url,
                                                      const PostgresMirrorOptions& options = {});
  ~PostgresMirror();  // Stop(0): whatever is still queued stays on disk for the next mirror
  PostgresMirror(const PostgresMirror&) = delete;
  PostgresMirror& operator=(const PostgresMirror&) = delete;

  // Appends the change to the queue and wakes the background thread; never waits for
  // PostgreSQL. An AppliedChange with nothing in it is skipped. An error only when the queue
  // cannot be written (counted in enqueue_failures).
  Status Enqueue(const AppliedChange& change);

  // A ChangeSink that Enqueues and logs a failure (ingest goes on: its own store has the change).
  // The mirror must outlive every call of it.
  ChangeSink Sink();

  // Starts the background thread when Open did not. Idempotent; nothing after Stop.
  void Start();

  // Stops the background thread after it has written what it can within `drain_timeout` (an
  // attempt under way finishes first; a thread never started writes nothing). OK when the queue
  // is empty; otherwise Unavailable saying how many changes stay queued (on disk, for the next
  // mirror on the folder). Idempotent.
  Status Stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));

  const MirrorMetrics& metrics() const { return metrics_; }
  std::string MetricsText() const;
  // Changes waiting to be written.
  uint64_t queue_depth() const { return queue_->size(); }
  std::string DisplayName() const { return display_; }

 private:
  PostgresMirror(std::unique_ptr<MirrorQueue> queue, std::string url, std::string display,
                 const PostgresMirrorOptions& options);
  void Run();
  // One round: connect when needed, peek a batch, write it, acknowledge it. OK with nothing done
  // when the queue is empty.
  Status WriteBatch();
  // Refreshes the gauges (depth, lag) from the queue.
  void UpdateGauges() const;
  // Waits for changes; false when the thread is to end: stopping, and the queue empty or the
  // drain deadline past.
  bool WaitForWork();
  // Waits `backoff`, or until the drain deadline once stopping.
  void Sleep(std::chrono::milliseconds backoff);

  const std::unique_ptr<MirrorQueue> queue_;
  const std::string url_;  // with connect_timeout
  const std::string display_;
  const PostgresMirrorOptions options_;
  mutable MirrorMetrics metrics_;         // the gauges are refreshed when read
  std::unique_ptr<PostgresStore> store_;  // the background thread's; reset after a failure

  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;     // an Enqueue since the thread last looked
  bool stopping_ = false;  // Stop was called
  std::chrono::steady_clock::time_point drain_deadline_;
  std::thread thread_;
};

}  // namespace vdpark
