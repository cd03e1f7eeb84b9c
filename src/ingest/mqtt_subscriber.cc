// MqttSubscriber (mqtt_client.h) on Paho.
#include <fmt/format.h>
#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <thread>
#include <utility>

#include "ingest/mqtt_client.h"
#include "ingest/mqtt_paho.h"
#include "ingest/mqtt_session_takeover.h"

namespace vdpark {

using mqtt_detail::CheckReadable;
using mqtt_detail::CheckTopicFilter;
using mqtt_detail::ConnectSettings;
using mqtt_detail::ExceptionStatus;
using mqtt_detail::HandlerScope;
using mqtt_detail::MakeClient;
using mqtt_detail::MakeConnectOptions;
using mqtt_detail::milliseconds;
using mqtt_detail::Ms;
using mqtt_detail::PahoStatus;
using mqtt_detail::seconds;
using mqtt_detail::steady_clock;
using mqtt_detail::t_in_handler;
using mqtt_detail::TakeOverSession;
using mqtt_detail::TokenStatus;

// Paho calls an action listener for the outcome of an operation; this one forwards to lambdas.
class MqttSubscriber::Listener : public mqtt::iaction_listener {
 public:
  explicit Listener(std::function<void(const mqtt::token&, bool)> done) : done_(std::move(done)) {}
  void on_success(const mqtt::token& tok) override { done_(tok, true); }
  void on_failure(const mqtt::token& tok) override { done_(tok, false); }

 private:
  std::function<void(const mqtt::token&, bool)> done_;
};

MqttSubscriber::MqttSubscriber(const MqttOptions& broker, MqttSubscriberOptions options,
                               Handler handler)
    : broker_(broker), options_(std::move(options)), handler_(std::move(handler)) {}

Result<std::unique_ptr<MqttSubscriber>> MqttSubscriber::Start(const MqttOptions& broker,
                                                              MqttSubscriberOptions options,
                                                              Handler handler) {
  std::unique_ptr<MqttSubscriber> s(
      new MqttSubscriber(broker, std::move(options), std::move(handler)));
  VDPARK_RETURN_IF_ERROR(s->Begin());
  return s;
}

Status MqttSubscriber::Begin() {
  const std::string& where = broker_.display;
  client_id_ = broker_.client_id.empty() ? options_.client_id : broker_.client_id;
  if (client_id_.empty()) {
    return Status::InvalidArgument(where +
                                   ": a persistent session needs a client id (?client_id=)");
  }
  if (options_.topics.empty()) return Status::InvalidArgument(where + ": no topic to subscribe to");
  if (!handler_) return Status::InvalidArgument(where + ": no message handler");
  if (!options_.shared_group.empty()) {
    if (broker_.mqtt_version != 5) {
      return Status::InvalidArgument(where + ": shared subscriptions need MQTT 5 (version=5)");
    }
    if (options_.shared_group.find_first_of("/+#") != std::string::npos) {
      return Status::InvalidArgument(where + ": the shared group '" + options_.shared_group +
                                     "' may not contain '/', '+' or '#'");
    }
  }
  for (const std::string& t : options_.topics) {
    VDPARK_RETURN_IF_ERROR(CheckTopicFilter(t).WithContext(where + ": topic filter '" + t + "'"));
    filters_.push_back(options_.shared_group.empty() ? t
                                                     : "$share/" + options_.shared_group + "/" + t);
  }
  VDPARK_RETURN_IF_ERROR(CheckReadable(broker_));

  listener_ = std::make_unique<Listener>([this](const mqtt::token& tok, bool ok) {
    if (tok.get_type() == mqtt::token::Type::SUBSCRIBE) {
      if (!ok) {
        OnSubscribed(TokenStatus(broker_.display + ": subscribing", tok));
        return;
      }
      Status result;
      const mqtt::subscribe_response response = tok.get_subscribe_response();
      for (mqtt::ReasonCode rc : response.get_reason_codes()) {
        if (rc >= 0x80) {
          result = PahoStatus(broker_.display + ": the broker refused a subscription", 0, rc, "");
          break;
        }
      }
      // Subscribed once every filter's SUBSCRIBE is granted.
      if (!result.ok() || --subscriptions_pending_ == 0) OnSubscribed(result);
    } else if (tok.get_type() == mqtt::token::Type::CONNECT && ok) {
      OnSessionPresent(tok.get_connect_response().is_session_present());
    } else if (!ok) {  // the first connect; Paho keeps retrying
      SetError(TokenStatus(broker_.display + ": connecting", tok));
    }
  });
  try {
    client_ = MakeClient(broker_, client_id_);
    client_->set_connected_handler([this](const std::string&) { OnConnected(); });
    client_->set_connection_lost_handler(
        [this](const std::string& cause) { OnConnectionLost(cause, false); });
    client_->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode rc) {
      OnConnectionLost("the broker disconnected: " + mqtt::exception::reason_code_str(rc),
                       rc == mqtt::SESSION_TAKEN_OVER);
    });
    client_->set_message_callback([this](mqtt::const_message_ptr m) {
      OnMessage(m->get_topic(), m->get_payload_str(), m->get_qos(), m->is_duplicate());
    });
    ConnectSettings cs;
    cs.persistent = true;
    cs.session_expiry = options_.session_expiry;
    cs.keep_alive = options_.keep_alive;
    cs.connect_timeout = options_.connect_timeout;
    cs.min_reconnect_delay = options_.min_reconnect_delay;
    cs.max_reconnect_delay = options_.max_reconnect_delay;
    client_->connect(MakeConnectOptions(broker_, cs), nullptr, *listener_);
  } catch (const std::exception& e) {
    client_.reset();
    return ExceptionStatus(where + ": starting the subscriber", e);
  }
  return Status::OK();
}

