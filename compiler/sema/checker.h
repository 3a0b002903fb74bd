// The checker: ast::Module + Schema -> ir::Program. Resolves names, infers
// types, enforces the consent and governance rules, orders segments.
#pragma once

#include <memory>

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"
#include "core/ir.h"

namespace cohort {

/// Options that change what the checker reports.
struct CheckOptions {
  bool warn_unused = true;   ///< W0001/W0002 for unused consts/defines
};

/// Checks `module` against `schema`. Returns the program, or nullptr when any
/// error was reported (an unchecked or half-checked program never escapes).
std::shared_ptr<ir::Program> Check(const ast::Module& module, std::shared_ptr<const Schema> schema,
                                   const SourceManager& sm, DiagnosticBag& diags,
                                   const CheckOptions& options = {});

}  // namespace cohort
