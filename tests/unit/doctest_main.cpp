// doctest's main, then the JIT's background compiles stopped before static
// destructors run (as the CLI's main does: a tier-up compilation still in
// progress would race LLVM's statics being destroyed).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

namespace cohort {
// Defined in runtime/jit/jit_engine.cpp. Weak: null in test binaries that do
// not link the JIT.
[[gnu::weak]] void StopJitBackground();
}  // namespace cohort

int main(int argc, char** argv) {
  const int result = doctest::Context(argc, argv).run();
  if (&cohort::StopJitBackground != nullptr) cohort::StopJitBackground();
  return result;
}
