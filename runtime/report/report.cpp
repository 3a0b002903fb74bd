#include "runtime/report/report.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "core/dates.h"
#include "runtime/interp/interpreter.h"

namespace cohort::report {

namespace {

/// Top-level conjuncts of an `and` (the clause itself otherwise).
void Conjuncts(const ir::Program& p, ir::ExprId id, std::vector<ir::ExprId>* out) {
  if (id == ir::kNoExpr) return;
  const ir::Expr& e = p.expr(id);
  if (e.kind != ir::ExprKind::kAnd) {
    out->push_back(id);
    return;
  }
  for (ir::ExprId a : e.args) Conjuncts(p, a, out);
}

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

std::string ClauseSource(std::string_view text, const SourceRange& range) {
  if (range.end <= range.begin || range.end > text.size()) return "(expression)";
  std::string out;
  bool space = false;
  for (uint32_t i = range.begin; i < range.end; ++i) {
    char c = text[i];
    if (c == '#') {  // a comment inside a clause: skip to its line end
      while (i < range.end && text[i] != '\n') ++i;
      space = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

struct ReportBuilder::Impl {
  std::shared_ptr<const ir::Program> program;
  interp::Interpreter interp;
  int32_t today;
  ReportOptions options;
  ReportData data;
  std::vector<std::vector<ir::ExprId>> conjuncts;       // [segment]
  std::vector<std::map<std::string, size_t>> group_ids;  // [by] label -> id (assigned in first-seen order)
  std::vector<std::vector<std::string>> group_labels;    // [by][id]

  Impl(std::shared_ptr<const ir::Program> p, int32_t t, ReportOptions o)
      : program(p), interp(p), today(t), options(std::move(o)) {}

  size_t GroupId(size_t by, const std::string& label) {
    auto [it, inserted] = group_ids[by].emplace(label, group_labels[by].size());
    if (inserted) {
      group_labels[by].push_back(label);
      for (auto& seg : data.segments)
        for (Step& st : seg.steps) {
          st.group_entering[by].push_back(0);
          st.group_removed[by].push_back(0);
        }
    }
    return it->second;
  }
};

ReportBuilder::ReportBuilder(std::shared_ptr<const ir::Program> program, std::string_view source_text, int32_t today,
                             ReportOptions options)
    : impl_(std::make_unique<Impl>(program, today, std::move(options))) {
  Impl& m = *impl_;
  const ir::Program& p = *program;
  const size_t nby = m.options.by.size();
  m.group_ids.resize(nby);
  m.group_labels.resize(nby);
  m.data.contact_window_days = m.options.contact_window_days;
  auto add_step = [&](ReportData::SegmentFunnel& f, Step::Kind kind, std::string clause, int32_t channel) {
    Step st;
    st.kind = kind;
    st.clause = std::move(clause);
    st.channel = channel;
    st.group_entering.assign(nby, {});
    st.group_removed.assign(nby, {});
    f.steps.push_back(std::move(st));
  };
  for (const ir::Segment& seg : p.segments) {
    ReportData::SegmentFunnel f;
    f.name = seg.name;
    f.description = seg.description;
    std::vector<ir::ExprId> conj;
    Conjuncts(p, seg.where, &conj);
    for (size_t i = 0; i < conj.size(); ++i)
      add_step(f, Step::Kind::kWhere,
               std::string(i == 0 ? "where " : "and ") + ClauseSource(source_text, p.expr(conj[i]).range), -1);
    for (ir::ExprId x : seg.excludes)
      add_step(f, Step::Kind::kExclude, "exclude " + ClauseSource(source_text, p.expr(x).range), -1);
    if (seg.campaign >= 0)
      add_step(f, Step::Kind::kCampaign, fmt::format("campaign {}: earlier segments", p.campaigns[seg.campaign].name), -1);
    if (seg.holdout_bp)
      add_step(f, Step::Kind::kHoldout,
               fmt::format("holdout {}%", seg.holdout_bp % 100 ? fmt::format("{:.2f}", seg.holdout_bp / 100.0)
                                                               : std::to_string(seg.holdout_bp / 100)),
               -1);
    for (size_t c = 0; c < seg.channels.size(); ++c) {
      std::string name = fmt::format("{}#{}", seg.channels[c].name, seg.channels[c].step);
      f.channel_names.push_back(name);
      add_step(f, Step::Kind::kConsent, fmt::format("channel {}: consent", name), static_cast<int32_t>(c));
      add_step(f, Step::Kind::kCondition, fmt::format("channel {}: condition", name), static_cast<int32_t>(c));
    }
    f.listed.assign(seg.channels.size(), 0);
    m.data.segments.push_back(std::move(f));
    m.conjuncts.push_back(std::move(conj));
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

  // Group ids of every row, per GroupBy.
  std::vector<std::vector<size_t>> gid(nby, std::vector<size_t>(static_cast<size_t>(n)));
  for (size_t b = 0; b < nby; ++b)
    for (int64_t r = 0; r < n; ++r) gid[b][r] = m.GroupId(b, GroupLabel(m.options.by[b], schema, view, r, m.today));

  auto count = [&](Step& st, int64_t r, bool removed) {
    ++st.entering;
    if (removed) ++st.removed;
    for (size_t b = 0; b < nby; ++b) {
      ++st.group_entering[b][gid[b][r]];
      if (removed) ++st.group_removed[b][gid[b][r]];
    }
  };

  for (size_t s = 0; s < p.segments.size(); ++s) {
    const ir::Segment& seg = p.segments[s];
    ReportData::SegmentFunnel& f = m.data.segments[s];
    f.records += n;
    std::vector<std::vector<uint8_t>> ct;
    for (ir::ExprId c : m.conjuncts[s]) ct.push_back(session.Truth(c));
    std::vector<std::vector<uint8_t>> xt;
    for (ir::ExprId x : seg.excludes) xt.push_back(session.Truth(x));
    const SegmentResult& sr = result.segments[s];
    const size_t nconj = ct.size(), nexcl = xt.size();
    for (int64_t r = 0; r < n; ++r) {
      size_t k = 0;  // step index
      bool alive = true;
      for (size_t i = 0; i < nconj && alive; ++i, ++k) {
        bool removed = ct[i][r] != 1;
        if (ct[i][r] == 2) ++f.steps[k].unknown;
        count(f.steps[k], r, removed);
        alive = !removed;
      }
      if (!alive) continue;
      for (size_t i = 0; i < nexcl && alive; ++i, ++k) {
        bool removed = xt[i][r] == 1;
        if (xt[i][r] == 2) ++f.steps[k].unknown;
        count(f.steps[k], r, removed);
        alive = !removed;
      }
      if (!alive) continue;
      // The engine's membership must be the interpreter's: the shared
      // pipeline decided on the engine's masks.
      if (!sr.member[r]) continue;
      ++f.members;
      if (seg.campaign >= 0) {
        count(f.steps[k], r, d.taken[s][r] != 0);
        ++k;
        if (d.taken[s][r]) continue;
      }
      if (seg.holdout_bp) {
        count(f.steps[k], r, d.held[s][r] != 0);
        ++k;
        if (d.held[s][r]) continue;
      }
      for (size_t c = 0; c < seg.channels.size(); ++c) {
        bool consent = !d.no_consent[s][c][r];
        count(f.steps[k + 2 * c], r, !consent);
        if (!consent) continue;
        bool listed = d.listed[s][c][r] != 0;
        count(f.steps[k + 2 * c + 1], r, !listed);
        if (listed) ++f.listed[c];
      }
    }
  }

  // Overlap of members, and of messages within the contact window.
  const size_t ns = p.segments.size();
  std::vector<std::pair<int32_t, uint32_t>> sends;  // (send day, segment)
  std::vector<int32_t> step_days;
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
  // Groups in sorted label order (`(missing)` last), steps re-indexed.
  for (size_t b = 0; b < m.options.by.size(); ++b) {
    std::vector<size_t> order(m.group_labels[b].size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto key = [&](size_t i) { return std::make_pair(m.group_labels[b][i] == "(missing)", m.group_labels[b][i]); };
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return key(x) < key(y); });
    GroupAxis axis;
    axis.by = m.options.by[b];
    for (size_t i : order) axis.labels.push_back(m.group_labels[b][i]);
    for (auto& seg : out.segments)
      for (Step& st : seg.steps) {
        std::vector<int64_t> e, r;
        for (size_t i : order) {
          e.push_back(st.group_entering[b][i]);
          r.push_back(st.group_removed[b][i]);
        }
        st.group_entering[b] = std::move(e);
        st.group_removed[b] = std::move(r);
      }
    out.axes.push_back(std::move(axis));
  }
  return out;
}

}  // namespace cohort::report
