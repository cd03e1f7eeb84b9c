#include "ingest/postgres_mirror.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "common/metric_families.h"

namespace vdpark {

namespace {

// libpq waits for a connection as long as the operating system does unless told otherwise; a
// mirror that is stopping should not.
std::string WithConnectTimeout(std::string_view url, int seconds) {
  std::string out(url);
  if (seconds <= 0 || out.find("connect_timeout=") != std::string::npos) return out;
  out += out.find('?') == std::string::npos ? '?' : '&';
  out += "connect_timeout=" + std::to_string(seconds);
  return out;
}

}  // namespace

std::string FormatPrometheus(const MirrorMetrics& m) {
  auto get = [](const auto& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
  return PrometheusText({
      CounterFamily("vdpark_mirror_queued_total", "Changes appended to the mirror's local queue.",
                    get(m.queued)),
      CounterFamily("vdpark_mirror_enqueue_failures_total",
                    "Changes that could not be appended to the local queue.",
                    get(m.enqueue_failures)),
      CounterFamily("vdpark_mirror_mirrored_total", "Changes committed to PostgreSQL.",
                    get(m.mirrored)),
      CounterFamily("vdpark_mirror_failures_total",
                    "Failed attempts to connect to PostgreSQL or write a batch to it.",
                    get(m.failures)),
      CounterFamily("vdpark_mirror_outages_total",
                    "Times PostgreSQL went from accepting writes to failing them.", get(m.outages)),
      CounterFamily("vdpark_mirror_dropped_total",
                    "Queue entries that could not be decoded and were skipped.", get(m.dropped)),
      GaugeFamily("vdpark_mirror_queue_depth", "Changes waiting in the local queue.",
                  get(m.queue_depth)),
      GaugeFamily("vdpark_mirror_lag_seconds",
                  "How long the oldest change waiting in the queue has waited.",
                  get(m.oldest_age_micros) / 1e6),
      GaugeFamily("vdpark_mirror_up", "1 when the last write to PostgreSQL succeeded.",
                  get(m.connected)),
  });
}

PostgresMirror::PostgresMirror(std::unique_ptr<MirrorQueue> queue, std::string url,
                               std::string display, const PostgresMirrorOptions& options)
    : queue_(std::move(queue)),
      url_(std::move(url)),
      display_(std::move(display)),
      options_(options) {}

Result<std::unique_ptr<PostgresMirror>> PostgresMirror::Open(const std::string& queue_dir,
                                                             std::string_view postgres_url,
                                                             const PostgresMirrorOptions& options) {
  VDPARK_ASSIGN_OR_RETURN(auto parsed, PostgresUrl::Parse(postgres_url));
  VDPARK_ASSIGN_OR_RETURN(auto queue, MirrorQueue::Open(queue_dir, options.queue));
  std::unique_ptr<PostgresMirror> mirror(new PostgresMirror(
      std::move(queue), WithConnectTimeout(postgres_url, options.connect_timeout_seconds),
      parsed.display, options));
  mirror->UpdateGauges();
  if (mirror->queue_depth() > 0) {
    spdlog::info("mirror: {} changes left in {} from before go to {} first", mirror->queue_depth(),
                 queue_dir, mirror->display_);
  }
  if (options.start) mirror->Start();
  return mirror;
}

PostgresMirror::~PostgresMirror() {
  (void)Stop(std::chrono::milliseconds(0));
}

Status PostgresMirror::Enqueue(const AppliedChange& change) {
  if (change.change.empty()) return Status::OK();
  auto appended = queue_->Append(change.change);
  if (!appended.ok()) {
    metrics_.enqueue_failures.fetch_add(1, std::memory_order_relaxed);
    return appended.status();
  }
  metrics_.queued.fetch_add(1, std::memory_order_relaxed);
  metrics_.queue_depth.store(queue_->size(), std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
  return Status::OK();
}

ChangeSink PostgresMirror::Sink() {
  return [this](const AppliedChange& change) {
    Status s = Enqueue(change);
    // A full disk fails every append: the first of a run is logged, then every 1000th.
    if (!s.ok() && metrics_.enqueue_failures.load(std::memory_order_relaxed) % 1000 == 1) {
      spdlog::error("mirror: a change was not queued for {} (ingest goes on): {}", display_,
                    s.ToString());
    }
  };
}

void PostgresMirror::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

Status PostgresMirror::Stop(std::chrono::milliseconds drain_timeout) {
  std::thread thread;
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = std::chrono::steady_clock::now() + drain_timeout;
    }
    thread = std::move(thread_);
  }
  cv_.notify_all();
  if (thread.joinable()) thread.join();
  UpdateGauges();
  uint64_t left = queue_->size();
  if (left == 0) return Status::OK();
  return Status::Unavailable(
      fmt::format("mirror: {} changes for {} stay queued in {}", left, display_, queue_->dir()));
}

std::string PostgresMirror::MetricsText() const {
  UpdateGauges();
  return FormatPrometheus(metrics_);
}

void PostgresMirror::UpdateGauges() const {
  metrics_.queue_depth.store(queue_->size(), std::memory_order_relaxed);
  metrics_.oldest_age_micros.store(queue_->OldestAgeMicros(), std::memory_order_relaxed);
}

bool PostgresMirror::WaitForWork() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || woken_ || queue_->size() > 0; });
  woken_ = false;
  return !(stopping_ &&
           (queue_->size() == 0 || std::chrono::steady_clock::now() >= drain_deadline_));
}

