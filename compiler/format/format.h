// The canonical layout of a `.cohort` file (`cohort fmt`, LSP formatting).
// Works from the parsed tree plus the comments the parser keeps, so there is
// no second parser: the output re-parses to the same tree (meaning preserved).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"

namespace cohort::format {

/// Layout knobs. The defaults are the canonical style; tests may narrow them.
struct FormatOptions {
  uint32_t width = 88;  ///< lines longer than this break before `and`/`or`
};

/// Lays out a module that parsed without errors. `text` is the source it was
/// parsed from (literals and comments are copied from it verbatim).
std::string FormatModule(const ast::Module& m, std::string_view text, const FormatOptions& options = {});

/// The outcome of formatting one file.
struct FormatResult {
  bool ok = false;                          ///< false when the file has syntax errors
  std::string text;                         ///< the formatted text (when ok)
  std::shared_ptr<SourceManager> sources;   ///< for rendering `diags`
  DiagnosticBag diags;                      ///< syntax errors (nothing formatted then)
  /// Non-empty when the formatted text would not re-parse to the same tree:
  /// a formatter bug; the file is left untouched.
  std::string internal_error;
};

/// Parses `text` and formats it; files with syntax errors are left alone.
FormatResult FormatSource(std::string name, std::string text, const FormatOptions& options = {});

}  // namespace cohort::format
