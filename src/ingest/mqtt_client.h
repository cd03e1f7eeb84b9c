// MQTT for ingest: the URL that names a broker, a subscriber that acknowledges a message only
// once it is handled, and a publisher. A thin layer over Paho MQTT C++ (mqtt::async_client);
// no Paho exception leaves it, every failure is a Status.
//
// How Paho (C 1.3.12, C++ 1.2.0) acknowledges, measured with strace and the broker's log, and
// what the subscriber does about it:
//  - Paho's receive thread calls the message callback and writes the QoS 1 PUBACK right after the
//    callback returns, on the same thread. A process killed (SIGKILL) inside the callback has
//    sent no PUBACK: the broker delivers the message again (DUP set) to the session's next
//    connection. So the subscriber runs the handler inside the callback.
//  - The return value does not hold the PUBACK back: Paho C writes it after a callback that
//    returned 0 too (and calls that callback once more), and Paho C++ always returns 1. To leave
//    a message unacknowledged when the handler returns false, the subscriber ends its own
//    connection before the callback returns: a session takeover, a second connection with the
//    same client id and session, which the broker answers by closing the first (MQTT 3.1.4), so
//    the PUBACK that Paho then writes reaches no one. Paho reconnects and the broker delivers the
//    message again, before the messages that followed it.
//  - Paho holds one process-wide lock while the callback runs: every Paho client of the process
//    stands still meanwhile (no keep-alive, no PUBACK read, no publish sent). A handler must take
//    well under keep_alive (the broker drops a client silent for 1.5 x keep_alive; the message is
//    then delivered again), and a publisher in the same process goes no faster than the handler.
//    From a handler, MqttPublisher::PublishAsync works (the message goes out when the handler
//    returns); MqttPublisher::Publish would wait for a PUBACK that cannot be read there and so
//    fails at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace mqtt {
class async_client;
class delivery_token;
}  // namespace mqtt

namespace vdpark {

// A broker taken apart from its URL:
//   mqtt://[user[:password]@]host[:port][?query]     TCP, port 1883 by default
//   mqtts://[user[:password]@]host[:port][?query]    TLS, port 8883 by default
// Query parameters: client_id, ca (CA bundle file; the system's when absent), cert and key (the
// client certificate and its key, PEM files, both or neither; AWS IoT Core wants them), version
// (5, the default, or 3 for MQTT 3.1.1). User, password and values are percent-decoded; the
// password may hold '/', '?' and '@' as they are, a query value no '@' (%40). A host may be an
// IPv6 address in brackets.
struct MqttOptions {
  std::string host;       // name or address, without brackets
  int port = 1883;        // 1883 for mqtt://, 8883 for mqtts:// unless given
  bool tls = false;       // mqtts://
  std::string username;   // "" when none
  std::string password;   // "" when none; never printed
  std::string client_id;  // "" when not given
  std::string ca_file;    // TLS: CA certificates to verify the broker with; "" = system's
  std::string cert_file;  // TLS: client certificate (PEM); "" = none
  std::string key_file;   // TLS: the client certificate's private key (PEM)
  int mqtt_version = 5;   // 5, or 3 for MQTT 3.1.1
  std::string display;    // the URL without the password: safe to print

  // Paho's server URI: "tcp://host:port" or "ssl://host:port".
  std::string ServerUri() const;
};

// InvalidArgument naming the part of `url` that is wrong; the password never appears.
Result<MqttOptions> ParseMqttUrl(std::string_view url);

struct MqttSubscriberOptions {
  // Topic filters, each subscribed at QoS 1 ("visiondrive/parking/+/+/status").
  std::vector<std::string> topics;
  // "" or a shared-subscription group (MQTT 5): the filters become "$share/GROUP/filter" and the
  // broker gives each message to one member of the group.
  std::string shared_group;
  // Client id when the URL has none. A persistent session needs a stable one: required.
  std::string client_id;
  // MQTT 5: how long the broker keeps the session (and queues for it) while disconnected. MQTT
  // 3.1.1 sessions last until the broker expires them (persistent_client_expiration).
  std::chrono::seconds session_expiry{std::chrono::hours(24)};
  std::chrono::seconds keep_alive{30};           // PINGREQ interval; a handler must be far shorter
  std::chrono::seconds connect_timeout{10};      // per connection attempt
  std::chrono::seconds min_reconnect_delay{1};   // first retry; doubles per failed attempt
  std::chrono::seconds max_reconnect_delay{30};  // the doubling stops here
  // Another connection with the same client id takes the session over: the broker closes this
  // one, Paho reconnects and takes it back, and so on (two processes that share a client id).
  // A takeover is known by the MQTT 5 DISCONNECT reason 0x8E "Session taken over" where the
  // broker sends it (Mosquitto 2.0 does not: it closes the socket, over either version), else
  // suspected when a connection is closed, with no reason given, within
  // takeover_suspect_after_connect of its connect. This many takeovers within takeover_window
  // are logged as an error, once until a window passes without one. The subscriber's own
  // takeovers (a rejected message, above) do not count.
  int takeover_alarm_count = 3;
  std::chrono::seconds takeover_window{60};
  std::chrono::seconds takeover_suspect_after_connect{10};
};

// Receives messages at QoS 1 over a persistent session and hands each to a handler, one at a time
// on one thread (Paho's). A message is acknowledged only after the handler returned true for it;
// see the top of this file for how and why.
class MqttSubscriber {
  using steady_clock_time = std::chrono::steady_clock::time_point;

