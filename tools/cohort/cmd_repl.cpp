// `cohort repl`: placeholder until its issue lands; says so and exits 2.
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdRepl(Args& args) { return UsageError("`repl` is not available in this build yet", "repl"); }

}  // namespace cohort::cli
