#include "runtime/measure/outcome/measure.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/dates.h"
#include "core/strings.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/batch.h"
#include "runtime/interp/interpreter.h"
#include "runtime/suppress.h"

namespace cohort::measure {

namespace {

/// One patient in one segment, from its first run in the ledger.
struct Unit {
  uint32_t segment = 0;
  int32_t start = 0;      ///< S
  bool holdout = false;
  std::string variant;
  std::vector<uint8_t> met;  ///< per goal of the segment
};

/// Builds the units of `runs` (in ledger order: run date, then run id).
std::vector<Unit> Units(const ir::Program& p, const std::vector<LedgerRun>& runs, const std::string& only, int32_t today,
                        std::unordered_map<std::string, std::vector<size_t>>* by_key, std::vector<std::string>* notes) {
  std::vector<Unit> units;
  std::map<std::pair<uint32_t, std::string>, size_t> seen;  // (segment, key) -> unit
  std::vector<const LedgerRun*> order;
  for (const LedgerRun& r : runs) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(), [](const LedgerRun* a, const LedgerRun* b) {
    return a->run_date != b->run_date ? a->run_date < b->run_date : a->run_id < b->run_id;
  });
  std::map<std::string, int> unknown;
  size_t later = 0;
  for (const LedgerRun* run : order) {
    if (run->run_date > today) {  // measuring as of an earlier day: that run had not happened
      ++later;
      continue;
    }
    std::map<std::pair<uint32_t, std::string>, size_t> this_run;
    for (const LedgerRow& row : run->rows) {
      int s = p.FindSegment(row.segment);
      if (s < 0) {
        ++unknown[row.segment];
        continue;
      }
      if (p.segments[s].goals.empty() || (!only.empty() && only != row.segment)) continue;
      auto id = std::make_pair(static_cast<uint32_t>(s), row.key);
      auto prior = seen.find(id);
      if (prior != seen.end() && !this_run.count(id)) continue;  // first exposure only
      if (prior == seen.end()) {
        Unit u;
        u.segment = id.first;
        u.start = row.send_on;
        u.holdout = row.list == "holdout";
        u.variant = row.variant;
        u.met.assign(p.segments[s].goals.size(), 0);
        seen[id] = this_run[id] = units.size();
        (*by_key)[row.key].push_back(units.size());
        units.push_back(std::move(u));
        continue;
      }
      Unit& u = units[prior->second];
      if (row.list != "holdout") {
        if (u.holdout) {  // listed and held out in one run cannot happen; trust the lists
          u.holdout = false;
          u.start = row.send_on;
        }
        u.start = std::min(u.start, row.send_on);
        if (u.variant.empty()) u.variant = row.variant;
      }
    }
  }
  if (later > 0)
    notes->push_back(fmt::format("{} ledger run{} after {} left out", later, later == 1 ? "" : "s", FormatDate(today)));
  for (const auto& [name, rows] : unknown)
    notes->push_back(fmt::format("the ledger has {} rows of segment `{}`, which this file does not declare; ignored",
                                 rows, name));
  return units;
}

/// Marks the goals met by the units of the rows of one batch.
void MarkGoals(const ir::Program& p, const interp::Interpreter& interp, const CohortBatchView& view,
               const ExecContext& ctx, const std::unordered_map<std::string, std::vector<size_t>>& by_key,
               std::vector<Unit>* units) {
  const CohortColumn& keys = view.columns[p.schema->key_column()];
  // Rows of this batch with units, per segment.
  std::vector<std::vector<size_t>> row_units(static_cast<size_t>(view.num_rows));
  bool any = false;
  for (int64_t r = 0; r < view.num_rows; ++r) {
    auto it = by_key.find(std::string(StringAt(keys, r)));
    if (it == by_key.end()) continue;
    row_units[static_cast<size_t>(r)] = it->second;
    any = true;
  }
  if (!any) return;
  interp::Session session(interp, view, ctx);
  for (uint32_t s = 0; s < p.segments.size(); ++s) {
    const ir::Segment& seg = p.segments[s];
    for (size_t g = 0; g < seg.goals.size(); ++g) {
      const ir::Goal& goal = seg.goals[g];
      interp::Session::Elements els = session.EachElement(goal.quantifier, goal.at);
      for (size_t k = 0; k < els.row.size(); ++k) {
        if (els.truth[k] != Truth::kTrue || els.value[k].is_null) continue;
        const int64_t micros = els.value[k].i;
        int64_t day = micros / kMicrosPerDay;
        if (micros % kMicrosPerDay < 0) --day;
        for (size_t u : row_units[els.row[k]]) {
          Unit& unit = (*units)[u];
          if (unit.segment != s) continue;
          if (day >= unit.start && day <= int64_t{unit.start} + goal.days) unit.met[g] = 1;
        }
      }
    }
  }
}

void Count(const Unit& u, size_t goal, int32_t days, int32_t today, GroupCounts* c) {
  if (int64_t{u.start} + days >= today) {
    ++c->open;
    return;
  }
  ++c->n;
  if (u.met[goal]) ++c->converted;
}

}  // namespace

