// `cohort repl`: an interactive session over records loaded once into
// memory. On a terminal it edits lines with libedit (history in
// $COHORT_HISTORY or ~/.cohort_history, tab completion); otherwise it reads
// stdin as a script and prints only results.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cohort::repl {

/// What `cohort repl` was asked for.
struct ReplOptions {
  std::string data_dir;              ///< "" = no records
  std::optional<int32_t> today;      ///< default: the current UTC date
  std::vector<std::string> files;    ///< segment files to load first
  int64_t min_cell = 11;             ///< small-cell suppression of counts (0 = off)
  std::string ledger_dir;            ///< the contact ledger: contact history and `.measure` ("" = none)
};

/// Runs the REPL on stdin/stdout/stderr. Returns the exit code: 0; 1 when a
/// script had errors (or a file did not check); 3 for a data error.
int RunRepl(const ReplOptions& options);

}  // namespace cohort::repl
