// `cohort lsp`: the language server over stdio (tools/lsp/). `--lit-test`
// reads unframed JSON messages from stdin and prints every outgoing message
// as one line of JSON (protocol-level golden tests, tests/lsp/).
#include <unistd.h>

#include <iostream>

#include "tools/cohort/cli.h"
#include "tools/lsp/server.h"

namespace cohort::cli {

int CmdLsp(Args& args) {
  bool lit = args.Flag("--lit-test");
  lsp::ServerOptions options;
  // A/B switch for bench/lsp/lsp_bench.py: whole-file compiles, fixed 150 ms debounce.
  if (args.Flag("--no-incremental")) {
    options.incremental = false;
    options.fixed_debounce_ms = 150;
  }
  args.Flag("--stdio");  // what most clients pass; stdio is the only transport
  std::vector<std::string> rest = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "lsp");
  if (!rest.empty()) return UsageError("`lsp` takes no files (a client opens them)", "lsp");
  std::ios::sync_with_stdio(false);
  if (lit) return lsp::RunLitTest(std::cin, std::cout, options);
  return lsp::RunStdio(STDIN_FILENO, std::cout, options);
}

}  // namespace cohort::cli
