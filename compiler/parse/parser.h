// The parser: source text -> ast::Module. ANTLR stays behind this header: no
// ANTLR type or header is visible to callers. Syntax errors become
// diagnostics (several per file where recovery allows), never console output.
#pragma once

#include <memory>

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"

namespace cohort {

/// Limits that keep any input from crashing or hanging the parser.
struct ParseLimits {
  uint32_t max_nesting = 200;   ///< parentheses/brackets/unary chains
  uint32_t max_errors = 50;     ///< then E0009 and stop
};

/// Parses one file. Always returns a module (possibly partial after errors).
std::unique_ptr<ast::Module> Parse(const SourceManager& sm, FileId file, DiagnosticBag& diags,
                                   const ParseLimits& limits = {});

/// Drops ANTLR's shared DFA/prediction caches (the language server calls this
/// periodically so memory stays flat over thousands of edits).
void ClearParserCaches();

}  // namespace cohort
