#include "store/postgres/postgres_connection.h"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <string>

#include "common/percent_encoding.h"
#include "common/redact_url.h"

namespace vdpark {

namespace {

// A password as the URL spells it, %-escapes decoded; nullopt for a broken escape or a %00,
// which libpq would refuse quoting the password in its message.
std::optional<std::string> DecodePassword(std::string_view s) {
  auto decoded = PercentDecode(s, false);
  if (!decoded || decoded->find('\0') != std::string::npos) return std::nullopt;
  return decoded;
}

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}

// libpq's messages end with a line feed and may span lines: one line reads better in a Status.
std::string OneLine(std::string_view text) {
  std::string out(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  ReplaceAll(&out, "\n", " ");
  return out;
}

}  // namespace

Result<PostgresUrl> PostgresUrl::Parse(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("store URL '" + RedactUrl(url) + "': " + std::string(why));
  };
  constexpr std::string_view kBadPassword =
      "the password is not validly percent-encoded (a '%' not followed by two hex digits, or %00)";
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return bad("expected postgres://user:password@host:port/database");
  }
  std::string_view scheme = url.substr(0, sep);
  if (scheme != "postgres" && scheme != "postgresql" && scheme != "timescale") {
    return bad("the scheme must be postgres://, postgresql:// or timescale://");
  }
  std::string_view rest = url.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);

  PostgresUrl out;
  std::string shown_authority(authority);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      auto password = DecodePassword(userinfo.substr(colon + 1));
      if (!password) return bad(kBadPassword);
      out.password = std::move(*password);
      shown_authority = std::string(userinfo.substr(0, colon)) + std::string(authority.substr(at));
    }
  }
  // A password may also come as a query parameter; it is not shown either. connections= is
  // vdpark's, not libpq's: libpq would refuse it.
  std::string shown_tail(tail), libpq_tail(tail);
  size_t q = tail.find('?');
  if (q != std::string_view::npos) {
    std::string shown, for_libpq;
    std::string_view query = tail.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view param = query.substr(0, amp);
      if (param.starts_with("connections=")) {
        const std::string_view n = param.substr(12);
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), out.connections);
        if (ec != std::errc() || end != n.data() + n.size() || out.connections < 1 ||
            out.connections > 64) {
          return bad("connections=" + std::string(n).substr(0, 20) +
                     ": expected a number from 1 to 64");
        }
      } else if (!param.empty()) {
        for_libpq += for_libpq.empty() ? '?' : '&';
        for_libpq += param;
      }
      if (param.starts_with("password=")) {
        auto password = DecodePassword(param.substr(9));
        if (!password) return bad(kBadPassword);
        out.password = std::move(*password);
      } else if (!param.empty()) {
        shown += shown.empty() ? '?' : '&';
        shown += param;
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    shown_tail = std::string(tail.substr(0, q)) + shown;
    libpq_tail = std::string(tail.substr(0, q)) + for_libpq;
  }
  out.conninfo = "postgresql://" + std::string(authority) + libpq_tail;
  // Any other secret in the query (sslpassword=) is masked too.
  out.display = RedactUrl(std::string(scheme) + "://" + shown_authority + shown_tail);
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const PostgresUrl& url) {
  PGconn* conn = PQconnectdb(url.conninfo.c_str());
  if (conn == nullptr) return Status::Internal(url.display + ": libpq is out of memory");
  std::unique_ptr<PgConnection> c(new PgConnection(conn, url));
  // Server notices ("relation ... already exists, skipping") would go to stderr by default.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = c->Error("connect");
    // A server that answers but refuses us is a wrong URL, not a server to wait for.
    const std::string& m = s.message();
    if (m.find("authentication failed") != std::string::npos ||
        m.find("does not exist") != std::string::npos) {
      return Status::InvalidArgument(m);
    }
    return Status::Unavailable(m);
  }
  VDPARK_RETURN_IF_ERROR(
      c->Exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; "
              "SET client_encoding = 'UTF8'; SET IntervalStyle = 'postgres'"));
  return c;
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

