#include "compiler/driver/driver.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/opt/fold.h"
#include "compiler/parse/parser.h"
#include "compiler/sema/checker.h"

namespace cohort {

namespace fs = std::filesystem;

static bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    *error = "is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Resolves the module's `use` (or the default Patient schema) to a schema.
static std::shared_ptr<const Schema> ResolveSchema(const ast::Module& m, const CompileOptions& options,
                                                   SourceManager& sm, DiagnosticBag& diags) {
  if (options.schema) return options.schema;
  if (m.uses.empty()) {
    auto s = LoadStdlibSchema("Patient", sm, diags);
    if (!s) diags.Emit(DiagKind::UnknownSchema, SourceRange{}, "Patient", "; the standard library was not found (set COHORT_STDLIB)");
    return s;
  }
  const ast::Use& use = m.uses.front();
  if (!use.is_path) {
    auto s = LoadStdlibSchema(use.name, sm, diags);
    if (!s && !diags.has_errors())
      diags.Emit(DiagKind::UnknownSchema, use.range, use.name, DidYouMean(use.name, StdlibSchemaNames()));
    return s;
  }
  fs::path p(use.name);
  if (p.is_relative()) p = fs::path(options.base_dir) / p;
  std::string text, error;
  if (!ReadFile(p.string(), &text, &error)) {
    diags.Emit(DiagKind::SchemaNotFound, use.range, use.name, error);
    return nullptr;
  }
  FileId f = sm.Add(p.lexically_normal().string(), std::move(text));
  auto s = ParseSchema(sm, f, diags);
  if (s && s->file_path.empty()) s->file_path = p.lexically_normal().string();
  return s;
}

CompileResult Compile(std::string text, const CompileOptions& options) {
  CompileResult r;
  r.sources = std::make_shared<SourceManager>();
  r.file = r.sources->Add(options.file_name, std::move(text));
  r.ast = Parse(*r.sources, r.file, r.diags);
  // Syntax errors stop here: checking a partial tree mostly produces noise.
  if (r.diags.has_errors()) {
    r.diags.Sort();
    return r;
  }
  r.schema = ResolveSchema(*r.ast, options, *r.sources, r.diags);
  if (!r.schema || r.diags.has_errors()) {
    r.diags.Sort();
    return r;
  }
  CheckOptions copts;
  copts.warn_unused = options.warn_unused;
  auto program = Check(*r.ast, r.schema, *r.sources, r.diags, copts);
  if (program && !r.diags.has_errors()) {
    if (options.fold) Fold(*program, FoldOptions{options.today});
    std::string problem = ir::Verify(*program);
    if (!problem.empty()) {
      r.internal_error = "the checked IR failed verification: " + problem;
    } else {
      r.program = std::move(program);
    }
  }
  r.diags.Sort();
  return r;
}

CompileResult CompileFile(const std::string& path, CompileOptions options) {
  std::string text, error;
  options.file_name = path;
  if (!ReadFile(path, &text, &error)) {
    CompileResult r;
    r.sources = std::make_shared<SourceManager>();
    r.diags.Emit(DiagKind::CannotReadFile, SourceRange{}, path, error);
    return r;
  }
  fs::path parent = fs::path(path).parent_path();
  options.base_dir = parent.empty() ? "." : parent.string();
  return Compile(std::move(text), options);
}

static nlohmann::json RangeJson(const SourceRange& range, const SourceManager& sm) {
  nlohmann::json j = nlohmann::json::object();
  if (!range.valid() || range.file > sm.size()) return j;
  const SourceFile& f = sm.Get(range.file);
  LineCol b = f.Position(range.begin), e = f.Position(range.end > range.begin ? range.end : range.begin);
  j["file"] = f.name();
  j["line"] = b.line;
  j["column"] = b.col;
  j["end_line"] = e.line;
  j["end_column"] = e.col;
  j["offset"] = range.begin;
  j["length"] = range.end > range.begin ? range.end - range.begin : 0;
  return j;
}

std::string DiagnosticsToJson(const std::vector<const CompileResult*>& results) {
  nlohmann::json out = nlohmann::json::array();
  for (const CompileResult* r : results) {
    for (const Diagnostic& d : r->diags.all()) {
      nlohmann::json j;
      j["code"] = std::string(d.code());
      j["severity"] = std::string(SeverityName(d.severity));
      j["message"] = d.message;
      j["range"] = RangeJson(d.range, *r->sources);
      j["notes"] = nlohmann::json::array();
      for (const auto& n : d.notes) j["notes"].push_back({{"message", n.message}, {"range", RangeJson(n.range, *r->sources)}});
      j["fixits"] = nlohmann::json::array();
      for (const auto& fx : d.fixits)
        j["fixits"].push_back({{"title", fx.title}, {"replacement", fx.replacement}, {"range", RangeJson(fx.range, *r->sources)}});
      out.push_back(std::move(j));
    }
  }
  return out.dump(2);
}

}  // namespace cohort
