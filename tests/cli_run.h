// Running the `vdpark` program from a test: its exit status, stdout and stderr, and its --json
// output as an object.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark::testing {

struct CliRun {
  int code = -1;  // the exit status; -1 when it did not exit normally
  std::string out, err;
};

// Runs `vdpark ARGS` (a shell command line) in `tmp` and waits for it.
inline CliRun Vdpark(const TempDir& tmp, const std::string& args) {
  const std::string err_file = tmp / "stderr.txt";
  const std::string cmd =
      "cd " + tmp.path() + " && " + VDPARK_BINARY + " " + args + " 2>" + err_file;
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = ReadFile(err_file);
  return r;
}

// A JSON number as a count ("events", "eventsWritten").
inline uint64_t U(const boost::json::value& v) {
  return v.to_number<uint64_t>();
}

// `text` parsed as a JSON object; an empty one (and a failed expectation) when it is not one.
inline boost::json::object Json(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec || !v.is_object()) << text;
  return ec || !v.is_object() ? boost::json::object() : v.as_object();
}

// Starts `args` in `cwd`, waits until `ready()` (polled, for at most 5 minutes) and then `delay`
// more, and kills it with SIGKILL. True when it was killed (not finished first); otherwise what it
// printed is reported.
template <typename Ready>
inline bool StartAndKill(const std::string& cwd, const std::vector<std::string>& args, Ready ready,
                         std::chrono::milliseconds delay) {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    int log = ::open("killed-run.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(VDPARK_BINARY));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(VDPARK_BINARY, argv.data());
    _exit(127);
  }
  int status = 0;
  bool exited = false;
  const bool is_ready =
      WaitUntil([&] { return ready() || (exited = waitpid(pid, &status, WNOHANG) == pid); },
                std::chrono::minutes(5), std::chrono::milliseconds(2));
  if (exited) {
    ADD_FAILURE() << "the run ended by itself (status " << status << "):\n"
                  << ReadFile(cwd + "/killed-run.log");
    return false;
  }
  if (!is_ready) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ADD_FAILURE() << "the run was not ready within 5 minutes:\n"
                  << ReadFile(cwd + "/killed-run.log");
    return false;
  }
  std::this_thread::sleep_for(delay);  // a sleep: the moment of the kill is the point
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

}  // namespace vdpark::testing
