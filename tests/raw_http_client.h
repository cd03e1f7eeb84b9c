// A plain POSIX HTTP client for the server tests: it sends bytes exactly as given (half requests,
// smuggling attempts, no Host) and reads what comes back, every read with a deadline so that a
// server that never answers fails the test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vdpark::testing {

class RawHttpClient {
 public:
  // Connects to 127.0.0.1:port; each read gives up after `read_timeout`.
  explicit RawHttpClient(uint16_t port,
                         std::chrono::seconds read_timeout = std::chrono::seconds(5)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(read_timeout.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawHttpClient() { ::close(fd_); }
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads until `needle` has arrived (true) or the connection ends or a read times out (false).
  bool ReadUntil(std::string_view needle) {
    while (buffer_.find(needle) == std::string::npos) {
      if (!ReadSome()) return false;
    }
    return true;
  }
  // True when the server closed the connection (EOF or reset) before a read timed out.
  bool Closed() {
    for (;;) {
      char c[4096];
      ssize_t n = ::recv(fd_, c, sizeof c, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      buffer_.append(c, static_cast<size_t>(n));
    }
  }
  // Everything not yet taken, until the server closes the connection (or a read times out).
  std::string ReadToClose() {
    while (ReadSome()) {
    }
    std::string all = std::move(buffer_);
    buffer_.clear();
    return all;
  }

  struct Response {
    int status = 0;
    std::string head;  // status line and headers, as sent
    std::string body;
    // The value of header `name` (case-insensitive); nullopt when absent.
    std::optional<std::string> Header(const std::string& name) const {
      const size_t at = Lower(head).find("\r\n" + Lower(name) + ": ");
      if (at == std::string::npos) return std::nullopt;
      const size_t start = at + name.size() + 4;
      return head.substr(start, head.find("\r\n", start) - start);
    }
  };
  // One Content-Length delimited response; `head_only` for the answer to a HEAD (its
  // Content-Length has no body).
  std::optional<Response> ReadResponse(bool head_only = false) {
    if (!ReadUntil("\r\n\r\n")) return std::nullopt;
    const size_t end = buffer_.find("\r\n\r\n") + 4;
    Response r;
    r.head = buffer_.substr(0, end);
    r.status = std::stoi(r.head.substr(9, 3));
    size_t length = 0;
    if (auto n = r.Header("Content-Length"); n && !head_only) length = std::stoul(*n);
    while (buffer_.size() < end + length) {
      if (!ReadSome()) return std::nullopt;
    }
    r.body = buffer_.substr(end, length);
    buffer_.erase(0, end + length);
    return r;
  }
  // What has been read and not yet taken by ReadResponse or ReadToClose.
  std::string& buffer() { return buffer_; }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  bool ReadSome() {
    char c[4096];
    ssize_t n = ::recv(fd_, c, sizeof c, 0);
    if (n <= 0) return false;
    buffer_.append(c, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace vdpark::testing
