// Parser recovery at declaration boundaries (issue 14): a syntax error stays
// inside its declaration. Every line of every example and golden file is
// broken four ways (truncated, a token deleted, junk inserted, `.` appended);
// every declaration outside the broken one must survive in the outline with
// its diagnostics unchanged.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>

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

std::vector<OutlineEntry> Outline(const Parsed& p) {
  using DK = ast::Module::DeclKind;
  const SourceFile& f = p.sm.Get(p.file);
  const ast::Module& m = *p.module;
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

/// Diagnostics by line, for a quick per-group comparison.
std::map<uint32_t, std::multiset<std::string>> DiagsByLine(const Parsed& p) {
  std::map<uint32_t, std::multiset<std::string>> out;
  const SourceFile& f = p.sm.Get(p.file);
  for (const Diagnostic& d : p.diags.all()) out[f.Position(d.range.begin).line].insert(DiagKey(d, f));
  return out;
}

}  // namespace

TEST_CASE("a broken line never takes another declaration with it") {
  std::vector<fs::path> files = CohortFiles();
  REQUIRE(files.size() >= 10);
  static const char* kJunk[] = {")", "(", "==", "\"", "@", "and", ",", "{", "}", "[", "in", "not", ".", "=", "where"};
  size_t files_checked = 0, mutations = 0;
  for (const fs::path& path : files) {
    std::string text = ReadFile(path.string());
    auto original = ParseText(text);
    std::string codes = original->Codes();
    // Whole-file limits are not per declaration: too many errors (E0009)
    // and nesting beyond the limit (E0005) stop the parse of the whole file.
    if (codes.find("E0009") != std::string::npos || codes.find("E0005") != std::string::npos) continue;
    ++files_checked;
    const SourceFile& f = original->sm.Get(original->file);
    std::vector<std::string> lines = SplitLines(text);
    std::vector<OutlineEntry> outline = Outline(*original);
    std::vector<Group> groups = Groups(outline, f, static_cast<uint32_t>(lines.size()));
    auto diags = DiagsByLine(*original);
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

      for (const auto& [how, new_line] : broken) {
        std::vector<std::string> copy = lines;
        copy[line_no - 1] = new_line;
        auto mutated = ParseText(JoinLines(copy));
        ++mutations;
        std::vector<OutlineEntry> now = Outline(*mutated);
        auto now_diags = DiagsByLine(*mutated);
        for (size_t g = 0; g < groups.size(); ++g) {
          if (affected.count(g)) continue;
          std::string where = fmt::format("{} line {} {}: `{}`", path.filename().string(), line_no, how, new_line);
          for (const OutlineEntry& e : groups[g].decls) {
            INFO(where);
            INFO("declaration: " << e.kind << " " << e.name << " at line " << e.line);
            INFO(mutated->Rendered());
            CHECK(std::find(now.begin(), now.end(), e) != now.end());
          }
          for (uint32_t l = groups[g].first_line; l <= groups[g].last_line; ++l) {
            auto before = diags.count(l) ? diags[l] : std::multiset<std::string>{};
            auto after = now_diags.count(l) ? now_diags[l] : std::multiset<std::string>{};
            INFO(where);
            CHECK(before == after);
          }
        }
      }
    }
  }
  MESSAGE(files_checked << " files, " << mutations << " broken variants");
  CHECK(files_checked >= 10);
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
