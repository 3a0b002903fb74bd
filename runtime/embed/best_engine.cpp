// MakeBestEngine: the JIT when built (COHORT_HAVE_JIT), else the interpreter.
#include "cohort/cohort.h"

#if defined(COHORT_HAVE_JIT)
#include "runtime/jit/jit_engine.h"
#endif

namespace cohort {

bool HasJit() {
#if defined(COHORT_HAVE_JIT)
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Engine> MakeBestEngine(std::shared_ptr<const ir::Program> program, std::string* note) {
#if defined(COHORT_HAVE_JIT)
  std::string error;
  if (auto jit = MakeJitEngine(program, JitOptions{}, &error)) return jit;
  if (note) *note = error;
#else
  if (note) *note = "this build has no JIT";
#endif
  return MakeInterpreter(std::move(program));
}

void StopBackgroundWork() {
#if defined(COHORT_HAVE_JIT)
  StopJitBackground();
#endif
}

bool StopBackgroundWorkForExit() {
#if defined(COHORT_HAVE_JIT)
  return StopJitBackgroundForExit();
#else
  return false;
#endif
}

}  // namespace cohort