MeasureStatus Measure(const std::shared_ptr<const ir::Program>& program, const std::vector<LedgerRun>& runs,
                      const MeasureOptions& o, Measurement* out) {
  MeasureStatus status;
  const ir::Program& p = *program;
  *out = Measurement{};
  out->today = o.today;
  out->runs = runs.size();
  std::unordered_map<std::string, std::vector<size_t>> by_key;
  std::vector<Unit> units = Units(p, runs, o.segment, o.today, &by_key, &out->notes);
  out->units = static_cast<int64_t>(units.size());
  if (!units.empty() && o.views) {
    interp::Interpreter interp(program);
    ExecContext ctx;
    ctx.today = o.today;
    ctx.now = int64_t{o.today} * kMicrosPerDay;
    for (const CohortBatchView& v : *o.views) MarkGoals(p, interp, v, ctx, by_key, &units);
  } else if (!units.empty()) {
    LoadOptions load;
    load.threads = std::max(1, o.threads);
    auto reader = OpenDataReader(program->schema, o.data_dir, load, &status.data_errors, &status.data_warnings);
    if (!reader) {
      status.code = 3;
      return status;
    }
    interp::Interpreter interp(program);
    ExecContext ctx;
    ctx.today = o.today;
    ctx.now = int64_t{o.today} * kMicrosPerDay;
    for (;;) {
      Batch b(*program->schema);
      if (!reader->Next(&b, 16384)) break;
      MarkGoals(p, interp, b.View(), ctx, by_key, &units);
    }
    if (!reader->errors().empty()) {
      status.code = 3;
      status.data_errors = reader->errors();
      return status;
    }
  }
  for (uint32_t s = 0; s < p.segments.size(); ++s) {
    const ir::Segment& seg = p.segments[s];
    if (!o.segment.empty() && o.segment != seg.name) continue;
    if (seg.goals.empty()) {
      out->notes.push_back(fmt::format("segment `{}` has no `goal`; nothing to measure", seg.name));
      continue;
    }
    // Variants: the program's, in order, then any other the ledger names.
    std::vector<std::string> variants;
    for (const ir::Variant& v : seg.variants) variants.push_back(v.name);
    for (const Unit& u : units)
      if (u.segment == s && !u.holdout && std::find(variants.begin(), variants.end(), u.variant) == variants.end())
        variants.push_back(u.variant);
    if (variants.empty()) variants.push_back("");
    for (size_t g = 0; g < seg.goals.size(); ++g) {
      const ir::Goal& goal = seg.goals[g];
      std::vector<GroupCounts> treated(variants.size());
      GroupCounts holdout;
      for (const Unit& u : units) {
        if (u.segment != s) continue;
        if (u.holdout) {
          Count(u, g, goal.days, o.today, &holdout);
          continue;
        }
        size_t v = static_cast<size_t>(std::find(variants.begin(), variants.end(), u.variant) - variants.begin());
        if (v < variants.size()) Count(u, g, goal.days, o.today, &treated[v]);
      }
      for (size_t v = 0; v < variants.size(); ++v) {
        MeasureRow row;
        row.segment = seg.name;
        row.variant = variants[v];
        row.goal = goal.name;
        row.days = goal.days;
        row.primary = g == 0;
        row.treated = treated[v];
        row.holdout = holdout;
        row.compared = treated[v].n > 0 && holdout.n > 0;
        if (row.compared) row.cmp = Compare(treated[v].converted, treated[v].n, holdout.converted, holdout.n);
        out->rows.push_back(std::move(row));
      }
      for (size_t a = 0; a < variants.size(); ++a) {
        for (size_t b = a + 1; b < variants.size(); ++b) {
          if (variants[a].empty() || variants[b].empty()) continue;
          VariantComparisonRow vc{seg.name, goal.name, variants[a], variants[b], treated[a], treated[b], false, {}};
          vc.compared = treated[a].n > 0 && treated[b].n > 0;
          if (vc.compared) vc.cmp = Compare(treated[a].converted, treated[a].n, treated[b].converted, treated[b].n);
          out->versus.push_back(std::move(vc));
        }
      }
    }
  }
  return status;
}

