// `cohort repl [--data DIR] [--ledger DIR] [--today DATE] [FILE...]`: the interactive
// session of tools/repl/ (issue 4).
#include <cstdlib>

#include "tools/cohort/cli.h"
#include "tools/repl/repl.h"

namespace cohort::cli {

int CmdRepl(Args& args) {
  auto data = args.Value("--data");
  auto today_s = args.Value("--today");
  auto min_cell_s = args.Value("--min-cell");
  auto ledger_dir = args.Value("--ledger");  // issue 12: contact history and `.measure`
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "repl");
  repl::ReplOptions options;
  options.data_dir = data.value_or("");
  options.files = files;
  options.ledger_dir = ledger_dir.value_or("");
  if (!ParseMinCell(min_cell_s, &options.min_cell)) return UsageError("--min-cell must be a number from 0", "repl");
  if (today_s) {
    options.today = ParseDay(*today_s);
    if (!options.today) return UsageError("--today must be a date `YYYY-MM-DD`", "repl");
  }
  return repl::RunRepl(options);
}

}  // namespace cohort::cli
