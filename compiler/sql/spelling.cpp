// Per-dialect spellings of identifiers, literals and types.
#include <fmt/format.h>

#include "compiler/sql/emitter.h"
#include "core/dates.h"

namespace cohort::sql {

std::string_view DialectName(Dialect d) {
  switch (d) {
    case Dialect::kPostgres: return "postgres";
    case Dialect::kDuckDb: return "duckdb";
    case Dialect::kSpark: return "spark";
  }
  return "?";
}

std::optional<Dialect> ParseDialect(std::string_view name) {
  if (name == "postgres" || name == "postgresql" || name == "pg") return Dialect::kPostgres;
  if (name == "duckdb") return Dialect::kDuckDb;
  if (name == "spark" || name == "sparksql") return Dialect::kSpark;
  return std::nullopt;
}

std::string TableName(std::string_view file) {
  std::string_view f = file;
  size_t slash = f.find_last_of('/');
  if (slash != std::string_view::npos) f = f.substr(slash + 1);
  if (f.size() > 4 && f.substr(f.size() - 4) == ".csv") f = f.substr(0, f.size() - 4);
  return std::string(f);
}

std::string Spelling::Ident(std::string_view name) const {
  const char q = spark() ? '`' : '"';
  std::string out(1, q);
  for (char c : name) {
    if (c == q) out.push_back(q);
    out.push_back(c);
  }
  out.push_back(q);
  return out;
}

std::string Spelling::Str(std::string_view s) const {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += spark() ? "\\'" : "''";
    else if (c == '\\' && spark()) out += "\\\\";
    else out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string Spelling::Int(int64_t v) const {
  if (v == INT64_MIN) return "CAST('-9223372036854775808' AS BIGINT)";
  if (spark()) return fmt::format("{}L", v);
  if (v >= INT32_MIN && v <= INT32_MAX) return fmt::format("{}", v);
  return fmt::format("CAST('{}' AS BIGINT)", v);
}

std::string Spelling::Double(double v) const {
  // Through a string: a bare 0.1 is an exact NUMERIC/DECIMAL in every dialect,
  // and arithmetic on it would not be IEEE double arithmetic.
  return fmt::format("CAST('{}' AS {})", v, Type(TypeKind::kDecimal));
}

std::string Spelling::Date(int32_t days) const { return "DATE '" + FormatDate(days) + "'"; }

std::string Spelling::Timestamp(int64_t micros) const {
  std::string iso = FormatTimestamp(micros);  // YYYY-MM-DDTHH:MM:SS[.ffffff]Z
  iso[10] = ' ';
  iso.pop_back();
  return "TIMESTAMP '" + iso + "'";
}

std::string Spelling::Type(TypeKind k) const {
  switch (k) {
    case TypeKind::kBool: return "BOOLEAN";
    case TypeKind::kInt: return "BIGINT";
    // Cohort's decimal is an IEEE double; DECIMAL would round (DuckDB's
    // default scale is 3) and compute exactly where the engines do not.
    case TypeKind::kDecimal: return pg() ? "DOUBLE PRECISION" : "DOUBLE";
    case TypeKind::kDate: return "DATE";
    case TypeKind::kTimestamp: return "TIMESTAMP";
    default: return spark() ? "STRING" : "TEXT";
  }
}

std::string Spelling::Null(TypeKind k) const { return "CAST(NULL AS " + Type(k) + ")"; }

}  // namespace cohort::sql
