#include "core/strings.h"

#include <fmt/format.h>

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
  // (string_view::find_first_of calls memchr per byte: a plain loop is faster.)
  bool quote = false;
  for (char c : v) quote |= c == ',' || c == '"' || c == '\r' || c == '\n';
  return quote;
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
