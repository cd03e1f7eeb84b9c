// ResponseCache: answers to repeated GETs of the data routes, kept for a short, bounded time so
// that a dashboard wall or a polling client does not read the store on every request.
//
// An answer is served again while it is younger than `max_age` (the bound on staleness for
// writers in other processes, such as a second serve on the same DynamoDB table). When this
// process changed the store since the answer was made (Invalidate(): ingest's changes, the API's
// own POSTs), it is served again only while younger than `min_age`: under a stream of changes the
// store is read at most once per min_age per route, and a client never sees an answer older than
// that once its change is committed here.
//
// Bounded in bytes: the answers, their keys and headers together stay within `max_bytes`; the
// answer used least recently goes first, and an answer larger than the bound is not kept. The
// router keys answers on the parameters a route reads only (route_table.h), so made-up parameters
// share one entry.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
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
  // The default bound: enough for every zone's bays and events pages of a large fleet, small
  // beside the store's own caches.
  static constexpr size_t kDefaultMaxBytes = 64u << 20;  // 64 MiB

  ResponseCache(std::chrono::milliseconds min_age, std::chrono::milliseconds max_age,
                size_t max_bytes = kDefaultMaxBytes)
      : min_age_(min_age), max_age_(max_age), max_bytes_(max_bytes) {}

  // The answer kept for `key`, when still fresh enough.
  std::optional<ApiResponse> Get(const std::string& key, Clock::time_point now);
  // The store's generation now: read it before reading the store for an answer to Put.
  uint64_t generation();
  // Keeps `response` for `key`, as made from the store at `made` (when the request began) in
  // `generation`: an answer that began before a change counts as older than it. Evicts the least
  // recently used answers to stay within max_bytes.
  void Put(const std::string& key, const ApiResponse& response, Clock::time_point made,
           uint64_t generation);
  // The store changed: answers made before now may be out of date.
  void Invalidate();

  // What the kept answers cost now (bytes, as counted against max_bytes), and how many there are.
  size_t bytes();
  size_t entries();

  // The bytes one answer under `key` counts for: key, body, headers and a fixed overhead.
  static size_t Cost(const std::string& key, const ApiResponse& response);

 private:
  struct Entry {
    std::shared_ptr<const ApiResponse> response;
    Clock::time_point made;
    uint64_t generation = 0;               // of the store when it was made
    size_t cost = 0;                       // Cost() of it
    std::list<std::string>::iterator lru;  // its place in lru_
  };
  void Erase(std::unordered_map<std::string, Entry>::iterator it);  // mu_ held

  const std::chrono::milliseconds min_age_, max_age_;
  const size_t max_bytes_;
  std::mutex mu_;
  uint64_t generation_ = 0;                         // guarded by mu_
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
  std::list<std::string> lru_;                      // keys, most recently used first; by mu_
  size_t bytes_ = 0;                                // sum of the entries' cost; by mu_
};

}  // namespace vdpark
