// `cohort fmt [--check] [--diff] FILES`: rewrite files in the canonical layout
// (compiler/format/). `-` formats stdin to stdout. Files with syntax errors
// are reported and left alone (exit 1); `--check` exits 1 when a file would
// change; `--diff` prints a unified diff instead of writing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/format/format.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {
namespace {

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find('\n', i);
    if (j == std::string::npos) j = s.size();
    lines.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return lines;
}

/// A unified diff (3 lines of context) from an LCS over lines; files are small.
std::string UnifiedDiff(const std::string& name, const std::string& a_text, const std::string& b_text) {
  std::vector<std::string> a = SplitLines(a_text), b = SplitLines(b_text);
  size_t n = a.size(), m = b.size();
  // ops: ' ' keep, '-' delete from a, '+' insert from b.
  std::vector<std::pair<char, std::string>> ops;
  if (n * m <= 25'000'000) {
    std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] == b[j]) {
        ops.push_back({' ', a[i++]});
        ++j;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.push_back({'-', a[i++]});
      } else {
        ops.push_back({'+', b[j++]});
      }
    }
  } else {
    for (auto& l : a) ops.push_back({'-', l});
    for (auto& l : b) ops.push_back({'+', l});
  }
  std::string out = "--- " + name + "\n+++ " + name + " (formatted)\n";
  const size_t kContext = 3;
  size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].first == ' ') ++k;
    if (k == ops.size()) break;
    size_t start = k >= kContext ? k - kContext : 0;
    size_t end = k;  // extend while changes are within 2*context of each other
    size_t last_change = k;
    while (end < ops.size()) {
      if (ops[end].first != ' ') last_change = end;
      else if (end - last_change > 2 * kContext) break;
      ++end;
    }
    end = std::min(ops.size(), last_change + 1 + kContext);
    size_t a_line = 1, b_line = 1;
    for (size_t t = 0; t < start; ++t) {
      if (ops[t].first != '+') ++a_line;
      if (ops[t].first != '-') ++b_line;
    }
    size_t a_count = 0, b_count = 0;
    std::string body;
    for (size_t t = start; t < end; ++t) {
      if (ops[t].first != '+') ++a_count;
      if (ops[t].first != '-') ++b_count;
      body += ops[t].first + ops[t].second + "\n";
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", a_count ? a_line : a_line - 1, a_count, b_count ? b_line : b_line - 1,
                       b_count);
    out += body;
    k = end;
  }
  return out;
}

/// Replaces `path` by `text` atomically (temp file in the same directory + rename),
/// keeping the file's permissions.
bool WriteAtomically(const std::string& path, const std::string& text, std::string& error) {
  struct stat st {};
  bool have_mode = ::stat(path.c_str(), &st) == 0;
  std::string tmpl = path + ".cohort-fmt-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  if (fd < 0) {
    error = "cannot create a temporary file next to it";
    return false;
  }
  std::string tmp(buf.data());
  size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(w);
  }
  if (ok && have_mode) ok = ::fchmod(fd, st.st_mode & 07777) == 0;
  if (ok) ok = ::fsync(fd) == 0;
  if (::close(fd) != 0) ok = false;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    ::unlink(tmp.c_str());
    error = "cannot write the formatted file";
  }
  return ok;
}

}  // namespace

int CmdFmt(Args& args) {
  bool check = args.Flag("--check");
  bool diff = args.Flag("--diff");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "fmt");
  if (files.empty()) return UsageError("no input files (use `-` for stdin)", "fmt");

  bool color = UseColor();
  bool any_error = false, any_change = false, internal = false;
  for (const auto& path : files) {
    std::string text;
    if (path == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "%s: error: cannot read the file\n", path.c_str());
        any_error = true;
        continue;
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    format::FormatResult r = format::FormatSource(path == "-" ? "<stdin>" : path, text);
    if (!r.internal_error.empty()) {
      std::fprintf(stderr, "cohort fmt: internal error: %s: %s\n", path.c_str(), r.internal_error.c_str());
      internal = true;
      continue;
    }
    if (!r.ok) {
      for (const auto& d : r.diags.all())
        if (d.severity == Severity::Error) std::fputs(RenderText(d, *r.sources, color).c_str(), stderr);
      std::fprintf(stderr, "%s: not formatted (syntax errors)\n", path.c_str());
      any_error = true;
      continue;
    }
    bool changed = r.text != text;
    if (path == "-" && !check && !diff) {
      std::cout << r.text;
      continue;
    }
    if (!changed) continue;
    any_change = true;
    if (diff) std::cout << UnifiedDiff(path == "-" ? "<stdin>" : path, text, r.text);
    if (check) {
      std::fprintf(stderr, "would reformat %s\n", path.c_str());
      continue;
    }
    if (diff) continue;
    std::string error;
    if (!WriteAtomically(path, r.text, error)) {
      std::fprintf(stderr, "%s: error: %s\n", path.c_str(), error.c_str());
      internal = true;
    }
  }
  std::cout.flush();
  if (internal) return kExitInternal;
  if (any_error) return kExitDiagnostics;
  if (check && any_change) return kExitDiagnostics;
  return kExitOk;
}

}  // namespace cohort::cli
