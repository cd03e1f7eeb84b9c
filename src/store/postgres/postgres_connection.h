// PgConnection: one libpq connection, with one error model, and the URL forms that name one.
//
// Every libpq failure becomes a Status whose message names the store (its URL without the
// password), the SQLSTATE when the server sent one, and libpq's message; the password never
// appears in a message: every URL in it is redacted by URL part (common/redact_url.h), and the
// rest of the text is left whole. Connection failures are kUnavailable, authentication failures and
// missing objects kInvalidArgument / kNotFound, everything else kIOError.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace vdpark {

// A store URL taken apart for libpq: "postgres://user:pw@host:port/db?sslmode=require" (also
// "postgresql://" and "timescale://"); query parameters go to libpq as they are, but for
// vdpark's own `connections=N`: how many connections vdpark may open to the server at once
// (default: one per core, 2-8). `connections=1` is for a server that serves one client at a
// time (PGlite over its socket server) or a pool with one slot: everything then goes over one.
struct PostgresUrl {
  std::string conninfo;  // what libpq connects with (a postgresql:// URI)
  std::string display;   // the URL without the password: safe to print
  std::string password;  // decoded; "" when none (messages are redacted by URL part, not by it)
  int connections = 0;   // connections=N; 0 when not given

  // InvalidArgument naming the part of `url` that is wrong (the URL shown redacted), also for a
  // password that is not validly %-encoded or holds %00, which libpq would quote back.
  static Result<PostgresUrl> Parse(std::string_view url);
};

// A query's result; frees the PGresult. Text format: values as PostgreSQL prints them.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  int columns() const { return PQnfields(r_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  const PGresult* get() const { return r_.get(); }
  std::string_view value(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

class PgConnection {
 public:
  // Connects and prepares the session: TimeZone UTC, DateStyle ISO, extra_float_digits 1 (the
  // shortest text that reads back as the same double, as psql prints float8), UTF8.
  static Result<std::unique_ptr<PgConnection>> Connect(const PostgresUrl& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements, no parameters); the rows are discarded.
  Status Exec(std::string_view sql);
  // Runs one statement with text parameters ($1, $2, ...), returning its rows.
  Result<PgResult> Query(std::string_view sql, const std::vector<std::string>& params = {});

  // Runs `COPY (...) TO STDOUT ...` and passes each data row (as the server sends it, one row
  // per call, with its line end) to `on_row`; a non-OK status from it stops the copy (the
  // connection is reset) and is returned. `rows_sent`, when given, receives the number of rows
  // the server says it sent (its COMMAND tag, "COPY 1234").
  Status CopyOut(std::string_view sql, const std::function<Status(std::string_view row)>& on_row,
                 uint64_t* rows_sent = nullptr);
  // Runs `COPY ... FROM STDIN ...` and sends `data` as its input.
  Status CopyIn(std::string_view sql, std::string_view data);

  // The status for a failure on this connection: `what` ("COPY parking_events"), SQLSTATE from
  // `result` when given, libpq's message, every URL in it redacted.
  Status Error(std::string_view what, const PGresult* result = nullptr) const;

  const std::string& display() const { return url_.display; }

 private:
  PgConnection(PGconn* conn, PostgresUrl url) : conn_(conn), url_(std::move(url)) {}

  PGconn* conn_;
  PostgresUrl url_;
};

// SQL string literal for `text`: 'it''s', safe with standard_conforming_strings (the default).
std::string SqlLiteral(std::string_view text);

}  // namespace vdpark
