// `cohort lsp`: placeholder until its issue lands; says so and exits 2.
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdLsp(Args& args) { return UsageError("`lsp` is not available in this build yet", "lsp"); }

}  // namespace cohort::cli
