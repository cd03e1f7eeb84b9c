// ResponseCache: answers to repeated GETs of the data routes, kept for a short, bounded time so
// that a dashboard wall or a polling client does not read the store on every request.
//
// An answer is served again while it is younger than `max_age` (the bound on staleness for
// writers in other processes, such as a second serve on the same DynamoDB table). When this
// process changed the store since the answer was made (Invalidate(): ingest's changes, the API's
// own POSTs), it is served again only while younger than `min_age`: under a stream of changes the
// store is read at most once per min_age per route, and a client never sees an answer older than
// that once its change is committed here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/http_types.h"

namespace vdpark {

class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;

  ResponseCache(std::chrono::milliseconds min_age, std::chrono::milliseconds max_age,
                size_t max_entries = 4096)
      : min_age_(min_age), max_age_(max_age), max_entries_(max_entries) {}

  // The answer kept for `key`, when still fresh enough.
  std::optional<ApiResponse> Get(const std::string& key, Clock::time_point now);
  // The store's generation now: read it before reading the store for an answer to Put.
  uint64_t generation();
  // Keeps `response` for `key`, as made from the store at `made` (when the request began) in
  // `generation`: an answer that began before a change counts as older than it.
  void Put(const std::string& key, const ApiResponse& response, Clock::time_point made,
           uint64_t generation);
  // The store changed: answers made before now may be out of date.
  void Invalidate();

 private:
  struct Entry {
    std::shared_ptr<const ApiResponse> response;
    Clock::time_point made;
    uint64_t generation = 0;  // of the store when it was made
  };
  const std::chrono::milliseconds min_age_, max_age_;
  const size_t max_entries_;
  std::mutex mu_;
  uint64_t generation_ = 0;                         // guarded by mu_
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace vdpark
