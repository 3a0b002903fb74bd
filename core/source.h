// Source files and byte-offset ranges. Every later phase refers to source text
// only through these types, so no parser type ever leaves compiler/parse/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// Index of a file in a SourceManager; 0 means "no file" (synthesized code).
using FileId = uint32_t;

/// A half-open byte range [begin, end) in one source file.
struct SourceRange {
  FileId file = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
  bool valid() const { return file != 0; }
};

/// A 1-based line and column (columns count bytes of the line, like clang).
struct LineCol {
  uint32_t line = 0;
  uint32_t col = 0;
};

/// One loaded source file: name as given by the user, full text, line starts.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  /// Line and column of a byte offset (clamped to the text).
  LineCol Position(uint32_t offset) const;
  /// The text of a 1-based line, without its newline.
  std::string_view Line(uint32_t line) const;
  /// Byte offset of a 1-based line/column pair (clamped).
  uint32_t Offset(uint32_t line, uint32_t col) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

/// Owns the source files of one compilation; FileIds index into it.
class SourceManager {
 public:
  /// Adds a file and returns its id (never 0).
  FileId Add(std::string name, std::string text);
  const SourceFile& Get(FileId id) const { return *files_.at(id - 1); }
  size_t size() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace cohort
