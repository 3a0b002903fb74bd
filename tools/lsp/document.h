// One open document of the language server: its text, the position mapping
// for the negotiated encoding, and its latest compilation. Internal to
// tools/lsp/ (no JSON here).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/driver/driver.h"

namespace cohort::lsp {

/// An LSP position: 0-based line and character in the negotiated code units.
struct Position {
  uint32_t line = 0;
  uint32_t character = 0;
};

/// Maps byte offsets of a text to LSP positions and back (UTF-16 or UTF-8 units).
class LineIndex {
 public:
  LineIndex() = default;
  LineIndex(const std::string& text, bool utf8);
  Position ToPosition(uint32_t offset) const;
  /// Byte offset of a position; clamped to the line and the text.
  uint32_t ToOffset(Position p) const;

 private:
  const std::string* text_ = nullptr;
  bool utf8_ = false;
  std::vector<uint32_t> starts_;
};

/// An open document and its analysis.
struct Document {
  std::string uri;
  std::string path;        ///< file-system path from the uri ("" if not a file uri)
  std::string text;
  int64_t version = 0;
  bool dirty = true;       ///< diagnostics not yet published for `text`
  std::shared_ptr<CompileResult> result;  ///< compilation of `text` (null until needed)
  /// The latest compilation, possibly of an older text: completion answers
  /// from its side table at once instead of waiting for a recompile.
  std::shared_ptr<CompileResult> last;
  std::shared_ptr<CompileCache> cache = MakeCompileCache();  ///< unchanged declarations are not re-parsed
  std::shared_ptr<const Schema> schema;   ///< last schema that resolved (completion in broken files)
  LineIndex index;         ///< over `text`
};

/// `file:///a%20b/c.cohort` -> `/a b/c.cohort` ("" for other schemes).
std::string UriToPath(const std::string& uri);
/// `/a b/c.cohort` -> `file:///a%20b/c.cohort`.
std::string PathToUri(const std::string& path);

}  // namespace cohort::lsp
