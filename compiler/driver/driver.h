// The one driver API under the CLI, the REPL, the language server and the
// test runner: text in, diagnostics + checked program + checked tests + the
// name-resolution side table out. Every phase (parse, schema, check, test
// blocks, companion `X_test.cohort` files, strict lints, fold, verify) runs
// here; callers include no compiler/parse or compiler/sema header.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/driver/names.h"
#include "core/diagnostic.h"
#include "core/ir.h"
#include "core/test_ir.h"

namespace cohort {

class CompileCache;  // compiler/driver/incremental.h

/// Options of one compilation.
struct CompileOptions {
  std::string file_name = "<input>";        ///< shown in diagnostics
  std::string base_dir = ".";               ///< `use "x.schema"` is relative to this
  std::shared_ptr<const Schema> schema;     ///< overrides `use` when set
  std::optional<int32_t> today;             ///< fold `today` when known
  bool fold = true;
  bool warn_unused = true;
  /// Check `test` blocks (fixtures against the schema, expectation names
  /// against the program). A file named `X_test.cohort` with `X.cohort` beside
  /// it is always checked as X's companion: X's segments, campaigns and
  /// channels are what its expectations name.
  bool check_tests = true;
  /// Also check the companion `X_test.cohort` of `X.cohort` when it exists and
  /// add its cases to `tests` (`cohort test`; `cohort check` lists the
  /// companion as a file of its own, so it reports each problem once).
  bool companion_tests = false;
  /// Run the strict lints and apply the STRICT severities of diagnostics.def.
  bool strict = false;
  /// Reuse unchanged declarations of the previous compilation of the same
  /// document (the language server keeps one per document; see MakeCompileCache).
  std::shared_ptr<CompileCache> cache;
  /// Leave CompileResult::names empty; BuildNames() adds it later (the
  /// language server publishes diagnostics first, then builds the table).
  /// Ignored for `X_test.cohort` files, whose table needs X's tree.
  bool defer_names = false;
};

/// A cache for CompileOptions::cache.
std::shared_ptr<CompileCache> MakeCompileCache();

/// Everything a compilation produced. `program` is null when there were errors.
struct CompileResult {
  std::shared_ptr<SourceManager> sources;
  FileId file = 0;
  DiagnosticBag diags;
  std::unique_ptr<ast::Module> ast;
  std::shared_ptr<const Schema> schema;
  std::shared_ptr<ir::Program> program;
  /// The checked test cases (own `test` blocks, companion tests when asked).
  std::vector<test::Case> tests;
  /// Name occurrences of `ast` (built whenever there is a tree, also for files
  /// with errors; its schema() then comes from a silent `use` resolution).
  std::shared_ptr<const NameTable> names;
  /// Non-empty when the IR verifier rejected the checker's output: a bug in
  /// Cohort, not in the user's file (the CLI reports it and exits 4).
  std::string internal_error;
  bool ok() const { return program != nullptr && !diags.has_errors(); }
};

/// Parses, resolves the schema, checks and (optionally) folds `text`.
CompileResult Compile(std::string text, const CompileOptions& options);
/// Reads `path` and compiles it (base_dir = the file's directory). A file that
/// cannot be read gives an E0501 diagnostic.
CompileResult CompileFile(const std::string& path, CompileOptions options);

/// Builds `r.names` if a deferred compilation (CompileOptions::defer_names)
/// left it empty; `options` are those of that compilation.
void BuildNames(CompileResult& r, const CompileOptions& options);

/// Parses `text` only (no schema, no checking): the REPL splits input into
/// declarations with it. `ast` is always set; `diags` holds syntax errors.
CompileResult ParseOnly(std::string text, const std::string& file_name);

/// Drops the parser's shared caches (the language server calls this
/// periodically so memory stays flat over thousands of edits).
void ClearCompilerCaches();

/// `X_test.cohort` -> true.
bool IsTestFileName(const std::string& path);
/// `dir/X_test.cohort` -> `dir/X.cohort` (the file its tests are about).
std::string SubjectOfTestFile(const std::string& test_file);

/// Diagnostics as a JSON array (`cohort check --format json`).
std::string DiagnosticsToJson(const std::vector<const CompileResult*>& results);

}  // namespace cohort

namespace cohort {

/// Issue 12: a program that reads contact history (`contacted`, a campaign
/// `cap`) needs the contact ledger: without `--ledger` it is E0702, or E0703
/// when records come from a `--source` database (which gets the ledger's
/// history uploaded when one is given).
/// Returns the error located at the first use, or nullopt when the run can go on.
std::optional<Diagnostic> LedgerDiagnostic(const CompileResult& r, bool has_ledger, bool from_source);

}  // namespace cohort
