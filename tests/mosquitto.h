// The MQTT brokers the tests talk to, both Mosquitto with the configuration vdpark ships
// (config/mosquitto.conf):
//  - the shared one, started by ./test.sh (scripts/start-mosquitto.sh) and announced in
//    VDPARK_MQTT_URL: SharedMqttUrl();
//  - a PrivateBroker of the test's own, on a free loopback port in a temporary folder, which the
//    test may Restart() (keeping its persistence database) or Stop().
// VDPARK_REQUIRE_MQTT(url) gives the shared broker's URL, or starts a private broker when the
// variable is unset. A test that needs Mosquitto is SKIPPED, saying so, when the mosquitto binary
// is not installed: unlike PostgreSQL and DynamoDB, the broker is a plain package that every
// machine building vdpark has (scripts/install-deps.sh), and the skip message names it.
// Tests on the shared broker keep to topics and client ids of their own (UniqueMqttName).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "test_dirs.h"
#include "wait_until.h"

extern char** environ;

namespace vdpark::testing {

inline constexpr const char* kMosquittoMissing =
    "mosquitto is not installed (scripts/install-deps.sh installs it; or set MOSQUITTO_BIN): "
    "skipping the MQTT test";

// The broker binary: $MOSQUITTO_BIN, else mosquitto on PATH or in /usr/sbin; "" when missing.
inline std::string MosquittoBinary() {
  if (const char* e = std::getenv("MOSQUITTO_BIN"); e != nullptr && *e != '\0') {
    return access(e, X_OK) == 0 ? e : "";
  }
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/local/sbin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string candidate = path.substr(start, end - start) + "/mosquitto";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// VDPARK_MQTT_URL, or "" when unset.
inline std::string SharedMqttUrl() {
  const char* e = std::getenv("VDPARK_MQTT_URL");
  return e == nullptr ? "" : e;
}

// "vdpark-test-<what>-<pid>-<n>": a client id, group or topic level no other test uses.
inline std::string UniqueMqttName(const std::string& what) {
  static std::atomic<int> counter{0};
  return "vdpark-test-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

// A Mosquitto of the test's own. Start() picks a free loopback port; Restart() stops it with
// SIGTERM (so it writes its persistence database) and starts it again on the same port and
// folder; Stop() leaves it stopped. The folder goes with the object.
class PrivateBroker {
 public:
  PrivateBroker() : binary_(MosquittoBinary()) {}
  ~PrivateBroker() { (void)Stop(); }
  PrivateBroker(const PrivateBroker&) = delete;
  PrivateBroker& operator=(const PrivateBroker&) = delete;

  bool available() const { return !binary_.empty(); }
  int port() const { return port_; }
  int port2() const { return port2_; }
  // The broker's temporary folder, where a test may keep files the configuration names.
  const TempDir& dir() const { return dir_; }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }
  std::string log() const {
    return ReadFile(dir_ / "mosquitto.log") + ReadFile(dir_ / "stderr.log");
  }

  // `extra_config` is appended to the shipped configuration (another listener, say); @PORT2@ in
  // it becomes a second free port, port2().
  Status Start(std::string extra_config = {}) {
    if (!available()) return Status::NotSupported(kMosquittoMissing);
    extra_config_ = std::move(extra_config);
    Status s;
    // A port free when chosen may be taken before the broker binds it: try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreePort();
      port2_ = FreePort();
      s = Launch();
      if (s.ok()) return s;
    }
    return s;
  }

  Status Restart() {
    Status s = Stop();
    return s.ok() ? Launch() : s;
  }

  // SIGTERM, then SIGKILL after 10 s.
  Status Stop() {
    if (pid_ <= 0) return Status::OK();
    kill(pid_, SIGTERM);
    bool exited = WaitExit(std::chrono::seconds(10));
    if (!exited) {
      kill(pid_, SIGKILL);
      WaitExit(std::chrono::seconds(10));
    }
    pid_ = -1;
    return exited ? Status::OK() : Status::IOError("mosquitto did not stop on SIGTERM");
  }

 private:
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
  }

