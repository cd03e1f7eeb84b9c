// The DynamoDB server the tests talk to: dynalite, started by ./test.sh (scripts/start-dynalite.sh)
// and announced in VDPARK_DYNAMODB_ENDPOINT.
//
// A test that needs it calls DynaliteEndpoint() (or DynaliteClientOptions()) first; when the
// variable is unset the test FAILS, saying how to run it: a DynamoDB test that skips itself would
// let CI pass without ever testing the backend.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

#include "store/dynamodb/dynamodb_client.h"

namespace vdpark::testing {

inline constexpr const char* kDynaliteHowTo =
    "VDPARK_DYNAMODB_ENDPOINT is not set: run the tests with ./test.sh, or start dynalite with "
    "`eval \"$(scripts/start-dynalite.sh)\"` and run them in that shell (stop it with "
    "scripts/stop-dynalite.sh)";

// The endpoint ("http://127.0.0.1:PORT"), or "" after recording a test failure.
inline std::string DynaliteEndpoint() {
  const char* e = std::getenv("VDPARK_DYNAMODB_ENDPOINT");
  if (e == nullptr || *e == '\0') {
    ADD_FAILURE() << kDynaliteHowTo;
    return "";
  }
  return e;
}

// Client options for dynalite with dummy credentials (dynalite checks that requests are signed,
// not by whom) and short backoffs so that retry tests run fast.
inline DynamoDbClientOptions DynaliteClientOptions(const std::string& endpoint) {
  DynamoDbClientOptions o;
  o.settings.region = "me-central-1";
  o.settings.region_source = "test";
  o.settings.endpoint = endpoint;
  o.settings.endpoint_source = "VDPARK_DYNAMODB_ENDPOINT";
  o.settings.credentials = {"AKIDVDPARKTEST", "vdpark-test-secret", ""};
  o.settings.credentials_source = "test";
  o.base_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(20);
  o.request_timeout = std::chrono::seconds(30);
  return o;
}

// A table name no other test (or test process) uses: "vdpark-test-<what>-<pid>-<n>".
inline std::string UniqueTableName(const std::string& what) {
  static std::atomic<int> counter{0};
  return "vdpark-test-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

}  // namespace vdpark::testing

// Starts a test that needs dynalite: fails it (and returns) when VDPARK_DYNAMODB_ENDPOINT is unset.
#define VDPARK_REQUIRE_DYNALITE(endpoint_var)                       \
  std::string endpoint_var = ::vdpark::testing::DynaliteEndpoint(); \
  if (endpoint_var.empty()) return
