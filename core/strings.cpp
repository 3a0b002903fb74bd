#include "core/strings.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace cohort {

static std::string Quote(std::string_view s, bool printable) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (printable && c == '\r') out += "\\r";
        else if (printable && (c < 0x20 || c == 0x7F)) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string QuoteLiteral(std::string_view s) { return Quote(s, false); }
std::string QuoteForDump(std::string_view s) { return Quote(s, true); }

std::string EscapeXml(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
        else out.push_back(c);
    }
  }
  return out;
}

bool CsvFieldNeedsQuotes(std::string_view v) {
  // 8 bytes at a time (keys are short; a batch's key bytes are scanned in
  // one call), then byte by byte; no early exit, no branch per byte.
  const char* p = v.data();
  const size_t n = v.size();
  size_t i = 0;
  uint64_t found = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    found |= BytesEqual(w, ',') | BytesEqual(w, '"') | BytesEqual(w, '\r') | BytesEqual(w, '\n');
  }
  unsigned rest = 0;
  for (; i < n; ++i) {
    const char c = p[i];
    rest |= static_cast<unsigned>(c == ',') | static_cast<unsigned>(c == '"') | static_cast<unsigned>(c == '\r') |
            static_cast<unsigned>(c == '\n');
  }
  return found != 0 || rest != 0;
}

void AppendCsvField(std::string& out, std::string_view v) {
  if (!CsvFieldNeedsQuotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace cohort
