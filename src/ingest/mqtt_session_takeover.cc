#include "ingest/mqtt_session_takeover.h"

#include <arpa/inet.h>
#include <fcntl.h>
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

#include "ingest/mqtt_paho.h"

namespace vdpark::mqtt_detail {

namespace {

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

}  // namespace

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

}  // namespace vdpark::mqtt_detail
