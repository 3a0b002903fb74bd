// Recovery at declaration boundaries (issue 14): a syntax error stays inside
// its declaration, and the rest of the file is still checked. Every line of
// every example and golden file is broken four ways (truncated, a token
// deleted, junk inserted, `.` appended) and compiled through the driver;
// every declaration outside the broken one must survive in the outline with
// its diagnostics unchanged -- syntax AND semantic ones. Declarations related
// to the broken one by a name (they use a name it declares, declare a name it
// uses, or reach it through such names) may only LOSE semantic diagnostics
// when the break is a syntax error (no cascade from a declared-but-broken name).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "compiler/driver/driver.h"
#include "tests/unit/parse/parse_test_util.h"

namespace cohort::testing {
namespace {

namespace fs = std::filesystem;

/// One declaration as the outline shows it.
struct OutlineEntry {
  std::string kind;
  std::string name;
  uint32_t line = 0;      ///< line of the declaration's first token
  uint32_t end_line = 0;  ///< line of its last token
  bool operator<(const OutlineEntry& o) const {
    return std::tie(line, kind, name, end_line) < std::tie(o.line, o.kind, o.name, o.end_line);
  }
  bool operator==(const OutlineEntry& o) const {
    return line == o.line && kind == o.kind && name == o.name && end_line == o.end_line;
  }
};

std::vector<OutlineEntry> Outline(const ast::Module& m, const SourceFile& f) {
  using DK = ast::Module::DeclKind;
  std::vector<OutlineEntry> out;
  for (auto [kind, i] : m.order) {
    OutlineEntry e;
    SourceRange r;
    switch (kind) {
      case DK::kUse: e.kind = "use"; e.name = m.uses[i].name; r = m.uses[i].range; break;
      case DK::kConst: e.kind = "const"; e.name = m.consts[i].name; r = m.consts[i].range; break;
      case DK::kDefine: e.kind = "define"; e.name = m.defines[i].name; r = m.defines[i].range; break;
      case DK::kSegment: e.kind = "segment"; e.name = m.segments[i].name; r = m.segments[i].range; break;
      case DK::kCampaign: e.kind = "campaign"; e.name = m.campaigns[i].name; r = m.campaigns[i].range; break;
      case DK::kTest: e.kind = "test"; e.name = m.tests[i].name; r = m.tests[i].range; break;
    }
    e.line = f.Position(r.begin).line;
    e.end_line = f.Position(r.end).line;
    out.push_back(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// One compilation of a file's text through the driver (as `cohort check`).
CompileResult CompileText(const fs::path& path, std::string text) {
  CompileOptions o;
  o.file_name = path.string();
  o.base_dir = path.parent_path().string();
  return Compile(std::move(text), o);
}

/// A diagnostic with its position as line/column (stable when another line changes).
std::string DiagKey(const Diagnostic& d, const SourceFile& f) {
  LineCol b = f.Position(d.range.begin);
  return fmt::format("{}:{}: {} {}", b.line, b.col, d.code(), d.message);
}

/// Declarations grouped the way the parser chunks them: a group starts at a
/// declaration whose keyword is the first token of its line and covers the
/// lines up to the next group.
struct Group {
  uint32_t first_line = 0;
  uint32_t last_line = 0;  ///< inclusive
  std::vector<OutlineEntry> decls;
};

std::vector<Group> Groups(const std::vector<OutlineEntry>& outline, const SourceFile& f, uint32_t line_count) {
  std::vector<Group> groups;
  for (const OutlineEntry& e : outline) {
    std::string_view line = f.Line(e.line);
    size_t first = line.find_first_not_of(" \t\r\f");
    bool starts_line = first != std::string_view::npos && line.substr(first).rfind(e.kind, 0) == 0;
    if (groups.empty() || (starts_line && e.line > groups.back().first_line)) {
      groups.push_back(Group{e.line, line_count, {}});
    }
    groups.back().decls.push_back(e);
  }
  for (size_t i = 0; i + 1 < groups.size(); ++i) groups[i].last_line = groups[i + 1].first_line - 1;
  return groups;
}

/// Source tokens of one line, crudely (words, strings, operators, punctuation).
std::vector<std::pair<size_t, size_t>> LineTokens(std::string_view s) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t b = i;
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    if (c == '#') break;
    if (std::isalnum(c) || c == '_' || c >= 0x80) {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '-' ||
                              s[i] == ':' || static_cast<unsigned char>(s[i]) >= 0x80)) {
        ++i;
      }
    } else if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, s.size());
    } else if (i + 1 < s.size() && s[i + 1] == '=' && (c == '=' || c == '!' || c == '<' || c == '>')) {
      i += 2;
    } else {
      ++i;
    }
    out.emplace_back(b, i - b);
  }
  return out;
}

