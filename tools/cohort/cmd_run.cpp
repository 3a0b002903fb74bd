// `cohort run`: compile one file and run it over a data directory.
#include <cstdio>
#include <iostream>
#include <thread>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/run/run.h"
#include "tools/cohort/cli.h"
#include "tools/cohort/run_postgres.h"
#if defined(COHORT_HAVE_JIT) && __has_include("runtime/jit/jit_engine.h")
#include "runtime/jit/jit_engine.h"
#define COHORT_CLI_JIT 1
#endif

namespace cohort::cli {

static std::optional<int64_t> ParseCount(const std::string& s) {
  try {
    size_t pos = 0;
    long long v = std::stoll(s, &pos);
    if (pos != s.size() || v <= 0) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

int CmdRun(Args& args) {
  auto data = args.Value("--data");
  auto out = args.Value("--out");
  auto today_s = args.Value("--today");
  auto engine_name = args.Value("--engine");
  auto threads_s = args.Value("--threads");
  auto batch_s = args.Value("--batch-rows");
  bool quiet = args.Flag("--quiet");
  auto source = args.Value("--source");     // postgresql://... (tools/cohort/run_postgres.cpp)
  bool pushdown = args.Flag("--pushdown");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "run");
  if (files.size() != 1) return UsageError("expected exactly one segment file", "run");
  if (!data && !source) return UsageError("missing --data DIR (or --source postgresql://...)", "run");
  if (data && source) return UsageError("--data and --source cannot be combined", "run");
  if (pushdown && !source) return UsageError("--pushdown needs --source postgresql://...", "run");
  if (!out) return UsageError("missing --out DIR", "run");
  RunOptions ro;
  ro.data_dir = data.value_or("");
  ro.out_dir = *out;
  ro.today = TodayUtc();
  if (today_s) {
    auto t = ParseDay(*today_s);
    if (!t) return UsageError("--today must be a date `YYYY-MM-DD`", "run");
    ro.today = *t;
  }
  unsigned hw = std::thread::hardware_concurrency();
  ro.threads = hw ? static_cast<int>(hw) : 1;
  if (threads_s) {
    auto n = ParseCount(*threads_s);
    if (!n || *n > 256) return UsageError("--threads must be a number from 1 to 256", "run");
    ro.threads = static_cast<int>(*n);
  }
  if (batch_s) {
    auto n = ParseCount(*batch_s);
    if (!n || *n > (1 << 24)) return UsageError("--batch-rows must be a number from 1 to 16777216", "run");
    ro.batch_rows = *n;
  }
#ifdef COHORT_CLI_JIT
  std::string engine_choice = engine_name.value_or("jit");
#else
  std::string engine_choice = engine_name.value_or("interp");
#endif
  if (engine_choice != "jit" && engine_choice != "interp")
    return UsageError("unknown engine `" + engine_choice + "`; use `jit` or `interp`", "run");

  CompileOptions co;
  co.today = ro.today;
  CompileResult r = CompileFile(files[0], co);
  bool color = UseColor();
  for (const auto& d : r.diags.all()) std::fputs(RenderText(d, *r.sources, color).c_str(), stderr);
  if (!r.internal_error.empty()) {
    std::fprintf(stderr, "cohort: internal error: %s\n", r.internal_error.c_str());
    return kExitInternal;
  }
  if (!r.ok()) return kExitDiagnostics;

  std::unique_ptr<Engine> engine;
  if (engine_choice == "jit") {
#ifdef COHORT_CLI_JIT
    std::string error;
    engine = MakeJitEngine(r.program, JitOptions{}, &error);
    if (!engine)
      std::fprintf(stderr, "cohort run: note: the JIT cannot compile this program (%s); using the interpreter\n", error.c_str());
#else
    std::fprintf(stderr, "cohort run: note: this build has no JIT; using the interpreter\n");
#endif
  }
  if (!engine) engine = MakeInterpreter(r.program);

  if (source) return RunPostgres(r, *engine, ro, *source, pushdown, quiet);
  RunReport report;
  RunStatus st = Run(*r.program, *engine, ro, &report);
  if (st.code == 3) {
    for (const auto& e : st.data_errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "cohort run: data errors; no output was written\n");
    return kExitData;
  }
  if (st.code != 0) {
    std::fprintf(stderr, "cohort run: error: %s; the previous outputs are unchanged\n", st.message.c_str());
    return kExitInternal;
  }
  if (!quiet) std::cout << FormatReportTable(report);
  return kExitOk;
}

}  // namespace cohort::cli
