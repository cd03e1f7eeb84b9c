// The PostgreSQL server the tests talk to: a throw-away cluster with PostGIS, started by ./test.sh
// (scripts/start-postgres.sh) and announced in VDPARK_POSTGRES_URL.
//
// A test that needs it makes a PostgresTestSchema first; when the variable is unset the test
// FAILS, saying how to run it: a PostgreSQL test that skipped itself would let CI pass without
// ever testing the store. Each PostgresTestSchema is a schema of its own ("vdpark_t_<pid>_<n>"),
// dropped with everything in it when the object goes; its url() sets the search_path to it (then
// public, where PostGIS lives), so tests never see each other's tables.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>

#include "store/postgres/postgres_connection.h"

namespace vdpark::testing {

inline constexpr const char* kPostgresHowTo =
    "VDPARK_POSTGRES_URL is not set: run the tests with ./test.sh, or start a cluster with "
    "`eval \"$(scripts/start-postgres.sh)\"` and run them in that shell (stop it with "
    "scripts/stop-postgres.sh)";

// The server's URL, or "" after recording a test failure.
inline std::string PostgresBaseUrl() {
  const char* e = std::getenv("VDPARK_POSTGRES_URL");
  if (e == nullptr || *e == '\0') {
    ADD_FAILURE() << kPostgresHowTo;
    return "";
  }
  return e;
}

class PostgresTestSchema {
 public:
  PostgresTestSchema() {
    static std::atomic<int> counter{0};
    base_ = PostgresBaseUrl();
    if (base_.empty()) return;
    name_ = "vdpark_t_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    auto url = PostgresUrl::Parse(base_);
    if (!url.ok()) {
      ADD_FAILURE() << url.status().ToString();
      return;
    }
    auto conn = PgConnection::Connect(*url);
    if (!conn.ok()) {
      ADD_FAILURE() << conn.status().ToString();
      return;
    }
    admin_ = std::move(*conn);
    Status s = admin_->Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
    if (!s.ok()) {
      ADD_FAILURE() << s.ToString();
      admin_.reset();
    }
  }
  ~PostgresTestSchema() {
    if (admin_) (void)admin_->Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  }
  PostgresTestSchema(const PostgresTestSchema&) = delete;
  PostgresTestSchema& operator=(const PostgresTestSchema&) = delete;

  bool ok() const { return admin_ != nullptr; }
  const std::string& name() const { return name_; }
  // The server's URL with the search_path set to this schema, then public.
  std::string url() const {
    return base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           name_ + ",public";
  }
  // Runs SQL in this schema (for tables made by hand, as a customer would have them).
  Status Exec(const std::string& sql) {
    return admin_->Exec("SET search_path = " + name_ + ", public; " + sql);
  }

 private:
  std::string base_;
  std::string name_;
  std::unique_ptr<PgConnection> admin_;
};

}  // namespace vdpark::testing

// Starts a test that needs PostgreSQL: a fresh schema in `var`; fails the test (and returns) when
// VDPARK_POSTGRES_URL is unset or the server cannot be used.
#define VDPARK_REQUIRE_POSTGRES(var)         \
  ::vdpark::testing::PostgresTestSchema var; \
  if (!var.ok()) return
