// Shared pieces of the `cohort` command-line tool. Exit codes (stable): 0 ok,
// 1 diagnostics (errors in a segment file), 2 usage, 3 data error, 4 internal
// or output error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDiagnostics = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitData = 3;
inline constexpr int kExitInternal = 4;

/// Minimal option parser: `--name value`, `--name=value`, flags, positionals.
class Args {
 public:
  Args(std::vector<std::string> argv) : argv_(std::move(argv)) {}
  /// Consumes `--name V` / `--name=V`; returns V. Sets `error_` when V is missing.
  std::optional<std::string> Value(const std::string& name);
  /// Consumes a flag `--name`.
  bool Flag(const std::string& name);
  /// Remaining arguments; an unknown `--option` among them is a usage error.
  std::vector<std::string> Positionals();
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string> argv_;
  std::string error_;
};

/// Prints `cohort: error: msg` and a hint to stderr; returns kExitUsage.
int UsageError(const std::string& message, const std::string& command = "");
/// Parses YYYY-MM-DD into days since epoch.
std::optional<int32_t> ParseDay(const std::string& s);
/// `--min-cell N` of report, measure and repl: when `s` is set, stores N
/// (0 = no suppression, at most 1,000,000) in `*out`; false when malformed.
bool ParseMinCell(const std::optional<std::string>& s, int64_t* out);
/// True when stderr is a terminal and NO_COLOR is not set.
bool UseColor();

}  // namespace cohort::cli

namespace cohort {
struct CompileResult;
struct RunOptions;
namespace ir {
struct Program;
struct Segment;
}  // namespace ir
namespace measure {
struct LedgerRow;
struct LedgerRun;
}  // namespace measure
}  // namespace cohort

namespace cohort::cli {

/// Compiles the one segment file a running command takes (folding `today`),
/// printing its diagnostics. Returns 0 when it checked, else the exit code
/// (kExitDiagnostics, or kExitInternal for an IR verifier failure).
int CompileForRun(const std::string& file, int32_t today, CompileResult* out);

/// Issue 12: prints E0702/E0703 when the compiled program reads contact
/// history that this run cannot give it; returns kExitUsage then, else 0.
int CheckLedgerUse(const CompileResult& r, bool has_ledger, bool from_source);
/// SHA-256 of every source file of `r` (the first inputs of a ledger run id).
std::vector<std::string> LedgerSourceHashes(const CompileResult& r);
/// The ledger run id of compiling `r` over `data_dir` on `today` (hash of
/// the sources, the data files and the day; runtime/measure/ledger.h).
std::string LedgerRunIdFor(const CompileResult& r, const std::string& data_dir, int32_t today);
/// The ledger row of `key` on list `list` of `seg` (a channel index, or
/// `seg.channels.size()` for the holdout list) in a run on `today`: the
/// rows every engine records (`--data`, pull and `--pushdown`).
measure::LedgerRow LedgerRowOf(const ir::Segment& seg, size_t list, std::string_view key, int32_t today,
                               std::string_view variant);
/// Sets `ro->on_batch` to append every row of every list the run decides to
/// `ledger` (its run id and date already set).
void RecordLedgerRows(const ir::Program& p, RunOptions* ro, measure::LedgerRun* ledger);
/// Writes `ledger` into `dir` after a run, printing what happened. Returns 0
/// or kExitInternal (the lists were written, the ledger not).
int WriteLedgerAfterRun(const std::string& dir, measure::LedgerRun ledger, bool quiet);

int CmdCheck(Args& args);
int CmdRun(Args& args);
int CmdGen(Args& args);
int CmdRepl(Args& args);  ///< tools/cohort/cmd_repl.cpp (issue 4)
int CmdFmt(Args& args);   ///< tools/cohort/cmd_fmt.cpp (issue 5)
int CmdLsp(Args& args);   ///< tools/cohort/cmd_lsp.cpp (issue 5)
int CmdTest(Args& args);  ///< tools/cohort/cmd_test.cpp (issue 6)
int CmdReport(Args& args);  ///< tools/cohort/cmd_report.cpp (issue 11)
int CmdAudit(Args& args);   ///< tools/cohort/cmd_report.cpp: `cohort audit verify`
int CmdImport(Args& args);  ///< tools/cohort/cmd_import.cpp (issue 9)
int CmdSql(Args& args);   ///< tools/cohort/cmd_sql.cpp (issue 10)
int CmdMeasure(Args& args);  ///< tools/cohort/cmd_measure.cpp (issue 12)

}  // namespace cohort::cli
