// `cohort sql`: print the SQL that computes the lists (or summary.json's
// counters, or the tables' DDL) of a segment file in a SQL dialect.
#include <cstdio>
#include <iostream>

#include "compiler/driver/driver.h"
#include "compiler/sql/sql.h"
#include "core/dates.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdSql(Args& args) {
  auto dialect_s = args.Value("--dialect");
  auto today_s = args.Value("--today");
  bool ddl = args.Flag("--ddl");
  bool summary = args.Flag("--summary");
  bool manifest = args.Flag("--manifest");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "sql");
  if (files.size() != 1) return UsageError("expected exactly one segment file", "sql");
  if (ddl && summary) return UsageError("--ddl and --summary cannot be combined", "sql");
  sql::Dialect dialect = sql::Dialect::kPostgres;
  if (dialect_s) {
    auto d = sql::ParseDialect(*dialect_s);
    if (!d) return UsageError("unknown dialect `" + *dialect_s + "`; use `postgres`, `duckdb` or `spark`", "sql");
    dialect = *d;
  }
  int32_t today = TodayUtc();
  if (today_s) {
    auto t = ParseDay(*today_s);
    if (!t) return UsageError("--today must be a date `YYYY-MM-DD`", "sql");
    today = *t;
  }
  CompileResult r;
  if (int code = CompileForRun(files[0], today, &r)) return code;
  const bool color = UseColor();
  if (manifest) {
    // The list files `cohort run` writes, for tools that lay out query rows.
    std::cout << sql::ListManifestJson(*r.program);
    return kExitOk;
  }
  if (ddl) {
    std::cout << sql::EmitDdl(*r.program->schema, dialect);
    return kExitOk;
  }
  sql::SqlOptions so;
  so.dialect = dialect;
  so.today = today;
  so.source_name = files[0];
  DiagnosticBag diags;
  std::string text = summary ? sql::EmitSummaryQuery(*r.program, so, &diags) : sql::EmitListQuery(*r.program, so, &diags);
  for (const auto& d : diags.all()) std::fputs(RenderText(d, *r.sources, color).c_str(), stderr);
  if (diags.has_errors()) return kExitDiagnostics;
  std::cout << text;
  return kExitOk;
}

}  // namespace cohort::cli
