// `cohort check`: parse and type-check files; print diagnostics or dumps.
#include <cctype>
#include <cstdio>
#include <map>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "compiler/driver/driver.h"
#include "core/md5.h"
#include "tools/cohort/cli.h"
#if defined(COHORT_HAVE_JIT) && __has_include("runtime/jit/jit_engine.h")
#include "runtime/jit/jit_engine.h"
#define COHORT_CLI_JIT 1
#endif

namespace cohort::cli {

namespace {

/// Matches `cohort --version` (tools/cohort/main.cpp).
constexpr const char* COHORT_VERSION_STRING = "0.1.0";

/// `UnknownField` -> `Unknown field`.
std::string Words(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c))) {
      out.push_back(' ');
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.push_back(c);
  }
  return out;
}

const char* SarifLevel(Severity s) { return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note"; }

/// 1-based column in Unicode code points (SARIF columnKind unicodeCodePoints).
uint32_t CodePointColumn(const SourceFile& f, uint32_t line, uint32_t byte_col) {
  std::string_view text = f.Line(line);
  uint32_t col = 1;
  for (uint32_t i = 0; i + 1 < byte_col && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
  }
  return col;
}

/// A SARIF 2.1.0 log of every diagnostic (GitHub code scanning and others).
std::string DiagnosticsToSarif(const std::vector<CompileResult>& results, const std::string& base, bool strict) {
  namespace fs = std::filesystem;
  using nlohmann::json;
  std::error_code ec;
  fs::path base_abs = fs::weakly_canonical(fs::absolute(base), ec);
  json rules = json::array();
  for (const DiagInfo& info : AllDiagInfos()) {
    std::string full(info.format);
    size_t at;
    while ((at = full.find("{}")) != std::string::npos) full.replace(at, 2, "…");
    rules.push_back({{"id", std::string(info.code)},
                     {"name", std::string(info.name)},
                     {"shortDescription", {{"text", Words(info.name)}}},
                     {"fullDescription", {{"text", full}}},
                     {"help", {{"text", fmt::format("{} ({}). Run `cohort check` locally for the source excerpt, notes "
                                                    "and suggested fixes; README \"Cohort in CI\" lists the exit codes.",
                                                    Words(info.name), info.code)}}},
                     {"defaultConfiguration", {{"level", SarifLevel(info.severity)}}}});
  }
  auto uri_of = [&](const std::string& name) {
    fs::path abs = fs::weakly_canonical(fs::absolute(name), ec);
    fs::path rel = abs.lexically_relative(base_abs);
    std::string s = rel.empty() || rel.native().rfind("..", 0) == 0 ? abs.generic_string() : rel.generic_string();
    return s;
  };
  auto location = [&](const SourceManager& sm, SourceRange r) -> json {
    if (!r.valid() || r.file > sm.size()) return nullptr;
    const SourceFile& f = sm.Get(r.file);
    std::string uri = uri_of(f.name());
    LineCol b = f.Position(r.begin), e = f.Position(r.end);
    json loc = {{"uri", uri}};
    if (uri.empty() || uri[0] != '/') loc["uriBaseId"] = "SRCROOT";
    json region = {{"startLine", b.line},
                   {"startColumn", CodePointColumn(f, b.line, b.col)},
                   {"endLine", e.line},
                   {"endColumn", CodePointColumn(f, e.line, e.col)}};
    return {{"physicalLocation", {{"artifactLocation", loc}, {"region", region}}}};
  };
  json out = json::array();
  for (const auto& r : results) {
    if (!r.sources) continue;
    for (const auto& d : r.diags.all()) {
      const DiagInfo& info = GetDiagInfo(d.kind);
      json res = {{"ruleId", std::string(info.code)},
                  {"ruleIndex", static_cast<size_t>(d.kind)},
                  {"level", SarifLevel(d.severity)},
                  {"message", {{"text", d.message}}}};
      json loc = location(*r.sources, d.range);
      std::string line_text, uri;
      if (!loc.is_null()) {
        res["locations"] = json::array({loc});
        const SourceFile& f = r.sources->Get(d.range.file);
        line_text = std::string(f.Line(f.Position(d.range.begin).line));
        uri = loc["physicalLocation"]["artifactLocation"]["uri"];
      }
      // Stable across unrelated edits that move the line: code, file, message, line text.
      size_t a = line_text.find_first_not_of(" \t"), z = line_text.find_last_not_of(" \t\r");
      line_text = a == std::string::npos ? "" : line_text.substr(a, z - a + 1);
      res["partialFingerprints"] = {{"cohortDiagnostic/v1", Md5Hex(std::string(info.code) + "\n" + uri + "\n" +
                                                                    d.message + "\n" + line_text)}};
      json related = json::array();
      for (const auto& n : d.notes) {
        json nl = location(*r.sources, n.range);
        if (nl.is_null()) continue;
        nl["id"] = related.size();
        nl["message"] = {{"text", n.message}};
        related.push_back(nl);
      }
      if (!related.empty()) res["relatedLocations"] = related;
      out.push_back(res);
    }
  }
  json run = {{"tool", {{"driver", {{"name", "cohort"},
                                    {"version", COHORT_VERSION_STRING},
                                    {"semanticVersion", COHORT_VERSION_STRING},
                                    {"informationUri", "https://github.com/cohort-lang/cohort"},
                                    {"rules", rules}}}}},
              {"originalUriBaseIds", {{"SRCROOT", {{"uri", "file://" + base_abs.generic_string() + "/"}}}}},
              {"columnKind", "unicodeCodePoints"},
              {"results", out}};
  if (strict) run["properties"] = {{"strict", true}};
  json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", json::array({run})}};
  return log.dump(2);
}

}  // namespace