  static void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
  }

  Status Launch() {
    std::string conf = ReadFile(std::string(VDPARK_SOURCE_DIR) + "/config/mosquitto.conf");
    if (conf.empty()) return Status::NotFound("config/mosquitto.conf is missing or empty");
    const passwd* pw = getpwuid(geteuid());
    ReplaceAll(conf, "@PORT@", std::to_string(port_));
    ReplaceAll(conf, "@DATA_DIR@", dir_ / "data/");
    ReplaceAll(conf, "@PID_FILE@", dir_ / "mosquitto.pid");
    ReplaceAll(conf, "@LOG_FILE@", dir_ / "mosquitto.log");
    ReplaceAll(conf, "@USER@", pw != nullptr ? pw->pw_name : "root");
    conf += "\n" + extra_config_ + "\n";
    ReplaceAll(conf, "@PORT2@", std::to_string(port2_));
    dir_.Write("mosquitto.conf", conf);
    std::filesystem::create_directories(dir_ / "data");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::string err = dir_ / "stderr.log";
    posix_spawn_file_actions_addopen(&actions, 1, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::string conf_path = dir_ / "mosquitto.conf";
    std::string c_flag = "-c";
    char* argv[] = {binary_.data(), c_flag.data(), conf_path.data(), nullptr};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return Status::IOError("starting " + binary_ + ": " + std::strerror(rc));
    pid_ = pid;

    // Ready once the listeners accept connections; gone if it could not bind.
    bool exited = false;
    const bool listening = WaitUntil(
        [&] {
          exited = waitpid(pid_, nullptr, WNOHANG) == pid_;
          return exited || (Accepts(port_) && (extra_config_.find("@PORT2@") == std::string::npos ||
                                               Accepts(port2_)));
        },
        std::chrono::seconds(30), std::chrono::milliseconds(20));
    if (exited) {
      pid_ = -1;
      return Status::IOError("mosquitto exited at start: " + log());
    }
    if (listening) return Status::OK();
    (void)Stop();
    return Status::IOError("mosquitto did not listen within 30 s: " + log());
  }

  static bool Accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(fd);
    return ok;
  }

  bool WaitExit(std::chrono::seconds timeout) {
    return WaitUntil(
        [&] {
          const pid_t r = waitpid(pid_, nullptr, WNOHANG);
          return r == pid_ || (r < 0 && errno == ECHILD);
        },
        timeout);
  }

  std::string binary_;
  TempDir dir_;
  std::string extra_config_;
  int port_ = 0;
  int port2_ = 0;
  pid_t pid_ = -1;
};

// The broker a test uses when it needs no restart: the shared one, or a private one.
class TestBroker {
 public:
  // The URL, or "" when Mosquitto is missing (`skip` says why) or could not start (`error`).
  std::string Url(std::string* skip, std::string* error) {
    std::string shared = SharedMqttUrl();
    if (!shared.empty()) return shared;
    private_.emplace();
    if (!private_->available()) {
      *skip = kMosquittoMissing;
      return "";
    }
    Status s = private_->Start();
    if (!s.ok()) {
      *error = s.ToString();
      return "";
    }
    return private_->url();
  }

 private:
  std::optional<PrivateBroker> private_;
};

}  // namespace vdpark::testing

// Starts a test that needs an MQTT broker: `url_var` is the shared broker's URL or a private
// one's; skips the test when Mosquitto is not installed, fails it when the broker cannot start.
#define VDPARK_REQUIRE_MQTT(url_var)                                             \
  ::vdpark::testing::TestBroker url_var##_broker;                                \
  std::string url_var##_skip, url_var##_error;                                   \
  std::string url_var = url_var##_broker.Url(&url_var##_skip, &url_var##_error); \
  if (!url_var##_skip.empty()) GTEST_SKIP() << url_var##_skip;                   \
  ASSERT_FALSE(url_var.empty()) << url_var##_error

// Starts a test that needs a broker of its own (to restart or stop it): a running PrivateBroker
// in `var`; skips the test when Mosquitto is not installed.
#define VDPARK_REQUIRE_PRIVATE_MQTT(var)                                      \
  ::vdpark::testing::PrivateBroker var;                                       \
  if (!var.available()) GTEST_SKIP() << ::vdpark::testing::kMosquittoMissing; \
  if (::vdpark::Status var##_started = var.Start(); !var##_started.ok())      \
  FAIL() << var##_started.ToString()
