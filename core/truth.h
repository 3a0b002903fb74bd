// Three-valued truth (Kleene logic, docs/language.md §4): the one encoding of a
// condition's value for a record, shared by the interpreter, test
// expectations and every explanation (`.why`, `.explain`, `cohort test`).
#pragma once

#include <cstdint>

namespace cohort {

/// The value of a condition for one record: UNKNOWN when a value it needs is
/// missing. The byte values are stable (interpreter vectors store them).
enum class Truth : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

/// "TRUE", "FALSE" or "UNKNOWN", as every explanation prints it.
inline const char* TruthName(Truth t) {
  switch (t) {
    case Truth::kTrue: return "TRUE";
    case Truth::kFalse: return "FALSE";
    case Truth::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace cohort
