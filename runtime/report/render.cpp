// JSON and HTML renderings of a report. Both read one suppression table
// (ShownReport) so a number hidden in one is hidden in the other, and a
// number shown in two places (a segment's members in its funnel and on the
// overlap diagonal) is one cell.
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "runtime/report/report.h"
#include "runtime/suppress.h"

namespace cohort::report {

namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

/// Steps of one channel (consent, condition, cap), which start from the
/// channel's eligible rows rather than the previous step's remaining.
bool IsChannelStep(FunnelStep::Kind k) {
  return k == FunnelStep::Kind::kConsent || k == FunnelStep::Kind::kCondition || k == FunnelStep::Kind::kCap;
}

/// Cell indices of every number the report shows, in one SuppressionTable.
struct ShownReport {
  SuppressionTable t;
  size_t records = kNone;
  struct StepCells {
    size_t entering = kNone, removed = kNone, remaining = kNone, unknown = kNone;
    std::vector<std::vector<size_t>> g_entering, g_removed, g_remaining;  // [by][group]
  };
  std::vector<std::vector<StepCells>> steps;  // [segment][step]
  std::vector<size_t> members;                // [segment]
  std::vector<std::vector<size_t>> listed;    // [segment][channel]
  std::vector<std::vector<size_t>> overlap;   // [a][b] (diagonal = members)
  size_t multi_contact = kNone;
  std::vector<std::vector<size_t>> contact_overlap;
  std::vector<std::array<size_t, 3>> consent;  // yes, no, missing
  std::vector<std::vector<size_t>> takes;       // [campaign][take]

  explicit ShownReport(const ReportData& d, int64_t min_cell) : t(min_cell) {
    records = t.Add(d.records);
    const size_t nby = d.axes.size();
    for (const auto& seg : d.segments) {
      std::vector<StepCells> cells(seg.steps.size());
      size_t prev_remaining = records;  // the whole population enters the first step
      size_t prev_g_known = 0;
      std::vector<std::vector<size_t>> prev_g(nby);
      size_t eligible = kNone, member_cell = kNone;
      std::vector<std::vector<size_t>> eligible_g;
      size_t consent_remaining = kNone, condition_remaining = kNone;
      std::vector<std::vector<size_t>> consent_remaining_g, condition_remaining_g;
      for (size_t k = 0; k < seg.steps.size(); ++k) {
        const FunnelStep& st = seg.steps[k];
        StepCells& c = cells[k];
        const bool channel_step = IsChannelStep(st.kind);
        if (channel_step && eligible == kNone) {
          eligible = prev_remaining;
          eligible_g = prev_g;
        }
        // Where a step starts: the previous step's remaining, except that
        // every consent step starts from the eligible rows and every
        // condition step from the rows with consent, every cap step from
        // the rows its condition kept.
        c.entering = st.kind == FunnelStep::Kind::kConsent     ? eligible
                     : st.kind == FunnelStep::Kind::kCondition ? consent_remaining
                     : st.kind == FunnelStep::Kind::kCap       ? condition_remaining
                                                               : prev_remaining;
        c.removed = t.Add(st.removed);
        c.remaining = t.Add(st.entering - st.removed);
        t.AddGroup({c.removed, c.remaining}, c.entering);
        if (st.kind == FunnelStep::Kind::kWhere || st.kind == FunnelStep::Kind::kExclude) c.unknown = t.Add(st.unknown);
        c.g_entering.resize(nby);
        c.g_removed.resize(nby);
        c.g_remaining.resize(nby);
        for (size_t b = 0; b < nby; ++b) {
          const auto& ge = st.group_entering[b];
          const std::vector<size_t>& from = st.kind == FunnelStep::Kind::kConsent     ? eligible_g[b]
                                            : st.kind == FunnelStep::Kind::kCondition ? consent_remaining_g[b]
                                            : st.kind == FunnelStep::Kind::kCap       ? condition_remaining_g[b]
                                                                                      : prev_g[b];
          for (size_t g = 0; g < ge.size(); ++g) {
            size_t e = (g < from.size() && prev_g_known) ? from[g] : t.Add(ge[g]);
            size_t r = t.Add(st.group_removed[b][g]);
            size_t rem = t.Add(ge[g] - st.group_removed[b][g]);
            t.AddGroup({r, rem}, e);
            c.g_entering[b].push_back(e);
            c.g_removed[b].push_back(r);
            c.g_remaining[b].push_back(rem);
          }
          t.AddGroup(c.g_entering[b], c.entering);
          t.AddGroup(c.g_removed[b], c.removed);
        }
        if (st.kind == FunnelStep::Kind::kConsent) {
          consent_remaining = c.remaining;
          consent_remaining_g = c.g_remaining;
        } else if (st.kind == FunnelStep::Kind::kCondition) {
          condition_remaining = c.remaining;
          condition_remaining_g = c.g_remaining;
        } else if (!channel_step) {
          prev_remaining = c.remaining;
          prev_g = c.g_remaining;
          prev_g_known = 1;
          if (st.kind == FunnelStep::Kind::kWhere || st.kind == FunnelStep::Kind::kExclude) member_cell = c.remaining;
        }
      }
      if (member_cell == kNone) member_cell = t.Add(seg.members);
      members.push_back(member_cell);
      std::vector<size_t> lc;
      // Listed per channel: what its last step (the cap, else the condition) kept.
      for (size_t k = 0; k < seg.steps.size(); ++k) {
        if (seg.steps[k].kind == FunnelStep::Kind::kCondition) lc.push_back(cells[k].remaining);
        if (seg.steps[k].kind == FunnelStep::Kind::kCap && !lc.empty()) lc.back() = cells[k].remaining;
      }
      listed.push_back(std::move(lc));
      steps.push_back(std::move(cells));
    }
    const size_t ns = d.segments.size();
    overlap.assign(ns, std::vector<size_t>(ns, kNone));
    contact_overlap.assign(ns, std::vector<size_t>(ns, kNone));
    for (size_t a = 0; a < ns; ++a) {
      overlap[a][a] = members[a];
      for (size_t b = a + 1; b < ns; ++b) {
        overlap[a][b] = overlap[b][a] = t.Add(d.overlap[a][b]);
        contact_overlap[a][b] = contact_overlap[b][a] = t.Add(d.contact_overlap[a][b]);
      }
    }
    multi_contact = t.Add(d.multi_contact);
    for (const auto& c : d.consent) {
      std::array<size_t, 3> cells{t.Add(c.yes), t.Add(c.no), t.Add(c.missing)};
      t.AddGroup({cells[0], cells[1], cells[2]}, records);
      consent.push_back(cells);
    }
    for (const auto& c : d.campaigns) {
      std::vector<size_t> cells;
      for (const auto& [pair, n] : c.taken) cells.push_back(t.Add(n));
      takes.push_back(std::move(cells));
    }
    t.Suppress();
  }

