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
// A failure prints the seed, the program and the first differing mask/row;
// rerun one case with COHORT_DIFF_SEED=<seed> COHORT_DIFF_CASES=1.
#include <doctest/doctest.h>

#include "compiler/driver/driver.h"
#include "jit_test_util.h"
#include "program_gen.h"
#include "runtime/jit/jit_engine.h"

using namespace cohort;
using namespace cohort::jit_test;

TEST_CASE("differential: random programs, interpreter vs JIT on every mask") {
  const long cases = EnvInt("COHORT_DIFF_CASES", 200);
  const uint64_t first_seed = static_cast<uint64_t>(EnvInt("COHORT_DIFF_SEED", 1));
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
    CompileResult r = Compile(text, options);
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
    auto jit = MakeJitEngine(program, jo, &error);
    if (!jit) {
      ++failures;
      FAIL_CHECK("seed " << seed << ": the JIT rejected a checked program: " << error << "\n" << text);
      continue;
    }
    auto interp = MakeInterpreter(program);
    for (int b = 0; b < 2; ++b) {
      const int64_t rows = b == 0 ? 1 + static_cast<int64_t>(rng() % 300) : static_cast<int64_t>(rng() % 9);
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
    if (failures >= 5) break;
  }
  MESSAGE("programs compiled " << compiled << ", rejected by the checker " << rejected << ", TRUE rows " << ones);
  if (!first_rejection.empty()) MESSAGE("first rejected program: " << first_rejection);
  // The generator must produce checkable programs, and they must select rows.
  CHECK(compiled >= cases * 9 / 10);
  CHECK(ones > 0);
  CHECK(failures == 0);
}
