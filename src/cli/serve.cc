#include "cli/serve.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "api/dashboard_assets.h"
#include "api/event_stream.h"
#include "api/http_server.h"
#include "api/response_cache.h"
#include "api/router.h"
#include "cli/in_process_fleet.h"
#include "common/redact_url.h"
#include "ingest/alert_keeper.h"
#include "ingest/ingest_service.h"
#include "ingest/postgres_mirror.h"
#include "store/archived_query_store.h"
#include "store/live_write_metrics.h"
#include "store/postgres/postgres_connection.h"

namespace vdpark::cli {

namespace {

// The source a --map-tiles template loads from, as Content-Security-Policy names it:
// "https://{s}.tile.example.org/{z}/{x}/{y}.png" -> "https://*.tile.example.org"; "" for none.
std::string TileSource(const std::string& tiles) {
  const size_t scheme = tiles.find("://");
  if (scheme == std::string::npos) return "";
  const size_t host_at = scheme + 3;
  std::string host = tiles.substr(host_at, tiles.find('/', host_at) - host_at);
  if (const size_t brace = host.find('}'); brace != std::string::npos) {
    const size_t dot = host.find('.', brace);
    std::string any = "*";
    if (dot != std::string::npos) any += host.substr(dot);
    host = std::move(any);
  }
  return tiles.substr(0, host_at) + host;
}

// The services over one store, started one by one; members in the order they start, so that
// they are destroyed in the reverse order.
class Services {
 public:
  // `store` plays every role asked of it (CheckRoles).
  explicit Services(const OpenedStore& store)
      : store_(*store.records),
        live_(store.live),
        queries_(store.queries),
        operators_(store.operators),
        feed_(store.feed.get()),
        stream_(EventStream::TenantsFrom(store.queries ? static_cast<RecordLookup&>(*store.queries)
                                                       : *store.live)) {}

  // Dual-write (plan §4.3): every change also to the store at `url`, through a durable queue.
  Status OpenMirror(const std::string& url, const std::string& queue) {
    VDPARK_ASSIGN_OR_RETURN_WITH(mirror_, PostgresMirror::Open(queue, url), "--mirror");
    auto shown = PostgresUrl::Parse(url);  // without the password
    std::printf("dual-write: every change also to %s (queue %s)\n",
                shown.ok() ? shown->display.c_str() : "?", queue.c_str());
    return Status::OK();
  }