MqttSubscriber::~MqttSubscriber() {
  (void)Stop();
}

void MqttSubscriber::SetError(Status s) {
  {
    std::lock_guard l(mu_);
    last_error_ = std::move(s);
  }
  cv_.notify_all();
}

void MqttSubscriber::OnConnected() {
  if (connects_++ > 0) spdlog::info("{}: {} reconnected", broker_.display, client_id_);
  abandoned_ = false;
  {
    std::lock_guard l(mu_);
    connected_ = true;
    subscribed_ = false;
    last_error_ = Status::OK();
    connected_at_ = steady_clock::now();
    given_up_ = false;
    takeover_counted_ = false;
  }
  cv_.notify_all();
  Resubscribe();
}

// Subscribes again after every connect: a session the broker lost (or never had) gets its
// subscriptions back; for a resumed one, the same subscription replaces itself without
// interrupting the flow (MQTT 3.8.4).
void MqttSubscriber::Resubscribe() {
  // One SUBSCRIBE per filter: Paho C++ 1.2.0's many-filter subscribe with MQTT 5 options passes
  // Paho C a list that is gone by then (a crash in MQTTAsync_subscribeMany).
  subscriptions_pending_ = filters_.size();
  const mqtt::subscribe_options options =
      broker_.mqtt_version == 5
          ? mqtt::subscribe_options(false, false, mqtt::subscribe_options::SEND_RETAINED_ON_NEW)
          : mqtt::subscribe_options();
  try {
    for (const std::string& filter : filters_) {
      client_->subscribe(filter, 1, nullptr, *listener_, options);
    }
  } catch (const std::exception& e) {
    SetError(ExceptionStatus(broker_.display + ": subscribing", e));
  }
}

// A session the broker kept has its subscriptions: it delivers at once what it queued, and
// Paho reads the SUBACKs of the new SUBSCRIBEs only after handling all that came before them,
// one message at a time. A restart after a long stop (a backlog of minutes on a slow store)
// would otherwise wait for them and give up. The first connect only: Paho reports no session
// flag on its reconnects, whose waiting nothing depends on.
void MqttSubscriber::OnSessionPresent(bool present) {
  {
    std::lock_guard l(mu_);
    session_present_ = present;
  }
  cv_.notify_all();
}

