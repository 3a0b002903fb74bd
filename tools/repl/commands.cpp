// The REPL's dot-commands: help, schema, segments, run, explain, why, sample,
// engine, timer, today, save.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "core/dates.h"
#include "core/md5.h"
#include "core/truth.h"
#include "runtime/interp/interpreter.h"
#include "runtime/measure/ledger.h"
#include "runtime/measure/outcome/measure.h"
#include "runtime/report/report.h"
#include "runtime/run/explain.h"
#include "runtime/suppress.h"
#include "tools/repl/session_internal.h"
#include "cohort/cohort.h"  // MakeBestEngine, HasJit: the one engine choice

namespace cohort::repl {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

}  // namespace

CohortBatchView Session::EngineView(size_t b) const {
  CohortBatchView v = data_->views[b];
  if (compiled_) v.num_columns = std::min<uint32_t>(v.num_columns, static_cast<uint32_t>(compiled_->program().schema->columns.size()));
  return v;
}

const Engine& Session::CurrentEngine() {
  if (!engine_) {
    if (engine_name_ == "jit") {
      std::string note;
      engine_ = MakeBestEngine(compiled_->result.program, &note);
      if (!note.empty()) Note(fmt::format("the JIT cannot compile this session ({}); using the interpreter", note));
    }
    if (!engine_) engine_ = MakeInterpreter(compiled_->result.program);
  }
  return *engine_;
}

int Session::FindSegmentOrReport(const std::string& name) {
  if (name.empty()) {
    Error("expected a segment name");
    return -1;
  }
  int k = compiled_->program().FindSegment(name);
  if (k >= 0) return k;
  std::vector<std::string> names;
  for (const auto& s : compiled_->program().segments) names.push_back(s.name);
  Error(fmt::format("unknown segment `{}`{}", name, DidYouMean(name, names)));
  return -1;
}

bool Session::Command(const std::string& line) {
  std::vector<std::string> words = SplitWords(line);
  if (words.empty()) return true;
  const std::string cmd = words[0];
  std::vector<std::string> args(words.begin() + 1, words.end());
  std::string rest = args.empty() ? "" : line.substr(line.find(args[0]));
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.pop_back();
  auto at_most = [&](size_t n) {
    if (args.size() <= n) return true;
    Error(fmt::format("too many arguments to `{}`; see `.help`", cmd));
    return false;
  };
  if (cmd == ".help") return CmdHelp();
  if (cmd == ".quit" || cmd == ".exit") {
    quit_ = true;
    return true;
  }
  if (cmd == ".schema") return at_most(1) && CmdSchema(rest);
  if (cmd == ".segments") return at_most(0) && CmdSegments();
  if (cmd == ".load") {
    if (args.empty()) {
      Error("usage: .load FILE");
      return false;
    }
    return LoadFile(rest);
  }
  if (cmd == ".run") return at_most(1) && CmdRun(rest);
  if (cmd == ".explain") return at_most(1) && CmdExplain(rest);
  if (cmd == ".why") return CmdWhy(args);
  if (cmd == ".overlap") return CmdOverlap(args);
  if (cmd == ".equity") return CmdEquity(args);
  if (cmd == ".sample") return CmdSample(args);
  if (cmd == ".engine") return at_most(1) && CmdEngine(rest);
  if (cmd == ".timer") return at_most(1) && CmdTimer(rest);
  if (cmd == ".today") return at_most(1) && CmdToday(rest);
  if (cmd == ".measure") return at_most(1) && CmdMeasure(rest);
  if (cmd == ".save") {
    if (args.empty()) {
      Error("usage: .save FILE");
      return false;
    }
    return CmdSave(rest);
  }
  static const std::vector<std::string> kCommands = {".help", ".schema", ".load", ".segments", ".run", ".explain", ".why",
                                                     ".overlap", ".equity", ".sample", ".engine", ".timer", ".today", ".save", ".quit",
                                                     ".measure"};
  std::string hint = DidYouMean(cmd, kCommands);
  Error(fmt::format("unknown command `{}`{}", cmd, hint.empty() ? "; see `.help`" : hint));
  return false;
}

