// Checking a file that has syntax errors (issue 14). The parser resynchronizes
// at every line that starts with a declaration keyword (a "chunk"); a chunk
// with a syntax error is a broken declaration. The rest of the file is checked
// as usual: each broken declaration is replaced by a stub that only declares
// its name (declared-but-broken: references to it check silently, its body is
// an error placeholder), and no semantic diagnostic inside a broken chunk is
// reported (its syntax errors say what is wrong there).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"

namespace cohort {

/// The file's chunks as the parser splits them: byte offsets where a
/// declaration keyword is the first token of its line (not followed by `:`,
/// which makes it a fixture field); offset 0 always starts the first chunk.
std::vector<uint32_t> ChunkStarts(std::string_view text);

/// What SemanticView() made of a module with syntax errors.
struct RecoveredModule {
  /// The module to check: clean declarations plus one stub per broken one.
  std::unique_ptr<ast::Module> module;
  /// Byte ranges [begin, end) of the broken chunks.
  std::vector<std::pair<uint32_t, uint32_t>> broken;
  /// Identifiers written in the broken chunks (a const or define they name is
  /// not reported unused).
  std::vector<std::string> broken_words;
  /// Does `offset` lie in a broken chunk?
  bool InBroken(uint32_t offset) const;
};

/// The module to check after the syntax errors `syntax` (from parsing `text`
/// into `m`), or null when the file cannot be checked meaningfully: a parse
/// that stopped early (E0005, E0009, an error without a location) or a broken
/// `use` (the schema is then unknown).
std::unique_ptr<RecoveredModule> SemanticView(const ast::Module& m, std::string_view text, FileId file,
                                              const DiagnosticBag& syntax);

/// Moves the semantic diagnostics of `checked` that belong to clean
/// declarations into `out`.
void KeepCleanDiagnostics(const RecoveredModule& view, FileId file, DiagnosticBag& checked, DiagnosticBag& out);

}  // namespace cohort
