// LiveStreamReader: an API's live stream (GET /stream, server-sent events) read on a thread of
// its own, each event's data (one JSON object, a bay change) handed to a callback as it comes.
// For `probe --stream` (stream_probe_target.h), and for whoever needs to see what a dashboard
// would.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vdpark {

class LiveStreamReader {
 public:
  using OnData = std::function<void(std::string_view json)>;

  // Opens `url` (http://HOST:PORT/stream), sending X-Api-Key when `api_key` is set; `on_data` runs
  // on the reader's thread.
  LiveStreamReader(std::string url, std::string api_key, OnData on_data);
  ~LiveStreamReader();  // closes the stream
  LiveStreamReader(const LiveStreamReader&) = delete;
  LiveStreamReader& operator=(const LiveStreamReader&) = delete;

  // Waits until the server has answered: OK once it streams (nothing published after this is
  // missed); Unavailable after `timeout`, or naming why the stream could not be opened or ended.
  Status WaitOpen(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vdpark
