// Rewrites every engine benefits from, applied by Fold (compiler/opt) so the
// interpreter, the JIT and the SQL backend all run the cheaper form. Each
// rewrite is exact under Kleene logic (a missing operand still gives UNKNOWN)
// and keeps the node's type, nullability and level.
#pragma once

#include <vector>

#include "core/ir.h"

namespace cohort {

/// `age(b) OP n` (n an int literal in [0, 1000], either side) on a known run
/// date becomes a comparison of `b` with birth-date thresholds T(n) =
/// AgeThreshold(today, n) (core/dates.h), so no calendar runs per row:
///   age >= n  <=>  b <= T(n)        age > n  <=>  b <= T(n + 1)
///   age <  n  <=>  b >  T(n)        age <= n <=>  b >  T(n + 1)
///   age == n  <=>  b <= T(n) and b > T(n + 1)   (`!=`: the negation, as `or`)
/// `==`/`!=` need `b` twice and are rewritten only when it is a leaf (a
/// column or a list element's field). Returns the new node, or kNoExpr when
/// the comparison `id` (with folded operands `args`) has another shape.
ir::ExprId RewriteAgeCompare(ir::Program& p, ir::ExprId id, const std::vector<ir::ExprId>& args, int32_t today);

}  // namespace cohort
