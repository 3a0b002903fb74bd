#include "tools/repl/input.h"

#include <array>
#include <cctype>
#include <vector>

namespace cohort::repl {

namespace {

bool IsIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string_view FirstWord(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  size_t j = i;
  while (j < line.size() && IsIdent(line[j])) ++j;
  return line.substr(i, j - i);
}

/// The lexical facts completeness depends on: bracket depth, an open string,
/// the tokens seen (identifiers and operators, comments skipped).
struct Scan {
  int depth = 0;
  bool open_string = false;
  std::vector<std::string> tokens;
};

Scan ScanText(std::string_view text) {
  Scan s;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '"') {
      size_t j = i + 1;
      bool closed = false;
      while (j < text.size() && text[j] != '\n') {
        if (text[j] == '\\' && j + 1 < text.size()) {
          j += 2;
          continue;
        }
        if (text[j] == '"') {
          closed = true;
          break;
        }
        ++j;
      }
      if (!closed) {
        s.open_string = true;
        return s;
      }
      s.tokens.emplace_back("\"\"");
      i = j + 1;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (IsIdent(c)) {
      size_t j = i;
      while (j < text.size() && (IsIdent(text[j]) || text[j] == '-' || text[j] == ':' || text[j] == '.')) {
        // Dates and timestamps (2026-11-23T10:00:00Z) and decimals stay one token;
        // a '-' or '.' only continues a token that started with a digit.
        if ((text[j] == '-' || text[j] == ':' || text[j] == '.') && !std::isdigit(static_cast<unsigned char>(text[i]))) break;
        ++j;
      }
      s.tokens.emplace_back(text.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '(' || c == '[') ++s.depth;
    if (c == ')' || c == ']') --s.depth;
    static const std::array<std::string_view, 6> two = {"==", "!=", "<=", ">=", "&&", "||"};
    bool matched = false;
    for (auto op : two) {
      if (text.substr(i, 2) == op) {
        s.tokens.emplace_back(op);
        i += 2;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    s.tokens.emplace_back(1, c);
    ++i;
  }
  return s;
}

/// Tokens after which an expression (or clause) cannot end.
bool NeedsRightHandSide(const std::string& t) {
  static const std::array<std::string_view, 33> kOps = {
      "and", "or",  "not",   "==",     "!=",     "<",    "<=",   ">",     ">=",    "+",     "-",
      "*",   "/",   ",",     "=",      "in",     "is",   "within", "last", "next", "before", "after",
      "where", "if", "segment", "any", "all",   "no",   "priority", "(",   "[",    "exclude", "channel"};
  for (auto op : kOps)
    if (t == op) return true;
  return false;
}

}  // namespace

bool IsBlank(std::string_view line) {
  for (char c : line)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

UnitKind ClassifyUnit(std::string_view first_line) {
  size_t i = 0;
  while (i < first_line.size() && std::isspace(static_cast<unsigned char>(first_line[i]))) ++i;
  if (i == first_line.size()) return UnitKind::kEmpty;
  if (first_line[i] == '#') return UnitKind::kComment;
  if (first_line[i] == '.') return UnitKind::kCommand;
  std::string_view w = FirstWord(first_line);
  if (w == "use") return UnitKind::kUse;
  if (w == "const") return UnitKind::kConst;
  if (w == "define") return UnitKind::kDefine;
  if (w == "segment") return UnitKind::kSegment;
  if (w == "campaign") return UnitKind::kCampaign;
  return UnitKind::kExpression;
}

bool StartsNewUnit(std::string_view line) {
  if (line.empty()) return false;
  if (line[0] == '.') return true;
  if (line[0] == ' ' || line[0] == '\t') return false;
  UnitKind k = ClassifyUnit(line);
  return k == UnitKind::kUse || k == UnitKind::kConst || k == UnitKind::kDefine || k == UnitKind::kSegment ||
         k == UnitKind::kCampaign;
}

bool NeedsMoreInput(std::string_view text, UnitKind kind) {
  switch (kind) {
    case UnitKind::kEmpty:
    case UnitKind::kComment:
    case UnitKind::kCommand:
      return false;
    case UnitKind::kSegment:
      return true;  // ends at a blank line, a new unit or the end of input
    default:
      break;
  }
  Scan s = ScanText(text);
  if (s.open_string) return false;  // a string never spans lines: let the parser report it
  if (s.depth > 0) return true;
  if (s.tokens.empty()) return false;
  if (NeedsRightHandSide(s.tokens.back())) return true;
  if (kind == UnitKind::kConst || kind == UnitKind::kDefine) {
    // `define name = value`: the `=` and something after it.
    size_t eq = 0;
    while (eq < s.tokens.size() && s.tokens[eq] != "=") ++eq;
    return eq + 1 >= s.tokens.size();
  }
  if (kind == UnitKind::kCampaign) {
    size_t p = 0;
    while (p < s.tokens.size() && s.tokens[p] != "priority") ++p;
    return p + 1 >= s.tokens.size();
  }
  return false;
}

}  // namespace cohort::repl