void MqttSubscriber::OnSubscribed(Status result) {
  if (!result.ok()) spdlog::error("{}", result.ToString());
  {
    std::lock_guard l(mu_);
    subscribed_ = result.ok();
    if (!result.ok()) last_error_ = result;
  }
  cv_.notify_all();
}

void MqttSubscriber::OnConnectionLost(const std::string& cause, bool taken_over) {
  // Paho has seen the end of the connection: what it reads from now on is from a new one.
  const bool abandoned = abandoned_.exchange(false);
  bool was_connected, given_up, count_takeover;
  {
    std::lock_guard l(mu_);
    was_connected = connected_;
    if (was_connected) given_up_ = abandoned;
    given_up = given_up_;
    // Without a reason (MQTT 3.1.1, or a broker that sends none), a connection closed soon
    // after it was made is suspect.
    const bool suspect =
        !taken_over && was_connected &&
        steady_clock::now() - connected_at_ < options_.takeover_suspect_after_connect;
    // Once per connection, whichever of Paho's two reports of its end comes first.
    count_takeover = (taken_over || suspect) && !given_up && !stopped_ && !takeover_counted_;
    if (count_takeover) takeover_counted_ = true;
    connected_ = false;
    subscribed_ = false;
    session_present_ = false;
    last_error_ = Status::Unavailable(broker_.display + ": connection lost" +
                                      (cause.empty() ? "" : ": " + cause));
  }
  cv_.notify_all();
  if (count_takeover) OnTakenOver(taken_over);
  if (!was_connected) return;
  connection_losses_++;
  if (given_up) {
    spdlog::info("{}: {} gave its connection up to leave a message unacknowledged; reconnecting",
                 broker_.display, client_id_);
  } else if (!stopped_) {
    spdlog::warn("{}: {} lost its connection ({}); reconnecting", broker_.display, client_id_,
                 cause.empty() ? "no cause given" : cause);
  }
}

// Counts a takeover by another connection, and logs an error when they keep coming: two
// processes with one client id take the session from each other at every reconnect, each
// getting a share of the messages and losing time to reconnects, and neither would say more
// than "reconnecting".
void MqttSubscriber::OnTakenOver(bool certain) {
  taken_over_++;
  const auto now = steady_clock::now();
  size_t count = 0;
  bool alarm = false, any_certain = false;
  {
    std::lock_guard l(mu_);
    while (!takeovers_.empty() && now - takeovers_.front() > options_.takeover_window) {
      takeovers_.pop_front();
    }
    if (takeovers_.empty()) {  // a quiet window ends an episode
      takeover_alarmed_ = false;
      takeover_certain_ = false;
    }
    takeovers_.push_back(now);
    takeover_certain_ = takeover_certain_ || certain;
    any_certain = takeover_certain_;
    count = takeovers_.size();
    if (!takeover_alarmed_ && count >= static_cast<size_t>(options_.takeover_alarm_count)) {
      takeover_alarmed_ = alarm = true;
    }
  }
  if (!alarm) return;
  takeover_alarms_++;
  const long window = static_cast<long>(options_.takeover_window.count());
  const std::string what =
      any_certain ? fmt::format(
                        "the broker handed this session to another connection {} times in {} s: "
                        "another process uses the same client id",
                        count, window)
                  : fmt::format(
                        "the broker closed this session's connection {} times in {} s, each "
                        "within {} s of its connect: another process probably uses the same "
                        "client id (if not, the broker's log says why it closes the connection)",
                        count, window, options_.takeover_suspect_after_connect.count());
  spdlog::error(
      "mqtt: client id '{}': {}; give each process its own --client-id (or drop --client-id to "
      "get a distinct one by default)",
      client_id_, what);
}

void MqttSubscriber::OnMessage(const std::string& topic, const std::string& payload, int qos,
                               bool duplicate) {
  HandlerScope scope;
  if (abandoned_) {
    // Read from the connection given up below; its PUBACK reaches no one, the broker resends it.
    discarded_++;
    return;
  }
  received_++;
  if (duplicate) duplicates_++;
  bool handled = false;
  try {
    handled = handler_(topic, payload, duplicate);
  } catch (const std::exception& e) {
    spdlog::error("{}: the handler threw on a message of '{}': {}", broker_.display, topic,
                  e.what());
  } catch (...) {
    spdlog::error("{}: the handler threw on a message of '{}'", broker_.display, topic);
  }
  if (handled) {
    acknowledged_++;
    return;  // Paho writes the PUBACK now
  }
  rejected_++;
  if (qos > 0) GiveUpConnection();
}

