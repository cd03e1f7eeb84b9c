#include "ingest/mqtt_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mqtt/async_client.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace vdpark {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// True on Paho's callback thread while a subscriber's handler runs: Paho then holds its
// process-wide lock, so nothing that waits for the network may be done there.
thread_local bool t_in_handler = false;

class HandlerScope {
 public:
  HandlerScope() { t_in_handler = true; }
  ~HandlerScope() { t_in_handler = false; }
  HandlerScope(const HandlerScope&) = delete;
  HandlerScope& operator=(const HandlerScope&) = delete;
};

std::string Ms(milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

// "%41" -> "A"; false when a '%' is not followed by two hex digits.
// Why `filter` is not an MQTT topic filter, or "".
std::string BadTopicFilter(std::string_view filter) {
  if (filter.empty()) return "empty";
  if (filter.starts_with("$share/")) return "give the group as shared_group instead";
  for (size_t start = 0;;) {
    size_t end = filter.find('/', start);
    std::string_view level =
        filter.substr(start, end == std::string_view::npos ? end : end - start);
    if (level.find_first_of("+#") != std::string_view::npos && level.size() > 1) {
      return "'+' and '#' must stand alone in a level";
    }
    if (level == "#" && end != std::string_view::npos) return "'#' must be the last level";
    if (end == std::string_view::npos) return "";
    start = end + 1;
  }
}

// MQTT 3.1.1's CONNACK return codes 1-5, or nullptr.
const char* V3ConnackText(int rc) {
  switch (rc) {
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client identifier rejected";
    case 3:
      return "server unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized";
    default:
      return nullptr;
  }
}

// The status for a refusal or failure Paho reports: a refused client (bad credentials, client id
// or protocol version, not authorized, banned) or a bad topic is InvalidArgument, a quota
// Throttled, the rest Unavailable. Paho reports a refused CONNECT as rc = the CONNACK's code:
// MQTT 3.1.1's return code (1-5) or MQTT 5's reason code (0x80 and up); its own failures are
// negative.
Status PahoStatus(std::string_view where, int rc, int reason, const std::string& message) {
  const bool v5_reason = [&] {
    if (rc >= 0x80 && rc != mqtt::MQTTPP_V3_CODE &&
        (reason == mqtt::SUCCESS || reason == mqtt::MQTTPP_V3_CODE || reason == rc)) {
      reason = rc;
    }
    return reason >= 0x80 && reason != mqtt::MQTTPP_V3_CODE;
  }();
  const char* v3 = v5_reason ? nullptr : V3ConnackText(rc);
  std::string text = std::string(where) + ": ";
  if (v5_reason) {
    std::string name = mqtt::exception::reason_code_str(reason);
    text +=
        (name.empty() ? "refused" : name) + " (MQTT reason code " + std::to_string(reason) + ")";
  } else if (v3 != nullptr) {
    text += std::string(v3) + " (MQTT 3.1.1 return code " + std::to_string(rc) + ")";
  } else {
    text += (message.empty() ? mqtt::exception::error_str(rc) : message) + " (Paho rc " +
            std::to_string(rc) + ")";
  }
  if (v3 != nullptr) {
    return rc == 3 ? Status::Unavailable(text) : Status::InvalidArgument(text);
  }
  if (!v5_reason) return Status::Unavailable(text);
  switch (reason) {
    case mqtt::UNSUPPORTED_PROTOCOL_VERSION:
    case mqtt::CLIENT_IDENTIFIER_NOT_VALID:
    case mqtt::BAD_USER_NAME_OR_PASSWORD:
    case mqtt::NOT_AUTHORIZED:
    case mqtt::BANNED:
    case mqtt::BAD_AUTHENTICATION_METHOD:
    case mqtt::TOPIC_FILTER_INVALID:
    case mqtt::TOPIC_NAME_INVALID:
    case mqtt::PACKET_TOO_LARGE:
    case mqtt::PAYLOAD_FORMAT_INVALID:
      return Status::InvalidArgument(text);
    case mqtt::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED:
    case mqtt::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED:
    case mqtt::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED:
      return Status::NotSupported(text);
    case mqtt::QUOTA_EXCEEDED:
    case mqtt::CONNECTION_RATE_EXCEEDED:
    case mqtt::MESSAGE_RATE_TOO_HIGH:
      return Status::Throttled(text);
    default:
      return Status::Unavailable(text);
  }
}

Status ExceptionStatus(std::string_view where, const std::exception& e) {
  if (auto* me = dynamic_cast<const mqtt::exception*>(&e)) {
    return PahoStatus(where, me->get_return_code(), me->get_reason_code(), me->get_message());
  }
  return Status::Internal(std::string(where) + ": " + e.what());
}

Status TokenStatus(std::string_view where, const mqtt::token& tok) {
  return PahoStatus(where, tok.get_return_code(), tok.get_reason_code(), "");
}

Status CheckReadable(const MqttOptions& b) {
  for (auto [what, path] : {std::pair{"ca", &b.ca_file}, std::pair{"cert", &b.cert_file},
                            std::pair{"key", &b.key_file}}) {
    if (!path->empty() && access(path->c_str(), R_OK) != 0) {
      return Status::InvalidArgument(b.display + ": " + what + " file '" + *path +
                                     "' cannot be read: " + std::strerror(errno));
    }
  }
  return Status::OK();
}

struct ConnectSettings {
  bool persistent = false;  // resume the session (clean start / clean session off)
  seconds session_expiry{0};
  seconds keep_alive{30};
  seconds connect_timeout{10};
  seconds min_reconnect_delay{1};
  seconds max_reconnect_delay{30};
  int max_inflight = 0;  // Paho's limit of our unacknowledged publishes; 0 = Paho's default
};

mqtt::connect_options MakeConnectOptions(const MqttOptions& b, const ConnectSettings& s) {
  mqtt::connect_options o;
  if (b.mqtt_version == 5) {
    o.set_mqtt_version(MQTTVERSION_5);
    o.set_clean_session(false);  // a 3.1.1 flag; Paho refuses it set on an MQTT 5 connect
    o.set_clean_start(!s.persistent);
    if (s.persistent) {
      o.set_properties(mqtt::properties{mqtt::property(
          mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(s.session_expiry.count()))});
    }
  } else {
    o.set_mqtt_version(MQTTVERSION_3_1_1);
    o.set_clean_session(!s.persistent);
  }
  o.set_keep_alive_interval(s.keep_alive);
  o.set_connect_timeout(s.connect_timeout);
  o.set_automatic_reconnect(s.min_reconnect_delay, s.max_reconnect_delay);
  if (s.max_inflight > 0) o.set_max_inflight(s.max_inflight);
  if (!b.username.empty()) o.set_user_name(b.username);
  if (!b.password.empty()) o.set_password(b.password);
  if (b.tls) {
    mqtt::ssl_options ssl;
    if (!b.ca_file.empty()) ssl.set_trust_store(b.ca_file);
    if (!b.cert_file.empty()) ssl.set_key_store(b.cert_file);
    if (!b.key_file.empty()) ssl.set_private_key(b.key_file);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // the certificate must name the host
    o.set_ssl(std::move(ssl));
  }
  return o;
}

std::unique_ptr<mqtt::async_client> MakeClient(const MqttOptions& b, const std::string& id,
                                               int max_queued = 0) {
  mqtt::create_options co(b.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
  // Publishes wait in Paho's command queue until its send thread writes them, which it cannot do
  // while a handler holds Paho's lock; past this many Paho refuses more (rc -12).
  if (max_queued > 0) co.set_max_buffered_messages(max_queued);
  // No client persistence: the broker holds what the subscriber has not acknowledged, and the
  // publisher reports what it could not deliver instead of keeping it.
  return std::make_unique<mqtt::async_client>(b.ServerUri(), id, co,
                                              static_cast<mqtt::iclient_persistence*>(nullptr));
}

// ---------------------------------------------------------------------------------------------
// Session takeover: ends the subscriber's own connection at the broker while Paho is held in the
// message callback (and so cannot act itself). MQTT: a CONNECT with the client id of a connected
// client makes the broker close that client's connection before it answers with CONNACK; with
// clean start off the session, its subscriptions and its unacknowledged messages carry over.
// This second connection then disconnects normally, leaving the session to Paho's reconnect.

void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
void PutString(std::string& out, std::string_view s) {
  PutU16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}
void PutVarInt(std::string& out, size_t v) {
  do {
    uint8_t b = v % 128;
    v /= 128;
    if (v > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (v > 0);
}

std::string ConnectPacket(const MqttOptions& b, const std::string& client_id, seconds expiry) {
  const bool v5 = b.mqtt_version == 5;
  const bool with_user = !b.username.empty();
  const bool with_password = !b.password.empty() && (v5 || with_user);  // 3.1.1: only with a user
  std::string body;
  PutString(body, "MQTT");
  body.push_back(v5 ? 5 : 4);
  body.push_back(static_cast<char>((with_user ? 0x80 : 0) | (with_password ? 0x40 : 0)));
  PutU16(body, 10);  // keep alive: this connection lives for one round trip
  if (v5) {
    std::string props(1, '\x11');  // Session Expiry Interval, as the subscriber's own
    uint32_t e = static_cast<uint32_t>(expiry.count());
    for (int shift = 24; shift >= 0; shift -= 8) props.push_back(static_cast<char>(e >> shift));
    PutVarInt(body, props.size());
    body += props;
  }
  PutString(body, client_id);
  if (with_user) PutString(body, b.username);
  if (with_password) PutString(body, b.password);
  std::string packet(1, '\x10');
  PutVarInt(packet, body.size());
  return packet + body;
}

std::string OpenSslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

// One blocking TCP or TLS connection whose every read and write is bounded by a timeout.
class RawLink {
 public:
  ~RawLink() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }

  Status Open(const MqttOptions& b, milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(b.port);
    if (int rc = getaddrinfo(b.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return Status::Unavailable("resolving " + b.host + ": " + gai_strerror(rc));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
    std::string error = "no address";
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
      if (fd < 0) continue;
      int rc = connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        rc = poll(&p, 1, static_cast<int>(timeout.count()));
        int err = 0;
        socklen_t len = sizeof(err);
        if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
          rc = 0;
        } else {
          errno = rc == 0 ? ETIMEDOUT : err;
          rc = -1;
        }
      }
      if (rc != 0) {
        error = std::strerror(errno);
        close(fd);
        continue;
      }
      fd_ = fd;
    }
    if (fd_ < 0) return Status::Unavailable("connecting to " + b.host + ":" + port + ": " + error);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return b.tls ? StartTls(b) : Status::OK();
  }

  Status Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                  : send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return Status::Unavailable(ssl_ != nullptr ? "TLS write: " + OpenSslError()
                                                   : std::string("write: ") + std::strerror(errno));
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  // One control packet: its first byte and its body. kUnavailable on a timeout or a closed link.
  Status ReadPacket(uint8_t* type, std::string* body) {
    char c;
    VDPARK_RETURN_IF_ERROR(ReadExact(&c, 1));
    *type = static_cast<uint8_t>(c);
    size_t length = 0;
    for (int i = 0, shift = 0; i < 4; ++i, shift += 7) {
      VDPARK_RETURN_IF_ERROR(ReadExact(&c, 1));
      length |= static_cast<size_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) break;
    }
    body->resize(length);
    return ReadExact(body->data(), length);
  }

  // Sends what is left and waits (briefly) for the broker to close, so that nothing unread is
  // left here to turn the close into a reset.
  void Finish() {
    if (ssl_ != nullptr) SSL_shutdown(ssl_);
    shutdown(fd_, SHUT_WR);
    char buf[4096];
    auto deadline = steady_clock::now() + seconds(2);
    while (steady_clock::now() < deadline && recv(fd_, buf, sizeof(buf), 0) > 0) {
    }
  }

 private:
  Status StartTls(const MqttOptions& b) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) return Status::Internal("TLS: " + OpenSslError());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    int ok = b.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx_)
                               : SSL_CTX_load_verify_locations(ctx_, b.ca_file.c_str(), nullptr);
    if (ok != 1) return Status::InvalidArgument("TLS: loading CA: " + OpenSslError());
    if (!b.cert_file.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx_, b.cert_file.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx_, b.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
      return Status::InvalidArgument("TLS: loading the client certificate: " + OpenSslError());
    }
    ssl_ = SSL_new(ctx_);
    if (ssl_ == nullptr) return Status::Internal("TLS: " + OpenSslError());
    SSL_set_fd(ssl_, fd_);
    in6_addr ip;
    if (inet_pton(AF_INET, b.host.c_str(), &ip) == 1 ||
        inet_pton(AF_INET6, b.host.c_str(), &ip) == 1) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), b.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, b.host.c_str());
      SSL_set1_host(ssl_, b.host.c_str());
    }
    if (SSL_connect(ssl_) != 1) return Status::Unavailable("TLS handshake: " + OpenSslError());
    return Status::OK();
  }

  Status ReadExact(char* buf, size_t n) {
    while (n > 0) {
      ssize_t got =
          ssl_ != nullptr ? SSL_read(ssl_, buf, static_cast<int>(n)) : recv(fd_, buf, n, 0);
      if (got <= 0) {
        return Status::Unavailable(got == 0 ? "the broker closed the connection"
                                            : std::string("read: ") + std::strerror(errno));
      }
      buf += got;
      n -= static_cast<size_t>(got);
    }
    return Status::OK();
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

// OK once the broker accepted a connection with `client_id` (CONNACK 0): by then it has closed
// any other connection of that client id (MQTT 3.1.4, both versions), so no PUBACK written to
// the old connection afterwards is read. "Session present" says whether the session (and its
// unacknowledged messages) was still there; a broker that lost it has lost the connection too.
Status TakeOverSession(const MqttOptions& b, const std::string& client_id, seconds expiry,
                       milliseconds timeout) {
  RawLink link;
  VDPARK_RETURN_IF_ERROR(link.Open(b, timeout));
  VDPARK_RETURN_IF_ERROR(link.Write(ConnectPacket(b, client_id, expiry)));
  uint8_t type = 0;
  std::string body;
  VDPARK_RETURN_IF_ERROR(link.ReadPacket(&type, &body));
  if (type != 0x20 || body.size() < 2) {
    return Status::Internal("the broker answered CONNECT with packet type " +
                            std::to_string(type >> 4));
  }
  const int code = static_cast<uint8_t>(body[1]);
  // Normal disconnection: the session stays, with the expiry the CONNECT gave it (as it would if
  // this write failed: the CONNECT set no will and a session expiry).
  (void)link.Write(std::string("\xe0\x00", 2));
  link.Finish();
  if (code != 0) {
    // MQTT 3.1.1 return codes are what Paho reports as rc; MQTT 5 ones are reason codes.
    return b.mqtt_version == 5
               ? PahoStatus("session takeover", 0, code, "refused")
               : PahoStatus("session takeover", code, mqtt::MQTTPP_V3_CODE, "refused");
  }
  if ((body[0] & 1) == 0) {
    spdlog::info("{}: the broker had no session for {} (it lost it; the subscriber resubscribes)",
                 b.display, client_id);
  }
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Subscriber

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
    if (std::string why = BadTopicFilter(t); !why.empty()) {
      return Status::InvalidArgument(where + ": topic filter '" + t + "': " + why);
    }
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
    } else if (!ok) {  // the first connect; Paho keeps retrying
      SetError(TokenStatus(broker_.display + ": connecting", tok));
    }
  });
  try {
    client_ = MakeClient(broker_, client_id_);
    client_->set_connected_handler([this](const std::string&) { OnConnected(); });
    client_->set_connection_lost_handler(
        [this](const std::string& cause) { OnConnectionLost(cause); });
    client_->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode rc) {
      OnConnectionLost("the broker disconnected: " + mqtt::exception::reason_code_str(rc));
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

void MqttSubscriber::OnSubscribed(Status result) {
  if (!result.ok()) spdlog::error("{}", result.ToString());
  {
    std::lock_guard l(mu_);
    subscribed_ = result.ok();
    if (!result.ok()) last_error_ = result;
  }
  cv_.notify_all();
}

void MqttSubscriber::OnConnectionLost(const std::string& cause) {
  // Paho has seen the end of the connection: what it reads from now on is from a new one.
  const bool given_up = abandoned_.exchange(false);
  bool was_connected;
  {
    std::lock_guard l(mu_);
    was_connected = connected_;
    connected_ = false;
    subscribed_ = false;
    last_error_ = Status::Unavailable(broker_.display + ": connection lost" +
                                      (cause.empty() ? "" : ": " + cause));
  }
  cv_.notify_all();
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
  return connected_ && subscribed_;
}

Status MqttSubscriber::WaitConnected(milliseconds timeout) {
  std::unique_lock l(mu_);
  // A refusal (credentials, a subscription) will not go away by waiting: it ends the wait.
  cv_.wait_for(l, timeout, [&] {
    return (connected_ && subscribed_) || (!last_error_.ok() && !last_error_.IsRetryable());
  });
  if (connected_ && subscribed_) return Status::OK();
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
  return s;
}

// ---------------------------------------------------------------------------------------------
// Publisher

MqttPublisher::MqttPublisher(const MqttOptions& broker, MqttPublisherOptions options)
    : broker_(broker), options_(std::move(options)) {}

Result<std::unique_ptr<MqttPublisher>> MqttPublisher::Connect(const MqttOptions& broker,
                                                              MqttPublisherOptions options) {
  std::unique_ptr<MqttPublisher> p(new MqttPublisher(broker, std::move(options)));
  VDPARK_RETURN_IF_ERROR(p->Begin());
  return p;
}

Status MqttPublisher::Begin() {
  const std::string& where = broker_.display;
  if (options_.max_in_flight < 1) return Status::InvalidArgument(where + ": max_in_flight < 1");
  VDPARK_RETURN_IF_ERROR(CheckReadable(broker_));
  std::string id = broker_.client_id.empty() ? options_.client_id : broker_.client_id;
  if (id.empty()) {
    static std::atomic<int> counter{0};
    id = "vdpark-pub-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  }
  mqtt::token_ptr first;
  try {
    client_ = MakeClient(broker_, id, options_.max_in_flight + 64);
    client_->set_connected_handler([this](const std::string&) {
      if (connects_++ > 0) reconnects_++;
      {
        std::lock_guard l(mu_);
        connected_ = true;
      }
      cv_.notify_all();
    });
    client_->set_connection_lost_handler([this](const std::string& cause) {
      {
        std::lock_guard l(mu_);
        connected_ = false;
        last_error_ = Status::Unavailable(broker_.display + ": connection lost" +
                                          (cause.empty() ? "" : ": " + cause));
      }
      cv_.notify_all();
    });
    ConnectSettings cs;
    cs.keep_alive = options_.keep_alive;
    cs.connect_timeout = options_.connect_timeout;
    cs.min_reconnect_delay = options_.min_reconnect_delay;
    cs.max_reconnect_delay = options_.max_reconnect_delay;
    // Room for PublishAsync's window and a few Publish calls beside it.
    cs.max_inflight = options_.max_in_flight + 64;
    first = client_->connect(MakeConnectOptions(broker_, cs));
    if (!first->wait_for(options_.connect_timeout + seconds(1))) {
      return Status::Unavailable(where + ": no connection within " +
                                 std::to_string(options_.connect_timeout.count()) + " s");
    }
  } catch (const std::exception& e) {
    return ExceptionStatus(where + ": connecting", e);
  }
  return Status::OK();
}

MqttPublisher::~MqttPublisher() {
  if (client_ == nullptr) return;
  if (!t_in_handler) (void)Flush(options_.ack_timeout);
  try {
    client_->disconnect(1000)->wait_for(seconds(2));
  } catch (const std::exception&) {
    // Already disconnected: nothing to end.
  }
  client_.reset();
}

Status MqttPublisher::Failure(std::string_view what, const std::exception& e) const {
  return ExceptionStatus(broker_.display + ": " + std::string(what), e);
}

Status MqttPublisher::Publish(std::string_view topic, std::string_view payload, int qos) {
  if (qos < 0 || qos > 2) return Status::InvalidArgument("MQTT QoS " + std::to_string(qos));
  if (qos > 0 && t_in_handler) {
    return Status::InvalidArgument(
        "MqttPublisher::Publish at QoS " + std::to_string(qos) +
        " inside a message handler would wait for a PUBACK Paho cannot read there: use "
        "PublishAsync");
  }
  std::string where = "publishing to '" + std::string(topic) + "'";
  try {
    auto tok = client_->publish(std::string(topic), payload.data(), payload.size(), qos, false);
    if (t_in_handler) return Status::OK();  // QoS 0: sent when the handler returns
    if (!tok->wait_for(options_.ack_timeout)) {
      return Status::Unavailable(broker_.display + ": " + where + ": no acknowledgement within " +
                                 Ms(options_.ack_timeout));
    }
    if (tok->get_reason_code() >= 0x80) {
      return PahoStatus(broker_.display + ": " + where, 0, tok->get_reason_code(), "refused");
    }
  } catch (const std::exception& e) {
    return Failure(where, e);
  }
  published_++;
  return Status::OK();
}

// Takes the acknowledged publishes off the front of the window; with `wait_oldest`, first waits
// (until `deadline`) for the oldest one. Never holds async_mu_ while waiting or calling Paho.
Status MqttPublisher::Reap(bool wait_oldest, steady_clock::time_point deadline) {
  if (wait_oldest) {
    std::shared_ptr<mqtt::delivery_token> oldest;
    {
      std::lock_guard l(async_mu_);
      if (!in_flight_.empty()) oldest = in_flight_.front();
    }
    if (oldest != nullptr) {
      try {
        if (!oldest->wait_until(deadline)) {
          return Status::Unavailable(broker_.display + ": no acknowledgement in time (" +
                                     std::to_string(InFlight()) + " publishes in flight)");
        }
      } catch (const std::exception&) {
        // A failed publish: recorded below.
      }
    }
  }
  std::lock_guard l(async_mu_);
  while (!in_flight_.empty() && in_flight_.front()->is_complete()) {
    auto tok = std::move(in_flight_.front());
    in_flight_.pop_front();
    Status s;
    try {
      tok->try_wait();  // throws the failure
      if (tok->get_reason_code() >= 0x80) {
        s = PahoStatus(broker_.display + ": publishing", 0, tok->get_reason_code(), "refused");
      }
    } catch (const std::exception& e) {
      s = Failure("publishing", e);
    }
    if (s.ok()) {
      published_++;
    } else if (async_error_.ok()) {
      async_error_ = s;
    }
  }
  return Status::OK();
}

Status MqttPublisher::PublishAsync(std::string_view topic, std::string_view payload, int qos) {
  if (qos < 0 || qos > 2) return Status::InvalidArgument("MQTT QoS " + std::to_string(qos));
  const auto deadline = steady_clock::now() + options_.ack_timeout;
  for (;;) {
    VDPARK_RETURN_IF_ERROR(Reap(false, deadline));
    if (InFlight() < static_cast<size_t>(options_.max_in_flight)) break;
    if (t_in_handler) {
      return Status::Throttled(broker_.display + ": " + std::to_string(options_.max_in_flight) +
                               " publishes in flight; a message handler cannot wait for them");
    }
    VDPARK_RETURN_IF_ERROR(Reap(true, deadline));
  }
  try {
    auto tok = client_->publish(std::string(topic), payload.data(), payload.size(), qos, false);
    std::lock_guard l(async_mu_);
    in_flight_.push_back(std::move(tok));
  } catch (const std::exception& e) {
    return Failure("publishing to '" + std::string(topic) + "'", e);
  }
  return Status::OK();
}

Status MqttPublisher::Flush(milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    VDPARK_RETURN_IF_ERROR(Reap(false, deadline));
    if (InFlight() == 0) break;
    if (t_in_handler) {
      return Status::InvalidArgument(
          "MqttPublisher::Flush inside a message handler would wait "
          "for acknowledgements Paho cannot read there");
    }
    Status s = Reap(true, deadline);
    if (!s.ok()) return s;
  }
  std::lock_guard l(async_mu_);
  return std::exchange(async_error_, Status::OK());
}

size_t MqttPublisher::InFlight() const {
  std::lock_guard l(async_mu_);
  return in_flight_.size();
}

bool MqttPublisher::Connected() const {
  std::lock_guard l(mu_);
  return connected_;
}

Status MqttPublisher::WaitConnected(milliseconds timeout) {
  std::unique_lock l(mu_);
  if (cv_.wait_for(l, timeout, [&] { return connected_; })) return Status::OK();
  if (!last_error_.ok()) return last_error_;
  return Status::Unavailable(broker_.display + ": not connected within " + Ms(timeout));
}

}  // namespace vdpark
