// Segment clauses and the rules that protect patients: the consent guard of
// every channel, purposes and governance of sensitive fields, holdout ranges,
// exports. Consent is checked on the syntax (a top-level `and` conjunct), so
// the rule is easy to state and impossible to satisfy by accident.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "compiler/sema/checker_impl.h"

namespace cohort::sema {

namespace {

/// Top-level `and` conjuncts of a condition, through parentheses.
void Conjuncts(const ast::Expr& e, std::vector<const ast::Expr*>& out) {
  const ast::Expr& u = Unparen(e);
  if (u.kind == ast::ExprKind::kBinary && u.op == ast::Op::kAnd && u.args.size() == 2 && u.args[0] && u.args[1]) {
    Conjuncts(*u.args[0], out);
    Conjuncts(*u.args[1], out);
    return;
  }
  out.push_back(&e);
}

}  // namespace

void Checker::CheckSegment(uint32_t index) {
  SegmentInfo& info = segments_[index];
  const ast::Segment& s = *info.decl;
  ir::Segment& out = p_->segments[index];
  for (const ast::Named& d : s.duplicate_clauses) diags_.Emit(DiagKind::DuplicateClause, d.range, d.name, s.name);

  if (!s.where) {
    diags_.Emit(DiagKind::MissingWhere, s.name_range, s.name);
  } else {
    Ctx ctx;
    ctx.reads = &info.where;
    out.where = CheckCondition(*s.where, ctx, "the `where` clause").id;
  }
  info.excludes.resize(s.excludes.size());
  for (size_t i = 0; i < s.excludes.size(); ++i) {
    if (!s.excludes[i]) continue;
    Ctx ctx;
    ctx.reads = &info.excludes[i];
    out.excludes.push_back(CheckCondition(*s.excludes[i], ctx, "an `exclude` clause").id);
  }
  info.channels.resize(s.channels.size());
  for (size_t i = 0; i < s.channels.size(); ++i) CheckChannel(s.channels[i], out, info.channels[i]);

  if (s.message) out.message = s.message->name;
  if (s.cta) out.cta = s.cta->name;
  if (s.purpose) {
    const std::string& p = s.purpose->name;
    if (p == "marketing") out.purpose = ir::Purpose::kMarketing;
    else if (p == "operations") out.purpose = ir::Purpose::kOperations;
    else if (p == "treatment") out.purpose = ir::Purpose::kTreatment;
    else {
      auto& d = diags_.Emit(DiagKind::UnknownPurpose, s.purpose->range, p);
      std::string near = ClosestMatch(p, {"marketing", "operations", "treatment"});
      if (!near.empty()) d.fixits.push_back(FixIt{s.purpose->range, near, fmt::format("replace with `{}`", near)});
    }
  }
  if (s.holdout) {
    const ast::Expr& h = Unparen(*s.holdout);
    if (h.kind != ast::ExprKind::kPercentLit) {
      diags_.Emit(DiagKind::TypeMismatch, s.holdout->range, "holdout must be a percentage such as `10%`");
    } else {
      double v = h.decimal_value;
      double scaled = v * 100.0;
      bool two_decimals = std::fabs(scaled - std::round(scaled)) < 1e-6;
      if (!(v > 0 && v < 100) || !two_decimals || !std::isfinite(v)) {
        std::string text = Text(h.range);
        while (!text.empty() && (text.back() == '%' || text.back() == ' ')) text.pop_back();
        if (text.empty()) text = fmt::format("{}", v);
        diags_.Emit(DiagKind::HoldoutRange, h.range, text);
      } else {
        out.holdout_bp = static_cast<uint32_t>(std::llround(scaled));
      }
    }
  }
  CheckExports(s, out);
  CheckOutcomes(s, out);
}

void Checker::CheckChannel(const ast::ChannelClause& c, ir::Segment& out, Reads& reads) {
  const ChannelDef* def = schema_->FindChannel(c.name);
  if (!def) {
    std::vector<std::string> names;
    for (const ChannelDef& ch : schema_->channels) names.push_back(ch.name);
    auto& d = diags_.Emit(DiagKind::UnknownChannel, c.name_range, c.name, DidYouMean(c.name, names));
    std::string near = ClosestMatch(c.name, names);
    if (!near.empty()) d.fixits.push_back(FixIt{c.name_range, near, fmt::format("replace with `{}`", near)});
    return;
  }
  for (const ir::Channel& prev : out.channels) {
    if (prev.name == c.name) {
      auto& d = diags_.Emit(DiagKind::DuplicateChannel, c.name_range, c.name, out.name);
      d.notes.push_back(DiagNote{prev.range, fmt::format("channel `{}` is first used here", c.name)});
      return;
    }
  }
  ir::Channel ch;
  ch.name = c.name;
  ch.step = static_cast<uint32_t>(out.channels.size() + 1);
  ch.consent_column = def->consent_column;
  ch.range = c.range;
  if (c.after) {
    Ctx ctx;
    if (auto d = DurationOf(*c.after, ctx, "`after`")) {
      if (d->micros != 0)
        diags_.Emit(DiagKind::DurationOnDate, c.after->range, Text(c.after->range),
                    "`after` counts whole days; use days, weeks, months or years");
      ch.after = *d;
    }
  }
  if (!c.condition) {
    auto& d = diags_.Emit(DiagKind::MissingConsent, c.name_range, c.name, def->consent_path);
    SourceRange at{c.range.file, c.range.end, c.range.end};
    d.fixits.push_back(FixIt{at, " if consent", "add \"if consent\""});
  } else {
    Ctx ctx;
    ctx.channel = def;
    ctx.reads = &reads;
    Checked cond = CheckCondition(*c.condition, ctx, fmt::format("the condition of channel `{}`", c.name));
    ch.condition = cond.id;
    CheckConsentRule(c, *def);
  }
  out.channels.push_back(std::move(ch));
}

void Checker::CheckConsentRule(const ast::ChannelClause& c, const ChannelDef& def) {
  const ast::Expr& cond = *c.condition;
  std::string record = def.consent_path.substr(0, def.consent_path.find('.'));
  auto is_own = [&](const ast::Expr& raw) {
    const ast::Expr& x = Unparen(raw);
    if (x.kind == ast::ExprKind::kName && x.text == record && def.consent_path.find('.') != std::string::npos)
      return true;
    return PathOf(x) == def.consent_path;
  };
  auto other_channel = [&](const ast::Expr& raw) -> const ChannelDef* {
    std::string path = PathOf(Unparen(raw));
    if (path.empty()) return nullptr;
    for (const ChannelDef& ch : schema_->channels)
      if (ch.consent_path == path && ch.name != def.name) return &ch;
    return nullptr;
  };
  std::vector<const ast::Expr*> conj;
  Conjuncts(cond, conj);
  for (const ast::Expr* x : conj)
    if (is_own(*x)) return;
  for (const ast::Expr* x : conj) {
    if (const ChannelDef* other = other_channel(*x)) {
      auto& d = diags_.Emit(DiagKind::WrongChannelConsent, Unparen(*x).range, def.name, other->consent_path, "consent");
      d.message += fmt::format(" (or `{}`)", def.consent_path);
      d.fixits.push_back(FixIt{Unparen(*x).range, "consent", "use \"consent\""});
      return;
    }
  }
  // Consent somewhere deeper (under `or`, `not`, a comparison...) does not count.
  struct Hit {
    const ast::Expr* at = nullptr;
    std::string under;
  };
  std::function<bool(const ast::Expr&, const std::string&, Hit&)> find = [&](const ast::Expr& e, const std::string& under,
                                                                               Hit& hit) {
    if (is_own(e) && !under.empty()) {
      hit.at = &Unparen(e);
      hit.under = under;
      return true;
    }
    std::string here = under;
    if (here.empty()) {
      if (e.kind == ast::ExprKind::kBinary && e.op != ast::Op::kAnd) here = OpText(e.op);
      else if (e.kind == ast::ExprKind::kUnary) here = OpText(e.op);
      else if (e.kind == ast::ExprKind::kIsMissing) here = e.negated ? "is present" : "is missing";
      else if (e.kind == ast::ExprKind::kQuantifier || e.kind == ast::ExprKind::kCount) here = "a quantifier";
      else if (e.kind == ast::ExprKind::kCall) here = e.text;
      else if (e.kind == ast::ExprKind::kIn) here = e.negated ? "not in" : "in";
    }
    for (const auto& a : e.args)
      if (a && find(*a, here, hit)) return true;
    return false;
  };
  Hit hit;
  if (find(cond, "", hit)) {
    diags_.Emit(DiagKind::ConsentUnderOrNot, hit.at->range, def.name, hit.under);
    return;
  }
  auto& d = diags_.Emit(DiagKind::MissingConsent, cond.range, def.name, def.consent_path);
  const ast::Expr& u = Unparen(cond);
  bool has_or = u.kind == ast::ExprKind::kBinary && u.op == ast::Op::kOr && &u == &cond;
  if (has_or) {
    d.fixits.push_back(FixIt{cond.range, fmt::format("consent and ({})", Text(cond.range)), "add \"consent and\""});
  } else {
    d.fixits.push_back(FixIt{SourceRange{cond.range.file, cond.range.begin, cond.range.begin}, "consent and ",
                             "add \"consent and\""});
  }
}

void Checker::CheckExports(const ast::Segment& s, ir::Segment& out) {
  std::vector<std::string> paths;
  for (const ColumnDef& c : schema_->columns) paths.push_back(c.path);
  for (const ast::Named& n : s.exports) {
    ColumnId col = schema_->FindColumn(n.name);
    if (col == kNoColumn) {
      // A record field (`consent`) is a field but not a column.
      if (schema_->root && schema_->root->Find(n.name) >= 0) {
        const FieldDef& f = schema_->root->fields[static_cast<size_t>(schema_->root->Find(n.name))];
        diags_.Emit(DiagKind::ExportNotScalar, n.range, n.name, f.type.ToString());
      } else {
        diags_.Emit(DiagKind::UnknownField, n.range, n.name, schema_->name, DidYouMean(n.name, paths));
      }
      continue;
    }
    const ColumnDef& c = schema_->columns[col];
    if (c.sensitive) {
      diags_.Emit(DiagKind::ExportSensitive, n.range, n.name);
      continue;
    }
    if (!c.type.is_scalar()) {
      diags_.Emit(DiagKind::ExportNotScalar, n.range, n.name, c.type.ToString());
      continue;
    }
    if (std::find(out.exports.begin(), out.exports.end(), col) == out.exports.end()) out.exports.push_back(col);
  }
}

// ---------------------------------------------------------------------------
// Governance: marketing segments never read sensitive fields, however
// indirectly (defines, other segments' membership).
// ---------------------------------------------------------------------------

std::optional<SensitivePath> Checker::FindSensitive(const Reads& reads) {
  if (!reads.sensitive.empty()) {
    SensitivePath p;
    p.field = reads.sensitive.front().path;
    p.range = reads.sensitive.front().range;
    return p;
  }
  for (const auto& [idx, range] : reads.defines) {
    auto sub = DefineSensitive(idx);
    if (!sub) continue;
    SensitivePath p;
    std::string name = defines_[idx].decl->name;
    p.hops.push_back(fmt::format("define `{}`", name));
    p.hops.insert(p.hops.end(), sub->hops.begin(), sub->hops.end());
    p.field = sub->field;
    p.range = range;
    std::string next = sub->hops.empty() ? fmt::format("field `{}`", sub->field) : sub->hops.front();
    p.notes.push_back(DiagNote{sub->range, fmt::format("define `{}` reads {} here", name, next)});
    p.notes.insert(p.notes.end(), sub->notes.begin(), sub->notes.end());
    return p;
  }
  for (const auto& [idx, range] : reads.segments) {
    auto sub = SegmentSensitive(idx);
    if (!sub) continue;
    SensitivePath p;
    std::string name = segments_[idx].decl->name;
    p.hops.push_back(fmt::format("segment `{}`", name));
    p.hops.insert(p.hops.end(), sub->hops.begin(), sub->hops.end());
    p.field = sub->field;
    p.range = range;
    std::string next = sub->hops.empty() ? fmt::format("field `{}`", sub->field) : sub->hops.front();
    p.notes.push_back(DiagNote{sub->range, fmt::format("segment `{}` reads {} here", name, next)});
    p.notes.insert(p.notes.end(), sub->notes.begin(), sub->notes.end());
    return p;
  }
  return std::nullopt;
}

std::optional<SensitivePath> Checker::DefineSensitive(uint32_t define) {
  if (define_sens_state_[define] == 2) return define_sens_[define];
  if (define_sens_state_[define] == 1) return std::nullopt;  // a cycle, already reported
  define_sens_state_[define] = 1;
  auto r = FindSensitive(defines_[define].reads);
  define_sens_state_[define] = 2;
  define_sens_[define] = r;
  return r;
}

std::optional<SensitivePath> Checker::SegmentSensitive(uint32_t segment) {
  if (segment_sens_state_[segment] == 2) return segment_sens_[segment];
  if (segment_sens_state_[segment] == 1) return std::nullopt;
  segment_sens_state_[segment] = 1;
  // Membership is the `where` and the `exclude`s: that is what `in segment` reads.
  auto r = FindSensitive(segments_[segment].where);
  for (size_t i = 0; !r && i < segments_[segment].excludes.size(); ++i) r = FindSensitive(segments_[segment].excludes[i]);
  segment_sens_state_[segment] = 2;
  segment_sens_[segment] = r;
  return r;
}

void Checker::CheckGovernance() {
  define_sens_state_.assign(defines_.size(), 0);
  define_sens_.assign(defines_.size(), std::nullopt);
  segment_sens_state_.assign(segments_.size(), 0);
  segment_sens_.assign(segments_.size(), std::nullopt);
  for (uint32_t i = 0; i < segments_.size(); ++i) {
    const ir::Segment& seg = p_->segments[i];
    if (seg.purpose != ir::Purpose::kMarketing) continue;
    const SegmentInfo& info = segments_[i];
    std::optional<SensitivePath> found;
    std::string clause;
    if ((found = FindSensitive(info.where))) clause = "the `where` clause";
    for (size_t k = 0; !found && k < info.excludes.size(); ++k)
      if ((found = FindSensitive(info.excludes[k]))) clause = "an `exclude` clause";
    for (size_t k = 0; !found && k < info.channels.size(); ++k)
      if ((found = FindSensitive(info.channels[k])))
        clause = fmt::format("the condition of channel `{}`", info.decl->channels[k].name);
    if (!found) continue;
    std::string path = found->hops.empty()
                           ? clause
                           : fmt::format("{} -> field `{}`", fmt::join(found->hops, " -> "), found->field);
    auto& d = diags_.Emit(DiagKind::SensitiveInMarketing, found->range, seg.name, found->field, path);
    d.notes = found->notes;
    if (info.decl->purpose)
      d.notes.push_back(DiagNote{info.decl->purpose->range, "the purpose is declared here"});
  }
}

}  // namespace cohort::sema
