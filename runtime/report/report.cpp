#include "runtime/report/report.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "core/dates.h"
#include "runtime/interp/interpreter.h"
#include "runtime/run/explain.h"

namespace cohort::report {

namespace {

const char* AgeBand(int64_t age) {
  if (age < 18) return "0-17";
  if (age < 35) return "18-34";
  if (age < 50) return "35-49";
  if (age < 65) return "50-64";
  return "65+";
}

bool Scalar(TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
    case TypeKind::kInt:
    case TypeKind::kString:
    case TypeKind::kEnum:
    case TypeKind::kDate:
      return true;
    default:
      return false;
  }
}

/// The group label of one row ("(missing)" for a missing value).
std::string GroupLabel(const GroupBy& g, const Schema& schema, const CohortBatchView& view, int64_t row,
                       int32_t today) {
  const CohortColumn& c = view.columns[g.column];
  if (!IsValid(c, row)) return "(missing)";
  if (g.age_band) return AgeBand(AgeInYears(static_cast<const int32_t*>(c.values)[row], today));
  const ColumnDef& def = schema.columns[g.column];
  switch (def.type.kind) {
    case TypeKind::kBool: return GetBit(static_cast<const uint8_t*>(c.values), row) ? "true" : "false";
    case TypeKind::kInt: return std::to_string(static_cast<const int64_t*>(c.values)[row]);
    case TypeKind::kString: return std::string(StringAt(c, row));
    case TypeKind::kDate: return FormatDate(static_cast<const int32_t*>(c.values)[row]);
    case TypeKind::kEnum: {
      uint8_t code = static_cast<const uint8_t*>(c.values)[row];
      const auto& labels = def.type.enum_def->labels;
      return code < labels.size() ? labels[code] : std::string("(missing)");
    }
    default: return "(missing)";
  }
}

}  // namespace

std::vector<GroupBy> ResolveGroupBy(const Schema& schema, const std::vector<std::string>& names, std::string* error) {
  std::vector<GroupBy> out;
  const bool defaults = names.empty();
  std::vector<std::string> want = defaults ? std::vector<std::string>{"language", "age_band", "sex", "payer_type"} : names;
  for (const std::string& n : want) {
    GroupBy g;
    g.name = n;
    if (n == "age_band") {
      g.column = schema.FindColumn("birth_date");
      g.age_band = true;
      if (g.column == kNoColumn || schema.columns[g.column].type.kind != TypeKind::kDate) {
        if (defaults) continue;
        *error = "`age_band` needs a `birth_date` date field in the schema";
        return {};
      }
      out.push_back(g);
      continue;
    }
    g.column = schema.FindColumn(n);
    if (g.column == kNoColumn) {
      if (defaults) continue;
      *error = fmt::format("unknown field `{}` for --by", n);
      return {};
    }
    const ColumnDef& def = schema.columns[g.column];
    if (def.sensitive) {
      *error = fmt::format("cannot group by sensitive field `{}`", n);
      return {};
    }
    if (!Scalar(def.type.kind) || g.column == schema.key_column()) {
      *error = fmt::format("cannot group by `{}`; use a scalar field other than the key", n);
      return {};
    }
    out.push_back(g);
  }
  return out;
}

struct ReportBuilder::Impl {
  std::shared_ptr<const ir::Program> program;
  interp::Interpreter interp;
  int32_t today;
  ReportOptions options;
  ReportData data;
  std::vector<Attrition> attrition;                      // [segment]
  std::vector<std::vector<std::vector<Attrition>>> by;   // [segment][by][group]
  std::vector<std::map<std::string, uint32_t>> group_ids;  // [by] label -> id (first-seen order)
  std::vector<std::vector<std::string>> group_labels;    // [by][id]

  Impl(const std::shared_ptr<const ir::Program>& p, int32_t t, ReportOptions o)
      : program(p), interp(p), today(t), options(std::move(o)) {}

  uint32_t GroupId(size_t b, const std::string& label) {
    auto [it, inserted] = group_ids[b].emplace(label, static_cast<uint32_t>(group_labels[b].size()));
    if (inserted) group_labels[b].push_back(label);
    return it->second;
  }
};

