// Outcomes (issue 12): `variant` shares and `goal` clauses of a segment.
// Variants must be uniquely named with shares adding up to 100 %; a goal
// becomes a row-level `any` over the schema's event list whose body is the
// condition (the interpreter evaluates it per event, runtime/measure/outcome)
// plus the event's `at` field, read in the same element frame.
#include <fmt/format.h>

#include <cmath>

#include "compiler/sema/checker_impl.h"

namespace cohort::sema {

namespace {

/// Basis points of a percentage literal in (0, 100] with at most two
/// decimals, or nullopt.
std::optional<uint32_t> ShareBp(const ast::Expr& e) {
  if (e.kind != ast::ExprKind::kPercentLit) return std::nullopt;
  const double v = e.decimal_value, scaled = v * 100.0;
  if (!std::isfinite(v) || !(v > 0 && v <= 100) || std::fabs(scaled - std::round(scaled)) > 1e-6) return std::nullopt;
  return static_cast<uint32_t>(std::llround(scaled));
}

/// The level-1 node reading timestamp field `at` of the current element.
ir::Expr AtField(const RecordDef& rec, int at, SourceRange range) {
  ir::Expr x;
  x.kind = ir::ExprKind::kVarField;
  x.index = static_cast<uint32_t>(at);
  x.type = Type::Timestamp();
  x.nullable = rec.fields[at].optional;
  x.level = 1;
  x.range = range;
  return x;
}

/// The index of a field of `rec` with the given name and type kind, or -1.
int FieldOf(const RecordDef& rec, const char* name, TypeKind kind) {
  int f = rec.Find(name);
  return f >= 0 && rec.fields[f].type.kind == kind ? f : -1;
}

}  // namespace

void Checker::CheckOutcomes(const ast::Segment& s, ir::Segment& out) {
  CheckVariants(s, out);
  for (const ast::GoalClause& g : s.goals) CheckGoal(g, out);
}

void Checker::CheckVariants(const ast::Segment& s, ir::Segment& out) {
  if (s.variants.empty()) return;
  uint32_t total = 0;
  bool all_valid = true;
  for (const ast::VariantClause& v : s.variants) {
    bool duplicate = false;
    for (const ir::Variant& prev : out.variants) {
      if (prev.name != v.name) continue;
      auto& d = diags_.Emit(DiagKind::DuplicateDeclaration, v.name_range, "variant", v.name);
      d.notes.push_back(DiagNote{prev.range, fmt::format("variant `{}` is first declared here", v.name)});
      duplicate = true;
    }
    std::optional<uint32_t> bp = v.share ? ShareBp(Unparen(*v.share)) : std::nullopt;
    if (!bp) {
      all_valid = false;
      if (v.share && v.share->kind != ast::ExprKind::kError)
        diags_.Emit(DiagKind::TypeMismatch, v.share->range,
                    "a variant's share must be a percentage above 0% and at most 100%, such as `50%`");
      continue;
    }
    total += *bp;
    if (duplicate) continue;
    ir::Variant iv;
    iv.name = v.name;
    iv.share_bp = *bp;
    iv.message = v.message ? v.message->name : out.message;
    iv.cta = v.cta ? v.cta->name : out.cta;
    iv.range = v.name_range;
    out.variants.push_back(std::move(iv));
  }
  if (all_valid && total != 10000) {
    SourceRange r = s.variants.back().range;
    std::string pct = total % 100 ? fmt::format("{:.2f}", total / 100.0) : std::to_string(total / 100);
    diags_.Emit(DiagKind::VariantShares, r, s.name, pct);
  }
  if (!all_valid || total != 10000) out.variants.clear();  // never half a split
}

void Checker::CheckGoal(const ast::GoalClause& g, ir::Segment& out) {
  ir::Goal goal;
  goal.range = g.range;
  bool ok = true;
  if (g.within) {
    Ctx ctx;
    if (auto d = DurationOf(*g.within, ctx, "a goal's `within`")) {
      if (d->months != 0 || d->micros != 0 || d->days < 0) {
        diags_.Emit(DiagKind::TypeMismatch, g.within->range,
                    fmt::format("a goal's window counts whole days; use days or weeks, not `{}`", Text(g.within->range)));
        ok = false;
      }
      goal.days = d->days;
    } else {
      ok = false;
    }
  }
  if (g.quantifier) {
    // The general form: `any e in LIST where COND`, checked like any quantifier.
    Reads reads;
    Ctx ctx;
    ctx.reads = &reads;
    Checked q = CheckQuantifier(*g.quantifier, ctx);
    if (!q.ok()) return;
    const ir::Expr& node = p_->exprs[q.id];
    const ColumnDef& col = schema_->columns[node.column];
    int at = col.type.kind == TypeKind::kList && col.type.record_def ? FieldOf(*col.type.record_def, "at", TypeKind::kTimestamp) : -1;
    if (at < 0) {
      diags_.Emit(DiagKind::GoalWithoutEvents, g.quantifier->args[0]->range, "a list of events with a timestamp `at`",
                  fmt::format("`{}` has no such field", col.path));
      return;
    }
    goal.events = node.column;
    goal.quantifier = q.id;
    // The text as written, on one line (the formatter may wrap it).
    for (char c : Text(g.quantifier->range)) {
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (!space) goal.name.push_back(c);
      else if (!goal.name.empty() && goal.name.back() != ' ') goal.name.push_back(' ');
    }
    goal.at = Add(AtField(*col.type.record_def, at, g.range));
  } else {
    // The simple form: an event kind of the schema's event list (the first
    // list whose records have an enum `kind` and a timestamp `at`).
    ColumnId events = kNoColumn;
    int kind_field = -1, at = -1;
    for (ColumnId c = 0; c < schema_->columns.size() && events == kNoColumn; ++c) {
      const ColumnDef& col = schema_->columns[c];
      if (col.type.kind != TypeKind::kList || !col.type.record_def) continue;
      kind_field = FieldOf(*col.type.record_def, "kind", TypeKind::kEnum);
      at = FieldOf(*col.type.record_def, "at", TypeKind::kTimestamp);
      if (kind_field >= 0 && at >= 0) events = c;
    }
    if (events == kNoColumn) {
      diags_.Emit(DiagKind::GoalWithoutEvents, g.kind.range, "a list of events with an enum `kind` and a timestamp `at`",
                  "the schema has none");
      return;
    }
    const ColumnDef& col = schema_->columns[events];
    const FieldDef& kf = col.type.record_def->fields[kind_field];
    Checked label = ResolveLabel(g.kind.name, g.kind.range, kf.type, col.path + ".kind");
    if (!label.ok() || !ok) return;
    ir::Expr k;
    k.kind = ir::ExprKind::kVarField;
    k.index = static_cast<uint32_t>(kind_field);
    k.type = kf.type;
    k.nullable = kf.optional;
    k.level = 1;
    k.range = g.kind.range;
    Checked kc;
    kc.type = kf.type;
    kc.nullable = kf.optional;
    kc.level = 1;
    kc.id = Add(std::move(k));
    Checked body = Make(ir::ExprKind::kCompare, Type::Bool(), kf.optional, {kc, label}, g.kind.range);
    p_->exprs[body.id].cmp = ir::CmpOp::kEq;
    Checked q = Make(ir::ExprKind::kQuantifier, Type::Bool(), false, {body}, g.range);
    p_->exprs[q.id].quant = ir::Quant::kAny;
    p_->exprs[q.id].column = events;
    p_->exprs[q.id].level = 0;
    goal.events = events;
    goal.quantifier = q.id;
    goal.name = g.kind.name;
    goal.at = Add(AtField(*col.type.record_def, at, g.range));
  }
  if (ok) out.goals.push_back(std::move(goal));
}

}  // namespace cohort::sema
