// Simplification of checked IR: constant folding (including `today`/`now`
// when the run date is known), flattening of and/or, dead-branch removal.
// Semantics-preserving under Kleene logic; the verifier runs after it.
#pragma once

#include <optional>

#include "core/ir.h"

namespace cohort {

struct FoldOptions {
  std::optional<int32_t> today;  ///< fold `today` (and `now` to today 00:00Z) when set
};

/// Rewrites `program` in place.
void Fold(ir::Program& program, const FoldOptions& options);

}  // namespace cohort
