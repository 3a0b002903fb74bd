#include "compiler/driver/recovery.h"

#include <algorithm>
#include <set>

#include "compiler/driver/incremental.h"

namespace cohort {

namespace {

using DK = ast::Module::DeclKind;

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; }

/// Skips blanks, newlines and `#` comments (what the lexer skips or hides).
size_t SkipTrivia(std::string_view text, size_t i) {
  while (i < text.size()) {
    if (IsBlank(text[i]) || text[i] == '\n') {
      ++i;
    } else if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (text.compare(i, 3, "\xEF\xBB\xBF") == 0) {  // U+FEFF is whitespace to the lexer
      i += 3;
    } else {
      break;
    }
  }
  return i;
}

struct Keyword {
  std::string_view word;
  DK kind;
};
constexpr Keyword kKeywords[] = {{"use", DK::kUse},           {"const", DK::kConst},
                                 {"define", DK::kDefine},     {"segment", DK::kSegment},
                                 {"campaign", DK::kCampaign}, {"test", DK::kTest}};

/// The declaration keyword at `text[i]`, if a whole word.
const Keyword* KeywordAt(std::string_view text, size_t i) {
  for (const Keyword& k : kKeywords) {
    if (text.compare(i, k.word.size(), k.word) != 0) continue;
    size_t j = i + k.word.size();
    if (j >= text.size() || !IsIdentChar(text[j])) return &k;
  }
  return nullptr;
}

/// Where a declaration of any kind begins (its keyword, as the parser records it).
uint32_t DeclBegin(const ast::Module& m, DK kind, size_t i) {
  switch (kind) {
    case DK::kUse: return m.uses[i].range.begin;
    case DK::kConst: return m.consts[i].range.begin;
    case DK::kDefine: return m.defines[i].range.begin;
    case DK::kSegment: return m.segments[i].range.begin;
    case DK::kCampaign: return m.campaigns[i].range.begin;
    case DK::kTest: return m.tests[i].range.begin;
  }
  return 0;
}

/// A declaration of the view in source order: where it begins and how to append it.
struct Entry {
  uint32_t at = 0;
  DK kind = DK::kConst;
  size_t index = 0;       ///< into the clone (clean declarations)
  bool stub = false;
  std::string name;       ///< stubs
  SourceRange name_range; ///< stubs
  SourceRange range;      ///< stubs
};

/// Words of the language that are never a declared name.
bool IsKeyword(std::string_view w) {
  static const std::set<std::string_view> kWords = {
      "use",   "const",  "define", "segment", "where", "exclude", "channel", "after",   "if",    "message",
      "cta",   "purpose", "holdout", "export", "campaign", "priority", "and",  "or",     "not",   "any",
      "all",   "no",     "in",     "is",      "missing", "present", "within", "last",   "next",  "before",
      "count", "min",    "max",    "for",     "today",   "now",     "true",   "false",  "test"};
  return kWords.count(w) > 0;
}

/// Collects the identifiers of the broken chunk [begin, end) into
/// view.broken_words and a stub entry for every line whose first word is a
/// declaration keyword (also after junk punctuation such as `. segment B`,
/// which the parser reads as part of the chunk before). The name is the first
/// identifier after the keyword that is not a keyword (`define } x = ...`
/// declares x). Returns false when the chunk holds a `use` (the schema is
/// then unknown).
bool ScanBrokenChunk(std::string_view text, size_t begin, size_t end, FileId file, RecoveredModule& view,
                     std::vector<Entry>& entries) {
  size_t line = begin;
  while (line < end) {
    size_t line_end = std::min(end, text.find('\n', line) == std::string_view::npos ? text.size() : text.find('\n', line));
    const Keyword* keyword = nullptr;
    size_t keyword_at = 0;
    bool first_word = true, named = false;
    for (size_t i = line; i < line_end;) {
      char c = text[i];
      if (c == '#') break;
      if (c == '"') {  // a string, possibly unterminated
        for (++i; i < line_end && text[i] != '"'; i += text[i] == '\\' ? 2 : 1) {}
        ++i;
        if (keyword != nullptr) break;  // `segment "desc"`: no name
        first_word = false;
        continue;
      }
      if (!IsIdentStart(c)) {
        ++i;
        continue;
      }
      size_t b = i;
      while (i < line_end && IsIdentChar(text[i])) ++i;
      std::string_view word = text.substr(b, i - b);
      view.broken_words.emplace_back(word);
      if (word == "use") return false;
      if (first_word) {
        const Keyword* k = KeywordAt(text, b);
        if (k != nullptr && k->word == word && k->kind != DK::kUse && k->kind != DK::kTest) {
          keyword = k;
          keyword_at = b;
        }
        first_word = false;
      } else if (keyword != nullptr && !named && !IsKeyword(word)) {
        named = true;
        Entry e;
        e.at = static_cast<uint32_t>(keyword_at);
        e.kind = keyword->kind;
        e.stub = true;
        e.name = std::string(word);
        e.name_range = SourceRange{file, static_cast<uint32_t>(b), static_cast<uint32_t>(i)};
        e.range = SourceRange{file, static_cast<uint32_t>(keyword_at), static_cast<uint32_t>(i)};
        entries.push_back(std::move(e));
      }
    }
    line = line_end + 1;
  }
  return true;
}

}  // namespace

