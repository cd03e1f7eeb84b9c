// StreamProbeTarget: what `vdpark probe --stream URL` watches: a bay as an API's live stream
// (GET /stream, server-sent events) tells its changes. It measures the delay from a sensor's
// publish to the live view of a process, the one an operator's dashboard shows: on DynamoDB, an
// API process that ingests nothing shows the changes other processes made (store/change_feed.h).
//
// The stream is opened by the first Read(), which returns once the server has answered (so that
// no change published after it is missed) with an empty view (the stream tells changes, not
// states); later Reads return the bay as the last message about it said.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "verify/live_stream_reader.h"
#include "verify/probe_targets.h"

namespace vdpark {

class StreamProbeTarget : public ProbeTarget {
 public:
  // `url`: the stream's whole URL (http://HOST:PORT/stream); `api_key` sent when set.
  StreamProbeTarget(std::string url, std::string zone, std::string bay, std::string api_key,
                    std::chrono::milliseconds connect_timeout);
  ~StreamProbeTarget() override;  // closes the stream

  std::string kind() const override { return "stream"; }
  std::string name() const override { return name_; }
  Result<BayView> Read() override;

 private:
  void OnData(std::string_view data);

  const std::string name_, url_, zone_, bay_, api_key_;
  const std::chrono::milliseconds connect_timeout_;
  std::mutex mu_;
  BayView view_;  // as the last message about the bay said; guarded by mu_
  std::unique_ptr<LiveStreamReader> reader_;  // opened by the first Read
};

}  // namespace vdpark