std::vector<fs::path> CohortFiles() {
  std::vector<fs::path> files;
  for (const char* dir : {"/examples", "/tests/golden"}) {
    fs::path root = fs::path(COHORT_SOURCE_DIR).concat(dir);
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".cohort") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t b = 0;
  while (b <= text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    lines.push_back(text.substr(b, e - b));
    b = e + 1;
  }
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

/// Is this a syntax diagnostic (the parser's E00xx)?
bool IsSyntax(const Diagnostic& d) { return d.code().substr(0, 3) == "E00"; }

/// Diagnostics of the file by line (diagnostics in other files are left out).
std::map<uint32_t, std::multiset<std::string>> DiagsByLine(const CompileResult& r, bool syntax) {
  std::map<uint32_t, std::multiset<std::string>> out;
  const SourceFile& f = r.sources->Get(r.file);
  for (const Diagnostic& d : r.diags.all())
    if (d.range.file == r.file && IsSyntax(d) == syntax) out[f.Position(d.range.begin).line].insert(DiagKey(d, f));
  return out;
}

bool HasSyntaxError(const CompileResult& r, const std::set<uint32_t>& lines) {
  const SourceFile& f = r.sources->Get(r.file);
  for (const Diagnostic& d : r.diags.all())
    if (IsSyntax(d) && d.range.file == r.file && lines.count(f.Position(d.range.begin).line)) return true;
  return false;
}

/// Identifiers of some lines outside comments and strings, and the names the
/// lines declare (`segment X`, `define X`, `const X`, `campaign X`).
struct Words {
  std::set<std::string> used;
  std::set<std::string> declared;
  bool has_use = false;  ///< a `use` line: everything depends on it
};

Words WordsOf(const std::vector<std::string>& lines, uint32_t first, uint32_t last) {
  Words w;
  for (uint32_t l = first; l <= last && l <= lines.size(); ++l) {
    const std::string& s = lines[l - 1];
    std::vector<std::string> words;
    for (size_t i = 0; i < s.size();) {
      char c = s[i];
      if (c == '#') break;
      if (c == '"') {
        ++i;
        while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
        ++i;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t b = i;
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
        words.push_back(s.substr(b, i - b));
      } else {
        ++i;
      }
    }
    for (size_t k = 0; k < words.size(); ++k) {
      w.used.insert(words[k]);
      if (k == 0 && words[k] == "use") w.has_use = true;
      bool decl = words[k] == "segment" || words[k] == "define" || words[k] == "const" || words[k] == "campaign";
      if (k == 0 && decl && k + 1 < words.size()) w.declared.insert(words[k + 1]);
    }
  }
  return w;
}

bool Intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& x) { return b.count(x) > 0; });
}

}  // namespace

