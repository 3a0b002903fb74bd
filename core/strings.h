// Quoting of string values, shared by the formatter and the AST/IR dumps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

/// SWAR byte compare: the high bit of exactly the bytes of `w` equal to `c`
/// (no borrow crosses bytes). Shared by the CSV scanner's portable path and
/// CsvFieldNeedsQuotes.
inline uint64_t BytesEqual(uint64_t w, unsigned char c) {
  const uint64_t x = w ^ (0x0101010101010101ULL * c);
  const uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL;
  return ~(((x & lo7) + lo7) | x | lo7);
}

/// A Cohort string literal the lexer reads back as `s`: escapes `"`, `\`,
/// newline and tab; every other byte is kept as is (used by `cohort fmt`).
std::string QuoteLiteral(std::string_view s);

/// A quoted, printable rendering for dumps: like QuoteLiteral, plus `\r` and
/// `\xNN` for other control bytes, so a dump is always one line per value.
std::string QuoteForDump(std::string_view s);

/// Text for XML/HTML content and attribute values: `& < > " '` escaped, and
/// control characters other than tab, CR and LF (forbidden in XML 1.0 even
/// escaped) replaced by `?`.
std::string EscapeXml(std::string_view s);

/// Whether AppendCsvField quotes `v` (it holds a comma, quote, CR or LF).
bool CsvFieldNeedsQuotes(std::string_view v);
/// Appends `v` as one CSV field (RFC 4180), quoted when it holds , " CR or LF.
void AppendCsvField(std::string& out, std::string_view v);

}  // namespace cohort
