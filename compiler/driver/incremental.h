// Incremental parsing for the language server: a file is split at lines that
// start a declaration (`use`, `const`, `define`, `segment`, `campaign`,
// `test` in column 1) and each declaration is parsed on its own, cached by its
// text. An edit re-parses only the declarations whose text changed. The
// result is used only when every declaration parses cleanly into exactly one
// declaration; otherwise the caller parses the whole file, so diagnostics are
// always those of a whole-file parse (`cohort check`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "compiler/ast/ast.h"
#include "core/schema.h"

namespace cohort {

/// What a compilation may reuse from the previous one (one per open document).
class CompileCache {
 public:
  /// The module of `file`, assembled from cached and freshly parsed
  /// declarations, or null when some declaration does not parse cleanly.
  std::unique_ptr<ast::Module> ParseDeclarations(const SourceManager& sm, FileId file);
  /// Declarations reused / parsed by the last ParseDeclarations() call.
  uint32_t reused() const { return reused_; }
  uint32_t parsed() const { return parsed_; }

 private:
  /// Parsed declarations keyed by their text (ranges relative to the text).
  std::unordered_map<std::string, std::shared_ptr<const ast::Module>> decls_;
  uint32_t reused_ = 0, parsed_ = 0;
};

/// A deep copy of `m` with every range moved by `delta` bytes into `file`.
std::unique_ptr<ast::Module> CloneShifted(const ast::Module& m, uint32_t delta, FileId file);

}  // namespace cohort
