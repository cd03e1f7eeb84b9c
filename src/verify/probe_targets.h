// What `vdpark probe` (verify/probe.h) watches: a bay as one API or one store shows it, read
// again and again until it shows the change sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "store/open_store.h"

namespace vdpark {

// A bay as one API or store shows it: what tells whether the change arrived.
struct BayView {
  std::string status;
  std::optional<std::string> last_change, last_heartbeat;  // ISO-8601 as shown
  std::optional<std::string> sensor_id;
  std::optional<int64_t> battery, signal;
};

// One API or store being watched. Read() may be called from a thread of its own, one call at a
// time.
class ProbeTarget {
 public:
  virtual ~ProbeTarget() = default;
  virtual std::string kind() const = 0;  // "api", "store"
  virtual std::string name() const = 0;
  // The bay as shown now; kNotFound when the target has no such bay, another error when it
  // cannot be read.
  virtual Result<BayView> Read() = 0;
};

// The bay through an API's GET /zones/{zone}/bays/{bay}.
class ApiProbeTarget : public ProbeTarget {
 public:
  // `base`: http://HOST:PORT (the routes under /v1 then) or a URL with the path the routes are
  // under. Each GET sends `api_key` (when set) and waits at most `request_timeout`.
  ApiProbeTarget(std::string base, const std::string& zone, const std::string& bay,
                 std::string api_key, std::chrono::milliseconds request_timeout);
  std::string kind() const override { return "api"; }
  std::string name() const override { return name_; }
  Result<BayView> Read() override;

 private:
  std::string name_, url_, api_key_;
  std::chrono::milliseconds request_timeout_;
};

// The bay through a store's GetBay; the battery and signal of its sensor read once.
class StoreProbeTarget : public ProbeTarget {
 public:
  // `store` answers queries (OpenedStore::NeedQueries).
  StoreProbeTarget(OpenedStore store, std::string zone, std::string bay);
  std::string kind() const override { return "store"; }
  std::string name() const override { return store_.records->DisplayName(); }
  Result<BayView> Read() override;

 private:
  OpenedStore store_;
  std::string zone_, bay_;
  bool sensor_read_ = false;
  std::optional<int64_t> battery_, signal_;
};

}  // namespace vdpark