  /// A count for JSON: the number, or the string `<N` when hidden.
  nlohmann::ordered_json J(size_t i) const {
    if (t.hidden(i)) return t.Show(i);
    return t.value(i);
  }
  /// A share for JSON: null when either count is hidden or the base is 0.
  nlohmann::ordered_json Share(size_t num, size_t den) const {
    if (t.hidden(num) || t.hidden(den) || t.value(den) == 0) return nullptr;
    return std::round(1e4 * double(t.value(num)) / double(t.value(den))) / 1e4;
  }
};

/// Equity of one step and one GroupBy: pass rates and four-fifths flags.
struct Equity {
  std::vector<double> pass;  // per group, NaN when no one entered
  std::vector<bool> flagged;
  double best = NAN;
};

Equity ComputeEquity(const FunnelStep& st, size_t b, int64_t min_cell) {
  Equity e;
  const auto& ge = st.group_entering[b];
  const int64_t floor = std::max<int64_t>(1, min_cell);
  for (size_t g = 0; g < ge.size(); ++g) {
    double p = ge[g] ? 1.0 - double(st.group_removed[b][g]) / double(ge[g]) : NAN;
    e.pass.push_back(p);
    if (ge[g] >= floor && (std::isnan(e.best) || p > e.best)) e.best = p;
  }
  for (size_t g = 0; g < ge.size(); ++g)
    e.flagged.push_back(ge[g] >= floor && !std::isnan(e.best) && e.pass[g] < 0.8 * e.best);
  return e;
}

const char* KindName(FunnelStep::Kind k) {
  switch (k) {
    case FunnelStep::Kind::kWhere: return "where";
    case FunnelStep::Kind::kExclude: return "exclude";
    case FunnelStep::Kind::kCampaign: return "campaign";
    case FunnelStep::Kind::kHoldout: return "holdout";
    case FunnelStep::Kind::kConsent: return "consent";
    case FunnelStep::Kind::kCondition: return "condition";
    case FunnelStep::Kind::kCap: return "cap";
  }
  return "";
}

std::string Esc(std::string_view s) { return EscapeXml(s); }

std::string Pct(double v) { return std::isnan(v) ? "&ndash;" : fmt::format("{:.1f}%", 100.0 * v); }

}  // namespace