// ---- Formatting --------------------------------------------------------------------

namespace {

/// The suppression of one comparison's counts: n, converted, not converted
/// and open of both sides (the two sums a reader could use are declared).
struct Shown {
  SuppressionTable t;
  size_t an, ax, aopen, bn, bx, bopen;
  Shown(const GroupCounts& a, const GroupCounts& b, int64_t min_cell) : t(min_cell) {
    an = t.Add(a.n);
    ax = t.Add(a.converted);
    size_t anot = t.Add(a.n - a.converted);
    aopen = t.Add(a.open);
    bn = t.Add(b.n);
    bx = t.Add(b.converted);
    size_t bnot = t.Add(b.n - b.converted);
    bopen = t.Add(b.open);
    t.AddGroup({ax, anot}, an);
    t.AddGroup({bx, bnot}, bn);
    t.Suppress();
    any_closed_hidden = t.hidden(an) || t.hidden(ax) || t.hidden(anot) || t.hidden(bn) || t.hidden(bx) || t.hidden(bnot);
  }
  bool any_closed_hidden = false;
  nlohmann::ordered_json Count(size_t i) const {
    if (t.hidden(i)) return t.Show(i);
    return t.value(i);
  }
  std::string Text(size_t i) const { return t.min_cell() > 0 ? t.Show(i) : std::to_string(t.value(i)); }
};

nlohmann::ordered_json Num(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); }

void AddStats(nlohmann::ordered_json& j, bool compared, const Comparison& c, bool hidden) {
  const bool show = compared && !hidden;
  j["lift"] = show ? Num(c.lift) : nullptr;
  j["ci_low"] = show ? Num(c.ci.low) : nullptr;
  j["ci_high"] = show ? Num(c.ci.high) : nullptr;
  j["p_value"] = show ? Num(c.p_value) : nullptr;
  j["relative_lift"] = show ? Num(c.relative_lift) : nullptr;
  j["mde"] = show ? Num(c.mde) : nullptr;
}

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:+.1f}%", 100 * v) : "-"; }

std::string StatsText(bool compared, const Comparison& c, bool hidden) {
  if (!compared) return "no closed windows on one side";
  if (hidden) return "suppressed (a count is below the minimum cell size)";
  return fmt::format("lift {} (95% CI {} to {}), relative {}, p={:.3g}, MDE {:.1f} pts", Pct(c.lift), Pct(c.ci.low),
                     Pct(c.ci.high), Pct(c.relative_lift), c.p_value, 100 * c.mde);
}

std::string Rate(const Shown& s, size_t x, size_t n) {
  if (s.t.hidden(x) || s.t.hidden(n) || s.t.value(n) == 0) return "";
  return fmt::format(" ({:.1f}%)", 100.0 * static_cast<double>(s.t.value(x)) / static_cast<double>(s.t.value(n)));
}

}  // namespace

std::string MeasurementToJson(const Measurement& m, int64_t min_cell) {
  nlohmann::ordered_json j;
  j["segments"] = nlohmann::ordered_json::array();
  for (const MeasureRow& r : m.rows) {
    Shown s(r.treated, r.holdout, min_cell);
    nlohmann::ordered_json e;
    e["segment"] = r.segment;
    e["variant"] = r.variant.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.variant);
    e["goal"] = r.goal;
    e["treated"] = s.Count(s.an);
    e["treated_converted"] = s.Count(s.ax);
    e["holdout"] = s.Count(s.bn);
    e["holdout_converted"] = s.Count(s.bx);
    AddStats(e, r.compared, r.cmp, s.any_closed_hidden);
    e["open"] = {{"treated", s.Count(s.aopen)}, {"holdout", s.Count(s.bopen)}};
    e["window_days"] = r.days;
    e["primary"] = r.primary;
    e["versus"] = nlohmann::ordered_json::array();
    for (const VariantComparisonRow& v : m.versus) {
      if (v.segment != r.segment || v.goal != r.goal || v.a != r.variant) continue;
      Shown vs(v.ca, v.cb, min_cell);
      nlohmann::ordered_json x;
      x["variant"] = v.b;
      x["treated"] = vs.Count(vs.an);
      x["treated_converted"] = vs.Count(vs.ax);
      x["other"] = vs.Count(vs.bn);
      x["other_converted"] = vs.Count(vs.bx);
      AddStats(x, v.compared, v.cmp, vs.any_closed_hidden);
      e["versus"].push_back(std::move(x));
    }
    j["segments"].push_back(std::move(e));
  }
  j["today"] = FormatDate(m.today);
  j["ledger_runs"] = m.runs;
  j["notes"] = m.notes;
  return j.dump(2) + "\n";
}

