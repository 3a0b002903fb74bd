#include "core/conjuncts.h"

namespace cohort::ir {

void Conjuncts(const Program& p, ExprId id, std::vector<ExprId>* out) {
  if (id == kNoExpr || id >= p.exprs.size()) return;
  const Expr& e = p.exprs[id];
  if (e.kind != ExprKind::kAnd) {
    out->push_back(id);
    return;
  }
  for (ExprId a : e.args) Conjuncts(p, a, out);
}

}  // namespace cohort::ir
