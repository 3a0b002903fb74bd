// A small libpq client for PostgreSQL as a source and target: connect with the
// usual libpq environment (PGHOST, PGUSER, PGPASSWORD, ...) and ~/.pgpass,
// stream COPY output into a file, stream a query's rows (single-row mode).
// No libpq type leaves this header. A password never appears in an error:
// messages are scrubbed of the conninfo's and PGPASSWORD's password.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::pg {

/// One row of a streamed query: text values, nullopt for NULL.
using Row = std::vector<std::optional<std::string_view>>;

/// A PostgreSQL connection (libpq).
class Connection {
 public:
  /// Connects to `conninfo` (a `postgresql://` URI or `key=value` pairs).
  /// On failure returns nullptr and a message without any password.
  static std::unique_ptr<Connection> Open(const std::string& conninfo, std::string* error);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs statements without results (SET ...).
  bool Exec(const std::string& sql, std::string* error);
  /// `COPY (query) TO STDOUT (FORMAT csv, HEADER)`, streamed into `path`
  /// (created 0600). Returns the bytes written, or nullopt with `error`.
  std::optional<int64_t> CopyCsvToFile(const std::string& query, const std::string& path, std::string* error);
  /// Runs `copy_sql` (a `COPY t (...) FROM STDIN ...` statement) and sends
  /// the data `next` produces: each call fills `*chunk` (cleared before) and
  /// returns false when there is no more. A server error is reported by its
  /// SQLSTATE only: its message may quote a value of the data sent.
  bool CopyIn(const std::string& copy_sql, const std::function<bool(std::string* chunk)>& next, std::string* error);
  /// Runs `sql` and calls `on_row` for each row as it arrives (single-row
  /// mode: memory stays bounded). `columns` receives the column names.
  bool StreamQuery(const std::string& sql, std::vector<std::string>* columns, const std::function<void(const Row&)>& on_row,
                   std::string* error);

 private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// `s` with every occurrence of the password of `conninfo` and of
/// $PGPASSWORD replaced by `***` (for any message that may echo it).
std::string Scrub(std::string_view s, const std::string& conninfo);

/// True for `postgresql://...`, `postgres://...` or a `key=value` conninfo.
bool LooksLikeConninfo(std::string_view s);

}  // namespace cohort::pg