std::string ReportJson(const ReportData& d, int64_t min_cell) {
  ShownReport s(d, min_cell);
  nlohmann::ordered_json j;
  j["today"] = d.today;
  j["engine"] = d.engine;
  j["min_cell"] = min_cell;
  j["records"] = s.J(s.records);
  j["group_by"] = nlohmann::ordered_json::array();
  for (const auto& a : d.axes) j["group_by"].push_back(a.by.name);
  j["segments"] = nlohmann::ordered_json::array();
  for (size_t si = 0; si < d.segments.size(); ++si) {
    const auto& seg = d.segments[si];
    nlohmann::ordered_json sj;
    sj["name"] = seg.name;
    sj["members"] = s.J(s.members[si]);
    sj["steps"] = nlohmann::ordered_json::array();
    for (size_t k = 0; k < seg.steps.size(); ++k) {
      const FunnelStep& st = seg.steps[k];
      const auto& c = s.steps[si][k];
      nlohmann::ordered_json stj;
      stj["clause"] = st.clause;
      stj["kind"] = KindName(st.kind);
      if (st.channel >= 0) stj["channel"] = seg.channel_names[st.channel];
      stj["entering"] = s.J(c.entering);
      stj["removed"] = s.J(c.removed);
      stj["remaining"] = s.J(c.remaining);
      if (c.unknown != kNone) stj["unknown"] = s.J(c.unknown);
      sj["steps"].push_back(std::move(stj));
    }
    sj["channels"] = nlohmann::ordered_json::array();
    for (size_t c = 0; c < seg.channel_names.size(); ++c)
      sj["channels"].push_back({{"channel", seg.channel_names[c]}, {"listed", s.J(s.listed[si][c])}});
    j["segments"].push_back(std::move(sj));
  }
  j["overlap"] = nlohmann::ordered_json::array();
  for (size_t a = 0; a < d.segments.size(); ++a)
    for (size_t b = 0; b < d.segments.size(); ++b)
      j["overlap"].push_back({{"a", d.segments[a].name}, {"b", d.segments[b].name}, {"both", s.J(s.overlap[a][b])}});
  nlohmann::ordered_json co;
  co["window_days"] = d.contact_window_days;
  co["patients"] = s.J(s.multi_contact);
  co["pairs"] = nlohmann::ordered_json::array();
  for (size_t a = 0; a < d.segments.size(); ++a)
    for (size_t b = a + 1; b < d.segments.size(); ++b)
      co["pairs"].push_back(
          {{"a", d.segments[a].name}, {"b", d.segments[b].name}, {"both", s.J(s.contact_overlap[a][b])}});
  j["contact_overlap"] = std::move(co);
  j["equity"] = nlohmann::ordered_json::array();
  for (size_t si = 0; si < d.segments.size(); ++si) {
    const auto& seg = d.segments[si];
    for (size_t k = 0; k < seg.steps.size(); ++k) {
      const FunnelStep& st = seg.steps[k];
      const auto& c = s.steps[si][k];
      for (size_t b = 0; b < d.axes.size(); ++b) {
        Equity e = ComputeEquity(st, b, min_cell);
        nlohmann::ordered_json ej;
        ej["segment"] = seg.name;
        ej["step"] = k;
        ej["clause"] = st.clause;
        ej["by"] = d.axes[b].by.name;
        ej["overall_share_removed"] = s.Share(c.removed, c.entering);
        ej["groups"] = nlohmann::ordered_json::array();
        for (size_t g = 0; g < d.axes[b].labels.size(); ++g) {
          ej["groups"].push_back({{"group", d.axes[b].labels[g]},
                                  {"entering", s.J(c.g_entering[b][g])},
                                  {"removed", s.J(c.g_removed[b][g])},
                                  {"share_removed", s.Share(c.g_removed[b][g], c.g_entering[b][g])},
                                  {"flagged", bool(e.flagged[g])}});
        }
        j["equity"].push_back(std::move(ej));
      }
    }
  }
  j["consent"] = nlohmann::ordered_json::array();
  for (size_t c = 0; c < d.consent.size(); ++c)
    j["consent"].push_back({{"channel", d.consent[c].channel},
                            {"yes", s.J(s.consent[c][0])},
                            {"no", s.J(s.consent[c][1])},
                            {"missing", s.J(s.consent[c][2])},
                            {"share_yes", s.Share(s.consent[c][0], s.records)}});
  j["campaigns"] = nlohmann::ordered_json::array();
  for (size_t c = 0; c < d.campaigns.size(); ++c) {
    nlohmann::ordered_json cj;
    cj["name"] = d.campaigns[c].name;
    cj["priority"] = d.campaigns[c].priority;
    cj["taken"] = nlohmann::ordered_json::array();
    size_t i = 0;
    for (const auto& [pair, n] : d.campaigns[c].taken)
      cj["taken"].push_back({{"by", pair.first}, {"from", pair.second}, {"records", s.J(s.takes[c][i++])}});
    j["campaigns"].push_back(std::move(cj));
  }
  if (d.measurement) j["measurement"] = nlohmann::ordered_json::parse(measure::MeasurementToJson(*d.measurement, min_cell));
  return j.dump(2) + "\n";
}

