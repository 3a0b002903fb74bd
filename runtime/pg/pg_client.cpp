// libpq client (see pg_client.h).
#include "runtime/pg/pg_client.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace cohort::pg {

namespace {

std::string ReplaceAll(std::string s, const std::string& what, const std::string& with) {
  if (what.empty()) return s;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) s.replace(at, what.size(), with);
  return s;
}

/// The password given in a conninfo string, if any.
std::string ConninfoPassword(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err) PQfreemem(err);
  std::string password;
  if (!opts) return password;
  for (PQconninfoOption* o = opts; o->keyword; ++o)
    if (std::strcmp(o->keyword, "password") == 0 && o->val) password = o->val;
  PQconninfoFree(opts);
  return password;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string Scrub(std::string_view s, const std::string& conninfo) {
  std::string out(s);
  std::string pw = ConninfoPassword(conninfo);
  if (pw.size() >= 1) out = ReplaceAll(out, pw, "***");
  if (const char* env = std::getenv("PGPASSWORD"); env && *env) out = ReplaceAll(out, env, "***");
  // A URI may carry the password in `user:password@` form even when libpq
  // could not parse the rest.
  size_t scheme = out.find("://");
  while (scheme != std::string::npos) {
    size_t at = out.find('@', scheme);
    size_t colon = out.find(':', scheme + 3);
    size_t end = out.find_first_of(" /?\"'", scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at && (end == std::string::npos || at < end))
      out.replace(colon + 1, at - colon - 1, "***");
    scheme = out.find("://", scheme + 3);
  }
  return out;
}

bool LooksLikeConninfo(std::string_view s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0 || s.find('=') != std::string_view::npos;
}

struct Connection::Impl {
  PGconn* conn = nullptr;
  std::string conninfo;
  std::string Error() const { return Scrub(Trim(PQerrorMessage(conn)), conninfo); }
  ~Impl() {
    if (conn) PQfinish(conn);
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

std::unique_ptr<Connection> Connection::Open(const std::string& conninfo, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->conninfo = conninfo;
  impl->conn = PQconnectdb(conninfo.c_str());
  if (!impl->conn) {
    *error = "out of memory connecting to PostgreSQL";
    return nullptr;
  }
  if (PQstatus(impl->conn) != CONNECTION_OK) {
    *error = impl->Error();
    return nullptr;
  }
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

bool Connection::Exec(const std::string& sql, std::string* error) {
  PGresult* r = PQexec(impl_->conn, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) *error = Scrub(Trim(PQresultErrorMessage(r)), impl_->conninfo);
  PQclear(r);
  return ok;
}

std::optional<int64_t> Connection::CopyCsvToFile(const std::string& query, const std::string& path, std::string* error) {
  std::string sql = "COPY (" + query + ") TO STDOUT (FORMAT csv, HEADER)";
  PGresult* r = PQexec(impl_->conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_OUT) {
    *error = Scrub(Trim(PQresultErrorMessage(r)), impl_->conninfo);
    PQclear(r);
    return std::nullopt;
  }
  PQclear(r);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) *error = "cannot create `" + path + "`: " + std::strerror(errno);
  int64_t total = 0;
  bool write_ok = fd >= 0;
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(impl_->conn, &buf, 0);
    if (n == -1) break;  // done
    if (n == -2) {
      *error = impl_->Error();
      write_ok = false;
      break;
    }
    if (write_ok) {
      for (int done = 0; done < n;) {
        ssize_t w = ::write(fd, buf + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          *error = "cannot write `" + path + "`: " + std::strerror(errno);
          write_ok = false;
          break;
        }
        done += static_cast<int>(w);
      }
      total += n;
    }
    PQfreemem(buf);
  }
  // The final result of the COPY (errors raised while streaming land here).
  while (PGresult* fin = PQgetResult(impl_->conn)) {
    if (PQresultStatus(fin) != PGRES_COMMAND_OK && write_ok) {
      *error = Scrub(Trim(PQresultErrorMessage(fin)), impl_->conninfo);
      write_ok = false;
    }
    PQclear(fin);
  }
  if (fd >= 0 && ::close(fd) != 0 && write_ok) {
    *error = "cannot write `" + path + "`: " + std::strerror(errno);
    write_ok = false;
  }
  if (!write_ok) return std::nullopt;
  return total;
}

bool Connection::CopyIn(const std::string& copy_sql, const std::function<bool(std::string* chunk)>& next,
                        std::string* error) {
  PGresult* r = PQexec(impl_->conn, copy_sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    *error = Scrub(Trim(PQresultErrorMessage(r)), impl_->conninfo);
    PQclear(r);
    return false;
  }
  PQclear(r);
  bool ok = true;
  std::string chunk;
  for (;;) {
    chunk.clear();
    const bool more = next(&chunk);
    if (!chunk.empty() && PQputCopyData(impl_->conn, chunk.data(), static_cast<int>(chunk.size())) != 1) {
      *error = impl_->Error();
      ok = false;
      break;
    }
    if (!more) break;
  }
  if (PQputCopyEnd(impl_->conn, ok ? nullptr : "cancelled by the client") != 1 && ok) {
    *error = impl_->Error();
    ok = false;
  }
  while (PGresult* fin = PQgetResult(impl_->conn)) {
    if (PQresultStatus(fin) != PGRES_COMMAND_OK && ok) {
      // Not the message: a data error quotes the offending value.
      const char* state = PQresultErrorField(fin, PG_DIAG_SQLSTATE);
      *error = std::string("the server refused the data (SQLSTATE ") + (state ? state : "unknown") + ")";
      ok = false;
    }
    PQclear(fin);
  }
  return ok;
}

bool Connection::StreamQuery(const std::string& sql, std::vector<std::string>* columns,
                             const std::function<void(const Row&)>& on_row, std::string* error) {
  if (!PQsendQuery(impl_->conn, sql.c_str())) {
    *error = impl_->Error();
    return false;
  }
  PQsetSingleRowMode(impl_->conn);
  bool ok = true;
  Row row;
  while (PGresult* r = PQgetResult(impl_->conn)) {
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_SINGLE_TUPLE) {
      const int n = PQnfields(r);
      if (columns && columns->empty())
        for (int i = 0; i < n; ++i) columns->push_back(PQfname(r, i));
      row.assign(static_cast<size_t>(n), std::nullopt);
      for (int i = 0; i < n; ++i)
        if (!PQgetisnull(r, 0, i)) row[static_cast<size_t>(i)] = std::string_view(PQgetvalue(r, 0, i), static_cast<size_t>(PQgetlength(r, 0, i)));
      if (ok) on_row(row);
    } else if (st == PGRES_TUPLES_OK) {
      if (columns && columns->empty())
        for (int i = 0; i < PQnfields(r); ++i) columns->push_back(PQfname(r, i));
    } else if (ok) {
      *error = Scrub(Trim(PQresultErrorMessage(r)), impl_->conninfo);
      ok = false;
    }
    PQclear(r);
  }
  return ok;
}

}  // namespace cohort::pg
