// `is missing` / `is present` (never unknown) and coalesce (first present
// operand; later operands only on positions still missing).
#include "runtime/interp/eval.h"

namespace cohort::interp {

Vec Evaluator::EvalIsMissing(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec a = Eval(e.args[0], f, sel);
  Vec out = MakeVec(TypeKind::kBool, f.n);
  const size_t step = a.is_const ? 0 : 1;
  const uint8_t want_present = e.negated ? 1 : 0;  // `is present`: TRUE where valid
  const uint8_t* __restrict av = a.valid.data();
  uint8_t* __restrict ob = out.b.data();
  uint8_t* __restrict ov = out.valid.data();
  for (uint32_t p : sel) {
    ob[p] = static_cast<uint8_t>((av[p * step] != 0) == want_present);
    ov[p] = 1;
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
