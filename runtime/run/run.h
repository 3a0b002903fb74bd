// The run pipeline shared by every engine: stream batches, let the engine
// compute clause masks, then apply what must be identical everywhere —
// consent enforcement, holdout, campaign priority — and write the lists and
// summary.json atomically. Engines never decide who is contacted; this does.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
  /// Without on_batch, the lists are written while batches are still
  /// evaluated (rows in key order; others are sorted and written after):
  /// a list's rows are written once this many are waiting (tests use 1).
  int64_t stream_rows = 16384;
  size_t load_chunk_bytes = 0;  ///< LoadOptions::chunk_bytes (0: the loader's default; tests use tiny chunks)
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
/// is a key and a tail; its CSV line is the key as a CSV field, then
/// shared(), then the tail, then a newline (holdout lists: the key alone).
/// Rows are packed one after another into byte chunks (64 KiB doubling to
/// 4 MiB; a chunk is filled, never grown or copied): a byte of flags and the
/// key's length, the key, then the tail's length and bytes when there is a
/// tail. The order of the rows is a list of spans (rows next to each other
/// in one chunk), so Gather moves chunks and spans, never rows. Whether the
/// rows are in key order is tracked as they are added (data is usually
/// sorted by key): Sort sorts only when they are not.
class ListRows {
 public:
  /// Text every line has between the key and the tail (e.g. `,send_on,message,cta`).
  void set_shared(std::string shared) { shared_ = std::move(shared); }
  const std::string& shared() const { return shared_; }
  /// Adds a row; `quote`: the key needs CSV quoting (CsvFieldNeedsQuotes(key),
  /// which a caller may know for many keys at once).
  void Add(std::string_view key, std::string_view tail, bool quote);
  void Add(std::string_view key, std::string_view tail = {}) { Add(key, tail, CsvFieldNeedsQuotes(key)); }
  /// Ends the current span: rows added later start a new one. Calling it
  /// after each batch's rows lets Gather take whole spans.
  void Cut() { open_ = false; }
  /// Orders the rows by key bytes (equal keys keep their order): nothing to
  /// do when they were added in order. Call before reading rows.
  void Sort();
  size_t size() const { return rows_; }

  /// One row as it is read.
  struct RowView {
    std::string_view key, tail;
    bool quote;  ///< the key is written as a quoted CSV field
  };
  /// Calls fn(const RowView&) for every row, in order (key order after Sort).
  template <class Fn>
  void ForEach(Fn&& fn) const {
    if (!sorted_order_.empty()) {
      for (const SortRef& ref : sorted_order_) fn(Parse(ref.row, nullptr));
      return;
    }
    for (const Span& span : spans_) ForEachRow(span, fn);
  }
  /// The bytes of `row`'s line, newline included; WriteLine writes them at `out`.
  size_t LineSize(const RowView& row) const;
  void WriteLine(const RowView& row, char* out) const;
  /// Appends every row's line to `out`, in order.
  void AppendLines(std::string& out) const;
  /// Frees the rows (after writing).
  void Clear();

  /// Rows [begin, end) of one chunk, `rows` of them; `last` is the last
  /// one; `sorted`: in key order among themselves. A span never changes once
  /// the list is Cut after it, and its rows stay where they are until Clear
  /// or Gather: another thread may read them meanwhile (ForEachRow), which
  /// is how Run streams lists to their files while it goes on.
  struct Span {
    const char* begin;
    const char* end;
    const char* last;
    uint32_t rows;
    bool sorted;
  };
  const std::vector<Span>& spans() const { return spans_; }
  /// Whether the rows of `next` may follow those of `prev` (null: none) in
  /// key order: its own rows are in order and its first key is not below
  /// prev's last.
  static bool InOrder(const Span* prev, const Span& next);
  /// Calls fn(const RowView&) for each row of `span`, in order.
  template <class Fn>
  static void ForEachRow(const Span& span, Fn&& fn) {
    for (const char* p = span.begin; p != span.end;) fn(Parse(p, &p));
  }

  /// `rows` rows of part `part` (a Gather input), taken in order.
  struct Run {
    uint32_t part;
    uint32_t rows;
  };
  /// Appends to `out` the rows of `parts` in the order `runs` gives: each
  /// run takes the next `rows` rows of its part. Every part's rows must be
  /// covered exactly once. The parts' chunks move to `out` (no row is
  /// copied) and the parts are left empty. Lists filled by several threads,
  /// one part each, become the list their batches make in order.
  static void Gather(const std::vector<ListRows*>& parts, const std::vector<Run>& runs, ListRows* out);

 private:
  /// Flags+length byte: bit 0 quote, bit 1 a tail follows, bits 2-7 the
  /// key's length, or kLongKey and the length in the next 4 bytes.
  static constexpr unsigned kLongKey = 63;
  struct Chunk {
    std::unique_ptr<char[]> bytes;
    size_t size = 0, capacity = 0;
  };
  struct SortRef {
    uint64_t prefix;  ///< the key's first 8 bytes, big-endian, zero-padded
    const char* row;
  };
  /// The row at `p`; `*next` (when not null) is set to the row after it.
  static RowView Parse(const char* p, const char** next);

  std::string shared_;
  std::vector<Chunk> chunks_;  ///< rows are added to the last
  std::vector<Span> spans_;
  std::vector<SortRef> sorted_order_;  ///< after Sort, when the rows were not in order
  size_t rows_ = 0;
  bool open_ = false;  ///< rows added next extend the last span (when adjacent)
  std::string_view last_key_;  ///< the last row's key (in its chunk) while open_
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
