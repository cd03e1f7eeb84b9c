// TcpProxy: a test's raw TCP forwarder between a client and a server (PostgreSQL), that can be
// made to refuse: the way a test takes the server away from one client and gives it back, while
// the server itself and every other test's connections go on.
//
// It listens on 127.0.0.1 on an ephemeral port and runs on its own thread until destroyed. Each
// accepted connection gets its own upstream connection; bytes pass unchanged both ways, and when
// either side closes, both are closed. While refusing, every connection it carries is cut and each
// new one is closed as soon as it is accepted (a client sees the server hang up on it).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <cstdint>
#include <future>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"

namespace vdpark::testing {

class TcpProxy {
 public:
  // Binds 127.0.0.1:0 and starts forwarding to `upstream_host`:`upstream_port`. kIOError when
  // the port cannot be bound.
  static Result<std::unique_ptr<TcpProxy>> Start(const std::string& upstream_host,
                                                 uint16_t upstream_port) {
    std::unique_ptr<TcpProxy> proxy(new TcpProxy());
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(upstream_host, ec);
    if (ec) return Status::InvalidArgument("tcp proxy: upstream host " + upstream_host);
    proxy->upstream_ = tcp::endpoint(address, upstream_port);
    tcp::endpoint local(boost::asio::ip::make_address("127.0.0.1"), 0);
    proxy->acceptor_.open(local.protocol(), ec);
    if (!ec) proxy->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) proxy->acceptor_.bind(local, ec);
    if (!ec) proxy->acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::IOError("tcp proxy: listen: " + ec.message());
    proxy->port_ = proxy->acceptor_.local_endpoint().port();
    boost::asio::co_spawn(proxy->io_, proxy->Accept(), boost::asio::detached);
    proxy->thread_ = std::thread([p = proxy.get()] { p->io_.run(); });
    return proxy;
  }

  ~TcpProxy() {
    std::promise<void> closed;
    boost::asio::post(io_, [&] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      CutAll();
      closed.set_value();
    });
    closed.get_future().wait();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const { return port_; }

  // Starts (true) or ends (false) refusing; returns once the connections are cut.
  void SetRefusing(bool refusing) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      refusing_ = refusing;
      if (refusing) CutAll();
      done.set_value();
    });
    done.get_future().wait();
  }

  uint64_t accepted() const { return accepted_.load(); }  // connections forwarded
  uint64_t refused() const { return refused_.load(); }    // connections closed on arrival

 private:
  using tcp = boost::asio::ip::tcp;
  static constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

  struct Pair {
    explicit Pair(tcp::socket c) : client(std::move(c)), upstream(client.get_executor()) {}
    void Close() {
      boost::system::error_code ec;
      client.close(ec);
      upstream.close(ec);
    }
    tcp::socket client;
    tcp::socket upstream;
  };

  TcpProxy() : acceptor_(io_) {}

  // On the io thread only, as everything touching pairs_ and refusing_.
  void CutAll() {
    for (auto& weak : pairs_) {
      if (auto pair = weak.lock()) pair->Close();
    }
    pairs_.clear();
  }

  boost::asio::awaitable<void> Accept() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec) continue;
      if (refusing_) {
        ++refused_;
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      ++accepted_;
      boost::asio::co_spawn(io_, Connect(std::make_shared<Pair>(std::move(socket))),
                            boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> Connect(std::shared_ptr<Pair> pair) {
    pairs_.remove_if([](const std::weak_ptr<Pair>& w) { return w.expired(); });
    pairs_.push_back(pair);
    auto [ec] = co_await pair->upstream.async_connect(upstream_, kNoThrow);
    if (ec || refusing_) {
      pair->Close();
      co_return;
    }
    boost::asio::co_spawn(io_, Relay(pair, pair->client, pair->upstream), boost::asio::detached);
    boost::asio::co_spawn(io_, Relay(pair, pair->upstream, pair->client), boost::asio::detached);
  }

  // Copies `from` to `to` until either fails; then closes both (which ends the other direction).
  static boost::asio::awaitable<void> Relay(std::shared_ptr<Pair> pair, tcp::socket& from,
                                            tcp::socket& to) {
    std::array<char, 16384> buffer;
    while (true) {
      auto [rec, n] = co_await from.async_read_some(boost::asio::buffer(buffer), kNoThrow);
      if (rec) break;
      auto [wec, written] =
          co_await boost::asio::async_write(to, boost::asio::buffer(buffer.data(), n), kNoThrow);
      if (wec) break;
    }
    pair->Close();
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::endpoint upstream_;
  uint16_t port_ = 0;
  bool refusing_ = false;
  std::list<std::weak_ptr<Pair>> pairs_;
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace vdpark::testing
