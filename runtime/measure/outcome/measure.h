// Measurement of goals against the holdout (issue 12): `cohort measure`, the
// report's measurement section and the REPL's `.measure` all call Measure and
// format its one result.
//
// Units. A patient counts once per segment: in the first run of the ledger
// that listed it on a channel list of the segment or held it out (later runs
// are the same outreach continuing, not new patients). S is its first
// `send_on` in that segment for that run (holdout rows: the first step's
// `send_on`, as the ledger records it). A goal is met when an event for which
// the goal's condition is TRUE (evaluated by the interpreter, the reference
// semantics) has a UTC date d with S <= d <= S + N days. A window is open
// while S + N >= today; open units are counted apart and left out of the
// lift. Treated = listed (any channel list); holdout = held out. Runs dated
// after today are left out (measuring as of an earlier day).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/ir.h"
#include "runtime/engine.h"
#include "runtime/loader.h"
#include "runtime/measure/ledger.h"
#include "runtime/measure/stats.h"

namespace cohort::measure {

/// What to measure.
struct MeasureOptions {
  std::string data_dir;
  int32_t today = 0;
  std::string segment;  ///< only this segment when not empty
  int threads = 1;
  /// When set, these batches are measured instead of reading `data_dir`
  /// (the REPL's records in memory).
  const std::vector<CohortBatchView>* views = nullptr;
};

/// Counts of one group (treated in a variant, or holdout) for one goal.
struct GroupCounts {
  int64_t n = 0;          ///< closed windows
  int64_t converted = 0;  ///< of n
  int64_t open = 0;       ///< windows still open at today (not in n)
};

/// One (segment, variant, goal): the treated group against the holdout.
struct MeasureRow {
  std::string segment;
  std::string variant;  ///< "" when the segment has no variants
  std::string goal;
  int32_t days = 0;
  bool primary = false;  ///< the segment's first goal
  GroupCounts treated, holdout;
  bool compared = false;  ///< both groups have closed windows
  Comparison cmp;
};

/// Two variants of a segment compared for one goal (a is the treated side).
struct VariantComparisonRow {
  std::string segment, goal, a, b;
  GroupCounts ca, cb;
  bool compared = false;
  Comparison cmp;
};

/// The whole measurement.
struct Measurement {
  int32_t today = 0;
  size_t runs = 0;          ///< ledger runs read
  int64_t units = 0;        ///< (segment, patient) units from the ledger
  std::vector<MeasureRow> rows;
  std::vector<VariantComparisonRow> versus;
  std::vector<std::string> notes;  ///< e.g. segments without goals
};

/// Outcome of Measure: 0 ok, 3 data error (`data_errors` filled).
struct MeasureStatus {
  int code = 0;
  std::vector<DataError> data_errors;
  std::vector<DataError> data_warnings;
};

/// Measures every segment with goals (or only `options.segment`) of `program`
/// from the ledger `runs` and the data in `options.data_dir`.
MeasureStatus Measure(const std::shared_ptr<const ir::Program>& program, const std::vector<LedgerRun>& runs,
                      const MeasureOptions& options, Measurement* out);

/// The text table (small cells suppressed with `min_cell`, runtime/suppress.h).
std::string MeasurementToText(const Measurement& m, int64_t min_cell);
/// `{"segments": [{"segment", "variant", "goal", "treated", ..., "versus": [...]}]}`
/// (suppressed counts as "<N"; the statistics of a row with a hidden count
/// are null; `versus` compares a variant with each later variant).
std::string MeasurementToJson(const Measurement& m, int64_t min_cell);
/// An HTML fragment (a heading and a table) for `cohort report --ledger`,
/// with the same numbers and suppression as the JSON.
std::string MeasurementToHtml(const Measurement& m, int64_t min_cell);

}  // namespace cohort::measure
