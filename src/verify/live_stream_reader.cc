#include "verify/live_stream_reader.h"

#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/redact_url.h"

namespace vdpark {

struct LiveStreamReader::Impl {
  std::string url, api_key;
  OnData on_data;

  std::mutex mu;
  std::condition_variable answered_cv;
  bool answered = false;  // the server sent its headers, or the transfer ended
  long status = 0;
  std::string error;    // why the stream ended, when it did
  std::string pending;  // a line not yet ended (the reader's thread only)
  std::atomic<bool> stopping{false};
  std::thread thread;

  static size_t OnBody(char* data, size_t size, size_t n, void* self) {
    auto* r = static_cast<Impl*>(self);
    r->pending.append(data, size * n);
    for (size_t end; (end = r->pending.find('\n')) != std::string::npos;) {
      std::string_view line(r->pending.data(), end);
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (line.starts_with("data:")) {
        line.remove_prefix(5);
        if (line.starts_with(' ')) line.remove_prefix(1);
        r->on_data(line);
      }
      r->pending.erase(0, end + 1);
    }
    return size * n;
  }
  static size_t OnHeader(char* data, size_t size, size_t n, void* self) {
    auto* r = static_cast<Impl*>(self);
    if (std::string_view(data, size * n) == "\r\n") {  // the end of the headers
      std::lock_guard lock(r->mu);
      r->answered = true;
      r->answered_cv.notify_all();
    }
    return size * n;
  }
  static int OnProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Impl*>(self)->stopping ? 1 : 0;  // non-zero ends the transfer
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

LiveStreamReader::LiveStreamReader(std::string url, std::string api_key, OnData on_data)
    : impl_(std::make_unique<Impl>()) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->url = std::move(url);
  impl_->api_key = std::move(api_key);
  impl_->on_data = std::move(on_data);
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
}

LiveStreamReader::~LiveStreamReader() {
  impl_->stopping = true;
  if (impl_->thread.joinable()) impl_->thread.join();
}

Status LiveStreamReader::WaitOpen(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  const std::string name = RedactUrl(impl_->url);
  if (!impl_->answered_cv.wait_for(lock, timeout, [&] { return impl_->answered; })) {
    return Status::Unavailable("GET " + name + ": no answer within " +
                               std::to_string(timeout.count()) + " ms");
  }
  if (impl_->status != 0 && impl_->status != 200) {
    return Status::IOError("GET " + name + ": " + std::to_string(impl_->status));
  }
  if (!impl_->error.empty()) return Status::Unavailable("GET " + name + ": " + impl_->error);
  return Status::OK();
}

}  // namespace vdpark
