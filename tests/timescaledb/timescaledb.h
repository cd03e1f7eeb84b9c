// The TimescaleDB server the tests talk to: PostgreSQL 17 with TimescaleDB 2.23 (PGlite, built
// to WebAssembly), started by ./test.sh (scripts/start-timescaledb.sh) and announced in
// VDPARK_TIMESCALE_URL. It has compression, as customers run it, and no PostGIS.
//
// It serves one client at a time and keeps one database for every test, so: these tests are a
// program of their own that ctest runs one test at a time (RESOURCE_LOCK timescaledb); each
// begins with TimescaleDb, which empties the database and creates the schema; and a test never
// keeps a connection open while a store or a vdpark process it started has one (Exec and Query
// connect, run and disconnect). When the variable is unset a test FAILS, saying how to run it: a
// TimescaleDB test that skipped itself would let CI pass without ever reading a hypertable.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/postgres/postgres_connection.h"
#include "store/postgres/postgres_schema.h"

namespace vdpark::testing {

class TimescaleDb {
 public:
  // Drops what earlier tests left (the four tables with their chunks, continuous aggregates and
  // policies, database settings), then creates the schema as `vdpark schema create` does: a
  // hypertable of 1-day chunks.
  TimescaleDb() {
    const char* e = std::getenv("VDPARK_TIMESCALE_URL");
    if (e == nullptr || *e == '\0') {
      ADD_FAILURE() << "VDPARK_TIMESCALE_URL is not set: run the tests with ./test.sh, or start "
                       "the server with `eval \"$(scripts/start-timescaledb.sh)\"` and run them "
                       "in that shell (stop it with scripts/stop-timescaledb.sh)";
      return;
    }
    url_ = e;
    Status s = Exec(
        "ALTER ROLE CURRENT_USER RESET ALL; "
        "DROP TABLE IF EXISTS parking_events CASCADE; "  // a hypertable is dropped alone
        "DROP TABLE IF EXISTS parking_zones, parking_bays, parking_sensors CASCADE");
    if (s.ok())
      s = WithConnection([](PgConnection& c) { return CreatePostgresSchema(c).status(); });
    if (s.ok()) {
      s = Exec("SELECT set_chunk_time_interval('parking_events', INTERVAL '1 day')");
    }
    if (!s.ok()) {
      ADD_FAILURE() << s.ToString();
      url_.clear();
    }
  }

  bool ok() const { return !url_.empty(); }
  const std::string& url() const { return url_; }

  // Runs SQL on a connection of its own, closed before it returns.
  Status Exec(const std::string& sql) {
    return WithConnection([&](PgConnection& c) { return c.Exec(sql); });
  }
  // The first row's columns of `sql`, as text ("" for NULL).
  Result<std::vector<std::string>> Row(const std::string& sql) {
    std::vector<std::string> row;
    Status s = WithConnection([&](PgConnection& c) -> Status {
      auto r = c.Query(sql);
      if (!r.ok()) return r.status();
      if (r->rows() == 0) return Status::NotFound("no row: " + sql);
      for (int i = 0; i < r->columns(); ++i) row.emplace_back(r->value(0, i));
      return Status::OK();
    });
    if (!s.ok()) return s;
    return row;
  }
  // The first column of the first row of `sql` as a number (-1 and a failure when it fails).
  long long Number(const std::string& sql) {
    auto row = Row(sql);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() ? std::atoll((*row)[0].c_str()) : -1;
  }

  // Turns compression on (segmented by zone, ordered by time, as the customer's is) and
  // compresses every chunk that ends `keep` or more before the newest event.
  Status Compress(const std::string& keep = "3 days") {
    // The cutoff is found before any chunk is compressed: compress_chunk rebuilds the chunk's
    // indexes, which a scan still open in the same statement would be using.
    return Exec(
        "ALTER TABLE parking_events SET (timescaledb.compress, timescaledb.compress_segmentby = "
        "'zone_id', timescaledb.compress_orderby = '\"timestamp\" DESC'); "
        "DO $$ DECLARE cutoff timestamptz; c regclass; BEGIN "
        "SELECT max(\"timestamp\") - INTERVAL '" +
        keep +
        "' INTO cutoff FROM parking_events; "
        "FOR c IN SELECT show_chunks('parking_events', older_than => cutoff) LOOP "
        "PERFORM compress_chunk(c, if_not_compressed => true); END LOOP; END $$");
  }

 private:
  template <typename Body>
  Status WithConnection(Body&& body) {
    auto url = PostgresUrl::Parse(url_);
    if (!url.ok()) return url.status();
    auto conn = PgConnection::Connect(*url);
    if (!conn.ok()) return conn.status();
    return body(**conn);
  }

  std::string url_;
};

}  // namespace vdpark::testing

// Starts a test that needs TimescaleDB: an empty schema in `var`; fails the test (and returns)
// when VDPARK_TIMESCALE_URL is unset or the server cannot be used.
#define VDPARK_REQUIRE_TIMESCALEDB(var) \
  ::vdpark::testing::TimescaleDb var;   \
  if (!var.ok()) return
