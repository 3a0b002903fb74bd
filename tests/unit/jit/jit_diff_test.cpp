// Differential test: random well-typed programs (generated as source text and
// compiled by the driver) over random batches; the interpreter and the JIT
// must agree on every mask of every segment. String columns are plain or
// dictionary-encoded at random per column and batch (jit_test_util.h
// RandomEncoding), so both batches of a case usually have different
// dictionaries (and codes) for the same column.
//
//   COHORT_DIFF_CASES=N   number of programs (default 200)
//   COHORT_DIFF_SEED=S    first seed (default 1); case k uses seed S + k
//   COHORT_DIFF_FOLD=0    no folding pass at all (default: `today` folded in half of the cases)
//   COHORT_DIFF_BATCHES=B random batches per program (default 2; more rows per compile)
// It prints the CPU time per case and per phase (check, JIT, evaluation):
// the JIT compile is most of it (scripts/diff-deep.sh projects 1M cases).
// A failure prints the seed, the program and the first differing mask/row;
// rerun one case with COHORT_DIFF_SEED=<seed> COHORT_DIFF_CASES=1.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>

#include "compiler/driver/driver.h"
#include "jit_test_util.h"
#include "program_gen.h"
#include "runtime/jit/jit_engine.h"

using namespace cohort;
using namespace cohort::jit_test;

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

TEST_CASE("differential: random programs, interpreter vs JIT on every mask") {
  const long cases = EnvInt("COHORT_DIFF_CASES", 200);
  const uint64_t first_seed = static_cast<uint64_t>(EnvInt("COHORT_DIFF_SEED", 1));
  const int batches = static_cast<int>(std::max(2L, EnvInt("COHORT_DIFF_BATCHES", 2)));
  double cpu_check = 0, cpu_jit = 0, cpu_eval = 0;
  const double cpu_start = ThreadCpuSeconds();
  static const char* const kTodays[] = {"2026-11-23", "2024-02-29", "2025-03-31", "2026-01-01"};
  long compiled = 0, rejected = 0, failures = 0;
  size_t ones = 0;
  std::string first_rejection;
  for (long k = 0; k < cases; ++k) {
    const uint64_t seed = first_seed + static_cast<uint64_t>(k);
    std::mt19937_64 rng(seed * 7919 + 17);
    ProgramGen gen(seed);
    const std::string text = gen.Program();
    const int32_t today = *ParseDate(kTodays[rng() % std::size(kTodays)]);
    const bool fold = rng() % 2 == 0 && EnvInt("COHORT_DIFF_FOLD", 1) != 0;

    CompileOptions options;
    options.file_name = "gen_" + std::to_string(seed) + ".cohort";
    if (fold) options.today = today;
    if (EnvInt("COHORT_DIFF_FOLD", 1) == 0) options.fold = false;
    options.warn_unused = false;
    double t = ThreadCpuSeconds();
    CompileResult r = Compile(text, options);
    cpu_check += ThreadCpuSeconds() - t;
    if (!r.ok()) {
      ++rejected;
      if (first_rejection.empty() && !r.internal_error.empty())
        first_rejection = "seed " + std::to_string(seed) + ": " + r.internal_error + "\n" + text;
      for (const Diagnostic& d : r.diags.all()) {
        if (d.severity != Severity::Error || !first_rejection.empty()) continue;
        const SourceFile& src = r.sources->Get(d.range.file ? d.range.file : r.file);
        LineCol at = src.Position(d.range.begin);
        first_rejection = "seed " + std::to_string(seed) + " line " + std::to_string(at.line) + ":" +
                          std::to_string(at.col) + ": " + d.message + "\n" + text;
      }
      continue;
    }
    ++compiled;
    std::shared_ptr<const ir::Program> program = r.program;
    JitOptions jo;
    jo.opt_level = seed % 3 == 0 ? 0 : 2;  // both the unoptimized and the optimized kernel
    jo.tiering = seed % 2 ? JitTiering::kQuickOnly : JitTiering::kOptimizedOnly;  // each tier, deterministically
    std::string error;
    t = ThreadCpuSeconds();
    auto jit = MakeJitEngine(program, jo, &error);
    cpu_jit += ThreadCpuSeconds() - t;
    if (!jit) {
      ++failures;
      FAIL_CHECK("seed " << seed << ": the JIT rejected a checked program: " << error << "\n" << text);
      continue;
    }
    t = ThreadCpuSeconds();
    auto interp = MakeInterpreter(program);
    for (int b = 0; b < batches; ++b) {
      // The second batch is tiny (0-8 rows: loop edges); the others 1-300 rows,
      // except the first of every 8th case: 900-2199 rows, across the
      // optimized kernel's row chunks (1024 rows, bitmaps expanded per chunk).
      const int64_t rows = b == 0 && seed % 8 == 0 ? 900 + static_cast<int64_t>(rng() % 1300)
                           : b != 1              ? 1 + static_cast<int64_t>(rng() % 300)
                                                 : static_cast<int64_t>(rng() % 9);
      auto batch = RandomBatch(*program->schema, rng, rows, today);
      ExecContext ctx;
      ctx.today = today;
      // Folding pins now to today 00:00Z; unfolded runs use a mid-day instant.
      ctx.now = int64_t{today} * kMicrosPerDay + (fold ? 0 : static_cast<int64_t>(rng() % kMicrosPerDay));
      BatchResult want, got;
      interp->Evaluate(batch->View(), ctx, &want);
      jit->Evaluate(batch->View(), ctx, &got);
      ones += CountOnes(want);
      std::string diff = DiffResults(*program, want, got);
      if (!diff.empty()) {
        ++failures;
        FAIL_CHECK("seed " << seed << " batch " << b << " (today " << FormatDate(today) << ", fold " << fold
                           << "): " << diff << "\n" << text);
        break;
      }
    }
    cpu_eval += ThreadCpuSeconds() - t;
    if (failures >= 5) break;
  }
  const double cpu_total = ThreadCpuSeconds() - cpu_start;
  MESSAGE("CPU " << cpu_total << " s for " << cases << " cases (" << cpu_total * 1e3 / static_cast<double>(cases)
                 << " ms per case; check " << cpu_check << " s, JIT " << cpu_jit << " s, evaluation " << cpu_eval
                 << " s)");
  MESSAGE("programs compiled " << compiled << ", rejected by the checker " << rejected << ", TRUE rows " << ones);
  if (!first_rejection.empty()) MESSAGE("first rejected program: " << first_rejection);
  // The generator must produce checkable programs, and they must select rows.
  CHECK(compiled >= cases * 9 / 10);
  CHECK(ones > 0);
  CHECK(failures == 0);
}
