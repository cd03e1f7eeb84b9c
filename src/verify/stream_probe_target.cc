#include "verify/stream_probe_target.h"

#include <curl/curl.h>

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/redact_url.h"

namespace vdpark {

namespace json = boost::json;

// The stream read on a thread of its own: its lines parsed as they come.
struct StreamProbeTarget::Reader {
  std::string url, zone, bay, api_key;
  std::chrono::milliseconds connect_timeout;

  std::mutex mu;
  std::condition_variable answered_cv;
  bool answered = false;  // the server sent its headers (or the transfer ended)
  long status = 0;
  std::string error;    // why the stream ended, when it did
  BayView view;         // the last message about the bay
  std::string pending;  // a line not yet ended
  std::atomic<bool> stopping{false};
  std::thread thread;

  // A `data:` line of the stream: a bay change when it is about our bay.
  void Line(std::string_view line) {
    if (!line.starts_with("data:")) return;
    line.remove_prefix(5);
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    if (o == nullptr) return;
    auto text = [&](std::string_view name) -> std::optional<std::string> {
      const json::value* f = o->if_contains(name);
      if (f == nullptr || !f->is_string()) return std::nullopt;
      return std::string(f->get_string());
    };
    if (text("zoneId") != zone || text("bayNumber") != bay) return;
    std::lock_guard lock(mu);
    view.status = text("status").value_or("");
    view.last_change = text("lastChange");
  }

  static size_t OnBody(char* data, size_t size, size_t n, void* self) {
    auto* r = static_cast<Reader*>(self);
    r->pending.append(data, size * n);
    for (size_t end; (end = r->pending.find('\n')) != std::string::npos;) {
      std::string_view line(r->pending.data(), end);
      if (line.ends_with('\r')) line.remove_suffix(1);
      r->Line(line);
      r->pending.erase(0, end + 1);
    }
    return size * n;
  }
  static size_t OnHeader(char* data, size_t size, size_t n, void* self) {
    auto* r = static_cast<Reader*>(self);
    if (std::string_view(data, size * n) == "\r\n") {  // the end of the headers
      std::lock_guard lock(r->mu);
      r->answered = true;
      r->answered_cv.notify_all();
    }
    return size * n;
  }
  static int OnProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Reader*>(self)->stopping ? 1 : 0;  // non-zero ends the transfer
  }

  void Run() {
    CURL* easy = curl_easy_init();
    curl_slist* headers = curl_slist_append(nullptr, "Accept: text/event-stream");
    if (!api_key.empty()) headers = curl_slist_append(headers, ("X-Api-Key: " + api_key).c_str());
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "vdpark");
    const CURLcode rc = curl_easy_perform(easy);
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(easy);
    std::lock_guard lock(mu);
    status = code;
    if (!stopping) {
      error = rc != CURLE_OK ? (errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc))
                             : "the server ended the stream";
    }
    answered = true;
    answered_cv.notify_all();
  }
};

StreamProbeTarget::StreamProbeTarget(std::string url, std::string zone, std::string bay,
                                     std::string api_key, std::chrono::milliseconds connect_timeout)
    : name_(RedactUrl(url)), reader_(std::make_unique<Reader>()) {
  reader_->url = std::move(url);
  reader_->zone = std::move(zone);
  reader_->bay = std::move(bay);
  reader_->api_key = std::move(api_key);
  reader_->connect_timeout = connect_timeout;
}

StreamProbeTarget::~StreamProbeTarget() {
  reader_->stopping = true;
  if (reader_->thread.joinable()) reader_->thread.join();
}

Result<BayView> StreamProbeTarget::Read() {
  Reader& r = *reader_;
  if (!r.thread.joinable()) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    r.thread = std::thread([&r] { r.Run(); });
  }
  std::unique_lock lock(r.mu);
  if (!r.answered_cv.wait_for(lock, r.connect_timeout, [&] { return r.answered; })) {
    return Status::Unavailable("GET " + name_ + ": no answer within " +
                               std::to_string(r.connect_timeout.count()) + " ms");
  }
  if (r.status != 0 && r.status != 200) {
    return Status::IOError("GET " + name_ + ": " + std::to_string(r.status));
  }
  if (!r.error.empty()) return Status::Unavailable("GET " + name_ + ": " + r.error);
  return r.view;
}

}  // namespace vdpark
