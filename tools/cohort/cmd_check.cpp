// `cohort check`: parse and type-check files; print diagnostics or dumps.
#include <cstdio>
#include <iostream>

#include "compiler/driver/driver.h"
#include "tools/cohort/cli.h"
#if defined(COHORT_HAVE_JIT) && __has_include("runtime/jit/jit_engine.h")
#include "runtime/jit/jit_engine.h"
#define COHORT_CLI_JIT 1
#endif

namespace cohort::cli {

int CmdCheck(Args& args) {
  std::string format = args.Value("--format").value_or("text");
  std::string emit = args.Value("--emit").value_or("");
  auto today_s = args.Value("--today");
  bool no_warnings = args.Flag("--no-warnings");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "check");
  if (files.empty()) return UsageError("no input files", "check");
  if (format != "text" && format != "json") return UsageError("unknown format `" + format + "`; use `text` or `json`", "check");
  if (!emit.empty() && emit != "ast" && emit != "ir" && emit != "llvm")
    return UsageError("unknown --emit `" + emit + "`; use `ast`, `ir` or `llvm`", "check");
  CompileOptions options;
  options.warn_unused = !no_warnings;
  if (today_s) {
    options.today = ParseDay(*today_s);
    if (!options.today) return UsageError("--today must be a date `YYYY-MM-DD`", "check");
  }

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
