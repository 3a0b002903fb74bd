#include "compiler/sema/lints.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "core/conjuncts.h"

namespace cohort {

namespace {

using ir::Conjuncts;

bool ContainsAll(const ir::Program& p, const std::vector<ir::ExprId>& big, const std::vector<ir::ExprId>& small) {
  for (ir::ExprId s : small) {
    bool found = false;
    for (ir::ExprId b : big) found = found || SameExpr(p, s, b);
    if (!found) return false;
  }
  return true;
}

/// The conjuncts of a condition with `define` references expanded (a define
/// that is a conjunction contributes its conjuncts), for W0006's reasoning.
void ExpandedConjuncts(const ir::Program& p, ir::ExprId id, std::vector<ir::ExprId>* out, int depth = 0) {
  const ir::Expr& e = p.expr(id);
  if (e.kind == ir::ExprKind::kAnd) {
    for (ir::ExprId a : e.args) ExpandedConjuncts(p, a, out, depth);
  } else if (e.kind == ir::ExprKind::kDefineRef && e.index < p.defines.size() && depth < 32) {
    ExpandedConjuncts(p, p.defines[e.index].body, out, depth + 1);
  } else {
    out->push_back(id);
  }
}

/// `column OP number` (int, decimal or date literal), either way round.
struct Bound {
  ColumnId column = 0;
  ir::CmpOp op = ir::CmpOp::kEq;
  long double value = 0;
};

bool NumericBound(const ir::Program& p, ir::ExprId id, Bound* out) {
  const ir::Expr& e = p.expr(id);
  if (e.kind != ir::ExprKind::kCompare || e.args.size() != 2 || e.cmp == ir::CmpOp::kNe) return false;
  const ir::Expr* col = &p.expr(e.args[0]);
  const ir::Expr* lit = &p.expr(e.args[1]);
  ir::CmpOp op = e.cmp;
  if (col->kind == ir::ExprKind::kLiteral && lit->kind == ir::ExprKind::kColumn) {
    std::swap(col, lit);
    // `5 < x` is `x > 5`.
    op = op == ir::CmpOp::kLt ? ir::CmpOp::kGt : op == ir::CmpOp::kLe ? ir::CmpOp::kGe
       : op == ir::CmpOp::kGt ? ir::CmpOp::kLt : op == ir::CmpOp::kGe ? ir::CmpOp::kLe : op;
  }
  if (col->kind != ir::ExprKind::kColumn || col->level != 0 || lit->kind != ir::ExprKind::kLiteral || lit->literal.is_null)
    return false;
  const ir::Value& v = lit->literal;
  if (v.kind == TypeKind::kInt || v.kind == TypeKind::kDate) out->value = static_cast<long double>(v.i);
  else if (v.kind == TypeKind::kDecimal) out->value = v.d;
  else return false;
  out->column = col->column;
  out->op = op;
  return true;
}

/// Can no number satisfy both bounds (same column)?
bool BoundsContradict(const Bound& a, const Bound& b) {
  // Each bound as an interval [lo, hi] with open/closed ends.
  struct Iv {
    long double lo = -INFINITY, hi = INFINITY;
    bool lo_open = false, hi_open = false;
  };
  auto iv = [](const Bound& x) {
    Iv r;
    switch (x.op) {
      case ir::CmpOp::kEq: r.lo = r.hi = x.value; break;
      case ir::CmpOp::kLt: r.hi = x.value, r.hi_open = true; break;
      case ir::CmpOp::kLe: r.hi = x.value; break;
      case ir::CmpOp::kGt: r.lo = x.value, r.lo_open = true; break;
      case ir::CmpOp::kGe: r.lo = x.value; break;
      case ir::CmpOp::kNe: break;
    }
    return r;
  };
  Iv x = iv(a), y = iv(b);
  long double lo = std::max(x.lo, y.lo), hi = std::min(x.hi, y.hi);
  bool lo_open = (x.lo == lo && x.lo_open) || (y.lo == lo && y.lo_open);
  bool hi_open = (x.hi == hi && x.hi_open) || (y.hi == hi && y.hi_open);
  return lo > hi || (lo == hi && (lo_open || hi_open));
}

/// `column == literal`, either way round: the column and the literal.
bool ColumnEquals(const ir::Program& p, ir::ExprId id, ColumnId* col, const ir::Value** lit) {
  const ir::Expr& e = p.expr(id);
  if (e.kind != ir::ExprKind::kCompare || e.cmp != ir::CmpOp::kEq || e.args.size() != 2) return false;
  const ir::Expr& a = p.expr(e.args[0]);
  const ir::Expr& b = p.expr(e.args[1]);
  if (a.kind == ir::ExprKind::kColumn && b.kind == ir::ExprKind::kLiteral) {
    *col = a.column, *lit = &b.literal;
    return true;
  }
  if (b.kind == ir::ExprKind::kColumn && a.kind == ir::ExprKind::kLiteral) {
    *col = b.column, *lit = &a.literal;
    return true;
  }
  return false;
}

/// Can conjuncts `a` and `b` never both be TRUE for one record? Recognises
/// `x == v1` / `x == v2` (v1 != v2), `x == v` / `x in [..]` without v, `x == v`
/// / `x != v`, `c` / `not c`, and `in segment S` / `not in segment S`.
bool Contradict(const ir::Program& p, ir::ExprId a, ir::ExprId b) {
  const ir::Expr& ea = p.expr(a);
  const ir::Expr& eb = p.expr(b);
  if (ea.kind == ir::ExprKind::kNot && SameExpr(p, ea.args[0], b)) return true;
  if (eb.kind == ir::ExprKind::kNot && SameExpr(p, eb.args[0], a)) return true;
  ColumnId ca = 0, cb = 0;
  const ir::Value *va = nullptr, *vb = nullptr;
  bool eq_a = ColumnEquals(p, a, &ca, &va), eq_b = ColumnEquals(p, b, &cb, &vb);
  if (eq_a && eq_b && ca == cb && !va->is_null && !vb->is_null && !(*va == *vb)) return true;
  auto eq_vs_other = [&](ColumnId c, const ir::Value* v, const ir::Expr& o) {
    if (o.args.empty()) return false;
    const ir::Expr& col = p.expr(o.args[0]);
    if (col.kind != ir::ExprKind::kColumn || col.column != c) return false;
    if (o.kind == ir::ExprKind::kInList) {
      bool has = std::find(o.list.begin(), o.list.end(), *v) != o.list.end();
      return o.negated ? has : !has;
    }
    if (o.kind == ir::ExprKind::kCompare && o.cmp == ir::CmpOp::kNe && o.args.size() == 2) {
      const ir::Expr& lit = p.expr(o.args[1]);
      return lit.kind == ir::ExprKind::kLiteral && lit.literal == *v;
    }
    return false;
  };
  if (eq_a && eq_vs_other(ca, va, eb)) return true;
  if (eq_b && eq_vs_other(cb, vb, ea)) return true;
  Bound ba, bb;
  if (NumericBound(p, a, &ba) && NumericBound(p, b, &bb) && ba.column == bb.column && BoundsContradict(ba, bb))
    return true;
  return false;
}

/// Does every member of `s` fail (or never reach) segment `t` because one of
/// t's `exclude` clauses is TRUE whenever s's `where` is? Sound: an exclude
/// whose conjuncts are all conjuncts of s's `where` is TRUE for every member of s.
bool WhereMeetsExclude(const ir::Program& p, const ir::Segment& s, const ir::Segment& t) {
  std::vector<ir::ExprId> where;
  ExpandedConjuncts(p, s.where, &where);
  for (ir::ExprId x : t.excludes) {
    std::vector<ir::ExprId> ex;
    ExpandedConjuncts(p, x, &ex);
    if (ContainsAll(p, where, ex)) return true;
  }
  return false;
}

/// Is `id` TRUE whenever the record is a member of segment `other`? (`in
/// segment other`, or an `or` with it as one of the alternatives.)
bool ImpliedByMembership(const ir::Program& p, ir::ExprId id, uint32_t other) {
  const ir::Expr& e = p.expr(id);
  if (e.kind == ir::ExprKind::kSegmentRef) return e.index == other;
  if (e.kind == ir::ExprKind::kOr) {
    for (ir::ExprId a : e.args)
      if (ImpliedByMembership(p, a, other)) return true;
  }
  return false;
}

/// Is `where(x)` known never TRUE together with membership of segment `other`?
bool ExcludesSegment(const ir::Program& p, const ir::Segment& s, uint32_t other) {
  for (ir::ExprId x : s.excludes) {
    if (ImpliedByMembership(p, x, other)) return true;
  }
  std::vector<ir::ExprId> cs;
  Conjuncts(p, s.where, &cs);
  for (ir::ExprId c : cs) {
    const ir::Expr& e = p.expr(c);
    if (e.kind == ir::ExprKind::kNot && p.expr(e.args[0]).kind == ir::ExprKind::kSegmentRef &&
        p.expr(e.args[0]).index == other) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool SameExpr(const ir::Program& p, ir::ExprId a, ir::ExprId b) {
  if (a == b) return true;
  if (a == ir::kNoExpr || b == ir::kNoExpr) return false;
  const ir::Expr& x = p.expr(a);
  const ir::Expr& y = p.expr(b);
  if (x.kind != y.kind || x.type.kind != y.type.kind || x.cmp != y.cmp || x.arith != y.arith || x.quant != y.quant ||
      x.negated != y.negated || x.sign != y.sign || x.column != y.column || x.index != y.index ||
      !(x.literal == y.literal) || !(x.list == y.list) || x.args.size() != y.args.size() || x.level != y.level) {
    return false;
  }
  for (size_t i = 0; i < x.args.size(); ++i) {
    if (!SameExpr(p, x.args[i], y.args[i])) return false;
  }
  return true;
}

void RunStrictLints(const ast::Module& module, const ir::Program& p, DiagnosticBag& diags) {
  auto name_range = [&](const std::string& name) {
    for (const ast::Segment& s : module.segments) {
      if (s.name == name) return s.name_range;
    }
    return SourceRange{};
  };

  // W0003: a segment with no channel, no campaign, and no `in segment` user produces nothing.
  std::set<uint32_t> referenced;
  for (const ir::Segment& s : p.segments) referenced.insert(s.depends_on.begin(), s.depends_on.end());
  for (const ir::Define& d : p.defines) {
    std::function<void(ir::ExprId)> walk = [&](ir::ExprId id) {
      const ir::Expr& e = p.expr(id);
      if (e.kind == ir::ExprKind::kSegmentRef) referenced.insert(e.index);
      for (ir::ExprId a : e.args) walk(a);
    };
    walk(d.body);
  }
  for (uint32_t s = 0; s < p.segments.size(); ++s) {
    const ir::Segment& seg = p.segments[s];
    if (seg.channels.empty() && seg.campaign < 0 && !referenced.count(s)) {
      diags.Emit(DiagKind::UnusedSegment, name_range(seg.name), seg.name);
    }
  }

  // W0005: conjunct-superset `where` and subset excludes imply membership of the earlier segment.
  for (const ir::Campaign& c : p.campaigns) {
    for (size_t j = 1; j < c.segments.size(); ++j) {
      const ir::Segment& later = p.segments[c.segments[j]];
      std::vector<ir::ExprId> lw;
      Conjuncts(p, later.where, &lw);
      for (size_t i = 0; i < j; ++i) {
        const ir::Segment& earlier = p.segments[c.segments[i]];
        std::vector<ir::ExprId> ew;
        Conjuncts(p, earlier.where, &ew);
        if (!ContainsAll(p, lw, ew) || !ContainsAll(p, later.excludes, earlier.excludes)) continue;
        std::string how = ew.size() == lw.size() ? "; their `where` clauses are the same"
                                                 : "; its `where` has every condition of the earlier one";
        diags.Emit(DiagKind::SwallowedSegment, name_range(later.name), later.name, earlier.name, c.name, how);
        break;
      }
    }
  }

  // W0006: different ctas outside one campaign, unless the `where` clauses provably exclude each other.
  for (uint32_t a = 0; a < p.segments.size(); ++a) {
    for (uint32_t b = a + 1; b < p.segments.size(); ++b) {
      const ir::Segment& sa = p.segments[a];
      const ir::Segment& sb = p.segments[b];
      if (sa.cta.empty() || sb.cta.empty() || sa.cta == sb.cta) continue;
      if (sa.campaign >= 0 && sa.campaign == sb.campaign) continue;
      if (sa.channels.empty() || sb.channels.empty()) continue;
      // A treatment message is about the patient's own care: it is sent
      // whatever other outreach says, and putting it behind outreach in a
      // campaign would drop it. W0006 compares outreach segments only.
      if (sa.purpose == ir::Purpose::kTreatment || sb.purpose == ir::Purpose::kTreatment) continue;
      if (ExcludesSegment(p, sa, b) || ExcludesSegment(p, sb, a)) continue;
      if (WhereMeetsExclude(p, sa, sb) || WhereMeetsExclude(p, sb, sa)) continue;
      std::vector<ir::ExprId> ca, cb;
      ExpandedConjuncts(p, sa.where, &ca);
      ExpandedConjuncts(p, sb.where, &cb);
      bool disjoint = false;
      for (ir::ExprId x : ca) {
        for (ir::ExprId y : cb) disjoint = disjoint || Contradict(p, x, y);
      }
      if (disjoint) continue;
      diags.Emit(DiagKind::ConflictingCta, name_range(sb.name), sa.name, sb.name, sa.cta, sb.cta,
                 "; put them in one campaign, or add `exclude in segment " + sa.name + "` to `" + sb.name + "`");
    }
  }

  // W0007.
  for (const ir::Segment& seg : p.segments) {
    if (seg.holdout_bp > 0 && seg.message.empty() && (seg.variants.empty() || seg.variants[0].message.empty())) diags.Emit(DiagKind::HoldoutWithoutMessage, name_range(seg.name), seg.name);
  }

  // W0008: optional top-level fields compared where a missing value changes
  // the outcome. In a positive position (under `and`, `or`, an even number of
  // `not`s, and in a quantifier's body) an unknown comparison acts as FALSE: the clause
  // reads "a missing value does not match", which is what it says. Under a
  // `not`, or in `!=` / `not in`, the reader expects TRUE for a missing value
  // and gets unknown: that is what W0008 reports (unless `is missing` or
  // `coalesce` handles the field somewhere in the segment). Positions whose
  // polarity is not known (inside a call, a `count`, an arithmetic operand)
  // count as hazards, so the lint stays sound.
  for (const ir::Segment& seg : p.segments) {
    std::map<ColumnId, SourceRange> compared;
    std::set<ColumnId> handled;
    std::set<std::pair<uint32_t, int>> seen_defines;
    enum Pol { kPos, kNeg, kUnknownPol };
    // mode: 0 plain, 1 compared (hazard), 2 handled, 3 compared in a positive position.
    std::function<void(ir::ExprId, int, Pol)> walk = [&](ir::ExprId id, int mode, Pol pol) {
      const ir::Expr& e = p.expr(id);
      int m = mode;
      if (e.kind == ir::ExprKind::kIsMissing || e.kind == ir::ExprKind::kCoalesce) {
        m = 2;
      } else if (mode != 2 && mode != 1 && (e.kind == ir::ExprKind::kCompare || e.kind == ir::ExprKind::kInList)) {
        bool inverted = e.kind == ir::ExprKind::kCompare ? e.cmp == ir::CmpOp::kNe : e.negated;
        bool positive = (pol == kPos && !inverted) || (pol == kNeg && inverted);
        m = positive ? 3 : 1;
      }
      if (e.kind == ir::ExprKind::kColumn && e.column < p.schema->columns.size() && p.schema->columns[e.column].optional &&
          e.level == 0) {
        if (m == 2) handled.insert(e.column);
        else if (m == 1 && !compared.count(e.column)) compared[e.column] = e.range;
      }
      if (e.kind == ir::ExprKind::kDefineRef && e.index < p.defines.size() &&
          seen_defines.insert({e.index, m * 3 + static_cast<int>(pol)}).second) {
        walk(p.defines[e.index].body, m, pol);
      }
      Pol child = kUnknownPol;
      if (e.kind == ir::ExprKind::kAnd || e.kind == ir::ExprKind::kOr) child = pol;
      if (e.kind == ir::ExprKind::kNot) child = pol == kPos ? kNeg : pol == kNeg ? kPos : kUnknownPol;
      for (size_t i = 0; i < e.args.size(); ++i) {
        Pol c = child;
        // A quantifier is two-valued: an unknown body counts as not TRUE, as
        // FALSE would, so its body is a positive position of its own.
        if (e.kind == ir::ExprKind::kQuantifier) c = kPos;
        walk(e.args[i], m, c);
      }
    };
    walk(seg.where, 0, kPos);
    for (ir::ExprId x : seg.excludes) walk(x, 0, kPos);
    for (const auto& [col, range] : compared) {
      if (handled.count(col)) continue;
      const std::string& path = p.schema->columns[col].path;
      bool in_where = false;
      {
        std::function<bool(ir::ExprId)> has = [&](ir::ExprId id) {
          const ir::Expr& e = p.expr(id);
          if (e.kind == ir::ExprKind::kColumn && e.column == col) return true;
          if (e.kind == ir::ExprKind::kDefineRef && e.index < p.defines.size() && has(p.defines[e.index].body)) return true;
          for (ir::ExprId a : e.args) {
            if (has(a)) return true;
          }
          return false;
        };
        in_where = has(seg.where);
      }
      diags.Emit(DiagKind::OptionalOnlyCompared, range.valid() ? range : name_range(seg.name), seg.name, path,
                 in_where ? "the record is left out" : "the record is not excluded",
                 fmt::format("; if that is intended, say so with `{} is present and ...` or `coalesce({}, ...)`", path, path));
    }
  }
}

}  // namespace cohort
