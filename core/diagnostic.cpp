#include "core/diagnostic.h"

#include <algorithm>

namespace cohort {

const std::vector<DiagInfo>& AllDiagInfos() {
  static const std::vector<DiagInfo> infos = {
#define DIAG(Name, Code, Sev, Format) {DiagKind::Name, #Name, Code, Severity::Sev, Format},
#include "core/diagnostics.def"
#undef DIAG
  };
  return infos;
}

const DiagInfo& GetDiagInfo(DiagKind kind) { return AllDiagInfos()[static_cast<size_t>(kind)]; }

Severity StrictSeverity(DiagKind kind) {
  switch (kind) {
#define DIAG(Name, Code, Sev, Format)
#define STRICT(Name, Sev) \
  case DiagKind::Name:    \
    return Severity::Sev;
#include "core/diagnostics.def"
#undef STRICT
#undef DIAG
    default:
      break;
  }
  Severity s = GetDiagInfo(kind).severity;
  return s == Severity::Warning ? Severity::Error : s;
}

void DiagnosticBag::PromoteForStrict() {
  errors_ = 0;
  for (auto& d : diags_) {
    if (d.severity == Severity::Warning) d.severity = StrictSeverity(d.kind);
    if (d.severity == Severity::Error) ++errors_;
  }
}

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

void DiagnosticBag::Sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.range.file != b.range.file) return a.range.file < b.range.file;
    return a.range.begin < b.range.begin;
  });
}

void DiagnosticBag::Append(const DiagnosticBag& other) {
  for (const auto& d : other.diags_) {
    diags_.push_back(d);
    if (d.severity == Severity::Error) ++errors_;
  }
}

static void RenderSnippet(std::string& out, const SourceRange& r, const SourceManager& sm) {
  if (!r.valid() || r.file > sm.size()) return;
  const SourceFile& f = sm.Get(r.file);
  LineCol b = f.Position(r.begin);
  std::string_view line = f.Line(b.line);
  out += fmt::format("{:>5} | {}\n", b.line, line);
  uint32_t len = 1;
  if (r.end > r.begin) {
    LineCol e = f.Position(r.end);
    // Signed, then clamped to the line: a range starting at or past the end of
    // its line must not wrap around (found by fuzz_schema, a 4 GB underline).
    int64_t n = e.line == b.line ? int64_t{e.col} - b.col : static_cast<int64_t>(line.size()) - (int64_t{b.col} - 1);
    len = static_cast<uint32_t>(std::clamp<int64_t>(n, 1, static_cast<int64_t>(line.size()) + 1));
  }
  std::string pad;
  for (uint32_t i = 0; i + 1 < b.col && i < line.size(); ++i) pad += line[i] == '\t' ? '\t' : ' ';
  out += fmt::format("      | {}^{}\n", pad, std::string(len > 1 ? len - 1 : 0, '~'));
}

std::string RenderText(const Diagnostic& d, const SourceManager& sm, bool color) {
  std::string out;
  std::string loc;
  if (d.range.valid() && d.range.file <= sm.size()) {
    const SourceFile& f = sm.Get(d.range.file);
    LineCol b = f.Position(d.range.begin);
    loc = fmt::format("{}:{}:{}: ", f.name(), b.line, b.col);
  }
  const char* sev_on = "";
  const char* off = "";
  if (color) {
    sev_on = d.severity == Severity::Error ? "\x1b[1;31m" : d.severity == Severity::Warning ? "\x1b[1;35m" : "\x1b[1;36m";
    off = "\x1b[0m";
  }
  out += fmt::format("{}{}{}[{}]{}: {}\n", loc, sev_on, SeverityName(d.severity), d.code(), off, d.message);
  RenderSnippet(out, d.range, sm);
  for (const auto& fx : d.fixits) {
    out += fmt::format("      = fix: {}\n", fx.title.empty() ? fmt::format("replace with `{}`", fx.replacement) : fx.title);
  }
  for (const auto& n : d.notes) {
    std::string nloc;
    if (n.range.valid() && n.range.file <= sm.size()) {
      const SourceFile& f = sm.Get(n.range.file);
      LineCol b = f.Position(n.range.begin);
      nloc = fmt::format("{}:{}:{}: ", f.name(), b.line, b.col);
    }
    out += fmt::format("{}note: {}\n", nloc, n.message);
    RenderSnippet(out, n.range, sm);
  }
  return out;
}

static size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev[j - 2 < prev.size() ? j - 2 : 0] + 1);
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ClosestMatch(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  size_t limit = std::max<size_t>(1, name.size() / 3);
  for (const auto& c : candidates) {
    size_t d = EditDistance(name, c);
    if (d <= limit && d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string m = ClosestMatch(name, candidates);
  return m.empty() ? std::string() : fmt::format("; did you mean `{}`?", m);
}

}  // namespace cohort
