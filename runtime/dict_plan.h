// Which IR nodes the engines may evaluate once per dictionary entry instead of
// once per row (dictionary-encoded strings, runtime/batch.h).
//
// A "dictionary predicate" is a bool node whose only non-constant input is one
// string source (a string column, the item of a set quantifier, or a string
// field of a list-record quantifier) and which is built only from comparisons,
// `in [...]` lists, stdlib calls and `not` over that source and constants
// (literals, `today`, `now`). Every such node is strict in its source: a
// missing source gives UNKNOWN (compare/in/calls are NullIfAnyNull, `not`
// keeps UNKNOWN). So when the source is dictionary-encoded, an engine may
// compute the node once per dictionary entry (a tri-state table over codes)
// and answer each row with table[code], or UNKNOWN where the row is missing:
// exactly the per-row result. `and`/`or`/`is missing`/`coalesce` are not
// strict and stay per row (their operands may still be dictionary predicates).
#pragma once

#include <vector>

#include "core/ir.h"

namespace cohort {

/// Per expression id: the source leaf of the dictionary predicate rooted
/// there, or ir::kNoExpr. Inner nodes of a predicate are marked too; engines
/// use the outermost one they meet.
std::vector<ir::ExprId> DictionaryPredicates(const ir::Program& program);

}  // namespace cohort