Status PgConnection::Error(std::string_view what, const PGresult* result) const {
  std::string message = url_.display + ": " + std::string(what) + ": ";
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr) message += std::string("SQLSTATE ") + state + ": ";
  const char* text = result ? PQresultErrorMessage(result) : nullptr;
  if (text == nullptr || *text == '\0') text = PQerrorMessage(conn_);
  message += OneLine(text);
  // libpq quotes the whole URL in some messages ("invalid URI ...: \"postgresql://...\""), where
  // a quote or a space in the password would end the URL early for RedactUrlsIn: that URL,
  // known whole, is redacted first. Never the password's own text: a short one ("x") would turn
  // "extension" into "e***tension".
  ReplaceAll(&message, url_.conninfo, RedactUrl(url_.conninfo));
  message = RedactUrlsIn(message);
  if (state != nullptr) {
    std::string_view code(state);
    // 42P01 undefined table, 42703 undefined column, 3F000 undefined schema, 42883 function
    if (code == "42P01" || code == "3F000") return Status::NotFound(message);
    if (code.starts_with("22") || code.starts_with("23") || code.starts_with("42")) {
      return Status::InvalidArgument(message);
    }
    if (code.starts_with("08") || code.starts_with("57")) return Status::Unavailable(message);
  }
  return Status::IOError(message);
}

Status PgConnection::Exec(std::string_view sql) {
  return Query(sql).status();
}

Result<PgResult> PgConnection::Query(std::string_view sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  std::string text(sql);
  PGresult* r = params.empty() ? PQexec(conn_, text.c_str())
                               : PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0);
  PgResult result(r);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return Error(text.substr(0, text.find_first_of("(\n")).substr(0, 60), r);
  }
  return result;
}

Status PgConnection::CopyOut(std::string_view sql,
                             const std::function<Status(std::string_view row)>& on_row,
                             uint64_t* rows_sent) {
  std::string text(sql);
  {
    PgResult start(PQexec(conn_, text.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_OUT) return Error("COPY TO", start.get());
  }
  Status stopped;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_, &buf, 0);
    if (n == -1) break;  // done: the final result follows
    if (n == -2) return Error("COPY TO");
    Status s = on_row(std::string_view(buf, static_cast<size_t>(n)));
    PQfreemem(buf);
    if (!s.ok()) {
      stopped = s;
      break;
    }
  }
  if (!stopped.ok()) {
    // Stop the server sending the rest, and take what is in flight, so the connection can run
    // the next statement.
    if (PGcancel* cancel = PQgetCancel(conn_)) {
      char err[256];
      PQcancel(cancel, err, sizeof err);
      PQfreeCancel(cancel);
    }
    for (;;) {
      char* buf = nullptr;
      int n = PQgetCopyData(conn_, &buf, 0);
      if (n < 0) break;
      PQfreemem(buf);
    }
  }
  Status final_status;
  while (PGresult* r = PQgetResult(conn_)) {
    PgResult end(r);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && final_status.ok()) {
      final_status = Error("COPY TO", r);
    } else if (rows_sent != nullptr) {
      *rows_sent = std::strtoull(PQcmdTuples(r), nullptr, 10);  // "COPY 1234"
    }
  }
  if (!stopped.ok()) return stopped;
  return final_status;
}

Status PgConnection::CopyIn(std::string_view sql, std::string_view data) {
  std::string text(sql);
  {
    PgResult start(PQexec(conn_, text.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) return Error("COPY FROM", start.get());
  }
  // libpq takes an int length: send large inputs in pieces.
  constexpr size_t kPiece = size_t{1} << 20;
  for (size_t off = 0; off < data.size(); off += kPiece) {
    std::string_view piece = data.substr(off, kPiece);
    if (PQputCopyData(conn_, piece.data(), static_cast<int>(piece.size())) != 1) {
      PQputCopyEnd(conn_, "send failed");
      while (PGresult* r = PQgetResult(conn_)) PQclear(r);
      return Error("COPY FROM");
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) return Error("COPY FROM");
  Status status;
  while (PGresult* r = PQgetResult(conn_)) {
    PgResult end(r);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && status.ok()) status = Error("COPY FROM", r);
  }
  return status;
}

std::string SqlLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace vdpark
