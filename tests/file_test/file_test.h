// The C++ side of the file-test harness (tests/file_test/file_test.sh): the
// one rule that decides whether goldens are rewritten, shared by every runner.
#pragma once

#include <cstdlib>
#include <cstring>

namespace cohort::file_test {

/// True only when COHORT_UPDATE_GOLDEN is exactly "1": goldens that differ are
/// then rewritten. Any other value, "0" included, only compares.
inline bool UpdateRequested() {
  const char* v = std::getenv("COHORT_UPDATE_GOLDEN");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

}  // namespace cohort::file_test
