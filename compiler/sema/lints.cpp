#include "compiler/sema/lints.h"

#include <fmt/format.h>

#include <algorithm>
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
  ColumnId ca, cb;
  const ir::Value *va, *vb;
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
  return false;
}

/// Is `where(x)` known never TRUE together with membership of segment `other`?
bool ExcludesSegment(const ir::Program& p, const ir::Segment& s, uint32_t other) {
  for (ir::ExprId x : s.excludes) {
    const ir::Expr& e = p.expr(x);
    if (e.kind == ir::ExprKind::kSegmentRef && e.index == other) return true;
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
      if (ExcludesSegment(p, sa, b) || ExcludesSegment(p, sb, a)) continue;
      std::vector<ir::ExprId> ca, cb;
      Conjuncts(p, sa.where, &ca);
      Conjuncts(p, sb.where, &cb);
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
    if (seg.holdout_bp > 0 && seg.message.empty()) diags.Emit(DiagKind::HoldoutWithoutMessage, name_range(seg.name), seg.name);
  }

  // W0008: optional top-level fields read under comparisons but never under `is missing`/`coalesce`.
  for (const ir::Segment& seg : p.segments) {
    std::map<ColumnId, SourceRange> compared;
    std::set<ColumnId> handled;
    std::set<uint32_t> seen_defines;
    std::function<void(ir::ExprId, int)> walk = [&](ir::ExprId id, int mode) {  // 0 plain, 1 compared, 2 handled
      const ir::Expr& e = p.expr(id);
      int m = mode;
      if (e.kind == ir::ExprKind::kIsMissing || e.kind == ir::ExprKind::kCoalesce) m = 2;
      else if (mode != 2 && (e.kind == ir::ExprKind::kCompare || e.kind == ir::ExprKind::kInList)) m = 1;
      if (e.kind == ir::ExprKind::kColumn && e.column < p.schema->columns.size() && p.schema->columns[e.column].optional &&
          e.level == 0) {
        if (m == 2) handled.insert(e.column);
        else if (m == 1 && !compared.count(e.column)) compared[e.column] = e.range;
      }
      if (e.kind == ir::ExprKind::kDefineRef && e.index < p.defines.size() && seen_defines.insert(e.index).second) {
        walk(p.defines[e.index].body, m);
      }
      for (ir::ExprId a : e.args) walk(a, m);
    };
    walk(seg.where, 0);
    for (ir::ExprId x : seg.excludes) walk(x, 0);
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