std::vector<uint32_t> ChunkStarts(std::string_view text) {
  std::vector<uint32_t> starts{0};
  for (size_t line = 0; line < text.size();) {
    size_t i = line;
    while (i < text.size() && (IsBlank(text[i]) || text.compare(i, 3, "\xEF\xBB\xBF") == 0))
      i += IsBlank(text[i]) ? 1 : 3;
    if (const Keyword* k = KeywordAt(text, i)) {
      size_t next = SkipTrivia(text, i + k->word.size());
      bool field = next < text.size() && text[next] == ':';  // a fixture field named like a keyword
      if (!field && i > 0) starts.push_back(static_cast<uint32_t>(i));
    }
    size_t nl = text.find('\n', line);
    if (nl == std::string_view::npos) break;
    line = nl + 1;
  }
  return starts;
}

bool RecoveredModule::InBroken(uint32_t offset) const {
  for (const auto& [b, e] : broken)
    if (offset >= b && offset < e) return true;
  return false;
}

std::unique_ptr<RecoveredModule> SemanticView(const ast::Module& m, std::string_view text, FileId file,
                                              const DiagnosticBag& syntax) {
  std::vector<uint32_t> starts = ChunkStarts(text);
  auto chunk_of = [&](uint32_t offset) {
    return static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin() - 1);
  };
  auto chunk_end = [&](size_t k) { return k + 1 < starts.size() ? starts[k + 1] : static_cast<uint32_t>(text.size()); };
  std::set<size_t> broken;
  for (const Diagnostic& d : syntax.all()) {
    if (d.severity != Severity::Error) continue;
    // A parse that stopped early is missing declarations: checking the rest
    // would report references to them as unknown.
    if (d.kind == DiagKind::TooManyErrors || d.kind == DiagKind::NestingTooDeep) return nullptr;
    if (d.range.file != file || d.range.begin > text.size()) return nullptr;
    broken.insert(chunk_of(d.range.begin));
  }
  auto view = std::make_unique<RecoveredModule>();
  std::vector<Entry> entries;
  for (size_t k : broken) {
    view->broken.emplace_back(starts[k], chunk_end(k));
    // The broken declaration's words, and the names it declares from the
    // text (the parser may have built nothing, or something else, from it).
    if (!ScanBrokenChunk(text, starts[k], chunk_end(k), file, *view, entries)) return nullptr;
  }
  std::unique_ptr<ast::Module> clone = CloneShifted(m, 0, file);
  for (const auto& [kind, i] : clone->order) {
    uint32_t at = DeclBegin(*clone, kind, i);
    if (broken.count(chunk_of(at))) continue;
    entries.push_back(Entry{at, kind, i});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.at < b.at; });

  auto out = std::make_unique<ast::Module>();
  out->file = file;
  auto error_expr = [](SourceRange r) {
    auto x = std::make_unique<ast::Expr>();
    x->kind = ast::ExprKind::kError;
    x->range = r;
    return x;
  };
  for (Entry& e : entries) {
    size_t index = 0;
    switch (e.kind) {
      case DK::kUse:
        out->uses.push_back(std::move(clone->uses[e.index]));
        index = out->uses.size() - 1;
        break;
      case DK::kConst:
        // No value: the const is declared with the error type and checks silently.
        if (e.stub) out->consts.push_back(ast::Const{e.name, e.name_range, e.range, nullptr});
        else out->consts.push_back(std::move(clone->consts[e.index]));
        index = out->consts.size() - 1;
        break;
      case DK::kDefine:
        if (e.stub) out->defines.push_back(ast::Define{e.name, e.name_range, e.range, error_expr(e.range)});
        else out->defines.push_back(std::move(clone->defines[e.index]));
        index = out->defines.size() - 1;
        break;
      case DK::kSegment:
        if (e.stub) {
          ast::Segment s;
          s.name = e.name;
          s.name_range = e.name_range;
          s.range = e.range;
          s.where = error_expr(e.range);
          out->segments.push_back(std::move(s));
        } else {
          out->segments.push_back(std::move(clone->segments[e.index]));
        }
        index = out->segments.size() - 1;
        break;
      case DK::kCampaign:
        if (e.stub) out->campaigns.push_back(ast::Campaign{e.name, e.name_range, e.range, "", {}});
        else out->campaigns.push_back(std::move(clone->campaigns[e.index]));
        index = out->campaigns.size() - 1;
        break;
      case DK::kTest:
        out->tests.push_back(std::move(clone->tests[e.index]));
        index = out->tests.size() - 1;
        break;
    }
    out->order.emplace_back(e.kind, index);
  }
  view->module = std::move(out);
  return view;
}

void KeepCleanDiagnostics(const RecoveredModule& view, FileId file, DiagnosticBag& checked, DiagnosticBag& out) {
  DiagnosticBag kept;
  for (Diagnostic& d : checked.all()) {
    if (d.range.file == file && view.InBroken(d.range.begin)) continue;
    // A const or define that only a broken declaration uses is not unused.
    bool unused = d.kind == DiagKind::UnusedConst || d.kind == DiagKind::UnusedDefine;
    if (unused && d.range.file == file) {
      std::string_view name = d.message;
      bool named = std::any_of(view.broken_words.begin(), view.broken_words.end(), [&](const std::string& w) {
        return name.find("`" + w + "`") != std::string_view::npos;
      });
      if (named) continue;
    }
    kept.all().push_back(std::move(d));
  }
  // Recount errors through Append.
  out.Append(kept);
}

}  // namespace cohort
