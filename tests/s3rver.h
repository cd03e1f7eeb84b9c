// The S3 server the tests talk to: s3rver, started by ./test.sh (scripts/start-s3rver.sh) and
// announced in VDPARK_S3_ENDPOINT. It accepts the tests' dummy key id, which test.sh also puts in
// the environment, and checks that requests are signed, not the signature itself
// (scripts/s3rver-server.mjs says why; AWS's test vectors check vdpark's signatures).
//
// A test that needs it calls S3rverEndpoint() (or VDPARK_REQUIRE_S3RVER) first; when the variable
// is unset the test FAILS, saying how to run it: an S3 test that skipped itself would let CI pass
// without ever testing the store.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

#include "store/s3/s3_client.h"

namespace vdpark::testing {

inline constexpr const char* kS3rverHowTo =
    "VDPARK_S3_ENDPOINT is not set: run the tests with ./test.sh, or start s3rver with "
    "`eval \"$(scripts/start-s3rver.sh)\"` and run them in that shell with "
    "AWS_ACCESS_KEY_ID=AKIDVDPARKTEST AWS_SECRET_ACCESS_KEY=vdpark-test-secret (stop it with "
    "scripts/stop-s3rver.sh)";

// The endpoint ("http://127.0.0.1:PORT"), or "" after recording a test failure.
inline std::string S3rverEndpoint() {
  const char* e = std::getenv("VDPARK_S3_ENDPOINT");
  if (e == nullptr || *e == '\0') {
    ADD_FAILURE() << kS3rverHowTo;
    return "";
  }
  return e;
}

// Client options for s3rver with the tests' dummy keys and short backoffs.
inline S3ClientOptions S3rverClientOptions(const std::string& endpoint) {
  S3ClientOptions o;
  o.settings.region = "me-central-1";
  o.settings.region_source = "test";
  o.settings.endpoint = endpoint;
  o.settings.endpoint_source = "VDPARK_S3_ENDPOINT";
  o.settings.credentials = {"AKIDVDPARKTEST", "vdpark-test-secret", ""};
  o.settings.credentials_source = "test";
  o.base_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(20);
  o.request_timeout = std::chrono::seconds(30);
  return o;
}

// `n` bytes of every value, the same for the same seed: an object's body.
inline std::string Bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed;
  for (char& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

// A bucket name no other test (or test process) uses: "vdpark-test-<what>-<pid>-<n>".
inline std::string UniqueBucketName(const std::string& what) {
  static std::atomic<int> counter{0};
  return "vdpark-test-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace vdpark::testing

// Starts a test that needs s3rver: fails it (and returns) when VDPARK_S3_ENDPOINT is unset.
#define VDPARK_REQUIRE_S3RVER(endpoint_var)                       \
  std::string endpoint_var = ::vdpark::testing::S3rverEndpoint(); \
  if (endpoint_var.empty()) return
