// `cohort fmt`: placeholder until its issue lands; says so and exits 2.
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdFmt(Args& args) { return UsageError("`fmt` is not available in this build yet", "fmt"); }

}  // namespace cohort::cli
