// Helpers shared by the parser unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/parse/parser.h"

namespace cohort::testing {

/// One parse: owns the sources, the diagnostics and the module.
struct Parsed {
  SourceManager sm;
  DiagnosticBag diags;
  FileId file = 0;
  std::unique_ptr<ast::Module> module;

  /// Text covered by a range of this file.
  std::string Text(SourceRange r) const {
    const std::string& t = sm.Get(file).text();
    if (r.begin > t.size() || r.end > t.size() || r.end < r.begin) return "<bad range>";
    return t.substr(r.begin, r.end - r.begin);
  }
  /// Codes of all diagnostics, space separated ("E0002 E0004").
  std::string Codes() const {
    std::string out;
    for (const auto& d : diags.all()) {
      if (!out.empty()) out += ' ';
      out += std::string(d.code());
    }
    return out;
  }
  /// All diagnostics rendered, for failure messages.
  std::string Rendered() const {
    std::string out;
    for (const auto& d : diags.all()) out += RenderText(d, sm);
    return out;
  }
};

inline std::unique_ptr<Parsed> ParseText(const std::string& text, const ParseLimits& limits = {}) {
  auto p = std::make_unique<Parsed>();
  p->file = p->sm.Add("test.cohort", text);
  p->module = Parse(p->sm, p->file, p->diags, limits);
  return p;
}

/// Parses `define x = <expr>` and returns the dump of the expression.
inline std::string DumpExprOf(const std::string& expr_text, std::string* codes = nullptr) {
  auto p = ParseText("define x = " + expr_text);
  if (codes != nullptr) *codes = p->Codes();
  if (p->module->defines.empty() || p->module->defines[0].body == nullptr) return "<none>";
  return ast::Dump(*p->module->defines[0].body);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The shared examples live beside the repository (COHORT_SOURCE_DIR/examples
/// when the lead has copied them, else /work/shared/examples).
inline std::string ExamplePath(const std::string& name) {
  std::string local = std::string(COHORT_SOURCE_DIR) + "/examples/" + name;
  if (std::ifstream(local).good()) return local;
  return "/work/shared/examples/" + name;
}

}  // namespace cohort::testing
