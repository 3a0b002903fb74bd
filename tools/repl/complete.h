// Tab completion for the REPL: commands and their arguments, fields (nested
// after `.`, including a quantifier's variable: `e.` in `any e in events`),
// enum labels, session names, functions and keywords. Pure, so it is unit
// tested without a terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "tools/repl/session.h"

namespace cohort::repl {

/// Candidates that replace the text from `start` up to the cursor.
struct Completion {
  size_t start = 0;
  std::vector<std::string> candidates;  ///< sorted, unique, all starting with the typed word
};

/// Completes `line` (the text before the cursor). `pending` is the earlier
/// lines of a multi-line input (for quantifier variables in scope).
Completion Complete(std::string_view pending, std::string_view line, const Schema& schema, const SessionNames& names);

/// The longest common prefix of `candidates`.
std::string CommonPrefix(const std::vector<std::string>& candidates);

}  // namespace cohort::repl
