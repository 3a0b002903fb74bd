#include "compiler/driver/driver.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver/incremental.h"
#include "compiler/driver/recovery.h"
#include "compiler/opt/fold.h"
#include "compiler/parse/parser.h"
#include "compiler/sema/checker.h"
#include "compiler/sema/lints.h"
#include "compiler/sema/tests.h"

namespace cohort {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTestSuffix = "_test.cohort";

}  // namespace

bool IsTestFileName(const std::string& p) {
  return p.size() > kTestSuffix.size() && p.compare(p.size() - kTestSuffix.size(), kTestSuffix.size(), kTestSuffix) == 0;
}

std::string SubjectOfTestFile(const std::string& test_file) {
  return test_file.substr(0, test_file.size() - kTestSuffix.size()) + ".cohort";
}

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

// Resolves the schema of a file that did not get that far (syntax errors), so
// the name table (completion, hover) still knows the fields. No diagnostics.
static std::shared_ptr<const Schema> SilentSchema(const ast::Module& m, const CompileOptions& options) {
  SourceManager sm;
  DiagnosticBag ignored;
  CompileOptions o = options;
  return ResolveSchema(m, o, sm, ignored);
}

// Parses and checks the `test` file `id` (already in r.sources) against
// r.program: a test file holds `test` blocks only (E0312 otherwise).
static std::unique_ptr<ast::Module> CheckTestFile(CompileResult& r, FileId id, const std::string& subject,
                                                  DiagnosticBag& diags) {
  std::unique_ptr<ast::Module> m = Parse(*r.sources, id, diags);
  if (!m->uses.empty() || !m->consts.empty() || !m->defines.empty() || !m->segments.empty() ||
      !m->campaigns.empty()) {
    diags.Emit(DiagKind::InvalidTest, SourceRange{id, 0, 0},
               fmt::format("`{}` may only hold `test` blocks; declarations belong in `{}`", r.sources->Get(id).name(),
                           subject));
  }
  if (!diags.has_errors() && r.program) {
    auto cases = CheckTests(*m, *r.program, *r.sources, diags);
    for (auto& c : cases) r.tests.push_back(std::move(c));
  }
  return m;
}

static void Merge(CompileResult& r, DiagnosticBag& extra) {
  if (extra.all().empty()) return;
  r.diags.Append(extra);
}

// Checks the clean declarations of a module with syntax errors. Only
// diagnostics come out: a file with errors has no program.
static void CheckAfterSyntaxErrors(CompileResult& r, const CompileOptions& options) {
  std::unique_ptr<RecoveredModule> view = SemanticView(*r.ast, r.sources->Get(r.file).text(), r.file, r.diags);
  if (!view) return;
  DiagnosticBag checked;
  std::shared_ptr<const Schema> schema = ResolveSchema(*view->module, options, *r.sources, checked);
  if (schema && !checked.has_errors()) {
    CheckOptions copts;
    copts.warn_unused = options.warn_unused;
    Check(*view->module, schema, *r.sources, checked, copts);
  }
  KeepCleanDiagnostics(*view, r.file, checked, r.diags);
  if (schema) r.schema = std::move(schema);
}

// Parse, schema, check, test blocks, lints, fold and verify of one module.
static CompileResult CompileModule(std::string text, const CompileOptions& options) {
  CompileResult r;
  r.sources = std::make_shared<SourceManager>();
  r.file = r.sources->Add(options.file_name, std::move(text));
  if (options.cache) r.ast = options.cache->ParseDeclarations(*r.sources, r.file);
  // No cache, or a declaration that does not parse cleanly alone: the whole
  // file is parsed, so syntax errors are always those of a whole-file parse.
  if (!r.ast) r.ast = Parse(*r.sources, r.file, r.diags);
  // After syntax errors the clean declarations are still checked; the broken
  // ones are stubs that only declare their names (compiler/driver/recovery.h).
  if (r.diags.has_errors()) {
    CheckAfterSyntaxErrors(r, options);
    return r;
  }
  r.schema = ResolveSchema(*r.ast, options, *r.sources, r.diags);
  if (!r.schema || r.diags.has_errors()) return r;
  CheckOptions copts;
  copts.warn_unused = options.warn_unused;
  auto program = Check(*r.ast, r.schema, *r.sources, r.diags, copts);
  if (!program || r.diags.has_errors()) return r;
  if (options.fold) Fold(*program, FoldOptions{options.today});
  DiagnosticBag extra;
  if (options.check_tests && !r.ast->tests.empty()) r.tests = CheckTests(*r.ast, *program, *r.sources, extra);
  if (options.strict) RunStrictLints(*r.ast, *program, extra);
  Merge(r, extra);
  std::string problem = ir::Verify(*program);
  if (!problem.empty()) {
    r.internal_error = "the checked IR failed verification: " + problem;
  } else {
    r.program = std::move(program);
  }
  return r;
}

