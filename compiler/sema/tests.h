// Checks `test` blocks against a checked program: fixture fields against the
// schema (types, enum labels, required fields), expectation names against
// the program's segments, campaigns and channels. Errors are diagnostics
// with the fixture's or expectation's range.
#pragma once

#include <vector>

#include "compiler/ast/ast.h"
#include "core/diagnostic.h"
#include "core/ir.h"
#include "core/test_ir.h"

namespace cohort {

/// Checks every test of `module` (which may be a `*_test.cohort` file of its
/// own) against `program`. Tests with errors are left out of the result.
std::vector<test::Case> CheckTests(const ast::Module& module, const ir::Program& program, const SourceManager& sm,
                                   DiagnosticBag& diags);

/// The neutral value a fixture field takes when neither `given` nor the
/// record sets it: missing for optional fields; else false, 0, 0.0, "",
/// 1970-01-01, 1970-01-01T00:00:00Z, the enum's first label, the empty set or
/// list (README "Cohort in CI").
test::Cell NeutralCell(const ColumnDef& column);

}  // namespace cohort
