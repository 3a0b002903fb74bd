// The run pipeline shared by every engine: stream batches, let the engine
// compute clause masks, then apply what must be identical everywhere —
// consent enforcement, holdout, campaign priority — and write the lists and
// summary.json atomically. Engines never decide who is contacted; this does.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ir.h"
#include "core/strings.h"  // AppendCsvField, for the lists
#include "runtime/engine.h"
#include "runtime/loader.h"
#include "runtime/measure/contacts.h"
#include "runtime/run/decide.h"

namespace cohort {

/// Options of one run.
struct RunOptions {
  std::string data_dir;
  std::string out_dir;
  int32_t today = 0;            ///< days since epoch
  int threads = 1;              ///< batches evaluated in parallel
  int64_t batch_rows = 16384;
  /// When false, nothing is written (reports, measurements): the pipeline
  /// still decides every row and calls `on_batch`.
  bool write_outputs = true;
  /// Called for every batch, in input order, with the engine's masks and the
  /// shared decisions (reports observe the one pipeline instead of copying it).
  std::function<void(const CohortBatchView&, const BatchResult&, const Decisions&)> on_batch;
  bool strict_data = false;     ///< header columns the schema does not know are errors
  /// Column projection (`cohort run`; off for `--validate all` and for
  /// callers whose on_batch reads other columns, such as reports): the CSV
  /// loader converts and validates only the columns the program reads
  /// (core/used_columns.h); the others are tokenized, not converted.
  bool project_columns = false;
  /// Issue 12: earlier contacts from the ledger; the program's contacts
  /// column is filled from it per batch (required when the program has one).
  const measure::ContactIndex* contacts = nullptr;
};

/// Counters of one channel step.
struct ChannelStats {
  std::string name;
  uint32_t step = 1;
  std::string send_on;          ///< YYYY-MM-DD
  int64_t eligible = 0;         ///< members, not held out, not taken by a campaign
  int64_t listed = 0;           ///< rows written to the list
  int64_t lacked_consent = 0;   ///< eligible but consent flag not TRUE
  int64_t condition_false = 0;  ///< consent TRUE but the rest of the condition not TRUE
  int64_t capped = 0;           ///< issue 12: would be listed, refused by the campaign's frequency cap
};

/// Counters of one segment (attrition in clause order).
struct SegmentStats {
  std::string name;
  int64_t records = 0;
  int64_t where_matched = 0;
  std::vector<int64_t> exclude_removed;  ///< removed by exclude k (after earlier excludes)
  int64_t members = 0;
  int64_t taken_by_campaign = 0;         ///< members removed by an earlier campaign segment
  int64_t held_out = 0;
  std::vector<ChannelStats> channels;
};

/// Per campaign: how many members each earlier segment took from each later one.
struct CampaignStats {
  std::string name;
  /// (earlier segment, later segment) -> records taken.
  std::map<std::pair<std::string, std::string>, int64_t> taken;
  std::vector<std::string> priority;
};

/// Everything a run reports.
struct RunReport {
  std::string engine;
  std::string today;
  int64_t records = 0;
  int64_t list_rows = 0;
  int64_t list_rows_unmatched = 0;
  /// False when the list file's rows were not read (a CSV run of a program
  /// that reads no list field checks only its header): the two counts above
  /// are then unknown, and the summary says "not read" instead of 0.
  bool lists_read = true;
  std::vector<SegmentStats> segments;
  std::vector<CampaignStats> campaigns;
  bool caps = false;  ///< issue 12: a campaign has a frequency cap (tables show `capped`)
  double load_seconds = 0;
  double eval_seconds = 0;
  double total_seconds = 0;
};

/// Counts a run batch by batch: attrition per clause, campaign takes,
/// holdout and channel outcomes. Shared by `cohort run` and the REPL's `.run`
/// so both always report the same numbers.
class ReportTally {
 public:
  /// Prepares `report` (segments, channels with send dates, campaigns).
  ReportTally(const ir::Program& program, int32_t today, RunReport* report);
  /// Counts one batch from the engine's masks and the shared decisions.
  void Add(const CohortBatchView& view, const BatchResult& result, const Decisions& decisions);

