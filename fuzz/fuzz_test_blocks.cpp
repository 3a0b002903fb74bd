// Fuzz target: `test` blocks and their fixtures. The input is a source file;
// when it checks, its tests are checked (fixtures become records) and run on
// the interpreter (and the JIT when built), as `cohort test` does.
#include <vector>

#include "compiler/driver/driver.h"
#include "compiler/sema/tests.h"
#include "fuzz/fuzz_util.h"
#include "runtime/engine.h"
#include "runtime/testing/runner.h"
#ifdef COHORT_HAVE_JIT
#include "runtime/jit/jit_engine.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  if (size > 64 * 1024) return -1;
#ifdef COHORT_HAVE_JIT
  // The in-process kernel cache grows with every distinct program; clear it
  // now and then, while no engine is alive.
  static int calls = 0;
  if (++calls % 64 == 0) ClearJitCache();
#endif
  CompileOptions options;
  options.file_name = "fuzz.cohort";
  options.schema = fuzz::PatientSchema();
  options.warn_unused = false;
  CompileResult r = Compile(std::string(reinterpret_cast<const char*>(data), size), options);
  if (!r.internal_error.empty()) fuzz::Fail("internal error: " + r.internal_error);
  if (!r.ok()) return 0;
  DiagnosticBag diags;
  std::vector<test::Case> cases = CheckTests(*r.ast, *r.program, *r.sources, diags);
  for (const Diagnostic& d : diags.all()) (void)RenderText(d, *r.sources);
  if (diags.has_errors() || cases.empty()) return 0;
  std::vector<std::unique_ptr<Engine>> owned;
  std::vector<testing::EngineRef> engines;
  owned.push_back(MakeInterpreter(r.program));
  engines.push_back({"interp", owned.back().get()});
#ifdef COHORT_HAVE_JIT
  std::string error;
  JitOptions jo;
  jo.opt_level = 1;
  if (auto jit = MakeJitEngine(r.program, jo, &error)) {
    owned.push_back(std::move(jit));
    engines.push_back({"jit", owned.back().get()});
  }
#endif
  testing::Coverage cov;
  auto results = testing::RunCases(r.program, engines, cases, 20000, *r.sources, "fuzz.cohort", &cov);
  (void)testing::JUnitXml(results);
  return 0;
}
