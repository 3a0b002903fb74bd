// The contact ledger: what each `cohort run --ledger DIR` decided, one
// immutable CSV file per run (`DIR/run-YYYY-MM-DD-<run id>.csv`), written
// atomically and never edited. A row per row of every list: channel lists
// and holdout lists (the ledger rules of issue 12; docs/language.md will carry them with the language parts). The run id is derived from
// the inputs (SHA-256 of every source and data file and the run date), so a
// re-run of the same day with the same inputs is recognised, not counted
// twice. Like the lists, the ledger holds keys: it is an output for systems.
//
// Columns: run_id,run_date,key,segment,list,step,send_on,variant
//   list: the channel name or `holdout`; step: the channel's step (0 for
//   holdout rows); send_on: YYYY-MM-DD (holdout rows: the first step's date);
//   variant: empty until segments have variants.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cohort::measure {

/// One ledger row.
struct LedgerRow {
  std::string key;
  std::string segment;
  std::string list;
  uint32_t step = 0;
  int32_t send_on = 0;  ///< days since epoch
  std::string variant;
};

/// One run's rows.
struct LedgerRun {
  std::string run_id;
  int32_t run_date = 0;
  std::vector<LedgerRow> rows;
};

/// The id of a run: the first 16 hex digits of SHA-256 over the input hashes
/// (in the given order) and the run date.
std::string LedgerRunId(const std::vector<std::string>& input_hashes, int32_t run_date);

/// Writes `run` into `dir` (created if needed). When a file for the same run
/// id exists with the same content, nothing is written and `*already` is set.
/// Returns "" or an error message.
std::string WriteLedger(const std::string& dir, LedgerRun run, bool* already);

/// Reads every `run-*.csv` file of `dir` in file-name order. Errors name the
/// file and line, never a value. Returns "" or an error message.
std::string ReadLedger(const std::string& dir, std::vector<LedgerRun>* runs);

}  // namespace cohort::measure
