// The top-level `and` conjuncts of a checked condition: what the strict
// lints compare and what explanations (`.why`, `.explain`, attrition) list
// one by one.
#pragma once

#include <vector>

#include "core/ir.h"

namespace cohort::ir {

/// Appends the top-level `and` conjuncts of `id` to `out`, in source order
/// (`id` itself when it is not an `and`; nothing for kNoExpr). Define
/// references are not expanded: a define is one conjunct, as written.
void Conjuncts(const Program& p, ExprId id, std::vector<ExprId>* out);

}  // namespace cohort::ir
