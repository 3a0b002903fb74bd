// Golden tests: every `*.cohort` file in a directory is compiled (run date
// 2026-11-23, folding on) and its diagnostics are compared with the inline
// expectations written on the line they apply to:
//
//   where langauge == "es"   # expect-error[E0101]: unknown name `langauge`
//
// (`expect-warning[...]` likewise; the text after `:` is a substring of the
// message). Diagnostics in other files of the directory (a `use`d schema) are
// matched against expectations written in those files. `fail_*` files must
// have errors and no other file may. An `ok_*.cohort` with a `*.ir` beside it
// must dump exactly that IR. The update rule is the file-test harness's
// (tests/file_test/file_test.h): COHORT_UPDATE_GOLDEN=1 rewrites the `.ir`
// files and the expectation comments that differ from the actual output;
// with --rewrite-all as well, every expectation comment is rewritten.
//
// Usage: golden_runner DIR [FILTER] [--rewrite-all]   (exit 0 when every file matches)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "core/ir.h"
#include "tests/file_test/file_test.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

struct Expectation {
  std::string severity;  // "error" | "warning"
  std::string code;
  std::string text;
  bool matched = false;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  return s.substr(b);
}

/// Expectations of one file, by 1-based line.
std::map<uint32_t, std::vector<Expectation>> ParseExpectations(const std::string& text) {
  std::map<uint32_t, std::vector<Expectation>> out;
  std::vector<std::string> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    size_t pos = 0;
    while ((pos = line.find("expect-", pos)) != std::string::npos) {
      size_t open = line.find('[', pos);
      size_t close = line.find(']', pos);
      if (open == std::string::npos || close == std::string::npos || close < open) break;
      Expectation e;
      e.severity = line.substr(pos + 7, open - pos - 7);
      e.code = line.substr(open + 1, close - open - 1);
      size_t next = line.find("# expect-", close);
      std::string rest = line.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1);
      rest = Trim(rest);
      if (!rest.empty() && rest[0] == ':') rest = Trim(rest.substr(1));
      e.text = rest;
      if (e.severity == "error" || e.severity == "warning") out[static_cast<uint32_t>(i + 1)].push_back(e);
      pos = close;
    }
  }
  return out;
}

/// A minimal line diff (LCS) for IR mismatches.
std::string Diff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> a = SplitLines(expected), b = SplitLines(actual);
  size_t n = a.size(), m = b.size();
  std::vector<std::vector<uint32_t>> l(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;) l[i][j] = a[i] == b[j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
  std::string out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      ++i;
      ++j;
    } else if (j < m && (i == n || l[i][j + 1] >= l[i + 1][j])) {
      out += "    + " + b[j++] + "\n";
    } else {
      out += "    - " + a[i++] + "\n";
    }
  }
  return out;
}

struct FileReport {
  std::vector<std::string> problems;
};

bool IsInside(const fs::path& file, const fs::path& dir) {
  std::error_code ec;
  fs::path f = fs::weakly_canonical(file, ec), d = fs::weakly_canonical(dir, ec);
  auto fs_ = f.string(), ds = d.string();
  return fs_.rfind(ds, 0) == 0;
}

