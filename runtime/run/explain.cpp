#include "runtime/run/explain.h"

#include "core/dates.h"
#include "core/md5.h"

namespace cohort {

std::vector<Step> SegmentSteps(const ir::Program& p, uint32_t s) {
  const ir::Segment& seg = p.segments[s];
  std::vector<Step> steps;
  std::vector<ir::ExprId> conj;
  ir::Conjuncts(p, seg.where, &conj);
  for (uint32_t i = 0; i < conj.size(); ++i) steps.push_back({StepKind::kWhere, i, conj[i]});
  for (uint32_t i = 0; i < seg.excludes.size(); ++i) steps.push_back({StepKind::kExclude, i, seg.excludes[i]});
  if (seg.campaign >= 0 && p.campaigns[seg.campaign].segments.front() != s) steps.push_back({StepKind::kCampaign, 0, ir::kNoExpr});
  if (seg.holdout_bp) steps.push_back({StepKind::kHoldout, 0, ir::kNoExpr});
  return steps;
}

SegmentExplanation ExplainSegment(const ir::Program& p, uint32_t s, const CohortBatchView& view,
                                  interp::Session& session, const Decisions& d, int32_t today) {
  const ir::Segment& seg = p.segments[s];
  const int64_t n = view.num_rows;
  SegmentExplanation e;
  e.segment = s;
  e.num_rows = n;
  e.steps = SegmentSteps(p, s);
  e.where = seg.where == ir::kNoExpr ? std::vector<Truth>(n, Truth::kTrue) : session.Truth(seg.where);
  e.taken_by.assign(n, -1);
  e.holdout_bucket.assign(n, 0);
  const CohortColumn& keys = view.columns[p.schema->key_column()];
  for (const Step& step : e.steps) {
    switch (step.kind) {
      case StepKind::kWhere:
      case StepKind::kExclude: e.step_truth.push_back(session.Truth(step.expr)); break;
      case StepKind::kCampaign: {
        std::vector<Truth> t(n, Truth::kFalse);
        for (int64_t r = 0; r < n; ++r) {
          if (!d.taken[s][r]) continue;
          t[r] = Truth::kTrue;
          e.taken_by[r] = d.owner[seg.campaign][r];
        }
        e.step_truth.push_back(std::move(t));
        break;
      }
      case StepKind::kHoldout: {
        std::vector<Truth> t(n, Truth::kFalse);
        for (int64_t r = 0; r < n; ++r) {
          t[r] = d.held[s][r] ? Truth::kTrue : Truth::kFalse;
          e.holdout_bucket[r] = HoldoutBucket(StringAt(keys, r), seg.name);
        }
        e.step_truth.push_back(std::move(t));
        break;
      }
    }
  }
  // The first step that removes the row decides it: a conjunct not TRUE, an
  // exclude TRUE, a campaign take, a holdout (Decide's own answers).
  e.decided_by.assign(n, -1);
  for (int64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < e.steps.size(); ++i) {
      Truth t = e.step_truth[i][r];
      bool removes = e.steps[i].kind == StepKind::kWhere ? t != Truth::kTrue : t == Truth::kTrue;
      if (removes) {
        e.decided_by[r] = static_cast<int32_t>(i);
        break;
      }
    }
  }
  e.channels.resize(seg.channels.size());
  for (size_t c = 0; c < seg.channels.size(); ++c) {
    const ir::Channel& ch = seg.channels[c];
    const CohortColumn& consent = view.columns[ch.consent_column];
    std::vector<Truth> cond = session.Truth(ch.condition);
    const int32_t send_on = AddDuration(today, ch.after, +1);
    std::vector<ChannelExplanationRow>& rows = e.channels[c];
    rows.resize(n);
    for (int64_t r = 0; r < n; ++r) {
      ChannelExplanationRow& row = rows[r];
      row.consent = !IsValid(consent, r) ? Truth::kUnknown : ConsentTrue(consent, r) ? Truth::kTrue : Truth::kFalse;
      row.condition = cond[r];
      row.send_on = send_on;
      if (e.decided_by[r] >= 0) row.outcome = ChannelOutcome::kNotEligible;
      else if (d.no_consent[s][c][r]) row.outcome = ChannelOutcome::kNoConsent;
      else if (d.listed[s][c][r]) row.outcome = ChannelOutcome::kListed;
      else if (!d.capped.empty() && d.capped[s][c][r]) row.outcome = ChannelOutcome::kCapped;
      else row.outcome = ChannelOutcome::kConditionNotTrue;
    }
  }
  return e;
}