ReportBuilder::ReportBuilder(const std::shared_ptr<const ir::Program>& program, const SourceManager& sources, int32_t today,
                             ReportOptions options)
    : impl_(std::make_unique<Impl>(program, today, std::move(options))) {
  Impl& m = *impl_;
  const ir::Program& p = *program;
  const size_t nby = m.options.by.size();
  m.group_ids.resize(nby);
  m.group_labels.resize(nby);
  m.data.contact_window_days = m.options.contact_window_days;
  for (uint32_t si = 0; si < p.segments.size(); ++si) {
    const ir::Segment& seg = p.segments[si];
    ReportData::SegmentFunnel f;
    f.name = seg.name;
    f.description = seg.description;
    // The removal steps are Explain's (runtime/run/explain.h), in its order.
    for (const Step& step : SegmentSteps(p, si)) {
      FunnelStep st;
      switch (step.kind) {
        case StepKind::kWhere:
          st.kind = FunnelStep::Kind::kWhere;
          st.clause = (step.index == 0 ? "where " : "and ") + ClauseText(sources, p.expr(step.expr).range);
          break;
        case StepKind::kExclude:
          st.kind = FunnelStep::Kind::kExclude;
          st.clause = "exclude " + ClauseText(sources, p.expr(step.expr).range);
          break;
        case StepKind::kCampaign:
          st.kind = FunnelStep::Kind::kCampaign;
          st.clause = fmt::format("campaign {}: earlier segments", p.campaigns[seg.campaign].name);
          break;
        case StepKind::kHoldout:
          st.kind = FunnelStep::Kind::kHoldout;
          st.clause = fmt::format("holdout {}%", seg.holdout_bp % 100 ? fmt::format("{:.2f}", seg.holdout_bp / 100.0)
                                                                     : std::to_string(seg.holdout_bp / 100));
          break;
      }
      f.steps.push_back(std::move(st));
    }
    for (size_t c = 0; c < seg.channels.size(); ++c) {
      std::string name = fmt::format("{}#{}", seg.channels[c].name, seg.channels[c].step);
      f.channel_names.push_back(name);
      FunnelStep consent, condition;
      consent.kind = FunnelStep::Kind::kConsent;
      consent.clause = fmt::format("channel {}: consent", name);
      consent.channel = static_cast<int32_t>(c);
      condition.kind = FunnelStep::Kind::kCondition;
      condition.clause = fmt::format("channel {}: condition", name);
      condition.channel = static_cast<int32_t>(c);
      f.steps.push_back(std::move(consent));
      f.steps.push_back(std::move(condition));
      if (seg.campaign >= 0 && p.campaigns[static_cast<size_t>(seg.campaign)].cap_messages) {
        const ir::Campaign& camp = p.campaigns[static_cast<size_t>(seg.campaign)];
        FunnelStep cap;
        cap.kind = FunnelStep::Kind::kCap;
        cap.clause = fmt::format("channel {}: cap {} message{} per {} day{} (campaign {})", name, camp.cap_messages,
                                 camp.cap_messages == 1 ? "" : "s", camp.cap_days, camp.cap_days == 1 ? "" : "s", camp.name);
        cap.channel = static_cast<int32_t>(c);
        f.steps.push_back(std::move(cap));
      }
    }
    m.attrition.emplace_back(SegmentSteps(p, si).size(), seg.channels.size());
    m.by.emplace_back(nby);
    m.data.segments.push_back(std::move(f));
  }
  const size_t ns = p.segments.size();
  m.data.overlap.assign(ns, std::vector<int64_t>(ns, 0));
  m.data.contact_overlap.assign(ns, std::vector<int64_t>(ns, 0));
  for (const ChannelDef& ch : p.schema->channels) m.data.consent.push_back({ch.name, 0, 0, 0});
}

ReportBuilder::~ReportBuilder() = default;

void ReportBuilder::Add(const CohortBatchView& view, const BatchResult& result, const Decisions& d) {
  Impl& m = *impl_;
  const ir::Program& p = *m.program;
  const Schema& schema = *p.schema;
  const int64_t n = view.num_rows;
  const size_t nby = m.options.by.size();
  ExecContext ctx;
  ctx.today = m.today;
  ctx.now = int64_t{m.today} * kMicrosPerDay;
  interp::Session session(m.interp, view, ctx);

  std::vector<std::vector<uint32_t>> gid(nby, std::vector<uint32_t>(static_cast<size_t>(n)));
  for (size_t b = 0; b < nby; ++b)
    for (int64_t r = 0; r < n; ++r) gid[b][r] = m.GroupId(b, GroupLabel(m.options.by[b], schema, view, r, m.today));

  // Attrition per segment and per group: Explain's verdicts on the
  // pipeline's own decisions.
  for (uint32_t s = 0; s < p.segments.size(); ++s) {
    SegmentExplanation e = ExplainSegment(p, s, view, session, d, m.today);
    m.attrition[s].Add(e);
    for (size_t b = 0; b < nby; ++b) AddByGroup(e, gid[b], &m.by[s][b]);
  }

  // Overlap of members, and of messages within the contact window.
  const size_t ns = p.segments.size();
  std::vector<std::pair<int32_t, uint32_t>> sends;  // (send day, segment)
  for (int64_t r = 0; r < n; ++r) {
    for (size_t a = 0; a < ns; ++a) {
      if (!result.segments[a].member[r]) continue;
      for (size_t b = a; b < ns; ++b)
        if (result.segments[b].member[r]) ++m.data.overlap[a][b];
    }
    sends.clear();
    for (size_t s = 0; s < ns; ++s) {
      const ir::Segment& seg = p.segments[s];
      for (size_t c = 0; c < seg.channels.size(); ++c)
        if (d.listed[s][c][r]) sends.push_back({AddDuration(m.today, seg.channels[c].after, +1), static_cast<uint32_t>(s)});
    }
    if (sends.size() < 2) continue;
    std::sort(sends.begin(), sends.end());
    bool multi = false;
    std::vector<std::vector<uint8_t>> pair(ns, std::vector<uint8_t>(ns, 0));
    for (size_t i = 0; i < sends.size(); ++i)
      for (size_t j = i + 1; j < sends.size() && sends[j].first - sends[i].first < m.options.contact_window_days; ++j) {
        multi = true;
        uint32_t a = std::min(sends[i].second, sends[j].second), b = std::max(sends[i].second, sends[j].second);
        if (a != b) pair[a][b] = 1;
      }
    if (multi) ++m.data.multi_contact;
    for (size_t a = 0; a < ns; ++a)
      for (size_t b = a + 1; b < ns; ++b) m.data.contact_overlap[a][b] += pair[a][b];
  }

  // Consent coverage over all records.
  for (size_t c = 0; c < schema.channels.size(); ++c) {
    const CohortColumn& col = view.columns[schema.channels[c].consent_column];
    for (int64_t r = 0; r < n; ++r) {
      if (!IsValid(col, r)) ++m.data.consent[c].missing;
      else if (GetBit(static_cast<const uint8_t*>(col.values), r)) ++m.data.consent[c].yes;
      else ++m.data.consent[c].no;
    }
  }
}