  // The API reads the events before now - `retention` from the archive at `url`.
  Status UseArchive(const std::string& url, std::chrono::microseconds retention) {
    VDPARK_ASSIGN_OR_RETURN_WITH(archive_, OpenEventArchive(url), "--archive");
    archived_ = std::make_unique<ArchivedQueryStore>(*queries_, *archive_, retention.count());
    queries_ = archived_.get();
    std::printf("archive: events older than %lld days read from %s\n",
                static_cast<long long>(retention.count() / 86'400'000'000), url.c_str());
    return Status::OK();
  }

  // The API keeps its answers up to `max_age`, and only 100 ms once a change is committed, in
  // at most `max_bytes`.
  void KeepAnswers(std::chrono::microseconds max_age_micros, size_t max_bytes) {
    if (max_age_micros.count() <= 0) return;
    const auto max_age = std::chrono::duration_cast<std::chrono::milliseconds>(max_age_micros);
    cache_ = std::make_unique<ResponseCache>(std::min(max_age, std::chrono::milliseconds(100)),
                                             max_age, max_bytes);
  }

  // The feed, when it runs, tells its thread is done with the stream and the cache before they go.
  ~Services() {
    if (feed_) feed_->Stop();
    StopAlertSweep();
  }

  // Alerts (ingest/alert_keeper.h), where ingest or the fleet runs on a store that keeps them:
  // each one raised or resolved goes to the live stream. Before RouteChanges, which feeds it.
  void KeepAlerts(const ServeOptions& o) {
    if (operators_ == nullptr || live_ == nullptr || (o.mqtt.empty() && o.simulate_sensors == 0)) {
      return;
    }
    auto list_sensors = [this]() -> Result<std::vector<Sensor>> {
      if (queries_) return queries_->ListSensors(std::nullopt);
      VDPARK_ASSIGN_OR_RETURN(Metadata md, store_.ReadMetadata({}));
      return std::move(md.sensors);
    };
    keeper_ = std::make_unique<AlertKeeper>(*operators_, *live_, list_sensors, o.default_settings,
                                            [this](const Alert& a) { AlertChanged(a); });
    // What is open, and each sensor's last reading, known before the first message.
    auto swept = keeper_->Sweep(Timestamp::Now());
    if (!swept.ok()) spdlog::warn("alert sweep: {}", swept.status().ToString());
  }

  // Offline alerts and the open alerts checked again, every `every`, on a thread of its own.
  void StartAlertSweep(std::chrono::milliseconds every) {
    if (!keeper_) return;
    alert_sweeper_ = std::thread([this, every] {
      std::unique_lock lock(sweep_mu_);
      while (!sweep_cv_.wait_for(lock, every, [this] { return sweep_stop_; })) {
        lock.unlock();
        auto swept = keeper_->Sweep(Timestamp::Now());
        if (!swept.ok()) spdlog::warn("alert sweep: {}", swept.status().ToString());
        lock.lock();
      }
    });
  }

  // Every committed change goes to the live stream, and to the mirror when dual-writing. With
  // `live_view` (the API is served) on a store that tells every writer's changes (a DynamoDB
  // table's stream), the stream and the cache follow the store's feed instead, so that the
  // dashboard shows the changes of every process sharing the table; elsewhere this process's own.
  void RouteChanges(bool live_view) {
    Status fed = Status::NotSupported("the store tells no changes of its own");
    if (live_view && feed_) {
      fed = feed_->Start([this](const BayChange& c) {
        if (cache_) cache_->Invalidate();
        stream_.PublishChange(c);
      });
    }
    if (fed.ok()) {
      std::printf("live view: every writer's changes, from the store's own feed\n");
    } else {
      if (live_view && feed_) {
        spdlog::warn("live view: this process's changes only: {}", fed.ToString());
      }
      feed_ = nullptr;
      to_stream_ = stream_.Sink();
    }
    to_mirror_ = mirror_ ? mirror_->Sink() : ChangeSink();
    on_change_ = [this](const AppliedChange& c) {
      if (to_mirror_) to_mirror_(c);
      if (cache_) cache_->Invalidate();
      if (to_stream_) to_stream_(c);
      if (keeper_) keeper_->OnChange(c);
    };
  }

  Status StartIngest(const ServeOptions& o) {
    IngestServiceOptions io;
    io.mqtt_url = o.mqtt;
    io.client_id = o.client_id;
    io.shared_group = o.share;
    io.ingest = o.ingest;
    io.sweep_every = o.sweep_every;
    // One log per client id: processes side by side never share one, and a process restarted
    // with its client id finds what it had taken.
    if (!o.intake_dir.empty()) io.intake_dir = o.intake_dir + "/" + o.client_id;
    io.crash_after_applied = o.crash_after_applied;
    if (keeper_) {
      io.on_rejected = [this](std::string_view topic, std::string_view payload,
                              std::string_view reason) {
        keeper_->OnRejected(topic, payload, reason, Timestamp::Now());
      };
    }
    VDPARK_ASSIGN_OR_RETURN(ingest_, IngestService::Start(*live_, store_, io, on_change_));
    std::printf("serving: %s <- %s (client %s%s)\n", store_.DisplayName().c_str(),
                RedactUrl(o.mqtt).c_str(), io.client_id.c_str(),
                o.share.empty() ? "" : (", group " + o.share).c_str());
    return Status::OK();
  }

  void StartFleet(const ServeOptions& o) {
    fleet_ = std::make_unique<InProcessFleet>(*live_, store_, o.ingest, on_change_,
                                              o.simulate_sensors, o.simulate_speed);
    std::printf("simulating %d sensors in-process at %gx\n", o.simulate_sensors, o.simulate_speed);
  }

  // The API over the store, and what GET /metrics adds: the stream's, ingest's, the fleet's, the
  // mirror's and the live store's (how its changes were written) figures.
  void MakeApi(ApiKeys keys, const ServeOptions& o) {
    api_.emplace(*queries_, std::move(keys));
    api_->cors_origins = o.cors_origins;
    api_->zone_offset = o.ingest.zone_offset;
    api_->cache = cache_.get();
    api_->operators = operators_;
    api_->default_settings = o.default_settings;
    api_->map_tiles = o.map_tiles;
    api_->on_alert_changed = [this](const Alert& a) { AlertChanged(a); };
    api_->endpoints = [this, mqtt = o.mqtt.empty() ? std::string() : RedactUrl(o.mqtt)] {
      json::object e{{"api", http_ ? "http://" + http_->address() : std::string()},
                     {"store", store_.DisplayName()},
                     {"mqtt", mqtt.empty() ? json::value(nullptr) : json::value(mqtt)},
                     {"mqttConnected", nullptr}};
      if (ingest_) {
        const MqttSubscriber::Stats st = ingest_->mqtt_stats();
        e["mqttConnected"] = st.connects > st.connection_losses;
      }
      return e;
    };
    api_->extra_metrics = [this] {
      std::string text = stream_.PrometheusText();
      if (feed_) text += feed_->MetricsText();
      if (ingest_) text += ingest_->MetricsText();
      if (fleet_) text += FormatPrometheus(fleet_->ingestor().metrics());
      if (mirror_) text += mirror_->MetricsText();
      if (live_) text += LiveWriteMetricsText(live_->GetLiveWriteCounts());
      return text;
    };
  }

  // GET /v1/migration/status through `status`, given this process's mirror's figures.
  void ReportMigration(
      std::function<Result<std::string>(const std::string& mirror_metrics)> status) {
    if (!status || !api_) return;
    api_->migration_status = [this, status = std::move(status)] {
      return status(mirror_ ? mirror_->MetricsText() : std::string());
    };
  }

  // The API and the dashboard's files on `listen`.
  Status StartHttp(const ServeOptions& o) {
    HttpServerOptions ho;
    ho.listen = o.listen;
    ho.store_workers = o.api_workers;
    ho.store_queue = o.api_queue;
    ho.image_source = TileSource(o.map_tiles);
    // A store on one connection answers one request at a time.
    if (!store_.SafeForConcurrentCalls()) ho.store_workers = 1;
    ho.static_files = [](std::string_view path) -> std::optional<StaticFile> {
      auto f = dashboard::FindDashboardFile(path);
      if (!f) return std::nullopt;
      return StaticFile{std::string(f->content_type), std::string(f->body)};
    };
    VDPARK_ASSIGN_OR_RETURN_WITH(http_, HttpServer::Start(*api_, &stream_, ho), "--listen");
    std::printf("dashboard: http://%s/   API: http://%s/v1/zones\n", http_->address().c_str(),
                http_->address().c_str());
    return Status::OK();
  }

  bool serve_nothing() const { return !ingest_ && !fleet_ && !http_; }
  const IngestService* ingest() const { return ingest_.get(); }

  // The HTTP server, the fleet, ingest, then the mirror (what PostgreSQL has not taken yet stays
  // in the queue for the next start); the store flushed last.
  Status Stop() {
    if (feed_) feed_->Stop();
    StopAlertSweep();
    if (http_) http_->Stop();
    fleet_.reset();
    if (ingest_) VDPARK_RETURN_IF_ERROR(ingest_->Stop());
    if (mirror_) {
      Status drained = mirror_->Stop(std::chrono::seconds(10));
      if (!drained.ok()) spdlog::warn("{}", drained.ToString());
    }
    return store_.Flush();
  }

 private:
  void AlertChanged(const Alert& a) {
    if (cache_) cache_->Invalidate();
    stream_.PublishAlert(a);
  }

  void StopAlertSweep() {
    {
      std::lock_guard lock(sweep_mu_);
      sweep_stop_ = true;
    }
    sweep_cv_.notify_all();
    if (alert_sweeper_.joinable()) alert_sweeper_.join();
  }

  RecordStore& store_;
  LiveStore* live_;           // null when neither ingest nor the fleet runs
  QueryStore* queries_;       // null when the API is not served
  OperatorStore* operators_;  // null on a store that keeps no alerts
  ChangeFeed* feed_;          // the store's, while it feeds the live view; else null
  EventStream stream_;
  std::unique_ptr<EventArchive> archive_;         // --archive, else null
  std::unique_ptr<ArchivedQueryStore> archived_;  // the store over it, which queries_ is then
  std::unique_ptr<PostgresMirror> mirror_;
  std::unique_ptr<ResponseCache> cache_;
  std::unique_ptr<AlertKeeper> keeper_;
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool sweep_stop_ = false;  // guarded by sweep_mu_
  std::thread alert_sweeper_;
  ChangeSink to_stream_, to_mirror_, on_change_;
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<InProcessFleet> fleet_;
  std::optional<ApiContext> api_;
  std::unique_ptr<HttpServer> http_;
};

Status StartServices(Services& s, ServeOptions& o) {
  if (!o.mirror_url.empty()) VDPARK_RETURN_IF_ERROR(s.OpenMirror(o.mirror_url, o.mirror_queue));
  s.KeepAnswers(o.api_cache, o.api_cache_bytes);
  s.KeepAlerts(o);
  s.RouteChanges(!o.listen.empty());
  if (!o.mqtt.empty()) VDPARK_RETURN_IF_ERROR(s.StartIngest(o));
  if (o.simulate_sensors > 0) s.StartFleet(o);
  s.StartAlertSweep(o.sweep_every);
  if (!o.listen.empty()) {
    if (!o.archive_url.empty())
      VDPARK_RETURN_IF_ERROR(s.UseArchive(o.archive_url, o.archive_retention));
    s.MakeApi(std::move(o.api_keys), o);
    s.ReportMigration(std::move(o.migration_status));
    VDPARK_RETURN_IF_ERROR(s.StartHttp(o));
  }
  if (s.serve_nothing()) {
    return Status::InvalidArgument("nothing to serve: give --listen, --mqtt or both");
  }
  return Status::OK();
}

// Until a stop signal (or stop_after): a line of figures every 30 s for whoever watches the log.
void WaitForStop(const sigset_t& signals, std::optional<std::chrono::microseconds> stop_after,
                 const IngestService* ingest) {
  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    std::chrono::microseconds wait = std::chrono::seconds(30);
    if (stop_after) {
      const auto left = *stop_after - std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - started);
      if (left.count() <= 0) break;
      wait = std::min(wait, left);
    }
    const timespec every{static_cast<time_t>(wait.count() / 1'000'000),
                         static_cast<long>(wait.count() % 1'000'000 * 1000)};
    int sig = sigtimedwait(&signals, nullptr, &every);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (ingest) {
      const IngestMetrics& m = ingest->metrics();
      spdlog::info("{} messages: {} arrivals, {} departures, {} late, {} duplicates, {} errors",
                   m.messages.load(), m.arrivals.load(), m.departures.load(), m.late.load(),
                   m.duplicates.load(), m.errors.load());
    }
  }
}

void PrintStopped(const IngestService* ingest) {
  if (!ingest) {
    std::printf("stopped\n");
    return;
  }
  const IngestMetrics& m = ingest->metrics();
  std::printf("stopped: %llu messages, %llu arrivals, %llu departures, %llu errors\n",
              static_cast<unsigned long long>(m.messages.load()),
              static_cast<unsigned long long>(m.arrivals.load()),
              static_cast<unsigned long long>(m.departures.load()),
              static_cast<unsigned long long>(m.errors.load()));
}

}  // namespace

// A store that cannot play a role the options ask of it is refused before anything starts.
Status CheckRoles(const OpenedStore& store, const ServeOptions& o) {
  if (!o.listen.empty()) VDPARK_RETURN_IF_ERROR(store.NeedQueries("serve --listen"));
  if (!o.mqtt.empty()) VDPARK_RETURN_IF_ERROR(store.NeedLive("serve --mqtt"));
  if (o.simulate_sensors > 0) VDPARK_RETURN_IF_ERROR(store.NeedLive("serve --simulate-sensors"));
  // Whatever is served reads the store's records one at a time (the live stream's tenants).
  if (!store.queries && !store.live) return store.NeedQueries("serve");
  return Status::OK();
}

Status Serve(const OpenedStore& store, ServeOptions options, const sigset_t& stop_signals) {
  VDPARK_RETURN_IF_ERROR(CheckRoles(store, options));
  Services services(store);
  VDPARK_RETURN_IF_ERROR(StartServices(services, options));
  WaitForStop(stop_signals, options.stop_after, services.ingest());
  VDPARK_RETURN_IF_ERROR(services.Stop());
  PrintStopped(services.ingest());
  return Status::OK();
}

}  // namespace vdpark::cli