int CmdCheck(Args& args) {
  std::string format = args.Value("--format").value_or("text");
  std::string emit = args.Value("--emit").value_or("");
  auto today_s = args.Value("--today");
  bool no_warnings = args.Flag("--no-warnings");
  bool strict = args.Flag("--strict");
  std::string sarif_base = args.Value("--sarif-base").value_or(".");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "check");
  if (files.empty()) return UsageError("no input files", "check");
  if (format != "text" && format != "json" && format != "sarif")
    return UsageError("unknown format `" + format + "`; use `text`, `json` or `sarif`", "check");
  if (strict && no_warnings) return UsageError("`--strict` and `--no-warnings` contradict each other", "check");
  if (!emit.empty() && emit != "ast" && emit != "ir" && emit != "llvm")
    return UsageError("unknown --emit `" + emit + "`; use `ast`, `ir` or `llvm`", "check");
  CompileOptions options;
  options.warn_unused = !no_warnings;
  if (today_s) {
    options.today = ParseDay(*today_s);
    if (!options.today) return UsageError("--today must be a date `YYYY-MM-DD`", "check");
  }

  // The driver checks test blocks (and an `X_test.cohort` against `X.cohort`),
  // runs the strict lints and applies the strict severities.
  options.strict = strict;
  std::vector<CompileResult> results;
  results.reserve(files.size());
  for (const auto& f : files) results.push_back(CompileFile(f, options));

  size_t errors = 0, warnings = 0;
  bool internal = false;
  bool color = UseColor();
  for (const auto& r : results) {
    for (const auto& d : r.diags.all()) {
      if (d.severity == Severity::Error) ++errors;
      if (d.severity == Severity::Warning) ++warnings;
      if (format == "text") std::fputs(RenderText(d, *r.sources, color).c_str(), stderr);
    }
    if (!r.internal_error.empty()) {
      std::fprintf(stderr, "cohort: internal error: %s\n", r.internal_error.c_str());
      internal = true;
    }
  }
  if (format == "json") {
    std::vector<const CompileResult*> ptrs;
    for (const auto& r : results) ptrs.push_back(&r);
    std::cout << DiagnosticsToJson(ptrs) << "\n";
  } else if (format == "sarif") {
    std::cout << DiagnosticsToSarif(results, sarif_base, strict) << "\n";
  } else if (errors || warnings) {
    std::fprintf(stderr, "%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
  }
  if (internal) return kExitInternal;
  if (errors) return kExitDiagnostics;

  for (const auto& r : results) {
    if (emit == "ast" && r.ast) std::cout << ast::Dump(*r.ast);
    if (emit == "ir" && r.program) std::cout << ir::Dump(*r.program);
    if (emit == "llvm" && r.program) {
#ifdef COHORT_CLI_JIT
      std::string error;
      std::string text = EmitLlvmIr(*r.program, &error);
      if (!error.empty()) {
        std::fprintf(stderr, "cohort check: error: cannot emit LLVM IR: %s\n", error.c_str());
        return kExitInternal;
      }
      std::cout << text;
#else
      return UsageError("this build has no JIT; `--emit llvm` is unavailable", "check");
#endif
    }
  }
  return kExitOk;
}

}  // namespace cohort::cli