bool Session::CmdHelp() {
  Out(R"(Type an expression to count the records it holds for, e.g.
  language == "es" and next_appointment is missing
or a declaration (const, define, segment, campaign) to add it to the session;
declaring a name again replaces it.

Input rules: a `segment` continues until a blank line (or a line starting with
`.` or a declaration keyword). Anything else continues while brackets are open,
the line ends with an operator or keyword (`and`, `==`, `,`, `where`, ...), or a
const/define has no `= value` yet. A blank line ends any input; Ctrl-C cancels
it (or the running evaluation). Ctrl-D or .quit exits.

Commands:
  .help                     this text
  .schema [FIELD]           the record schema, or one field (dotted path)
  .load FILE                add the declarations of a segment file
  .segments                 the session's segments, defines and consts
  .run [SEGMENT]            the `cohort run` summary (in memory, no files)
  .explain SEGMENT          attrition per clause
  .why KEY SEGMENT          each clause's value for one record
  .overlap [SEGMENTS...]    members shared by segments; records messaged twice within 7 days
  .equity SEGMENT [by F]    share of each group every clause removes (`cohort report`'s numbers)
  .sample SEGMENT [N] [F,G] N member keys (default 10), with non-sensitive fields
  .engine interp|jit        engine for .run and .sample (expressions, .explain
                            and .why always use the reference interpreter)
  .timer on|off             print evaluation times
  .today [DATE]             show or set the run date (YYYY-MM-DD)
  .save FILE                write the session's declarations as a segment file
  .measure SEGMENT          the segment's goals: treated vs holdout, variants
                            (needs `cohort repl --ledger DIR`; as `cohort measure`)
  .quit                     exit
)");
  return true;
}

namespace {

void SchemaTree(const RecordDef& rec, const std::string& indent, std::string& out, int depth) {
  for (const FieldDef& f : rec.fields) {
    std::string type = f.type.kind == TypeKind::kRecord ? "record" : f.type.ToString();
    if (f.optional) type += "?";
    std::string flags = f.sensitive ? "  sensitive" : "";
    std::string name = indent + f.name;
    out += fmt::format("  {:<26} {}{}\n", name, type, flags);
    if (depth < 4 && f.type.record_def) SchemaTree(*f.type.record_def, indent + "  ", out, depth + 1);
  }
}

}  // namespace

bool Session::CmdSchema(const std::string& arg) {
  const Schema& s = *schema_;
  if (arg.empty()) {
    std::string out = fmt::format("schema {} (key `{}`){}\n", s.name, s.key_field,
                                  s.description.empty() ? "" : ": " + s.description);
    SchemaTree(*s.root, "", out, 0);
    if (!s.channels.empty()) {
      out += "channels:";
      for (const auto& c : s.channels) out += fmt::format(" {} ({})", c.name, c.consent_path);
      out += "\n";
    }
    Out(out);
    return true;
  }
  // A dotted path: walk records and list elements.
  const RecordDef* rec = s.root.get();
  const FieldDef* field = nullptr;
  std::string path;
  size_t pos = 0;
  while (pos <= arg.size()) {
    size_t dot = arg.find('.', pos);
    std::string part = arg.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!rec) {
      Error(fmt::format("`{}` has no fields", path));
      return false;
    }
    int i = rec->Find(part);
    if (i < 0) {
      std::vector<std::string> names;
      for (const auto& f : rec->fields) names.push_back(f.name);
      Error(fmt::format("unknown field `{}`{}", path.empty() ? part : path + "." + part, DidYouMean(part, names)));
      return false;
    }
    field = &rec->fields[i];
    path = path.empty() ? part : path + "." + part;
    rec = field->type.record_def.get();
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  std::string type = field->type.kind == TypeKind::kRecord ? "record" : field->type.ToString();
  std::string out = fmt::format("{}: {}{}{}\n", path, type, field->optional ? " (optional)" : "",
                                field->sensitive ? " (sensitive: only segments with purpose operations or treatment may read it)" : "");
  if (!field->description.empty()) out += "  " + field->description + "\n";
  if (!field->source.empty() && field->source != field->name) out += fmt::format("  read from column `{}`\n", field->source);
  if (field->type.kind == TypeKind::kEnum) out += fmt::format("  labels: {}\n", fmt::join(field->type.enum_def->labels, ", "));
  if (field->type.record_def) {
    std::string sub;
    SchemaTree(*field->type.record_def, "", sub, 1);
    out += sub;
  }
  Out(out);
  return true;
}

bool Session::CmdSegments() {
  const ir::Program& p = compiled_->program();
  std::string out;
  if (p.segments.empty()) out += "no segments; declare one with `segment NAME where ...` or `.load FILE`\n";
  for (const ir::Segment& s : p.segments) {
    out += fmt::format("{}{}\n", s.name, s.description.empty() ? "" : fmt::format(" \"{}\"", s.description));
    std::vector<std::string> parts;
    parts.push_back(fmt::format("{} exclude{}", s.excludes.size(), s.excludes.size() == 1 ? "" : "s"));
    std::vector<std::string> chans;
    for (const auto& c : s.channels) chans.push_back(c.name);
    parts.push_back(chans.empty() ? "no channels" : "channels " + fmt::format("{}", fmt::join(chans, ", ")));
    parts.push_back(std::string("purpose ") + ir::PurposeName(s.purpose));
    if (s.holdout_bp) parts.push_back(fmt::format("holdout {}%", s.holdout_bp / 100.0));
    if (s.campaign >= 0) parts.push_back("campaign " + p.campaigns[s.campaign].name);
    out += fmt::format("  {}\n", fmt::join(parts, ", "));
  }
  SessionNames n = Names();
  if (!n.defines.empty()) out += fmt::format("defines: {}\n", fmt::join(n.defines, ", "));
  if (!n.consts.empty()) out += fmt::format("consts: {}\n", fmt::join(n.consts, ", "));
  std::vector<std::string> camps;
  for (const auto& c : p.campaigns) camps.push_back(c.name);
  if (!camps.empty()) out += fmt::format("campaigns: {}\n", fmt::join(camps, ", "));
  Out(out);
  return true;
}

bool Session::ComputeReport(RunReport* report) {
  const ir::Program& p = compiled_->program();
  auto t0 = std::chrono::steady_clock::now();
  *report = RunReport{};
  const Engine& engine = CurrentEngine();
  report->engine = std::string(engine.name());
  report->today = FormatDate(options_.today);
  ReportTally tally(p, options_.today, report);
  Decisions decisions;
  double eval = 0;
  for (size_t b = 0; b < data_->views.size(); ++b) {
    if (Cancelled()) return false;
    const CohortBatchView view = EngineView(b);
    BatchResult res;
    auto e0 = std::chrono::steady_clock::now();
    engine.Evaluate(view, Context(), &res);
    eval += SecondsSince(e0);
    Decide(p, view, res, &decisions, options_.today);
    tally.Add(view, res, decisions);
  }
  report->records = data_->records;
  report->list_rows = data_->stats.list_rows;
  report->list_rows_unmatched = data_->stats.list_rows_unmatched;
  report->eval_seconds = eval;
  report->total_seconds = SecondsSince(t0);
  return true;
}

bool Session::CmdRun(const std::string& arg) {
  if (!NeedData()) return false;
  int only = -1;
  if (!arg.empty() && (only = FindSegmentOrReport(arg)) < 0) return false;
  RunReport report;
  if (!ComputeReport(&report)) return false;
  if (only >= 0) {
    std::string name = report.segments[only].name;
    report.segments = {report.segments[only]};
    std::vector<CampaignStats> camps;
    for (auto& c : report.campaigns)
      if (std::find(c.priority.begin(), c.priority.end(), name) != c.priority.end()) camps.push_back(c);
    report.campaigns = camps;
  }
  std::string table = FormatReportTable(report, options_.min_cell);
  if (!timer_) {
    // The last line holds the timings: only with `.timer on`, so scripted
    // output stays reproducible.
    size_t cut = table.rfind("\n\n");
    if (cut != std::string::npos && table.find("s total", cut) != std::string::npos) table = table.substr(0, cut + 1);
  }
  Out(table);
  return true;
}

bool Session::BuildReport(const std::vector<std::string>& by, report::ReportData* out) {
  if (!NeedData()) return false;
  const ir::Program& p = compiled_->program();
  std::string error;
  report::ReportOptions opts;
  opts.by = report::ResolveGroupBy(*p.schema, by, &error);
  if (!error.empty()) {
    Error(error);
    return false;
  }
  const Engine& engine = CurrentEngine();
  report::ReportBuilder builder(compiled_->result.program, *compiled_->result.sources, options_.today, opts);
  RunReport run;
  run.engine = std::string(engine.name());
  run.today = FormatDate(options_.today);
  ReportTally tally(p, options_.today, &run);
  Decisions decisions;
  for (size_t b = 0; b < data_->views.size(); ++b) {
    if (Cancelled()) return false;
    const CohortBatchView view = EngineView(b);
    BatchResult res;
    engine.Evaluate(view, Context(), &res);
    Decide(p, view, res, &decisions, options_.today);
    tally.Add(view, res, decisions);
    builder.Add(view, res, decisions);
  }
  run.records = data_->records;
  *out = builder.Finish(run);
  return true;
}

bool Session::CmdOverlap(const std::vector<std::string>& args) {
  if (!NeedData()) return false;
  for (const auto& a : args)
    if (FindSegmentOrReport(a) < 0) return false;
  auto t0 = std::chrono::steady_clock::now();
  report::ReportData data;
  if (!BuildReport({}, &data)) return false;
  Out(report::OverlapText(data, options_.min_cell, args));
  Timer(SecondsSince(t0));
  return true;
}

bool Session::CmdEquity(const std::vector<std::string>& args) {
  if (!NeedData()) return false;
  if (args.empty() || args.size() == 2 || args.size() > 3 || (args.size() == 3 && args[1] != "by")) {
    Error("usage: .equity SEGMENT [by FIELD]");
    return false;
  }
  if (FindSegmentOrReport(args[0]) < 0) return false;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> by;
  if (args.size() == 3) by.push_back(args[2]);
  report::ReportData data;
  if (!BuildReport(by, &data)) return false;
  Out(report::EquityText(data, options_.min_cell, args[0], args.size() == 3 ? args[2] : ""));
  Timer(SecondsSince(t0));
  return true;
}

bool Session::CmdMeasure(const std::string& arg) {
  if (options_.ledger_dir.empty()) {
    Error("`.measure` needs the contact ledger; start the REPL with `--ledger DIR`");
    return false;
  }
  if (!NeedData()) return false;
  int k = FindSegmentOrReport(arg);
  if (k < 0) return false;
  std::vector<measure::LedgerRun> runs;
  std::string error = measure::ReadLedger(options_.ledger_dir, &runs);
  if (!error.empty()) {
    Error(error);
    return false;
  }
  measure::MeasureOptions mo;
  mo.today = options_.today;
  mo.segment = compiled_->program().segments[static_cast<size_t>(k)].name;
  mo.views = &data_->views;
  measure::Measurement m;
  measure::Measure(compiled_->result.program, runs, mo, &m);
  Out(measure::MeasurementToText(m, options_.min_cell));
  return true;
}

bool Session::CmdExplain(const std::string& arg) {
  if (!NeedData()) return false;
  int k = FindSegmentOrReport(arg);
  if (k < 0) return false;
  auto t0 = std::chrono::steady_clock::now();
  const ir::Program& p = compiled_->program();
  const ir::Segment& seg = p.segments[k];
  const std::vector<Step> steps = SegmentSteps(p, static_cast<uint32_t>(k));
  Attrition tally(steps.size(), seg.channels.size());
  for (const auto& view : data_->views) {
    if (Cancelled()) return false;
    tally.Add(ExplainWithInterpreter(*compiled_->interp, static_cast<uint32_t>(k), view, Context()));
  }
  // Small-cell suppression over the whole table: each step splits the rows
  // that reach it into removed and remaining; the channels split the last.
  SuppressionTable t(options_.min_cell);
  const size_t records_cell = t.Add(tally.records);
  std::vector<size_t> removed_cell, remaining_cell, unknown_cell;
  size_t prev = records_cell;
  size_t members_cell = t.Add(tally.members);
  for (size_t i = 0; i < steps.size(); ++i) {
    removed_cell.push_back(t.Add(tally.steps[i].removed));
    remaining_cell.push_back(t.Add(tally.Remaining(i)));
    unknown_cell.push_back(t.Add(tally.steps[i].unknown));
    t.AddGroup({removed_cell.back(), remaining_cell.back()}, prev);
    prev = remaining_cell.back();
  }
  // The members are the rows left after the last `where` conjunct or `exclude`.
  for (size_t i = steps.size(); i-- > 0;) {
    if (steps[i].kind != StepKind::kWhere && steps[i].kind != StepKind::kExclude) continue;
    t.AddGroup({remaining_cell[i]}, members_cell);
    break;
  }
  std::vector<std::array<size_t, 4>> channel_cells;
  for (const ChannelCount& count : tally.channels) {
    channel_cells.push_back(
        {t.Add(count.listed), t.Add(count.no_consent), t.Add(count.condition_not_true), t.Add(count.capped)});
    t.AddGroup({channel_cells.back()[0], channel_cells.back()[1], channel_cells.back()[2], channel_cells.back()[3]}, prev);
  }
  t.Suppress();
  auto show = [&](size_t i) { return options_.min_cell > 0 ? t.Show(i) : Thousands(t.value(i)); };
  constexpr size_t kW = 52;
  std::string out = fmt::format("{}: {} records\n", seg.name, show(records_cell));
  out += fmt::format("  {:<{}} {:>10} {:>10}\n", "clause", kW, "removed", "remaining");
  auto members = [&] { out += fmt::format("  {:<{}} {:>10} {:>10}\n", "= members", kW, "", show(members_cell)); };
  if (steps.empty() || steps[0].kind != StepKind::kWhere)
    out += fmt::format("  {:<{}} {:>10} {:>10}\n", "(no where)", kW, "0", show(records_cell));
  bool members_shown = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    std::string label, unknown_word;
    switch (step.kind) {
      case StepKind::kWhere:
        label = (step.index == 0 ? "where " : "  and ") + ClauseText(*compiled_->result.sources, p.expr(step.expr).range);
        unknown_word = "of them unknown";
        break;
      case StepKind::kExclude:
        label = "exclude " + ClauseText(*compiled_->result.sources, p.expr(step.expr).range);
        unknown_word = "unknown, kept";
        break;
      case StepKind::kCampaign: label = fmt::format("campaign {}: earlier segments", p.campaigns[seg.campaign].name); break;
      case StepKind::kHoldout: label = fmt::format("holdout {}%", seg.holdout_bp / 100.0); break;
    }
    if (!members_shown && (step.kind == StepKind::kCampaign || step.kind == StepKind::kHoldout)) {
      members();
      members_shown = true;
    }
    out += fmt::format("  {:<{}} {:>10} {:>10}", Shorten(label, kW), kW, show(removed_cell[i]), show(remaining_cell[i]));
    if (tally.steps[i].unknown) out += fmt::format("   ({} {})", show(unknown_cell[i]), unknown_word);
    out += "\n";
  }
  if (!members_shown) members();
  for (size_t c = 0; c < seg.channels.size(); ++c) {
    const ir::Channel& ch = seg.channels[c];
    out += fmt::format("  channel {}#{}: listed {}, no consent {}, condition not TRUE {}", ch.name, ch.step,
                       show(channel_cells[c][0]), show(channel_cells[c][1]), show(channel_cells[c][2]));
    if (seg.campaign >= 0 && p.campaigns[seg.campaign].cap_messages)  // issue 12
      out += fmt::format(", capped {}", show(channel_cells[c][3]));
    out += "\n";
  }
  if (t.any_hidden())
    out += fmt::format("  (counts from 1 to {} are shown as <{}; * hides a count that would reveal one)\n",
                       options_.min_cell - 1, options_.min_cell);
  Out(out);
  Timer(SecondsSince(t0));
  return true;
}

