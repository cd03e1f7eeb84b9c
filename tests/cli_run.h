// Running the `vdpark` program from a test: its exit status, stdout and stderr, and its --json
// output as an object.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "test_dirs.h"

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

// `text` parsed as a JSON object; an empty one (and a failed expectation) when it is not one.
inline boost::json::object Json(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec || !v.is_object()) << text;
  return ec || !v.is_object() ? boost::json::object() : v.as_object();
}

}  // namespace vdpark::testing
