// Finds dictionary predicates (dict_plan.h).
#include "runtime/dict_plan.h"

namespace cohort {

namespace {

/// Result of the analysis of one subtree.
struct SourceOf {
  bool ok = false;                 ///< only allowed nodes, at most one source
  ir::ExprId leaf = ir::kNoExpr;   ///< the source leaf (kNoExpr: constant)
};

bool IsStringSource(const ir::Expr& e) {
  if (e.type.kind != TypeKind::kString) return false;
  return e.kind == ir::ExprKind::kColumn || e.kind == ir::ExprKind::kVarItem || e.kind == ir::ExprKind::kVarField;
}

/// Same source: the same column / the same element item or field.
bool SameSource(const ir::Expr& a, const ir::Expr& b) {
  return a.kind == b.kind && a.column == b.column && a.index == b.index && a.level == b.level;
}

/// Analyzes node `id` from its arguments' results in `memo`. Arguments are
/// built before their parents (smaller ids); any other shape is conservatively
/// not a predicate, which also keeps this free of recursion on deep trees.
SourceOf Analyze(const ir::Program& p, ir::ExprId id, const std::vector<SourceOf>& memo) {
  const ir::Expr& e = p.exprs[id];
  SourceOf r;
  using K = ir::ExprKind;
  switch (e.kind) {
    case K::kLiteral:
    case K::kToday:
    case K::kNow: r.ok = true; break;
    case K::kColumn:
    case K::kVarItem:
    case K::kVarField:
      if (IsStringSource(e)) {
        r.ok = true;
        r.leaf = id;
      }
      break;
    case K::kCompare:
    case K::kInList:
    case K::kCall:
    case K::kNot: {
      r.ok = !e.args.empty();
      for (ir::ExprId a : e.args) {
        if (a == ir::kNoExpr || a >= id) {
          r.ok = false;
          break;
        }
        const SourceOf& s = memo[a];
        if (!s.ok) {
          r.ok = false;
          break;
        }
        if (s.leaf == ir::kNoExpr) continue;
        if (r.leaf != ir::kNoExpr && !SameSource(p.exprs[r.leaf], p.exprs[s.leaf])) {
          r.ok = false;
          break;
        }
        if (r.leaf == ir::kNoExpr) r.leaf = s.leaf;
      }
      break;
    }
    default: break;
  }
  return r;
}

}  // namespace

std::vector<ir::ExprId> DictionaryPredicates(const ir::Program& program) {
  const size_t n = program.exprs.size();
  std::vector<ir::ExprId> out(n, ir::kNoExpr);
  std::vector<SourceOf> memo(n);
  for (ir::ExprId id = 0; id < n; ++id) {
    memo[id] = Analyze(program, id, memo);
    const ir::Expr& e = program.exprs[id];
    if (e.type.kind != TypeKind::kBool || e.kind == ir::ExprKind::kLiteral) continue;
    if (memo[id].ok && memo[id].leaf != ir::kNoExpr) out[id] = memo[id].leaf;
  }
  return out;
}

}  // namespace cohort