// Makes sure the PUBACK that Paho writes when the callback returns reaches no broker: the broker
// closes this connection when another one takes the session over. Runs on Paho's thread with
// Paho's lock held, so Paho cannot be asked to disconnect.
void MqttSubscriber::GiveUpConnection() {
  const auto start = steady_clock::now();
  // When no takeover can be confirmed (the broker unreachable, say), the broker still drops a
  // client silent for 1.5 x keep-alive, and Paho, held here, sends nothing: wait that out.
  const auto deadline = start + options_.keep_alive * 2 + seconds(5);
  Status s;
  for (int attempt = 0;; ++attempt) {
    s = TakeOverSession(broker_, client_id_, options_.session_expiry, options_.connect_timeout);
    if (s.ok()) break;
    if (attempt == 0) {
      spdlog::warn(
          "{}: {} could not drop its connection to leave a message unacknowledged ({}); "
          "waiting until the broker drops it for silence",
          broker_.display, client_id_, s.ToString());
    }
    if (steady_clock::now() + seconds(1) >= deadline) break;
    std::this_thread::sleep_for(seconds(1));
  }
  if (!s.ok()) std::this_thread::sleep_until(deadline);
  abandoned_ = true;
}

bool MqttSubscriber::Connected() const {
  std::lock_guard l(mu_);
  return connected_ && (subscribed_ || session_present_);
}

Status MqttSubscriber::WaitConnected(milliseconds timeout) {
  std::unique_lock l(mu_);
  // A refusal (credentials, a subscription) will not go away by waiting: it ends the wait.
  auto ready = [&] { return connected_ && (subscribed_ || session_present_); };
  cv_.wait_for(l, timeout,
               [&] { return ready() || (!last_error_.ok() && !last_error_.IsRetryable()); });
  if (ready()) return Status::OK();
  if (!last_error_.ok()) return last_error_;
  return Status::Unavailable(broker_.display + ": not connected and subscribed within " +
                             Ms(timeout));
}

Status MqttSubscriber::Stop(milliseconds timeout) {
  if (t_in_handler) {
    return Status::InvalidArgument("MqttSubscriber::Stop called from inside a message handler");
  }
  if (stopped_.exchange(true) || client_ == nullptr) return Status::OK();
  Status result;
  try {
    // Paho gives in-flight exchanges up to `timeout` to finish, then closes.
    auto tok = client_->disconnect(static_cast<int>(timeout.count()));
    if (!tok->wait_for(timeout + seconds(1))) {
      result = Status::Unavailable(broker_.display + ": disconnect did not finish within " +
                                   Ms(timeout));
    }
  } catch (const mqtt::exception& e) {
    if (e.get_return_code() != MQTTASYNC_DISCONNECTED) {
      result = ExceptionStatus(broker_.display + ": disconnecting", e);
    }
  } catch (const std::exception& e) {
    result = ExceptionStatus(broker_.display + ": disconnecting", e);
  }
  // Destroying the client ends reconnecting and waits for a handler still running: after
  // Stop, the handler is not called again.
  client_.reset();
  {
    std::lock_guard l(mu_);
    connected_ = false;
    subscribed_ = false;
  }
  cv_.notify_all();
  return result;
}

MqttSubscriber::Stats MqttSubscriber::stats() const {
  Stats s;
  s.received = received_;
  s.acknowledged = acknowledged_;
  s.rejected = rejected_;
  s.duplicates = duplicates_;
  s.discarded = discarded_;
  s.connects = connects_;
  s.reconnects = s.connects > 0 ? s.connects - 1 : 0;
  s.connection_losses = connection_losses_;
  s.session_taken_over = taken_over_;
  s.takeover_alarms = takeover_alarms_;
  return s;
}

}  // namespace vdpark