namespace {

/// Entering and removed of every funnel step, from one Attrition: the removal
/// steps in order, then per channel its consent, its condition and (when the
/// segment's campaign has a cap) its cap.
void FunnelCounts(const Attrition& a, size_t nsteps, bool capped, std::vector<int64_t>* entering,
                  std::vector<int64_t>* removed, std::vector<int64_t>* unknown) {
  entering->clear();
  removed->clear();
  unknown->clear();
  for (size_t k = 0; k < nsteps; ++k) {
    entering->push_back(k == 0 ? a.records : a.Remaining(k - 1));
    removed->push_back(k < a.steps.size() ? a.steps[k].removed : 0);
    unknown->push_back(k < a.steps.size() ? a.steps[k].unknown : 0);
  }
  for (const ChannelCount& c : a.channels) {
    entering->push_back(c.eligible);
    removed->push_back(c.no_consent);
    unknown->push_back(0);
    entering->push_back(c.eligible - c.no_consent);
    removed->push_back(c.condition_not_true);
    unknown->push_back(0);
    if (!capped) continue;
    entering->push_back(c.eligible - c.no_consent - c.condition_not_true);
    removed->push_back(c.capped);
    unknown->push_back(0);
  }
}

}  // namespace

ReportData ReportBuilder::Finish(const RunReport& run) {
  Impl& m = *impl_;
  ReportData out = std::move(m.data);
  out.today = run.today;
  out.engine = run.engine;
  out.records = run.records;
  out.campaigns = run.campaigns;
  const size_t ns = out.overlap.size();
  for (size_t a = 0; a < ns; ++a)
    for (size_t b = 0; b < a; ++b) {
      out.overlap[a][b] = out.overlap[b][a];
      out.contact_overlap[a][b] = out.contact_overlap[b][a];
    }
  const size_t nby = m.options.by.size();
  // Groups in sorted label order, `(missing)` last.
  std::vector<std::vector<uint32_t>> order(nby);
  for (size_t b = 0; b < nby; ++b) {
    order[b].resize(m.group_labels[b].size());
    for (uint32_t i = 0; i < order[b].size(); ++i) order[b][i] = i;
    auto key = [&](uint32_t i) { return std::make_pair(m.group_labels[b][i] == "(missing)", m.group_labels[b][i]); };
    std::sort(order[b].begin(), order[b].end(), [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
    GroupAxis axis;
    axis.by = m.options.by[b];
    for (uint32_t i : order[b]) axis.labels.push_back(m.group_labels[b][i]);
    out.axes.push_back(std::move(axis));
  }
  std::vector<int64_t> e, r, u;
  for (size_t s = 0; s < out.segments.size(); ++s) {
    auto& f = out.segments[s];
    const Attrition& a = m.attrition[s];
    const size_t nsteps = a.steps.size();
    f.records = a.records;
    f.members = a.members;
    f.listed.clear();
    for (const ChannelCount& c : a.channels) f.listed.push_back(c.listed);
    bool capped = false;
    for (const FunnelStep& st : f.steps) capped |= st.kind == FunnelStep::Kind::kCap;
    FunnelCounts(a, nsteps, capped, &e, &r, &u);
    for (size_t k = 0; k < f.steps.size(); ++k) {
      f.steps[k].entering = e[k];
      f.steps[k].removed = r[k];
      f.steps[k].unknown = u[k];
      f.steps[k].group_entering.assign(nby, {});
      f.steps[k].group_removed.assign(nby, {});
    }
    for (size_t b = 0; b < nby; ++b) {
      for (uint32_t g : order[b]) {
        Attrition empty(nsteps, a.channels.size());
        const Attrition& ga = g < m.by[s][b].size() ? m.by[s][b][g] : empty;
        FunnelCounts(ga, nsteps, capped, &e, &r, &u);
        for (size_t k = 0; k < f.steps.size(); ++k) {
          f.steps[k].group_entering[b].push_back(e[k]);
          f.steps[k].group_removed[b].push_back(r[k]);
        }
      }
    }
  }
  return out;
}

}  // namespace cohort::report