 private:
  const ir::Program& p_;
  RunReport* report_;
  std::vector<uint8_t> alive_;  ///< per row of a batch, reused
};

/// Outcome of Run: 0 ok, 3 data error (`data_errors` filled), 4 output error.
struct RunStatus {
  int code = 0;
  std::vector<DataError> data_errors;
  std::vector<DataError> data_warnings;  ///< e.g. header columns the schema does not know
  std::string message;  ///< for code 4
};


/// Runs `program` with `engine` over `options.data_dir`, writing lists and
/// summary.json into `options.out_dir` (complete or untouched).
RunStatus Run(const ir::Program& program, const Engine& engine, const RunOptions& options, RunReport* report);

/// One scalar cell as text, as lists (`export` columns) and the REPL's
/// `.sample` show it ("" when missing).
std::string FormatCell(const CohortColumn& column, const ColumnDef& def, int64_t row);
/// The rows of one output list, stored without a heap object per row. A row
/// is a sort key and a tail; its CSV line (no newline) is the key as a CSV
/// field, then shared(), then the tail (holdout lists: the key alone). Keys
/// and tails go into a byte arena of chunks (up to 4 MiB; a full chunk is
/// kept as it is, never copied into a larger one); rows are 24-byte entries
/// (chunk and position, lengths, whether the key needs CSV quoting, and the
/// key's first 8 bytes for comparing without touching the arena).
class ListRows {
 public:
  /// Text every line has between the key and the tail (e.g. `,send_on,message,cta`).
  void set_shared(std::string shared) { shared_ = std::move(shared); }
  const std::string& shared() const { return shared_; }
  /// Starts a row sorted by `key`; its tail is what is appended to tail()
  /// until the next Begin (or Sort).
  void Begin(std::string_view key);
  /// The arena the current row's tail is appended to.
  std::string& tail() { return bytes_; }
  /// Closes the last row and sorts rows by key bytes (equal keys keep their
  /// order). Call before reading rows.
  void Sort();
  size_t size() const { return rows_.size(); }
  std::string_view key(size_t i) const { return {At(rows_[i].at), rows_[i].key_len}; }
  std::string_view tail(size_t i) const { return {At(rows_[i].at) + rows_[i].key_len, rows_[i].tail_len}; }
  /// Appends row i's CSV line and a newline to `out`.
  void AppendLine(size_t i, std::string& out) const;
  /// Frees the rows (after writing).
  void Clear();

  /// `rows` rows of part `part` (a Gather input), taken in order.
  struct Run {
    uint32_t part;
    uint32_t rows;
  };
  /// Appends to `out` the rows of `parts` in the order `runs` gives: each
  /// run takes the next `rows` rows of its part. Every part's rows must be
  /// covered exactly once. The parts' arena chunks move to `out` (no key or
  /// tail bytes are copied) and the parts are left empty. Lists filled by
  /// several threads, one part each, become the list their batches make in
  /// order.
  static void Gather(const std::vector<ListRows*>& parts, const std::vector<Run>& runs, ListRows* out);

 private:
  struct Row {
    uint64_t prefix;   ///< the key's first 8 bytes, big-endian, zero-padded
    uint64_t at;       ///< key bytes, then tail bytes: chunk << kChunkShift | position in it
    uint32_t key_len : 31;
    uint32_t quote : 1;  ///< the key needs CSV quoting (checked once, at Begin)
    uint32_t tail_len;
  };
  static constexpr int kChunkShift = 40;
  /// The bytes at arena position `at`.
  const char* At(uint64_t at) const {
    const size_t chunk = static_cast<size_t>(at >> kChunkShift);
    const std::string& bytes = chunk < full_.size() ? full_[chunk] : bytes_;
    return bytes.data() + (at & ((uint64_t{1} << kChunkShift) - 1));
  }
  void Close();
  std::string shared_;
  std::vector<std::string> full_;  ///< full chunks, in order
  std::string bytes_;              ///< the chunk being filled
  std::vector<Row> rows_;
  bool open_ = false;  ///< the last row's tail is still being appended (its tail_len is not set)
};

/// Every list of a run: [segment][channel] rows and [segment] holdout keys
/// (rows with empty lines).
struct RunLists {
  std::vector<std::vector<ListRows>> channels;
  std::vector<ListRows> holdouts;
};

/// Sorts each list by key bytes and writes every list (header-only when
/// empty) and summary.json into `out_dir` atomically: the new tree is staged
/// beside `out_dir` and exchanged with it in one renameat2(RENAME_EXCHANGE),
/// so `out_dir` always holds one complete run; lists of channels a segment no
/// longer has are removed. Shared by Run and the SQL pushdown. `threads`
/// lists are sorted and written at once.
bool WriteRunOutputs(const ir::Program& program, RunLists* lists, const RunReport& report, const std::string& out_dir,
                     std::string* error, int threads = 1);


/// The human summary table printed by `cohort run` and the REPL's `.run`.
/// With `min_cell` > 0 (the REPL), small counts are suppressed (runtime/suppress.h);
/// `cohort run` prints the operator's table unsuppressed.
std::string FormatReportTable(const RunReport& report, int64_t min_cell = 0);
/// summary.json text.
std::string ReportToJson(const RunReport& report);

}  // namespace cohort
