// Strict-mode lints (`cohort check --strict`): checks that matter to outreach
// teams but are too opinionated for every compile. Run on a checked program.
#pragma once

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"
#include "core/ir.h"

namespace cohort {

/// Emits W0003 (segments that produce nothing and nobody references), W0005
/// (segments an earlier campaign segment always swallows), W0006 (different
/// ctas that may reach the same record outside one campaign), W0007 (holdout
/// without message) and W0008 (optional fields read only in comparisons).
void RunStrictLints(const ast::Module& module, const ir::Program& program, DiagnosticBag& diags);

/// Structural equality of two IR expressions (same program).
bool SameExpr(const ir::Program& p, ir::ExprId a, ir::ExprId b);

}  // namespace cohort