 public:
  // true: handled, acknowledge it. false: not handled, the broker is to deliver it again: after a
  // reconnect (min_reconnect_delay and Paho's connect, a few seconds), ahead of everything that
  // followed it, with the DUP flag; so may messages just handled whose PUBACK the broker had not
  // read yet. `duplicate` is the DUP flag: the broker sent this message before, and it may or
  // may not have been handled. An exception counts as false.
  using Handler =
      std::function<bool(std::string_view topic, std::string_view payload, bool duplicate)>;

  struct Stats {
    uint64_t received = 0;      // messages handed to the handler
    uint64_t acknowledged = 0;  // of which the handler returned true
    uint64_t rejected = 0;      // of which it returned false (or threw)
    uint64_t duplicates = 0;    // received with the DUP flag
    uint64_t discarded = 0;     // read from a connection given up after a rejection: not handled
    uint64_t connects = 0;      // successful connections, the first one included
    uint64_t reconnects = 0;    // connects after the first
    uint64_t connection_losses = 0;
    // Connections the broker closed because another connection took the session over, or
    // suspected of it (see takeover_suspect_after_connect); the subscriber's own not counted.
    uint64_t session_taken_over = 0;
    uint64_t takeover_alarms = 0;  // of those, the times the error was logged
  };

  // Checks the options and starts connecting in the background (retrying with backoff until
  // Stop); returns at once. InvalidArgument without topics or client id, or with a shared group
  // over MQTT 3.1.1.
  static Result<std::unique_ptr<MqttSubscriber>> Start(const MqttOptions& broker,
                                                       MqttSubscriberOptions options,
                                                       Handler handler);
  // Stop()s.
  ~MqttSubscriber();
  MqttSubscriber(const MqttSubscriber&) = delete;
  MqttSubscriber& operator=(const MqttSubscriber&) = delete;

  // Connected and every subscription granted, or connected to a session the broker kept (its
  // subscriptions with it: the SUBACKs may come only after its backlog). Never blocks.
  bool Connected() const;
  // OK once Connected(); Unavailable (with the last connection error) when `timeout` passes
  // first. A refusal ends the wait at once: of the client (credentials, client id) as
  // InvalidArgument, of a subscription as the broker's reason says.
  Status WaitConnected(std::chrono::milliseconds timeout);
  // Disconnects cleanly (a handler still running finishes first) and stops reconnecting; the
  // session stays on the broker. The handler is not called after Stop returns. Idempotent. Not
  // from inside the handler (InvalidArgument).
  Status Stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  Stats stats() const;
  const std::string& client_id() const { return client_id_; }

 private:
  class Listener;
  MqttSubscriber(const MqttOptions& broker, MqttSubscriberOptions options, Handler handler);
  Status Begin();
  void OnConnected();
  void OnConnectionLost(const std::string& cause, bool taken_over);
  void OnTakenOver(bool certain);
  void OnMessage(const std::string& topic, const std::string& payload, int qos, bool duplicate);
  void OnSubscribed(Status result);
  void OnSessionPresent(bool present);
  void Resubscribe();
  void GiveUpConnection();
  void SetError(Status s);

  MqttOptions broker_;
  MqttSubscriberOptions options_;
  Handler handler_;
  std::string client_id_;
  std::vector<std::string> filters_;  // with the $share prefix when in a group
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<mqtt::async_client> client_;

