// Source text as the lexer sees it: UTF-8 decoded into code points, with a map
// back to byte offsets. ANTLR indexes code points; our SourceRanges are bytes.
// Invalid UTF-8 never throws: each bad byte becomes U+FFFD, flagged invalid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::parse {

/// Decoded text plus the code point -> byte offset map.
struct TextMap {
  std::u32string code_points;
  /// byte_of[i] = byte offset of code point i; byte_of[size] = text size.
  std::vector<uint32_t> byte_of;
  /// invalid[i] is true when code point i replaces an invalid UTF-8 byte.
  std::vector<bool> invalid;
  /// Code point index of the start of each line (line 1 at index 0).
  std::vector<uint32_t> line_starts;

  /// Byte offset of a code point index (clamped to the end of the text).
  uint32_t Byte(size_t cp_index) const;
  /// Byte offset of an ANTLR (1-based line, 0-based code point column) position.
  uint32_t ByteAtLineCol(size_t line, size_t col) const;
};

/// Decodes UTF-8 (rejecting overlongs, surrogates and values above U+10FFFF).
TextMap DecodeUtf8(std::string_view text);

/// Result of unescaping a string literal's body.
struct UnescapeResult {
  std::string value;
  /// Byte offset (within the body) of the first unknown escape, or npos.
  size_t bad_escape = std::string::npos;
};

/// Unescapes `\"`, `\\`, `\n`, `\t` in a string literal body (quotes removed).
UnescapeResult UnescapeString(std::string_view body);


}  // namespace cohort::parse
