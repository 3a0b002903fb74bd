// Incremental parsing for the language server: a file is split at lines that
// start a declaration (`use`, `const`, `define`, `segment`, `campaign`,
// `test` in column 1) and each declaration is parsed on its own, cached by its
// text. An edit re-parses only the declarations whose text changed. The
// result is used only when every declaration parses cleanly into exactly one
// declaration; otherwise the caller parses the whole file, so diagnostics are
// always those of a whole-file parse (`cohort check`).
#pragma once

#include <cstdint>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <functional>
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
  /// Hands back the module the last ParseDeclarations() returned (its
  /// compilation is being replaced): the next call moves its unchanged
  /// declarations into the new module, shifting their ranges in place,
  /// instead of copying them. Any other module is ignored.
  void Recycle(std::unique_ptr<ast::Module> previous);
  /// Forgets the last output (it was not kept: Recycle() must not accept a
  /// new module at the same address).
  void ForgetOutput() { last_output_ = nullptr; }
  /// Declarations reused (moved or copied) / parsed / moved by the last
  /// ParseDeclarations() call.
  uint32_t reused() const { return reused_; }
  uint32_t parsed() const { return parsed_; }
  uint32_t moved() const { return moved_; }

 private:
  static constexpr size_t kNone = SIZE_MAX;
  /// A declaration's text: its parse (ranges relative to the text) and where
  /// it is in the last output (byte offset; index in `order`, or kNone).
  struct Entry {
    std::shared_ptr<const ast::Module> parsed;
    uint32_t begin = 0;
    size_t index = kNone;
  };
  /// Hashes a text given as a string or a string_view (lookups copy nothing).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Entry, TextHash, std::equal_to<>>;
  Map decls_;
  const ast::Module* last_output_ = nullptr;
  std::unique_ptr<ast::Module> recycled_;
  uint32_t reused_ = 0, parsed_ = 0, moved_ = 0;
};

/// A deep copy of `m` with every range moved by `delta` bytes into `file`.
std::unique_ptr<ast::Module> CloneShifted(const ast::Module& m, uint32_t delta, FileId file);

}  // namespace cohort