bool Session::CmdWhy(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    Error("usage: .why KEY SEGMENT");
    return false;
  }
  if (!NeedData()) return false;
  int k = FindSegmentOrReport(args[1]);
  if (k < 0) return false;
  const ColumnId key_col = schema_->key_column();
  if (key_index_.empty()) {
    for (uint32_t b = 0; b < data_->views.size(); ++b) {
      const CohortColumn& keys = data_->views[b].columns[key_col];
      for (int64_t r = 0; r < data_->views[b].num_rows; ++r)
        key_index_.emplace(std::string(StringAt(keys, r)), std::make_pair(b, static_cast<uint32_t>(r)));
    }
  }
  auto it = key_index_.find(args[0]);
  if (it == key_index_.end()) {
    Error(fmt::format("no record has key `{}`", args[0]));
    return false;
  }
  const auto [b, r] = it->second;
  const ir::Program& p = compiled_->program();
  const ir::Segment& seg = p.segments[k];
  const SegmentExplanation e =
      ExplainWithInterpreter(*compiled_->interp, static_cast<uint32_t>(k), data_->views[b], Context());
  const RecordExplanation x = e.Record(r);
  std::string body;
  auto line = [&](const std::string& label, const std::string& value, const std::string& text) {
    body += fmt::format("  {:<9} {:<8} {}\n", label, value, text);
  };
  for (size_t i = 0; i < e.steps.size(); ++i) {
    const Step& step = e.steps[i];
    if (step.kind != StepKind::kWhere && step.kind != StepKind::kExclude) continue;
    const char* label = step.kind == StepKind::kExclude ? "exclude" : step.index == 0 ? "where" : "  and";
    line(label, TruthName(x.steps[i]), ClauseText(*compiled_->result.sources, p.expr(step.expr).range));
  }
  std::string verdict;
  switch (x.verdict) {
    case Verdict::kNotMember:
      verdict = x.where != Truth::kTrue ? fmt::format("not a member: `where` is {}", TruthName(x.where))
                                        : "not a member: an `exclude` is TRUE";
      break;
    case Verdict::kTaken:
      verdict = fmt::format("a member, taken by {} (earlier in campaign {}); on no channel list",
                            p.segments[x.taken_by].name, p.campaigns[seg.campaign].name);
      break;
    case Verdict::kHeldOut:
      verdict = fmt::format("a member, held out (holdout {}%: bucket {} < {}); on no channel list",
                            seg.holdout_bp / 100.0, x.holdout_bucket, seg.holdout_bp);
      break;
    case Verdict::kEligible:
      verdict = "a member";
      for (size_t c = 0; c < seg.channels.size(); ++c) {
        const ir::Channel& ch = seg.channels[c];
        const ChannelExplanationRow& cr = x.channels[c];
        std::string state;
        if (cr.outcome == ChannelOutcome::kNoConsent)
          state = fmt::format("not listed: `{}` is {}", schema_->columns[ch.consent_column].path,
                              cr.consent == Truth::kFalse ? "false" : "missing");
        else if (cr.outcome == ChannelOutcome::kConditionNotTrue)
          state = fmt::format("not listed: condition is {}", TruthName(cr.condition));
        else if (cr.outcome == ChannelOutcome::kCapped)
          state = fmt::format("not listed: frequency cap of campaign {} ({} messages per {} days)",
                              p.campaigns[seg.campaign].name, p.campaigns[seg.campaign].cap_messages,
                              p.campaigns[seg.campaign].cap_days);
        else
          state = fmt::format("listed, send on {}", FormatDate(cr.send_on));
        line("channel", fmt::format("{}#{}", ch.name, ch.step), state);
      }
      break;
  }
  Out(fmt::format("{} in {}: {}\n{}", args[0], seg.name, verdict, body));
  return true;
}

