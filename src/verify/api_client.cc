#include "verify/api_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "common/redact_url.h"

namespace vdpark {

namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

Result<ApiReply> ApiGet(const std::string& url, const std::string& api_key,
                        std::chrono::milliseconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  // One handle per thread: curl keeps its connection (keep-alive) for the next call.
  thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(),
                                                                          &curl_easy_cleanup);
  CURL* easy = handle.get();
  if (easy == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(easy);
  std::unique_ptr<curl_slist, CurlSlistDeleter> headers(
      curl_slist_append(nullptr, "Accept: application/json"));
  if (!api_key.empty()) {
    headers.reset(curl_slist_append(headers.release(), ("X-Api-Key: " + api_key).c_str()));
  }
  ApiReply reply;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "vdpark");
  const CURLcode rc = curl_easy_perform(easy);
  if (rc != CURLE_OK) {
    return Status::Unavailable("GET " + RedactUrl(url) + ": " +
                               (error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace vdpark