std::string MeasurementToHtml(const Measurement& m, int64_t min_cell) {
  std::string h = "<h2 id=\"measurement\">Measurement</h2>\n";
  h += fmt::format("<p>Goals of the patients in the contact ledger ({} run{}), measured on {}; open windows are left out "
                   "of the lift.</p>\n",
                   m.runs, m.runs == 1 ? "" : "s", FormatDate(m.today));
  h += "<table><thead><tr><th scope=\"col\">segment</th><th scope=\"col\">variant</th><th scope=\"col\">goal</th>"
       "<th scope=\"col\" class=\"n\">treated</th><th scope=\"col\" class=\"n\">converted</th>"
       "<th scope=\"col\" class=\"n\">holdout</th><th scope=\"col\" class=\"n\">converted</th>"
       "<th scope=\"col\">lift (95% CI)</th><th scope=\"col\" class=\"n\">p</th>"
       "<th scope=\"col\" class=\"n\">open (treated / holdout)</th></tr></thead><tbody>\n";
  for (const MeasureRow& r : m.rows) {
    Shown s(r.treated, r.holdout, min_cell);
    std::string lift = !r.compared ? "&ndash;"
                       : s.any_closed_hidden
                           ? "suppressed"
                           : fmt::format("{} ({} to {})", Pct(r.cmp.lift), Pct(r.cmp.ci.low), Pct(r.cmp.ci.high));
    std::string p = r.compared && !s.any_closed_hidden ? fmt::format("{:.3g}", r.cmp.p_value) : "&ndash;";
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{} within {} days{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                     "<td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td>"
                     "<td class=\"n\">{} / {}</td></tr>\n",
                     EscapeXml(r.segment), EscapeXml(r.variant), EscapeXml(r.goal), r.days, r.primary ? " (primary)" : "",
                     s.t.Show(s.an), s.t.Show(s.ax), s.t.Show(s.bn), s.t.Show(s.bx), lift, p, s.t.Show(s.aopen),
                     s.t.Show(s.bopen));
  }
  h += "</tbody></table>\n";
  for (const std::string& n : m.notes) h += "<p>" + EscapeXml(n) + "</p>\n";
  return h;
}

std::string MeasurementToText(const Measurement& m, int64_t min_cell) {
  std::string out = fmt::format("measured on {} from {} ledger run{}\n", FormatDate(m.today), m.runs, m.runs == 1 ? "" : "s");
  for (const MeasureRow& r : m.rows) {
    Shown s(r.treated, r.holdout, min_cell);
    out += fmt::format("\n{}{}: goal {} within {} days{}\n", r.segment, r.variant.empty() ? "" : " variant " + r.variant,
                       r.goal, r.days, r.primary ? " (primary)" : "");
    out += fmt::format("  treated  {} converted of {}{}; {} open\n", s.Text(s.ax), s.Text(s.an), Rate(s, s.ax, s.an),
                       s.Text(s.aopen));
    out += fmt::format("  holdout  {} converted of {}{}; {} open\n", s.Text(s.bx), s.Text(s.bn), Rate(s, s.bx, s.bn),
                       s.Text(s.bopen));
    out += "  " + StatsText(r.compared, r.cmp, s.any_closed_hidden) + "\n";
    for (const VariantComparisonRow& v : m.versus) {
      if (v.segment != r.segment || v.goal != r.goal || v.a != r.variant) continue;
      Shown vs(v.ca, v.cb, min_cell);
      out += fmt::format("  versus variant {}: {}\n", v.b, StatsText(v.compared, v.cmp, vs.any_closed_hidden));
    }
  }
  if (m.rows.empty()) out += "\nnothing to measure\n";
  for (const std::string& n : m.notes) out += "note: " + n + "\n";
  if (min_cell > 0)
    out += fmt::format("\ncounts from 1 to {} are shown as <{}; * hides a count that would reveal one; open windows are "
                       "left out of the lift\n",
                       min_cell - 1, min_cell);
  return out;
}

}  // namespace cohort::measure
