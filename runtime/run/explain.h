// Why a record is (not) contacted, clause by clause (OPA's `explain`),
// computed once beside Decide: the interpreter gives each clause's
// three-valued truth, Decide gives campaign takes, holdout and consent. Every
// view formats this one result: the REPL's `.why` (one row) and `.explain`
// (attrition), `cohort test` failure messages, and later reports (attrition
// per clause by group).
//
//   interp::Session s(interp, view, ctx);
//   BatchResult res;  interp.Evaluate(view, ctx, &res);
//   Decisions d;      Decide(program, view, res, &d, today);
//   SegmentExplanation e = ExplainSegment(program, k, view, s, d, ctx.today);
//   RecordExplanation why = e.Record(row);       // verdict + deciding step
//   Attrition a(e.steps, seg.channels.size());  a.Add(e);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/conjuncts.h"
#include "core/ir.h"
#include "core/source.h"
#include "core/truth.h"
#include "runtime/engine.h"
#include "runtime/interp/interpreter.h"
#include "runtime/run/decide.h"

namespace cohort {

/// What one removal step of a segment is.
enum class StepKind : uint8_t {
  kWhere,     ///< a top-level `and` conjunct of `where`: removes rows where it is not TRUE
  kExclude,   ///< an `exclude`: removes rows where it is TRUE (UNKNOWN keeps them)
  kCampaign,  ///< an earlier segment of the campaign took the member
  kHoldout,   ///< the MD5 holdout rule holds the member out
};

/// One removal step of a segment.
struct Step {
  StepKind kind = StepKind::kWhere;
  uint32_t index = 0;             ///< conjunct or exclude number (0-based)
  ir::ExprId expr = ir::kNoExpr;  ///< the conjunct's or exclude's expression
};

/// The removal steps of segment `s`, in the order they remove rows: each
/// top-level conjunct of `where`, each `exclude`, the campaign (only when an
/// earlier segment of it exists), the holdout (only when declared).
std::vector<Step> SegmentSteps(const ir::Program& p, uint32_t s);

/// What happened to an eligible member (not taken, not held out) on a channel.
enum class ChannelOutcome : uint8_t {
  kNotEligible,      ///< removed by a step before the channels
  kNoConsent,        ///< the consent flag is not TRUE (FALSE or missing)
  kConditionNotTrue, ///< consent TRUE, the rest of the condition not TRUE
  kListed,           ///< on the channel's list
  kCapped,           ///< issue 12: consent and condition TRUE, refused by the campaign's frequency cap
};

/// Where a record ends up in one segment.
enum class Verdict : uint8_t {
  kNotMember,  ///< a `where` conjunct is not TRUE or an `exclude` is TRUE
  kTaken,      ///< a member taken by an earlier segment of its campaign
  kHeldOut,    ///< a member held out
  kEligible,   ///< a member on every channel whose consent and condition are TRUE
};

/// One channel of one record.
struct ChannelExplanationRow {
  Truth consent = Truth::kUnknown;    ///< the consent flag (UNKNOWN = missing)
  Truth condition = Truth::kUnknown;  ///< the whole `if` condition (consent included)
  ChannelOutcome outcome = ChannelOutcome::kNotEligible;
  int32_t send_on = 0;                ///< days since epoch: today + `after`
};

/// The explanation of one record in one segment.
struct RecordExplanation {
  Verdict verdict = Verdict::kNotMember;
  int32_t decided_by = -1;        ///< index into the steps of the step that removed it; -1 when eligible
  Truth where = Truth::kTrue;     ///< the whole `where`
  std::vector<Truth> steps;       ///< per step; campaign/holdout: TRUE when it took / held the member
  int32_t taken_by = -1;          ///< the earlier segment that took it, or -1
  uint32_t holdout_bucket = 0;    ///< MD5 bucket of the key for this segment (0..9999)
  std::vector<ChannelExplanationRow> channels;
};

/// Every step and channel of one segment for every row of one batch.
struct SegmentExplanation {
  uint32_t segment = 0;
  int64_t num_rows = 0;
  std::vector<Step> steps;
  std::vector<Truth> where;                      ///< [row] the whole `where`
  std::vector<std::vector<Truth>> step_truth;    ///< [step][row]
  std::vector<int32_t> decided_by;               ///< [row] step that removed it, -1 when eligible
  std::vector<int32_t> taken_by;                 ///< [row] earlier campaign segment, or -1
  std::vector<uint32_t> holdout_bucket;          ///< [row] (0 when the segment has no holdout)
  /// [channel][row]
  std::vector<std::vector<ChannelExplanationRow>> channels;

  /// Truth of `exclude k` for `row`.
  Truth Exclude(uint32_t k, int64_t row) const;
  /// The explanation of one row.
  RecordExplanation Record(int64_t row) const;
};

/// Explains segment `s` for every row of `view`. `session` (over `view`)
/// gives the clauses' three-valued truths; `decisions` are Decide's on the
/// interpreter's result for `view`, so the verdict is the pipeline's own.
SegmentExplanation ExplainSegment(const ir::Program& p, uint32_t s, const CohortBatchView& view,
                                  interp::Session& session, const Decisions& decisions, int32_t today);

/// ExplainSegment on the interpreter's own result and Decide for `view` (the
/// REPL's `.why` and `.explain`).
SegmentExplanation ExplainWithInterpreter(const interp::Interpreter& interp, uint32_t s, const CohortBatchView& view,
                                          const ExecContext& ctx);

/// Per step: rows it removed (the first step that removes them).
struct StepCount {
  int64_t removed = 0;
  /// `where` conjunct: removed rows where it was UNKNOWN; `exclude`: rows
  /// reaching it where it was UNKNOWN (kept).
  int64_t unknown = 0;
};

/// Per channel: eligible members and where they went.
struct ChannelCount {
  int64_t eligible = 0;
  int64_t listed = 0;
  int64_t no_consent = 0;
  int64_t condition_not_true = 0;
  int64_t capped = 0;  ///< issue 12: refused by the campaign's frequency cap
};

/// The attrition table of one segment (`.explain`): rows removed and
/// remaining per step, members, channel outcomes. Add batches (or single
/// rows, e.g. one group's rows) as they come.
struct Attrition {
  int64_t records = 0;
  std::vector<StepCount> steps;
  int64_t members = 0;  ///< rows that pass every `where` conjunct and no `exclude`
  std::vector<ChannelCount> channels;

  Attrition() = default;
  Attrition(size_t steps, size_t channels) : steps(steps), channels(channels) {}
  /// Counts every row of `e`.
  void Add(const SegmentExplanation& e);
  /// Counts row `r` of `e`.
  void AddRow(const SegmentExplanation& e, int64_t r);
  /// Rows left after step `i` (records minus every removal up to `i`).
  int64_t Remaining(size_t i) const;
};

/// Attrition per group: row `r` of `e` is counted in `(*by_group)[group[r]]`
/// (grown as needed), e.g. per language or age band for equity reports.
void AddByGroup(const SegmentExplanation& e, const std::vector<uint32_t>& group, std::vector<Attrition>* by_group);

/// A clause's source text on one line: whitespace runs collapsed, `#`
/// comments dropped (string literals kept whole); "(expression)" when the
/// range is not in `sm`.
std::string ClauseText(const SourceManager& sm, SourceRange r);
/// `s` cut to `width` characters, ending in "..." when cut.
std::string Shorten(std::string s, size_t width);

}  // namespace cohort
