// `cohort report`: what the people who approve a campaign look at. Attrition
// per segment (each clause's removals, as `.explain` shows them), overlap
// between segments and of messages within a week, equity (who each clause
// removes, by language, age band, sex, payer), consent coverage and campaign
// takes. Computed by observing the shared run pipeline (runtime/run/run.h),
// so every engine gives the same report; clause-level verdicts come from the
// interpreter, the reference semantics. Rendered as JSON or as one
// self-contained HTML page (runtime/report/html.cpp), with small-cell
// suppression (runtime/suppress.h) in both.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ir.h"
#include "core/source.h"
#include "runtime/engine.h"
#include "runtime/run/decide.h"
#include "runtime/run/run.h"
#include "runtime/measure/outcome/measure.h"

namespace cohort::report {

/// How rows are grouped for equity: a scalar, non-sensitive field, or the
/// age band computed from `birth_date` (0-17, 18-34, 35-49, 50-64, 65+).
struct GroupBy {
  std::string name;                ///< as shown: `language`, `age_band`
  ColumnId column = kNoColumn;     ///< the field (the birth date for age_band)
  bool age_band = false;
};

/// Resolves `--by` names against the schema: an unknown, sensitive or
/// non-scalar field is an error (returned, not thrown). An empty `names`
/// selects the defaults that exist in the schema (language, age_band, sex,
/// payer_type).
std::vector<GroupBy> ResolveGroupBy(const Schema& schema, const std::vector<std::string>& names, std::string* error);

/// One step of a segment's funnel: rows entering, rows it removed.
struct FunnelStep {
  /// kCap (issue 12): the channel's rows refused by its campaign's frequency
  /// cap; only for segments of a capped campaign, after the channel's condition.
  enum class Kind { kWhere, kExclude, kCampaign, kHoldout, kConsent, kCondition, kCap };
  Kind kind = Kind::kWhere;
  std::string clause;     ///< `where first_timer`, `exclude ...`, `channel sms#1: consent`
  int32_t channel = -1;   ///< for kConsent / kCondition / kCap
  int64_t entering = 0;
  int64_t removed = 0;
  int64_t unknown = 0;    ///< where: removed as UNKNOWN; exclude: UNKNOWN, kept (runtime/run/explain.h)
  /// [by][group] entering / removed.
  std::vector<std::vector<int64_t>> group_entering, group_removed;
};

/// Groups seen for one GroupBy, in sorted order of their labels.
struct GroupAxis {
  GroupBy by;
  std::vector<std::string> labels;  ///< `(missing)` for a missing value
};

/// Everything a report shows, before suppression.
struct ReportData {
  std::string today;
  std::string engine;
  int64_t records = 0;
  std::vector<GroupAxis> axes;
  struct SegmentFunnel {
    std::string name;
    std::string description;
    int64_t records = 0;
    int64_t members = 0;
    std::vector<FunnelStep> steps;
    std::vector<std::string> channel_names;   ///< `sms#1`
    std::vector<int64_t> listed;              ///< per channel
  };
  std::vector<SegmentFunnel> segments;
  /// [a][b]: records that are members of both (diagonal: members).
  std::vector<std::vector<int64_t>> overlap;
  int64_t contact_window_days = 7;
  /// Records on two or more channel lists with send dates within the window.
  int64_t multi_contact = 0;
  /// [a][b], a != b: records listed by both segments with sends within the window.
  std::vector<std::vector<int64_t>> contact_overlap;
  /// Per schema channel: records whose consent flag is TRUE / FALSE / missing.
  struct Consent {
    std::string channel;
    int64_t yes = 0, no = 0, missing = 0;
  };
  std::vector<Consent> consent;
  std::vector<CampaignStats> campaigns;
  /// `cohort report --ledger DIR` (issue 12): the measurement section.
  std::optional<measure::Measurement> measurement;
};

/// Options of one report.
struct ReportOptions {
  std::vector<GroupBy> by;
  int64_t contact_window_days = 7;
};

/// Accumulates a report batch by batch from the pipeline's callback.
class ReportBuilder {
 public:
  /// `program` must be the checked program the engine runs; `sources` hold
  /// its files (for clause labels); `today` is the run date.
  ReportBuilder(const std::shared_ptr<const ir::Program>& program, const SourceManager& sources, int32_t today,
                ReportOptions options);
  ~ReportBuilder();
  /// Counts one batch (the RunOptions::on_batch callback).
  void Add(const CohortBatchView& view, const BatchResult& result, const Decisions& decisions);
  /// The finished data; `run` supplies records, engine and campaign takes.
  ReportData Finish(const RunReport& run);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The report as JSON (counts suppressed as strings `<N`, shares of hidden
/// counts as null). `min_cell` 0 turns suppression off.
std::string ReportJson(const ReportData& data, int64_t min_cell);
/// The report as one self-contained HTML page (inline CSS and SVG, no script,
/// no external resource), the same numbers as ReportJson.
std::string ReportHtml(const ReportData& data, int64_t min_cell, const std::string& title);

/// The overlap table as text (the REPL's `.overlap`): members shared by each
/// pair of the named segments (all when empty), then the contact overlap.
std::string OverlapText(const ReportData& data, int64_t min_cell, const std::vector<std::string>& segments);
/// The equity table of one segment as text (the REPL's `.equity`), for the
/// GroupBy named `by` (every axis when empty). "" when the segment is unknown.
std::string EquityText(const ReportData& data, int64_t min_cell, const std::string& segment, const std::string& by);

}  // namespace cohort::report