SegmentExplanation ExplainWithInterpreter(const interp::Interpreter& interp, uint32_t s, const CohortBatchView& view,
                                          const ExecContext& ctx) {
  BatchResult result;
  interp.Evaluate(view, ctx, &result);
  Decisions decisions;
  Decide(interp.program(), view, result, &decisions, ctx.today);
  interp::Session session(interp, view, ctx);
  return ExplainSegment(interp.program(), s, view, session, decisions, ctx.today);
}

Truth SegmentExplanation::Exclude(uint32_t k, int64_t row) const {
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].kind == StepKind::kExclude && steps[i].index == k) return step_truth[i][row];
  return Truth::kUnknown;
}

RecordExplanation SegmentExplanation::Record(int64_t row) const {
  RecordExplanation x;
  x.decided_by = decided_by[row];
  x.where = where[row];
  for (const auto& t : step_truth) x.steps.push_back(t[row]);
  x.taken_by = taken_by[row];
  x.holdout_bucket = holdout_bucket[row];
  for (const auto& c : channels) x.channels.push_back(c[row]);
  if (x.decided_by < 0) {
    x.verdict = Verdict::kEligible;
  } else {
    switch (steps[x.decided_by].kind) {
      case StepKind::kWhere:
      case StepKind::kExclude: x.verdict = Verdict::kNotMember; break;
      case StepKind::kCampaign: x.verdict = Verdict::kTaken; break;
      case StepKind::kHoldout: x.verdict = Verdict::kHeldOut; break;
    }
  }
  return x;
}

void Attrition::AddRow(const SegmentExplanation& e, int64_t r) {
  ++records;
  const int32_t decided = e.decided_by[r];
  const size_t reached = decided < 0 ? e.steps.size() : static_cast<size_t>(decided) + 1;
  bool member = true;
  for (size_t i = 0; i < reached; ++i) {
    const StepKind kind = e.steps[i].kind;
    const bool unknown = e.step_truth[i][r] == Truth::kUnknown;
    if (static_cast<int32_t>(i) == decided) {
      ++steps[i].removed;
      if (kind == StepKind::kWhere && unknown) ++steps[i].unknown;
      if (kind == StepKind::kWhere || kind == StepKind::kExclude) member = false;
    } else if (kind == StepKind::kExclude && unknown) {
      ++steps[i].unknown;
    }
  }
  if (member) ++members;
  if (decided >= 0) return;
  for (size_t c = 0; c < e.channels.size(); ++c) {
    ChannelCount& cc = channels[c];
    ++cc.eligible;
    switch (e.channels[c][r].outcome) {
      case ChannelOutcome::kListed: ++cc.listed; break;
      case ChannelOutcome::kNoConsent: ++cc.no_consent; break;
      case ChannelOutcome::kConditionNotTrue: ++cc.condition_not_true; break;
      case ChannelOutcome::kCapped: ++cc.capped; break;
      case ChannelOutcome::kNotEligible: break;
    }
  }
}

void Attrition::Add(const SegmentExplanation& e) {
  for (int64_t r = 0; r < e.num_rows; ++r) AddRow(e, r);
}

int64_t Attrition::Remaining(size_t i) const {
  int64_t left = records;
  for (size_t k = 0; k <= i && k < steps.size(); ++k) left -= steps[k].removed;
  return left;
}

void AddByGroup(const SegmentExplanation& e, const std::vector<uint32_t>& group, std::vector<Attrition>* by_group) {
  for (int64_t r = 0; r < e.num_rows && r < static_cast<int64_t>(group.size()); ++r) {
    if (group[r] >= by_group->size()) by_group->resize(group[r] + 1, Attrition(e.steps.size(), e.channels.size()));
    (*by_group)[group[r]].AddRow(e, r);
  }
}

std::string ClauseText(const SourceManager& sm, SourceRange r) {
  if (!r.valid() || r.file > sm.size()) return "(expression)";
  const std::string& text = sm.Get(r.file).text();
  if (r.begin >= r.end || r.end > text.size()) return "(expression)";
  std::string out;
  bool space = false;
  for (size_t i = r.begin; i < r.end; ++i) {
    const char c = text[i];
    if (c == '#') {  // a comment inside a clause runs to its line end
      while (i + 1 < r.end && text[i + 1] != '\n') ++i;
      space = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (c == '"') {  // a string literal is copied whole: `#` and spaces in it are text
      for (++i; i < r.end; ++i) {
        out.push_back(text[i]);
        if (text[i] == '\\' && i + 1 < r.end) out.push_back(text[++i]);
        else if (text[i] == '"') break;
      }
    }
  }
  return out;
}

std::string Shorten(std::string s, size_t width) {
  if (s.size() <= width || width < 3) return s;
  return s.substr(0, width - 3) + "...";
}

}  // namespace cohort