/// Rewrites the expectation comments of `text` from the actual diagnostics.
/// Lines whose expectations already match are kept as written (hand-picked
/// substrings survive), unless `all` asks to rewrite every line.
std::string RewriteExpectations(const std::string& text, const std::map<uint32_t, std::vector<const Diagnostic*>>& by_line,
                                const std::set<uint32_t>& bad_lines, bool all) {
  std::vector<std::string> lines = SplitLines(text);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!all && !bad_lines.count(static_cast<uint32_t>(i + 1))) {
      out += line + "\n";
      continue;
    }
    size_t at = line.find("# expect-");
    if (at != std::string::npos) line = Trim(line.substr(0, at)).empty() ? line.substr(0, 0) : line.substr(0, at);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    auto it = by_line.find(static_cast<uint32_t>(i + 1));
    if (it != by_line.end()) {
      for (const Diagnostic* d : it->second) {
        const std::string& msg = d->message;
        line += std::string(line.empty() ? "" : "  ") + "# expect-" + std::string(SeverityName(d->severity)) + "[" +
                std::string(d->code()) + "]: " + msg;
      }
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  bool rewrite_all = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--rewrite-all") rewrite_all = true;
    else args.push_back(argv[i]);
  }
  if (args.empty() || args.size() > 2) {
    std::fprintf(stderr, "usage: golden_runner DIR [FILTER] [--rewrite-all]\n");
    return 2;
  }
  fs::path dir = args[0];
  std::string filter = args.size() > 1 ? args[1] : "";
  const bool update = file_test::UpdateRequested();
  const bool update_all = update && rewrite_all;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".cohort") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "golden: no .cohort files in %s\n", dir.string().c_str());
    return 2;
  }
  int failed = 0, run = 0;
  for (const fs::path& file : files) {
    std::string name = file.filename().string();
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    ++run;
    CompileOptions options;
    options.today = *ParseDate("2026-11-23");
    options.fold = true;
    CompileResult r = CompileFile(file.string(), options);
    std::vector<std::string> problems;

    // Expectations of every file of the golden dir that the compilation read.
    std::map<std::string, std::map<uint32_t, std::vector<Expectation>>> expected;  // by file name
    std::map<std::string, std::string> file_text;
    for (FileId id = 1; id <= r.sources->size(); ++id) {
      const SourceFile& sf = r.sources->Get(id);
      if (!IsInside(sf.name(), dir)) continue;
      expected[sf.name()] = ParseExpectations(sf.text());
      file_text[sf.name()] = sf.text();
    }
    std::map<std::string, std::map<uint32_t, std::vector<const Diagnostic*>>> actual_by_line;
    std::map<std::string, std::set<uint32_t>> bad_lines;  // lines whose expectations do not match
    for (const Diagnostic& d : r.diags.all()) {
      if (d.severity == Severity::Note) continue;
      std::string fname = "<none>";
      uint32_t line = 0;
      if (d.range.valid() && d.range.file <= r.sources->size()) {
        const SourceFile& sf = r.sources->Get(d.range.file);
        fname = sf.name();
        line = sf.Position(d.range.begin).line;
      }
      actual_by_line[fname][line].push_back(&d);
      bool ok = false;
      auto fit = expected.find(fname);
      if (fit != expected.end()) {
        auto lit = fit->second.find(line);
        if (lit != fit->second.end()) {
          for (Expectation& e : lit->second) {
            if (e.matched || e.code != d.code() || e.severity != SeverityName(d.severity)) continue;
            if (d.message.find(e.text) == std::string::npos) continue;
            e.matched = ok = true;
            break;
          }
        }
      }
      if (!ok) bad_lines[fname].insert(line);
      if (!ok)
        problems.push_back(fmt::format("{}:{}: unexpected {}[{}]: {}", fname, line, SeverityName(d.severity), d.code(),
                                       d.message));
    }
    for (const auto& [fname, lines] : expected)
      for (const auto& [line, exps] : lines)
        for (const Expectation& e : exps)
          if (!e.matched) bad_lines[fname].insert(line);
    for (const auto& [fname, lines] : expected)
      for (const auto& [line, exps] : lines)
        for (const Expectation& e : exps)
          if (!e.matched)
            problems.push_back(
                fmt::format("{}:{}: missing expected {}[{}]: {}", fname, line, e.severity, e.code, e.text));

    bool has_errors = r.diags.has_errors();
    bool fail_name = name.rfind("fail_", 0) == 0;
    if (fail_name && !has_errors) problems.push_back(name + ": a `fail_` file must have errors");
    if (!fail_name && has_errors) problems.push_back(name + ": only `fail_` files may have errors");
    if (!r.internal_error.empty()) problems.push_back(name + ": internal error: " + r.internal_error);
    if (!has_errors && r.program) {
      std::string v = ir::Verify(*r.program);
      if (!v.empty()) problems.push_back(name + ": IR verification failed: " + v);
    }

    // IR golden.
    fs::path ir_path = file;
    ir_path.replace_extension(".ir");
    if (fs::exists(ir_path)) {
      std::string want = ReadAll(ir_path);
      std::string got = r.program ? ir::Dump(*r.program) : std::string("<no program>\n");
      if (want != got) {
        if (update) WriteAll(ir_path, got);
        else problems.push_back(ir_path.filename().string() + ": IR dump differs:\n" + Diff(want, got));
      }
    }
    if (update) {
      for (const auto& [fname, text] : file_text) {
        std::string rewritten = RewriteExpectations(text, actual_by_line[fname], bad_lines[fname], update_all);
        if (rewritten != text) WriteAll(fname, rewritten);
      }
      problems.erase(std::remove_if(problems.begin(), problems.end(),
                                    [](const std::string& p) {
                                      return p.find("unexpected") != std::string::npos ||
                                             p.find("missing expected") != std::string::npos;
                                    }),
                     problems.end());
    }
    if (problems.empty()) {
      std::printf("PASS %s\n", name.c_str());
    } else {
      ++failed;
      std::printf("FAIL %s\n", name.c_str());
      for (const auto& p : problems) std::printf("  %s\n", p.c_str());
    }
  }
  std::printf("golden: %d files, %d failed%s\n", run, failed, update ? " (updated)" : "");
  return failed == 0 ? 0 : 1;
}
