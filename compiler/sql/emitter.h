// Internals of the SQL backend: per-dialect spellings (Spelling) and the
// expression emitter (ExprEmitter). Not a public header.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/sql/sql.h"
#include "core/ir.h"

namespace cohort::sql {

/// How a dialect spells identifiers, literals, types and the few functions
/// whose names differ. Everything that differs between dialects is here or
/// in a `switch (dialect)` next to its one use.
struct Spelling {
  Dialect d;

  bool pg() const { return d == Dialect::kPostgres; }
  bool duck() const { return d == Dialect::kDuckDb; }
  bool spark() const { return d == Dialect::kSpark; }

  /// A quoted identifier: "x" (PostgreSQL, DuckDB) or `x` (Spark).
  std::string Ident(std::string_view name) const;
  /// A string literal (Spark also escapes backslashes).
  std::string Str(std::string_view s) const;
  std::string Bool(bool b) const { return b ? "TRUE" : "FALSE"; }
  /// An int64 literal typed BIGINT.
  std::string Int(int64_t v) const;
  /// A decimal (IEEE double) literal, exact.
  std::string Double(double v) const;
  std::string Date(int32_t days) const;
  std::string Timestamp(int64_t micros) const;
  /// SQL type of a scalar Cohort type (enums and sets are text).
  std::string Type(TypeKind k) const;
  /// `CAST(NULL AS t)`.
  std::string Null(TypeKind k) const;
  /// Byte-order collation suffix for ordering text (` COLLATE "C"` in PostgreSQL).
  std::string ByteOrder() const { return pg() ? " COLLATE \"C\"" : ""; }
};

/// Emits SQL for IR expressions. Row-level columns are read from the row
/// alias `r`; quantifier elements from `q1`, `q2`, ... (innermost last).
class ExprEmitter {
 public:
  ExprEmitter(const ir::Program& p, const SqlOptions& o, DiagnosticBag* diags);

  /// The value of `id` with SQL NULL for missing/unknown.
  std::string Value(ir::ExprId id);
  /// `id` (a condition) as TRUE/FALSE: TRUE only when it is TRUE.
  std::string Truth(ir::ExprId id);
  /// A row-level column of the records table.
  std::string Column(ColumnId c);
  /// The membership column of segment `s` (computed by an earlier CTE).
  static std::string MemberColumn(uint32_t s) { return "#m" + std::to_string(s); }
  /// Spark only: the column holding a list field's elements as an array of structs.
  static std::string ListArrayColumn(ColumnId c) { return "#l" + std::to_string(c); }
  /// Reports that the dialect cannot express `what` (E0601) at `range`.
  void Unsupported(SourceRange range, const std::string& what, const std::string& hint);
  const Spelling& sp() const { return sp_; }
  bool failed() const { return failed_; }

 private:
  struct Scope {
    std::string alias;        ///< q1, q2, ...
    bool is_set = false;      ///< items of a set<string> (the value is alias.v)
    ColumnId column = kNoColumn;
  };

  std::string Literal(const ir::Value& v, const Type& t);
  std::string Compare(const ir::Expr& e);
  std::string Arith(const ir::Expr& e);
  std::string CheckedInt(const std::string& a, const std::string& b, ir::ArithOp op);
  std::string AddDuration(const ir::Expr& e);
  std::string Call(const ir::Expr& e);
  std::string InList(const ir::Expr& e);
  std::string InSet(const ir::Expr& e);
  std::string Quantifier(const ir::Expr& e);
  std::string Aggregate(const ir::Expr& e);
  std::string EnumCode(const std::string& label_sql, const EnumDef& def);
  std::string EnumLabel(const std::string& code_sql, const EnumDef& def);
  std::string ElementField(const Scope& s, uint32_t field);
  std::string SetItems(ColumnId c);
  std::string ListSourceFrom(ColumnId c, const std::string& alias);

  const ir::Program& p_;
  SqlOptions o_;
  Spelling sp_;
  DiagnosticBag* diags_;
  std::vector<Scope> scopes_;
  int next_alias_ = 1;
  bool failed_ = false;
};

// ---- Frequency caps (issue 12, emit_caps.cpp) ----

/// Does a campaign of `p` have a `cap`?
bool HasCaps(const ir::Program& p);
/// Is segment `s` in a campaign with a `cap`?
bool CappedSegment(const ir::Program& p, size_t s);
/// The decision column of segment `s`'s channel `c` list flag (`#l<s>_<c>`),
/// and, for a segment of a capped campaign, its flag before the cap (`#p<s>_<c>`).
std::string ListedColumn(size_t s, size_t c);
std::string PreCapColumn(size_t s, size_t c);
/// The CTEs (each starting with `,\n`) that apply every campaign cap to the
/// rows of CTE `from` (which has `#key`, every uncapped `#l` and every capped
/// `#p` column): runtime/run/decide.cpp ApplyCaps, reading the ledger from the
/// table `contacts`. `*last` is the CTE whose rows also carry every capped `#l`.
std::string CapCtes(const ir::Program& p, const SqlOptions& o, const Spelling& sp, const std::string& from,
                    std::string* last);

}  // namespace cohort::sql