bool Session::CmdSample(const std::vector<std::string>& args) {
  if (args.empty()) {
    Error("usage: .sample SEGMENT [N] [FIELD,FIELD...]");
    return false;
  }
  if (!NeedData()) return false;
  int k = FindSegmentOrReport(args[0]);
  if (k < 0) return false;
  size_t next = 1;
  int64_t n = 10;
  if (args.size() > 1 && !args[1].empty() && std::all_of(args[1].begin(), args[1].end(), ::isdigit)) {
    n = std::stoll(args[1].substr(0, 9));
    if (n < 1 || n > 10000) {
      Error("N must be from 1 to 10000");
      return false;
    }
    next = 2;
  }
  std::string field_list;
  for (size_t i = next; i < args.size(); ++i) field_list += args[i];
  std::vector<ColumnId> cols;
  std::vector<std::string> all_paths;
  for (const auto& c : schema_->columns) all_paths.push_back(c.path);
  size_t pos = 0;
  while (!field_list.empty() && pos <= field_list.size()) {
    size_t comma = field_list.find(',', pos);
    std::string f = field_list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? field_list.size() + 1 : comma + 1;
    if (f.empty()) continue;
    ColumnId c = schema_->FindColumn(f);
    if (c == kNoColumn) {
      Error(fmt::format("unknown field `{}`{}", f, DidYouMean(f, all_paths)));
      return false;
    }
    const ColumnDef& def = schema_->columns[c];
    if (def.sensitive) {
      Error(fmt::format("`{}` is a sensitive field; `.sample` shows only non-sensitive fields", f));
      return false;
    }
    if (!def.type.is_scalar()) {
      Error(fmt::format("`{}` is a {}; `.sample` shows only single-valued fields", f, def.type.ToString()));
      return false;
    }
    cols.push_back(c);
  }
  // A stable pseudo-random choice: members ordered by a hash of their key,
  // so the same data gives the same sample on every engine and run.
  struct Pick {
    uint32_t bucket;
    std::string key;
    uint32_t batch;
    int64_t row;
  };
  std::vector<Pick> picks;
  int64_t members = 0;
  const Engine& engine = CurrentEngine();
  const ColumnId key_col = schema_->key_column();
  for (uint32_t b = 0; b < data_->views.size(); ++b) {
    if (Cancelled()) return false;
    const CohortBatchView view = EngineView(b);
    BatchResult res;
    engine.Evaluate(view, Context(), &res);
    const auto& member = res.segments[k].member;
    for (int64_t r = 0; r < view.num_rows; ++r) {
      if (!member[r]) continue;
      ++members;
      std::string_view key = StringAt(view.columns[key_col], r);
      picks.push_back({HoldoutBucket(key, "cohort-repl-sample"), std::string(key), b, r});
    }
  }
  size_t take = std::min<size_t>(picks.size(), static_cast<size_t>(n));
  std::partial_sort(picks.begin(), picks.begin() + take, picks.end(),
                    [](const Pick& a, const Pick& b) { return a.bucket != b.bucket ? a.bucket < b.bucket : a.key < b.key; });
  picks.resize(take);
  std::sort(picks.begin(), picks.end(), [](const Pick& a, const Pick& b) { return a.key < b.key; });
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> header = {schema_->key_field};
  for (ColumnId c : cols) header.push_back(schema_->columns[c].path);
  table.push_back(header);
  for (const Pick& pk : picks) {
    std::vector<std::string> row = {pk.key};
    for (ColumnId c : cols) row.push_back(FormatCell(data_->views[pk.batch].columns[c], schema_->columns[c], pk.row));
    table.push_back(row);
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : table)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : table) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += fmt::format("{:<{}}", row[i], i + 1 < row.size() ? width[i] + 2 : 0);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += fmt::format("({} of {} members)\n", Thousands(static_cast<int64_t>(take)), Thousands(members));
  Out(out);
  return true;
}

