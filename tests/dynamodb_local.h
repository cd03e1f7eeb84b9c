// The second DynamoDB server the tests talk to: AWS's own DynamoDB Local, started by ./test.sh
// (scripts/start-dynamodb-local.sh) and announced in VDPARK_DYNAMODB_LOCAL_ENDPOINT. Unlike
// dynalite (dynalite.h) it has TransactWriteItems and DynamoDB Streams, so the tests that need
// them, and the transaction path of the single-table store, run against it.
//
// A test that needs it calls DynamoDbLocalEndpoint() (or VDPARK_REQUIRE_DYNAMODB_LOCAL) first;
// when the variable is unset the test FAILS, saying how to run it, as for dynalite.
//
// DynamoDbServer names either server, for tests parametrized over both: the same test body runs
// on dynalite (the default DynamoDB of the older tests) and on DynamoDB Local.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <ostream>
#include <string>

#include "dynalite.h"

namespace vdpark::testing {

inline constexpr const char* kDynamoDbLocalHowTo =
    "VDPARK_DYNAMODB_LOCAL_ENDPOINT is not set: run the tests with ./test.sh, or start DynamoDB "
    "Local with `eval \"$(scripts/start-dynamodb-local.sh)\"` (it needs java: apt-get install "
    "openjdk-17-jre-headless) and run them in that shell (stop it with "
    "scripts/stop-dynamodb-local.sh)";

// The endpoint ("http://127.0.0.1:PORT"), or "" after recording a test failure.
inline std::string DynamoDbLocalEndpoint() {
  const char* e = std::getenv("VDPARK_DYNAMODB_LOCAL_ENDPOINT");
  if (e == nullptr || *e == '\0') {
    ADD_FAILURE() << kDynamoDbLocalHowTo;
    return "";
  }
  return e;
}

enum class DynamoDbServer { kDynalite, kDynamoDbLocal };

// "dynalite" or "dynamodb_local": a test name suffix.
inline std::string ServerName(DynamoDbServer server) {
  return server == DynamoDbServer::kDynalite ? "dynalite" : "dynamodb_local";
}
inline void PrintTo(DynamoDbServer server, std::ostream* os) {
  *os << ServerName(server);
}
inline std::string ServerTestName(const ::testing::TestParamInfo<DynamoDbServer>& info) {
  return ServerName(info.param);
}

// The server's endpoint, or "" after recording a test failure saying how to start it.
inline std::string ServerEndpoint(DynamoDbServer server) {
  return server == DynamoDbServer::kDynalite ? DynaliteEndpoint() : DynamoDbLocalEndpoint();
}

// Whether the server has TransactWriteItems (dynalite 4 has none).
inline bool ServerHasTransactions(DynamoDbServer server) {
  return server == DynamoDbServer::kDynamoDbLocal;
}

// Client options for the server: dummy credentials (both check that requests are signed, not by
// whom) and short backoffs, as DynaliteClientOptions.
inline DynamoDbClientOptions ServerClientOptions(DynamoDbServer server,
                                                 const std::string& endpoint) {
  DynamoDbClientOptions o = DynaliteClientOptions(endpoint);
  if (server == DynamoDbServer::kDynamoDbLocal) {
    o.settings.endpoint_source = "VDPARK_DYNAMODB_LOCAL_ENDPOINT";
  }
  return o;
}

}  // namespace vdpark::testing

// Starts a test that needs DynamoDB Local: fails it (and returns) when
// VDPARK_DYNAMODB_LOCAL_ENDPOINT is unset.
#define VDPARK_REQUIRE_DYNAMODB_LOCAL(endpoint_var)                      \
  std::string endpoint_var = ::vdpark::testing::DynamoDbLocalEndpoint(); \
  if (endpoint_var.empty()) return
