// Command-line tests' helpers for commands that talk to a served API (verify-api, probe): run a
// `vdpark` command, and a `vdpark serve` child process whose address is read from its output.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark::testing {

// A JSON string's text; anything else as JSON.
inline std::string Str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

// Runs `vdpark ARGS` in `tmp`; its stdout is in tmp/out.txt, everything in tmp/cli.log.
inline int RunCli(const TempDir& tmp, const std::string& args) {
  std::string cmd = "cd " + tmp.path() + " && " + VDPARK_BINARY + " " + args + " >" +
                    tmp / "out.txt" + " 2>>" + tmp / "cli.log" + "; s=$?; cat " + tmp / "out.txt" +
                    " >>" + tmp / "cli.log" + "; exit $s";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `vdpark serve --listen 127.0.0.1:0 ARGS` as a child process (--retention-days 0 unless ARGS
// give it).
class Server {
 public:
  Server(const TempDir& tmp, std::vector<std::string> args, const std::string& log_name)
      : log_(tmp / log_name) {
    // Emptied here, before the child starts: never an earlier server's address read from it.
    ::close(::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(tmp.path().c_str()) != 0) _exit(127);
      int fd = ::open(log_.c_str(), O_WRONLY | O_APPEND);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv{const_cast<char*>(VDPARK_BINARY), const_cast<char*>("serve"),
                              const_cast<char*>("--listen"), const_cast<char*>("127.0.0.1:0")};
      // No retention unless the test gives one.
      if (std::find(args.begin(), args.end(), "--retention-days") == args.end()) {
        argv.push_back(const_cast<char*>("--retention-days"));
        argv.push_back(const_cast<char*>("0"));
      }
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(VDPARK_BINARY, argv.data());
      _exit(127);
    }
  }
  ~Server() { Stop(); }

  // http://HOST:PORT from its "dashboard: http://HOST:PORT/ ..." line, printed once it serves
  // (and, with --mqtt, is subscribed); "" when it did not start.
  std::string WaitUrl() {
    std::string url;
    WaitUntil(
        [&] {
          const std::string log = ReadFile(log_);
          const size_t at = log.find("dashboard: ");
          const size_t end = at == std::string::npos ? at : log.find("/ ", at + 18);
          if (end != std::string::npos) url = log.substr(at + 11, end - at - 11);
          if (url.empty() && pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
          return !url.empty() || pid_ <= 0;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(50));
    return url;
  }
  // SIGTERM, and waits: the store is closed (and unlocked) when this returns.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

}  // namespace vdpark::testing
