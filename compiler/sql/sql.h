// The SQL engine: checked IR -> one SQL query per program, in three dialects
// (PostgreSQL, DuckDB, Spark SQL). The query returns exactly the rows
// `cohort run` writes (every channel list and holdout list of every segment,
// campaign priority, consent and holdout applied), sorted by bytes. Semantics
// are the engines', not similar ones: Kleene logic, two-valued quantifiers,
// month-end clamping, whole-UTC-day windows, checked int64 arithmetic (an
// overflow is missing), the MD5 holdout rule of core/md5.h. A construct a
// dialect cannot express is a diagnostic (E0601), never a different answer.
//
// Tables: the records file and each list file, named after the CSV file
// without `.csv`, columns named as the CSV headers (EmitDdl).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"
#include "core/ir.h"

namespace cohort::sql {

/// The SQL dialects the emitter writes.
enum class Dialect : uint8_t { kPostgres, kDuckDb, kSpark };

/// `postgres`, `duckdb`, `spark`.
std::string_view DialectName(Dialect d);
/// Parses a dialect name (also `postgresql`, `pg`); nullopt when unknown.
std::optional<Dialect> ParseDialect(std::string_view name);

/// Options of one emission.
struct SqlOptions {
  Dialect dialect = Dialect::kPostgres;
  int32_t today = 0;        ///< the run date (days since epoch); `now` is today 00:00Z
  std::string source_name;  ///< shown in the header comment ("" = none)
  /// When set, the list and summary queries read every record's decisions
  /// from this table (created by EmitDecisionsTable) instead of computing
  /// them: `cohort run --pushdown` evaluates the segments once for both.
  std::string decisions_table;
};

/// The list query: columns `segment, list, key, send_on, message, cta`, then
/// one text column per exported field (the union over segments, in schema
/// order; NULL where a segment does not export it). Returns "" and fills
/// `diags` when the dialect cannot express the program.
std::string EmitListQuery(const ir::Program& program, const SqlOptions& options, DiagnosticBag* diags);

/// The summary query: columns `segment, item, value` (value BIGINT), one row
/// per counter of summary.json, in its order. Global rows have segment ''
/// (`records`, `events.rows`, `events.unmatched`); campaign takes are rows of
/// the campaign (`taken:<by>><from>`, only counts above zero).
std::string EmitSummaryQuery(const ir::Program& program, const SqlOptions& options, DiagnosticBag* diags);

/// The decisions of every record (the clause truths, membership, campaign
/// takes, holdout and list flags the list and summary queries read): the
/// statement `CREATE TEMP TABLE table AS ...`; then set
/// SqlOptions::decisions_table = table for the list and summary queries.
std::string EmitDecisionsTable(const ir::Program& program, const SqlOptions& options, const std::string& table,
                               DiagnosticBag* diags);

/// CREATE TABLE statements for the schema's records file and list files, so
/// `COPY t FROM 'file.csv' (FORMAT csv, HEADER)` loads the pinned CSV layout.
std::string EmitDdl(const Schema& schema, Dialect dialect);

/// The list files of `cohort run` as JSON: per segment (in order) its name,
/// the list names (channels in step order, then `holdout`) and the channel
/// lists' CSV header, for tools that write query rows into the OUT layout.
std::string ListManifestJson(const ir::Program& program);

/// A query that reads one data file's table back in the pinned CSV layout.
struct ExtractQuery {
  std::string file;   ///< `patients.csv`
  std::string table;  ///< `patients`
  std::string query;  ///< SELECT with columns named and formatted as the CSV's
};
/// PostgreSQL queries that read the schema's tables as the pinned CSV layout
/// prints them (booleans `true`/`false`, timestamps `...T..Z` in UTC, dates
/// ISO), so `COPY (q) TO STDOUT (FORMAT csv, HEADER)` feeds the CSV loader
/// unchanged. Needs `SET DateStyle = ISO` and `SET TimeZone = 'UTC'`.
std::vector<ExtractQuery> EmitExtractQueries(const Schema& schema);

/// Table name of a data file: the file name without `.csv`.
std::string TableName(std::string_view file);

}  // namespace cohort::sql