  // Set after the connection was given up (GiveUpConnection) until Paho notices: messages read
  // from it meanwhile are not handled (their PUBACK goes nowhere; the broker sends them again).
  std::atomic<bool> abandoned_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<size_t> subscriptions_pending_{0};  // SUBSCRIBEs of this connection not yet granted

  // Never held while calling Paho: Paho calls back with its own lock held.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  bool subscribed_ = false;
  bool session_present_ = false;  // the first connect resumed a session (its subscriptions)
  Status last_error_;
  // The connection now (or last) up: when it was made, whether the subscriber gave it up itself,
  // whether its takeover was counted (Paho may report one end twice: DISCONNECT, then the close).
  steady_clock_time connected_at_{};
  bool given_up_ = false;
  bool takeover_counted_ = false;
  std::deque<steady_clock_time> takeovers_;  // within the last takeover_window
  bool takeover_alarmed_ = false;            // logged for the takeovers in takeovers_
  bool takeover_certain_ = false;            // one of them came with reason 0x8E

  std::atomic<uint64_t> received_{0}, acknowledged_{0}, rejected_{0}, duplicates_{0}, discarded_{0},
      connects_{0}, connection_losses_{0}, taken_over_{0}, takeover_alarms_{0};
};

struct MqttPublisherOptions {
  // Client id when the URL has none; "" = "vdpark-pub-<pid>-<n>". The publisher keeps no session.
  std::string client_id;
  std::chrono::milliseconds ack_timeout{std::chrono::seconds(10)};  // Publish: PUBACK wait
  // PublishAsync: publishes awaiting their PUBACK. At most the broker's receive maximum (MQTT 5;
  // the shipped config says 100): past it Paho stalls, and the rate falls ten times.
  int max_in_flight = 64;
  std::chrono::seconds keep_alive{30};           // PINGREQ interval
  std::chrono::seconds connect_timeout{10};      // per connection attempt
  std::chrono::seconds min_reconnect_delay{1};   // first retry; doubles per failed attempt
  std::chrono::seconds max_reconnect_delay{30};  // the doubling stops here
};

// Publishes, reconnecting by itself. A publish while disconnected fails at once (Unavailable):
// nothing is buffered, so a caller that retries does not publish twice what it was told failed.
class MqttPublisher {
 public:
  // Connects (waiting up to connect_timeout): Unavailable when the broker cannot be reached,
  // InvalidArgument when it refuses the client.
  static Result<std::unique_ptr<MqttPublisher>> Connect(const MqttOptions& broker,
                                                        MqttPublisherOptions options = {});
  // Flushes (up to ack_timeout) and disconnects.
  ~MqttPublisher();
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // Publishes and, for QoS 1 and 2, waits for the broker's acknowledgement (up to ack_timeout:
  // Unavailable then, the message may or may not have arrived). From inside an MqttSubscriber
  // handler, QoS 1 and 2 fail at once (InvalidArgument): the PUBACK could not be read there.
  Status Publish(std::string_view topic, std::string_view payload, int qos = 1);
  // Publishes without waiting for the acknowledgement; when max_in_flight publishes await
  // theirs, waits for the oldest first (up to ack_timeout). Inside a handler it never waits:
  // Throttled when the window is full. A failure that shows later is kept for Flush.
  Status PublishAsync(std::string_view topic, std::string_view payload, int qos = 1);
  // Waits up to `timeout` for every PublishAsync still in flight. OK when all were
  // acknowledged; otherwise the first failure since the last Flush.
  Status Flush(std::chrono::milliseconds timeout);
  size_t InFlight() const;

  bool Connected() const;
  Status WaitConnected(std::chrono::milliseconds timeout);
  uint64_t published() const { return published_; }  // acknowledged (or sent, QoS 0)
  uint64_t reconnects() const { return reconnects_; }

 private:
  MqttPublisher(const MqttOptions& broker, MqttPublisherOptions options);
  Status Begin();
  Status Reap(bool wait_oldest, std::chrono::steady_clock::time_point deadline);
  Status Failure(std::string_view what, const std::exception& e) const;

  MqttOptions broker_;
  MqttPublisherOptions options_;
  std::unique_ptr<mqtt::async_client> client_;

  mutable std::mutex async_mu_;  // the in-flight window; never held inside a Paho callback
  std::deque<std::shared_ptr<mqtt::delivery_token>> in_flight_;
  Status async_error_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  Status last_error_;
  std::atomic<uint64_t> published_{0}, connects_{0}, reconnects_{0};
};

}  // namespace vdpark