void PostgresMirror::Sleep(std::chrono::milliseconds backoff) {
  const auto retry_at = std::chrono::steady_clock::now() + backoff;
  std::unique_lock lock(mu_);
  while (true) {
    // New changes do not cut a backoff short (each would try the server again); Stop does, down
    // to its drain deadline.
    auto until = stopping_ ? std::min(retry_at, drain_deadline_) : retry_at;
    if (std::chrono::steady_clock::now() >= until) return;
    cv_.wait_until(lock, until);
  }
}

void PostgresMirror::Run() {
  auto backoff = options_.initial_backoff;
  uint64_t failed_attempts = 0;  // in the current outage
  auto outage_began = std::chrono::steady_clock::now();
  while (WaitForWork()) {
    const bool reused = store_ != nullptr;
    Status s = WriteBatch();
    if (!s.ok() && reused) {
      // A connection that sat idle may have been closed by the server (or a proxy) meanwhile:
      // one more try on a fresh one before this counts as a failure.
      store_.reset();
      s = WriteBatch();
    }
    UpdateGauges();
    if (s.ok()) {
      metrics_.connected.store(true, std::memory_order_relaxed);
      if (failed_attempts > 0) {
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - outage_began)
                           .count();
        spdlog::info(
            "mirror: {} accepts writes again after {} s ({} failed attempts); {} "
            "changes still queued",
            display_, seconds, failed_attempts, queue_->size());
      }
      failed_attempts = 0;
      backoff = options_.initial_backoff;
      continue;
    }
    metrics_.failures.fetch_add(1, std::memory_order_relaxed);
    metrics_.connected.store(false, std::memory_order_relaxed);
    store_.reset();  // the next attempt starts on a fresh connection
    if (failed_attempts++ == 0) {
      metrics_.outages.fetch_add(1, std::memory_order_relaxed);
      outage_began = std::chrono::steady_clock::now();
      spdlog::warn(
          "mirror: cannot write to {}: {}; changes wait in {} and are retried (every {} "
          "ms at most)",
          display_, s.ToString(), queue_->dir(), options_.max_backoff.count());
    }
    Sleep(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Status PostgresMirror::WriteBatch() {
  VDPARK_ASSIGN_OR_RETURN(auto batch, queue_->Peek(std::max<size_t>(options_.batch_size, 1)));
  if (batch.empty()) return Status::OK();
  if (!store_) {
    VDPARK_ASSIGN_OR_RETURN(store_, PostgresStore::Open(url_));
  }

  // In queue order: within one call the last record of a key wins, as it would have applied last.
  Metadata metadata;
  std::vector<ParkingEvent> events;
  std::vector<const Status*> unreadable;
  for (QueuedChange& entry : batch) {
    if (!entry.status.ok()) {
      unreadable.push_back(&entry.status);
      continue;
    }
    LiveChange& c = entry.change;
    if (c.bay_after) metadata.bays.push_back(std::move(*c.bay_after));
    if (c.sensor) metadata.sensors.push_back(std::move(*c.sensor));
    if (c.event) events.push_back(std::move(*c.event));
  }
  if (!metadata.bays.empty() || !metadata.sensors.empty()) {
    VDPARK_RETURN_IF_ERROR(store_->WriteMetadata(metadata));
  }
  if (!events.empty()) VDPARK_RETURN_IF_ERROR(store_->WriteEvents(events));
  VDPARK_RETURN_IF_ERROR(queue_->Ack(batch.back().sequence));
  // An entry this build cannot read would stop the mirror for good if it were kept: it goes,
  // loudly.
  for (const Status* s : unreadable) {
    metrics_.dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("mirror: a queued change was skipped, it cannot be read: {}", s->ToString());
  }
  metrics_.mirrored.fetch_add(batch.size() - unreadable.size(), std::memory_order_relaxed);
  return Status::OK();
}

}  // namespace vdpark