bool Session::CmdEngine(const std::string& arg) {
  if (arg.empty()) {
    Out(fmt::format("engine {}\n", engine_name_));
    return true;
  }
  if (arg != "interp" && arg != "jit") {
    Error(fmt::format("unknown engine `{}`; use `interp` or `jit`", arg));
    return false;
  }
  if (arg == "jit" && !HasJit()) {
    Error("this build has no JIT; the engine stays `interp`");
    return false;
  }
  engine_name_ = arg;
  engine_.reset();
  return true;
}

bool Session::CmdTimer(const std::string& arg) {
  if (arg == "on" || arg == "off") {
    timer_ = arg == "on";
    return true;
  }
  Error("usage: .timer on|off");
  return false;
}

bool Session::CmdToday(const std::string& arg) {
  if (arg.empty()) {
    Out(fmt::format("today is {}\n", FormatDate(options_.today)));
    return true;
  }
  auto d = ParseDate(arg);
  if (!d) {
    Error(fmt::format("`{}` is not a date; expected YYYY-MM-DD", arg));
    return false;
  }
  int32_t old = options_.today;
  options_.today = *d;
  if (!Recompile()) {
    options_.today = old;
    Recompile();
    Error("the date was not changed");
    return false;
  }
  return true;
}

bool Session::CmdSave(const std::string& arg) {
  std::string text = SaveText(arg);
  fs::path target(arg);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::random_device rd;
  fs::path tmp = dir / fmt::format(".{}.tmp-{}-{:08x}", target.filename().string(), ::getpid(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    Error(fmt::format("cannot write `{}`: {}", arg, std::strerror(errno)));
    return false;
  }
  size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(w);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  std::error_code ec;
  if (ok) fs::rename(tmp, target, ec);
  if (!ok || ec) {
    Error(fmt::format("cannot write `{}`: {}", arg, ec ? ec.message() : std::strerror(errno)));
    fs::remove(tmp, ec);
    return false;
  }
  Out(fmt::format("saved {} declaration{} to {}\n", chunks_.size(), chunks_.size() == 1 ? "" : "s", arg));
  return true;
}

}  // namespace cohort::repl
