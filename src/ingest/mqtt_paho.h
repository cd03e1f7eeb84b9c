// What the MQTT client's files (mqtt_subscriber.cc, mqtt_publisher.cc, mqtt_session_takeover.cc)
// share: Paho's outcomes as Status, the connect options, and whether this thread is inside a
// subscriber's handler. Not part of the client's interface (mqtt_client.h).
#pragma once

#include <mqtt/async_client.h>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ingest/mqtt_client.h"

namespace vdpark::mqtt_detail {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// True on Paho's callback thread while a subscriber's handler runs: Paho then holds its
// process-wide lock, so nothing that waits for the network may be done there.
extern thread_local bool t_in_handler;

class HandlerScope {
 public:
  HandlerScope() { t_in_handler = true; }
  ~HandlerScope() { t_in_handler = false; }
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;
};

// "250 ms".
std::string Ms(milliseconds d);

// OK when `filter` is an MQTT topic filter; otherwise InvalidArgument saying why not, for the
// caller to put the filter in front of.
Status CheckTopicFilter(std::string_view filter);

// The status for a refusal or failure Paho reports: a refused client (bad credentials, client id
// or protocol version, not authorized, banned) or a bad topic is InvalidArgument, a quota
// Throttled, the rest Unavailable. Paho reports a refused CONNECT as rc = the CONNACK's code:
// MQTT 3.1.1's return code (1-5) or MQTT 5's reason code (0x80 and up); its own failures are
// negative.
Status PahoStatus(std::string_view where, int rc, int reason, const std::string& message);
Status ExceptionStatus(std::string_view where, const std::exception& e);
Status TokenStatus(std::string_view where, const mqtt::token& tok);

// InvalidArgument naming the file when a TLS file the URL names cannot be read.
Status CheckReadable(const MqttOptions& b);

struct ConnectSettings {
  bool persistent = false;  // resume the session (clean start / clean session off)
  seconds session_expiry{0};
  seconds keep_alive{30};
  seconds connect_timeout{10};
  seconds min_reconnect_delay{1};
  seconds max_reconnect_delay{30};
  int max_inflight = 0;  // Paho's limit of our unacknowledged publishes; 0 = Paho's default
};

mqtt::connect_options MakeConnectOptions(const MqttOptions& b, const ConnectSettings& s);

// A Paho client without client persistence; `max_queued` publishes at most wait in its queue
// (0: Paho's default).
std::unique_ptr<mqtt::async_client> MakeClient(const MqttOptions& b, const std::string& id,
                                               int max_queued = 0);

}  // namespace vdpark::mqtt_detail