TEST_CASE("a broken line never takes another declaration or its diagnostics with it") {
  std::vector<fs::path> files = CohortFiles();
  REQUIRE(files.size() >= 10);
  static const char* kJunk[] = {")", "(", "==", "\"", "@", "and", ",", "{", "}", "[", "in", "not", ".", "=", "where"};
  size_t files_checked = 0, mutations = 0, exact_groups = 0, related_groups = 0;
  for (const fs::path& path : files) {
    std::string text = ReadFile(path.string());
    CompileResult original = CompileText(path, text);
    REQUIRE(original.ast);
    std::string codes;
    for (const Diagnostic& d : original.diags.all()) codes += std::string(d.code()) + " ";
    // Whole-file limits are not per declaration: too many errors (E0009)
    // and nesting beyond the limit (E0005) stop the parse of the whole file.
    if (codes.find("E0009") != std::string::npos || codes.find("E0005") != std::string::npos) continue;
    ++files_checked;
    const SourceFile& f = original.sources->Get(original.file);
    std::vector<std::string> lines = SplitLines(text);
    std::vector<OutlineEntry> outline = Outline(*original.ast, f);
    std::vector<Group> groups = Groups(outline, f, static_cast<uint32_t>(lines.size()));
    auto syntax = DiagsByLine(original, true);
    auto semantic = DiagsByLine(original, false);
    std::vector<Words> words;
    for (const Group& g : groups) words.push_back(WordsOf(lines, g.first_line, g.last_line));
    std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(path.filename().string())));

    for (uint32_t line_no = 1; line_no <= lines.size(); ++line_no) {
      const std::string& line = lines[line_no - 1];
      auto toks = LineTokens(line);
      if (toks.empty()) continue;  // blank or comment-only lines
      std::vector<std::pair<std::string, std::string>> broken;  // (how, new line)
      {
        size_t cut = 1 + rng() % std::max<size_t>(1, line.size() - 1);
        broken.emplace_back("truncated", line.substr(0, cut));
      }
      {
        auto [b, n] = toks[rng() % toks.size()];
        broken.emplace_back("token deleted", line.substr(0, b) + line.substr(b + n));
      }
      {
        size_t k = rng() % (toks.size() + 1);
        size_t at = k < toks.size() ? toks[k].first : line.size();
        const char* junk = kJunk[rng() % std::size(kJunk)];
        broken.emplace_back(std::string("junk `") + junk + "` inserted", line.substr(0, at) + " " + junk + " " + line.substr(at));
      }
      broken.emplace_back("`.` appended", line + ".");

      // The groups this line can change: its own, and the one before when a
      // declaration starts here (deleting its keyword merges it backwards).
      std::set<size_t> affected;
      for (size_t g = 0; g < groups.size(); ++g) {
        if (groups[g].first_line <= line_no && line_no <= groups[g].last_line) affected.insert(g);
        if (groups[g].first_line == line_no && g > 0) affected.insert(g - 1);
      }
      std::set<uint32_t> affected_lines;
      Words before_words;
      for (size_t g : affected) {
        for (uint32_t l = groups[g].first_line; l <= groups[g].last_line; ++l) affected_lines.insert(l);
        before_words.used.insert(words[g].used.begin(), words[g].used.end());
        before_words.declared.insert(words[g].declared.begin(), words[g].declared.end());
        before_words.has_use |= words[g].has_use;
      }

      for (const auto& [how, new_line] : broken) {
        std::vector<std::string> copy = lines;
        copy[line_no - 1] = new_line;
        CompileResult mutated = CompileText(path, JoinLines(copy));
        ++mutations;
        REQUIRE(mutated.ast);
        std::vector<OutlineEntry> now = Outline(*mutated.ast, mutated.sources->Get(mutated.file));
        auto now_syntax = DiagsByLine(mutated, true);
        auto now_semantic = DiagsByLine(mutated, false);
        bool syntax_error = HasSyntaxError(mutated, affected_lines);
        // The names of the broken declaration before and after the edit.
        Words changed = before_words, after_words;
        for (size_t g : affected) {
          Words w = WordsOf(copy, groups[g].first_line, groups[g].last_line);
          after_words.used.insert(w.used.begin(), w.used.end());
          after_words.declared.insert(w.declared.begin(), w.declared.end());
        }
        changed.used.insert(after_words.used.begin(), after_words.used.end());
        changed.declared.insert(after_words.declared.begin(), after_words.declared.end());
        changed.has_use |= after_words.has_use;
        // A break that keeps every name of the broken declaration: the names
        // it declares and uses are still written there, so nothing it
        // declares may turn unknown and nothing it uses may turn unused.
        bool names_kept = after_words.declared == before_words.declared &&
                          std::includes(after_words.used.begin(), after_words.used.end(), before_words.used.begin(),
                                        before_words.used.end());
        // Groups related to the broken one by names, transitively through uses.
        std::set<size_t> related;
        for (size_t g = 0; g < groups.size(); ++g) {
          if (affected.count(g)) continue;
          if (changed.has_use || words[g].has_use) related.insert(g);
          if (Intersects(words[g].used, changed.declared) || Intersects(words[g].declared, changed.used))
            related.insert(g);
          // Test blocks are checked only when the whole file checks.
          for (const OutlineEntry& e : groups[g].decls)
            if (e.kind == "test") related.insert(g);
        }
        for (bool grew = true; grew;) {
          grew = false;
          for (size_t g = 0; g < groups.size(); ++g) {
            if (affected.count(g) || related.count(g)) continue;
            for (size_t h : related) {
              if (Intersects(words[g].used, words[h].declared)) {
                related.insert(g);
                grew = true;
                break;
              }
            }
          }
        }
        std::string where = fmt::format("{} line {} {}: `{}`", path.filename().string(), line_no, how, new_line);
        for (size_t g = 0; g < groups.size(); ++g) {
          if (affected.count(g)) continue;
          for (const OutlineEntry& e : groups[g].decls) {
            INFO(where);
            INFO("declaration: " << e.kind << " " << e.name << " at line " << e.line);
            CHECK(std::find(now.begin(), now.end(), e) != now.end());
          }
          bool is_related = related.count(g) > 0;
          if (is_related) ++related_groups;
          else ++exact_groups;
          for (uint32_t l = groups[g].first_line; l <= groups[g].last_line; ++l) {
            auto get = [l](auto& m) { return m.count(l) ? m[l] : std::multiset<std::string>{}; };
            INFO(where);
            INFO("line " << l << (is_related ? " (related by a name)" : ""));
            CHECK(get(syntax) == get(now_syntax));
            auto before = get(semantic), after = get(now_semantic);
            if (!is_related) {
              INFO("before: " << fmt::format("{}", fmt::join(before, " | ")));
              INFO("after: " << fmt::format("{}", fmt::join(after, " | ")));
              CHECK(before == after);
            } else if (syntax_error && names_kept) {
              // Declared-but-broken: no new diagnostic from a name the broken declaration declares.
              INFO("before: " << fmt::format("{}", fmt::join(before, " | ")));
              INFO("after: " << fmt::format("{}", fmt::join(after, " | ")));
              CHECK(std::includes(before.begin(), before.end(), after.begin(), after.end()));
            }
          }
        }
      }
    }
  }
  MESSAGE(files_checked << " files, " << mutations << " broken variants; semantic diagnostics compared exactly in "
                        << exact_groups << " declaration groups, as a subset in " << related_groups);
  CHECK(files_checked >= 10);
  CHECK(exact_groups > related_groups / 10);
}