std::string ReportHtml(const ReportData& d, int64_t min_cell, const std::string& title) {
  ShownReport s(d, min_cell);
  auto num = [&](size_t i, const std::string& key) {
    return fmt::format("<td class=\"n\" data-k=\"{}\">{}</td>", Esc(key), s.t.Show(i));
  };
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No script, no external resource: a CSP makes any fetch a browser error.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n";
  h += fmt::format("<title>{}</title>\n", Esc(title));
  h += R"(<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:2px solid #d8dde6;padding-bottom:.25rem}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}.meta{color:#5a6477}
.pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.pair>figure{margin:0;flex:1 1 24rem}.pair>div{flex:1 1 24rem;overflow-x:auto}
table{border-collapse:collapse;font-size:13px;width:100%}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid #e3e7ee;padding:.25rem .5rem;text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.flag td{background:#fff4e5}.flagmark{color:#b45309;font-weight:700}
figcaption{font-size:12px;color:#5a6477}svg text{font:12px system-ui,sans-serif;fill:#1d2330}
.note{background:#f4f6fa;border-left:4px solid #8aa0c8;padding:.5rem .75rem;margin:1rem 0}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
@media print{body{margin:0;max-width:none}details{display:block}details>summary{list-style:none}.pair{display:block}h2{break-after:avoid}table,figure{break-inside:avoid}}
</style>
</head>
<body>
)";
  h += fmt::format("<h1>{}</h1>\n", Esc(title));
  h += fmt::format("<p class=\"meta\">Run date {} &middot; engine {} &middot; <span data-k=\"records\">{}</span> records</p>\n",
                   Esc(d.today), Esc(d.engine), s.t.Show(s.records));
  if (min_cell > 0)
    h += fmt::format("<p class=\"note\">Small-cell suppression: counts from 1 to {} are shown as <strong>&lt;{}</strong>; a "
                     "<strong>*</strong> hides a further count that, with a total, would reveal one of them.</p>\n",
                     min_cell - 1, min_cell);
  else
    h += "<p class=\"note\"><strong>Small-cell suppression is off</strong> (<code>--min-cell 0</code>): for internal "
         "use only.</p>\n";

  // ---- Attrition --------------------------------------------------------------
  h += "<h2 id=\"attrition\">Attrition</h2>\n";
  for (size_t si = 0; si < d.segments.size(); ++si) {
    const auto& seg = d.segments[si];
    h += fmt::format("<h3>{}</h3>\n", Esc(seg.name));
    if (!seg.description.empty()) h += fmt::format("<p class=\"meta\">{}</p>\n", Esc(seg.description));
    // Funnel: one bar per step, the rows remaining after it.
    const int W = 420, bar = 18, gap = 6, label_w = 0;
    const int rows = static_cast<int>(seg.steps.size()) + 1;
    const int H = rows * (bar + gap) + gap;
    const double max = std::max<int64_t>(1, seg.records);
    std::string svg = fmt::format(
        "<svg role=\"img\" aria-labelledby=\"f{0}t\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\" style=\"max-width:100%;height:auto\">"
        "<title id=\"f{0}t\">Funnel of {3}: records remaining after each clause</title>",
        si, W + 120, H, Esc(seg.name));
    auto bar_row = [&](int i, int64_t value, size_t cell, const std::string& color) {
      int y = gap + i * (bar + gap);
      double w = s.t.hidden(cell) ? 0 : W * double(value) / max;
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>", label_w, y, w, bar, color);
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>", label_w + w + 4, y + bar - 5, s.t.Show(cell));
    };
    bar_row(0, seg.records, s.records, "#8aa0c8");
    for (size_t k = 0; k < seg.steps.size(); ++k) {
      const FunnelStep& st = seg.steps[k];
      const bool ch = IsChannelStep(st.kind);
      bar_row(static_cast<int>(k) + 1, st.entering - st.removed, s.steps[si][k].remaining, ch ? "#5fa37a" : "#3f6fb5");
    }
    svg += "</svg>";
    h += "<div class=\"pair\"><figure>" + svg +
         fmt::format("<figcaption>Bars: records remaining after each clause of {} (top: all records).</figcaption></figure>",
                     Esc(seg.name));
    h += fmt::format("<div><table><caption>Attrition of {}</caption><thead><tr><th scope=\"col\">clause</th>"
                     "<th scope=\"col\" class=\"n\">removed</th><th scope=\"col\" class=\"n\">remaining</th>"
                     "<th scope=\"col\" class=\"n\">unknown</th></tr></thead><tbody>\n",
                     Esc(seg.name));
    h += fmt::format("<tr><td>all records</td><td class=\"n\"></td>{}<td></td></tr>\n",
                     num(s.records, "records:" + seg.name));
    for (size_t k = 0; k < seg.steps.size(); ++k) {
      const FunnelStep& st = seg.steps[k];
      const auto& c = s.steps[si][k];
      std::string key = fmt::format("step|{}|{}", seg.name, k);
      h += fmt::format("<tr><td>{}</td>{}{}{}</tr>\n", Esc(st.clause), num(c.removed, key + "|removed"),
                       num(c.remaining, key + "|remaining"),
                       c.unknown == kNone ? "<td></td>" : num(c.unknown, key + "|unknown"));
    }
    h += "</tbody></table></div></div>\n";
  }

  // ---- Overlap ----------------------------------------------------------------
  const size_t ns = d.segments.size();
  h += "<h2 id=\"overlap\">Overlap</h2>\n<p>Members shared by every pair of segments (the diagonal is each segment's "
       "members). Overlapping segments send conflicting calls to action.</p>\n";
  {
    const int cell = 34, left = 170, top = 150;
    int64_t max = 1;
    for (size_t a = 0; a < ns; ++a)
      for (size_t b = 0; b < ns; ++b)
        if (!s.t.hidden(s.overlap[a][b])) max = std::max(max, d.overlap[a][b]);
    std::string svg = fmt::format(
        "<svg role=\"img\" aria-labelledby=\"ovt\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" style=\"max-width:100%;height:auto\">"
        "<title id=\"ovt\">Overlap of segment members</title>",
        left + cell * ns + 10, top + cell * ns + 10);
    for (size_t a = 0; a < ns; ++a) {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, top + cell * a + cell / 2 + 4,
                         Esc(d.segments[a].name));
      svg += fmt::format("<text transform=\"translate({},{}) rotate(-60)\">{}</text>", left + cell * a + cell / 2, top - 6,
                         Esc(d.segments[a].name));
      for (size_t b = 0; b < ns; ++b) {
        size_t c = s.overlap[a][b];
        double v = s.t.hidden(c) ? 0 : double(d.overlap[a][b]) / double(max);
        std::string fill = s.t.hidden(c) ? "#eceff4" : fmt::format("rgba(63,111,181,{:.3f})", 0.08 + 0.92 * v);
        svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\"/>",
                           left + cell * b, top + cell * a, cell, cell, fill);
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"font-size:10px\">{}</text>",
                           left + cell * b + cell / 2, top + cell * a + cell / 2 + 4, s.t.Show(c));
      }
    }
    svg += "</svg>";
    h += "<div class=\"pair\"><figure>" + svg + "<figcaption>Darker: more shared members.</figcaption></figure><div>";
    h += "<table><caption>Members in both segments</caption><thead><tr><th scope=\"col\">segment</th>";
    for (size_t b = 0; b < ns; ++b) h += fmt::format("<th scope=\"col\" class=\"n\">{}</th>", Esc(d.segments[b].name));
    h += "</tr></thead><tbody>\n";
    for (size_t a = 0; a < ns; ++a) {
      h += fmt::format("<tr><th scope=\"row\">{}</th>", Esc(d.segments[a].name));
      for (size_t b = 0; b < ns; ++b)
        h += num(s.overlap[a][b], fmt::format("overlap|{}|{}", d.segments[a].name, d.segments[b].name));
      h += "</tr>\n";
    }
    h += "</tbody></table></div></div>\n";
  }
  h += fmt::format("<h3>More than one message within {} days</h3>\n<p><span data-k=\"multi_contact\">{}</span> records "
                   "would receive two or more messages (any lists, any steps) whose send dates are less than {} days "
                   "apart.</p>\n",
                   d.contact_window_days, s.t.Show(s.multi_contact), d.contact_window_days);
  h += "<table><caption>Records listed by both segments with sends within the window</caption><thead><tr>"
       "<th scope=\"col\">segment</th><th scope=\"col\">segment</th><th scope=\"col\" class=\"n\">records</th></tr></thead><tbody>\n";
  for (size_t a = 0; a < ns; ++a)
    for (size_t b = a + 1; b < ns; ++b) {
      if (d.contact_overlap[a][b] == 0) continue;
      h += fmt::format("<tr><td>{}</td><td>{}</td>{}</tr>\n", Esc(d.segments[a].name), Esc(d.segments[b].name),
                       num(s.contact_overlap[a][b], fmt::format("contact|{}|{}", d.segments[a].name, d.segments[b].name)));
    }
  h += "</tbody></table>\n";

  // ---- Equity -------------------------------------------------------------------
  h += "<h2 id=\"equity\">Equity</h2>\n<p>For every clause and group: the share of the group the clause removes, next to "
       "the overall share. A group is flagged <span class=\"flagmark\">&#9873;</span> when its pass rate is below four "
       "fifths of the best group's";
  if (min_cell > 0) h += fmt::format(" (groups of at least {} records)", min_cell);
  h += ".</p>\n";
  int flagged_total = 0;
  for (size_t si = 0; si < d.segments.size(); ++si) {
    const auto& seg = d.segments[si];
    h += fmt::format("<h3>{}</h3>\n", Esc(seg.name));
    for (size_t b = 0; b < d.axes.size(); ++b) {
      const auto& axis = d.axes[b];
      int flags_here = 0;
      std::string body;
      for (size_t k = 0; k < seg.steps.size(); ++k) {
        const FunnelStep& st = seg.steps[k];
        const auto& c = s.steps[si][k];
        Equity e = ComputeEquity(st, b, min_cell);
        for (size_t g = 0; g < axis.labels.size(); ++g) {
          if (st.group_entering[b][g] == 0) continue;
          const bool f = e.flagged[g];
          flags_here += f;
          auto share = s.Share(c.g_removed[b][g], c.g_entering[b][g]);
          auto overall = s.Share(c.removed, c.entering);
          std::string key = fmt::format("eq|{}|{}|{}|{}", seg.name, k, axis.by.name, axis.labels[g]);
          body += fmt::format(
              "<tr{}><td>{}</td><td>{}</td>{}{}<td class=\"n\" data-k=\"{}|share\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
              f ? " class=\"flag\"" : "", Esc(st.clause), Esc(axis.labels[g]), num(c.g_entering[b][g], key + "|entering"),
              num(c.g_removed[b][g], key + "|removed"), Esc(key), share.is_null() ? "&ndash;" : Pct(share.get<double>()),
              overall.is_null() ? "&ndash;" : Pct(overall.get<double>()),
              f ? "<span class=\"flagmark\" title=\"below four fifths of the best group\">&#9873; flagged</span>" : "");
        }
      }
      flagged_total += flags_here;
      h += fmt::format("<details{}><summary>by {} &middot; {} flagged</summary>\n", flags_here ? " open" : "",
                       Esc(axis.by.name), flags_here);
      h += fmt::format("<table><caption>{} by {}</caption><thead><tr><th scope=\"col\">clause</th><th scope=\"col\">{}</th>"
                       "<th scope=\"col\" class=\"n\">entering</th><th scope=\"col\" class=\"n\">removed</th>"
                       "<th scope=\"col\" class=\"n\">share removed</th><th scope=\"col\" class=\"n\">overall</th>"
                       "<th scope=\"col\">flag</th></tr></thead><tbody>\n",
                       Esc(seg.name), Esc(axis.by.name), Esc(axis.by.name));
      h += body + "</tbody></table></details>\n";
    }
  }
  h += fmt::format("<p data-k=\"flagged_total\" data-v=\"{0}\">{0} flagged group{1} in all.</p>\n", flagged_total,
                   flagged_total == 1 ? "" : "s");

  // ---- Consent coverage ---------------------------------------------------------
  h += "<h2 id=\"consent\">Consent coverage</h2>\n";
  {
    const int W = 420, bar = 18, gap = 8, left = 70;
    const int H = static_cast<int>(d.consent.size()) * (bar + gap) + gap + 20;
    std::string svg = fmt::format(
        "<svg role=\"img\" aria-labelledby=\"cst\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" style=\"max-width:100%;height:auto\">"
        "<title id=\"cst\">Consent per channel: yes, no, missing</title>",
        left + W + 10, H);
    const double total = std::max<int64_t>(1, d.records);
    for (size_t c = 0; c < d.consent.size(); ++c) {
      int y = gap + static_cast<int>(c) * (bar + gap);
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, y + bar - 5,
                         Esc(d.consent[c].channel));
      double x = left;
      const int64_t parts[3] = {d.consent[c].yes, d.consent[c].no, d.consent[c].missing};
      const char* colors[3] = {"#5fa37a", "#d9825b", "#c3c9d4"};
      bool any_hidden = false;
      for (int i = 0; i < 3; ++i) any_hidden = any_hidden || s.t.hidden(s.consent[c][i]);
      for (int i = 0; i < 3 && !any_hidden; ++i) {
        double w = W * double(parts[i]) / total;
        svg += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>", x, y, w, bar, colors[i]);
        x += w;
      }
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\">green: yes &#183; orange: no &#183; grey: missing</text></svg>", left,
                       H - 6);
    h += "<div class=\"pair\"><figure>" + svg + "<figcaption>Share of all records per consent flag.</figcaption></figure><div>";
    h += "<table><caption>Consent flags over all records</caption><thead><tr><th scope=\"col\">channel</th>"
         "<th scope=\"col\" class=\"n\">yes</th><th scope=\"col\" class=\"n\">no</th><th scope=\"col\" class=\"n\">missing</th>"
         "</tr></thead><tbody>\n";
    for (size_t c = 0; c < d.consent.size(); ++c) {
      std::string key = "consent|" + d.consent[c].channel;
      h += fmt::format("<tr><th scope=\"row\">{}</th>{}{}{}</tr>\n", Esc(d.consent[c].channel),
                       num(s.consent[c][0], key + "|yes"), num(s.consent[c][1], key + "|no"),
                       num(s.consent[c][2], key + "|missing"));
    }
    h += "</tbody></table></div></div>\n";
  }
  // ---- Campaigns ----------------------------------------------------------------
  if (!d.campaigns.empty()) {
    h += "<h2 id=\"campaigns\">Campaign takes</h2>\n";
    for (size_t c = 0; c < d.campaigns.size(); ++c) {
      const auto& cp = d.campaigns[c];
      std::string prio;
      for (const auto& p : cp.priority) prio += (prio.empty() ? "" : " &gt; ") + Esc(p);
      h += fmt::format("<table><caption>Campaign {}: {}</caption><thead><tr><th scope=\"col\">earlier segment</th>"
                       "<th scope=\"col\">took from</th><th scope=\"col\" class=\"n\">records</th></tr></thead><tbody>\n",
                       Esc(cp.name), prio);
      size_t i = 0;
      for (const auto& [pair, n] : cp.taken)
        h += fmt::format("<tr><td>{}</td><td>{}</td>{}</tr>\n", Esc(pair.first), Esc(pair.second),
                         num(s.takes[c][i++], fmt::format("take|{}|{}|{}", cp.name, pair.first, pair.second)));
      h += "</tbody></table>\n";
    }
  }
  if (d.measurement) h += measure::MeasurementToHtml(*d.measurement, min_cell);
  h += "</body>\n</html>\n";
  return h;
}

