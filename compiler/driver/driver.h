// The one driver API under the CLI, the REPL, the language server and the
// test runner: text in, diagnostics + checked program out.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"
#include "core/ir.h"

namespace cohort {

/// Options of one compilation.
struct CompileOptions {
  std::string file_name = "<input>";        ///< shown in diagnostics
  std::string base_dir = ".";               ///< `use "x.schema"` is relative to this
  std::shared_ptr<const Schema> schema;     ///< overrides `use` when set
  std::optional<int32_t> today;             ///< fold `today` when known
  bool fold = true;
  bool warn_unused = true;
};

/// Everything a compilation produced. `program` is null when there were errors.
struct CompileResult {
  std::shared_ptr<SourceManager> sources;
  FileId file = 0;
  DiagnosticBag diags;
  std::unique_ptr<ast::Module> ast;
  std::shared_ptr<const Schema> schema;
  std::shared_ptr<ir::Program> program;
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

/// Diagnostics as a JSON array (`cohort check --format json`).
std::string DiagnosticsToJson(const std::vector<const CompileResult*>& results);

}  // namespace cohort