TEST_CASE("the issue's cases: a broken segment keeps the next one") {
  const char* kTail =
      "segment B where age > 18\n"
      "  channel sms if consent.sms\n";
  for (const char* broken : {"  channel sms if consent.\n", "const x = 14 days.\n", "  where e.kind == in\n"}) {
    std::string text = std::string("segment A where age > 1\n") + broken + kTail;
    auto p = ParseText(text);
    INFO(text);
    INFO(p->Rendered());
    REQUIRE(p->diags.error_count() == 1);
    CHECK(p->diags.all()[0].message.find("the next declaration (`segment`)") != std::string::npos);
    REQUIRE(p->module->segments.size() == 2);
    CHECK(p->module->segments[1].name == "B");
    CHECK(p->module->segments[1].channels.size() == 1);
    CHECK(p->Text(p->module->segments[1].name_range) == "B");
  }
}

TEST_CASE("a declaration keyword inside a line or as a fixture field is not a boundary") {
  auto p = ParseText(
      "segment A where in segment B\n"
      "segment B where age > 1\n"
      "test \"t\" {\n"
      "  record p {\n"
      "    segment: 1,\n"
      "    age: 3\n"
      "  }\n"
      "}\n");
  INFO(p->Rendered());
  CHECK(p->diags.error_count() == 0);
  CHECK(p->module->segments.size() == 2);
  REQUIRE(p->module->tests.size() == 1);
  REQUIRE(p->module->tests[0].records.size() == 1);
  CHECK(p->module->tests[0].records[0].fields.size() == 2);
}

}  // namespace cohort::testing