std::string OverlapText(const ReportData& d, int64_t min_cell, const std::vector<std::string>& segments) {
  ShownReport s(d, min_cell);
  std::vector<size_t> pick;
  for (size_t i = 0; i < d.segments.size(); ++i)
    if (segments.empty() || std::find(segments.begin(), segments.end(), d.segments[i].name) != segments.end())
      pick.push_back(i);
  size_t w = 7;
  for (size_t i : pick) w = std::max(w, d.segments[i].name.size());
  std::string out = fmt::format("members in both segments (diagonal: members{})\n",
                                min_cell > 0 ? fmt::format("; counts below {} shown as <{}, * hides a count that "
                                                           "would reveal one", min_cell, min_cell) : "");
  out += fmt::format("  {:<{}}", "", w);
  for (size_t b : pick) out += fmt::format(" {:>{}}", d.segments[b].name, std::max<size_t>(7, d.segments[b].name.size()));
  out += "\n";
  for (size_t a : pick) {
    out += fmt::format("  {:<{}}", d.segments[a].name, w);
    for (size_t b : pick)
      out += fmt::format(" {:>{}}", s.t.Show(s.overlap[a][b]), std::max<size_t>(7, d.segments[b].name.size()));
    out += "\n";
  }
  out += fmt::format("records with two or more messages less than {} days apart: {}\n", d.contact_window_days,
                     s.t.Show(s.multi_contact));
  for (size_t x = 0; x < pick.size(); ++x)
    for (size_t y = x + 1; y < pick.size(); ++y) {
      size_t a = pick[x], b = pick[y];
      if (d.contact_overlap[a][b] == 0) continue;
      out += fmt::format("  {} and {}: {}\n", d.segments[a].name, d.segments[b].name, s.t.Show(s.contact_overlap[a][b]));
    }
  return out;
}