static void Names(CompileResult& r, const CompileOptions& options, const ast::Module* subject) {
  if (!r.ast || r.names) return;
  auto schema = r.schema ? r.schema : SilentSchema(subject ? *subject : *r.ast, options);
  r.names = std::make_shared<NameTable>(*r.ast, std::move(schema), subject);
}

static void Finish(CompileResult& r, const CompileOptions& options, const ast::Module* subject) {
  if (options.strict) r.diags.PromoteForStrict();
  r.diags.Sort();
  if (!options.defer_names || subject) Names(r, options, subject);
}

void BuildNames(CompileResult& r, const CompileOptions& options) { Names(r, options, nullptr); }

CompileResult Compile(std::string text, const CompileOptions& options) {
  if (options.check_tests && IsTestFileName(options.file_name)) {
    std::string subject = SubjectOfTestFile(options.file_name);
    std::string subject_text, error;
    std::error_code ec;
    if (fs::is_regular_file(subject, ec) && ReadFile(subject, &subject_text, &error)) {
      // X_test.cohort on its own: compile X.cohort, then check the tests against it.
      CompileOptions so = options;
      so.file_name = subject;
      so.check_tests = false;  // X's own tests are reported when X is checked
      so.companion_tests = false;
      so.strict = false;
      so.warn_unused = false;
      CompileResult r = CompileModule(std::move(subject_text), so);
      // Only X's errors matter here (they stop the tests); its warnings belong to X.
      DiagnosticBag subject_errors;
      for (const auto& d : r.diags.all())
        if (d.severity == Severity::Error) subject_errors.all().push_back(d);
      r.diags = DiagnosticBag{};
      r.diags.Append(subject_errors);
      std::unique_ptr<ast::Module> subject_ast = std::move(r.ast);
      if (so.cache) so.cache->ForgetOutput();  // the result's tree is the test file's, not this one
      r.file = r.sources->Add(options.file_name, std::move(text));
      DiagnosticBag diags;
      r.ast = CheckTestFile(r, r.file, subject, diags);
      Merge(r, diags);
      Finish(r, options, subject_ast.get());
      return r;
    }
  }
  CompileResult r = CompileModule(std::move(text), options);
  constexpr std::string_view kExt = ".cohort";
  const std::string& name = options.file_name;
  if (options.companion_tests && r.program && !IsTestFileName(name) && name.size() > kExt.size() &&
      name.compare(name.size() - kExt.size(), kExt.size(), kExt) == 0) {
    std::string test_file = name.substr(0, name.size() - kExt.size()) + std::string(kTestSuffix);
    std::string test_text, error;
    std::error_code ec;
    if (fs::is_regular_file(test_file, ec) && ReadFile(test_file, &test_text, &error)) {
      DiagnosticBag diags;
      CheckTestFile(r, r.sources->Add(test_file, std::move(test_text)), options.file_name, diags);
      Merge(r, diags);
    }
  }
  Finish(r, options, nullptr);
  return r;
}

std::shared_ptr<CompileCache> MakeCompileCache() { return std::make_shared<CompileCache>(); }

void ClearCompilerCaches() { ClearParserCaches(); }

CompileResult ParseOnly(std::string text, const std::string& file_name) {
  CompileResult r;
  r.sources = std::make_shared<SourceManager>();
  r.file = r.sources->Add(file_name, std::move(text));
  r.ast = Parse(*r.sources, r.file, r.diags);
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

namespace cohort {

std::optional<Diagnostic> LedgerDiagnostic(const CompileResult& r, bool has_ledger, bool from_source) {
  if (!r.program || r.program->contacts_column == kNoColumn) return std::nullopt;
  if (has_ledger) return std::nullopt;
  const SourceRange at = r.program->contacts_use;
  std::string what = "contact history";
  if (r.sources && at.valid() && at.file <= r.sources->size()) {
    const std::string& text = r.sources->Get(at.file).text();
    if (at.end <= text.size() && at.begin < at.end) {
      what = text.substr(at.begin, at.end - at.begin);
      for (char& c : what)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      what = "`" + what + "`";
    }
  }
  DiagnosticBag bag;
  if (from_source)
    bag.Emit(DiagKind::LedgerNeedsData, at, what,
             "with it, the ledger's contact history is uploaded into the database session");
  else
    bag.Emit(DiagKind::LedgerRequired, at, what);
  return bag.all().front();
}

}  // namespace cohort
