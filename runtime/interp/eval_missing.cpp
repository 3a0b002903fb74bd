// `is missing` / `is present` (never unknown) and coalesce (first present
// operand; later operands only on positions still missing).
#include "runtime/interp/eval.h"

namespace cohort::interp {

Vec Evaluator::EvalIsMissing(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec a = Eval(e.args[0], f, sel);
  Vec out = MakeVec(TypeKind::kBool, f.n);
  for (uint32_t p : sel) {
    bool missing = !a.Valid(p);
    out.SetTruth(p, (missing != e.negated) ? kTrue : kFalse);
  }
  return out;
}

Vec Evaluator::EvalCoalesce(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(e.type.kind, f.n);
  Sel todo = sel;
  Sel next;
  for (ir::ExprId arg : e.args) {
    if (todo.empty()) break;
    Vec v = Eval(arg, f, todo);
    next.clear();
    bool used = false;
    for (uint32_t p : todo) {
      if (v.Valid(p)) {
        CopyOne(v, p, &out);
        used = true;
      } else {
        next.push_back(p);
      }
    }
    if (used) {
      if (!out.col) out.col = v.col;
      for (const auto& a : v.arenas) out.arenas.push_back(a);
    }
    todo.swap(next);
  }
  return out;
}

}  // namespace cohort::interp