std::string EquityText(const ReportData& d, int64_t min_cell, const std::string& segment, const std::string& by) {
  ShownReport s(d, min_cell);
  size_t si = 0;
  while (si < d.segments.size() && d.segments[si].name != segment) ++si;
  if (si == d.segments.size()) return {};
  const auto& seg = d.segments[si];
  std::string out;
  for (size_t b = 0; b < d.axes.size(); ++b) {
    const auto& axis = d.axes[b];
    if (!by.empty() && axis.by.name != by) continue;
    out += fmt::format("{} by {} (share removed by each clause; * = pass rate below 4/5 of the best group's)\n",
                       seg.name, axis.by.name);
    for (size_t k = 0; k < seg.steps.size(); ++k) {
      const FunnelStep& st = seg.steps[k];
      const auto& c = s.steps[si][k];
      if (st.entering == 0) continue;
      Equity e = ComputeEquity(st, b, min_cell);
      auto overall = s.Share(c.removed, c.entering);
      out += fmt::format("  {}  (overall {} of {} removed, {})\n", st.clause, s.t.Show(c.removed), s.t.Show(c.entering),
                         overall.is_null() ? "-" : fmt::format("{:.1f}%", 100 * overall.get<double>()));
      for (size_t g = 0; g < axis.labels.size(); ++g) {
        if (st.group_entering[b][g] == 0) continue;
        auto share = s.Share(c.g_removed[b][g], c.g_entering[b][g]);
        out += fmt::format("    {:<14} {:>8} of {:>8}  {:>6}{}\n", axis.labels[g], s.t.Show(c.g_removed[b][g]),
                           s.t.Show(c.g_entering[b][g]),
                           share.is_null() ? "-" : fmt::format("{:.1f}%", 100 * share.get<double>()),
                           e.flagged[g] ? "  *" : "");
      }
    }
  }
  return out;
}

}  // namespace cohort::report
