// Kleene `not`, `and`, `or`. Later operands of and/or are evaluated only on
// the positions still undecided (DuckDB-style selection vectors): a FALSE
// operand decides `and`, a TRUE one decides `or`; UNKNOWN stays undecided
// because a later FALSE (TRUE) still decides it.
#include "runtime/interp/eval.h"

namespace cohort::interp {

Vec Evaluator::EvalNot(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec a = Eval(e.args[0], f, sel);
  Vec out = MakeVec(TypeKind::kBool, f.n);
  for (uint32_t p : sel) {
    uint8_t t = a.Truth(p);
    out.SetTruth(p, t == kUnknown ? kUnknown : (t == kTrue ? kFalse : kTrue));
  }
  return out;
}

Vec Evaluator::EvalAndOr(const ir::Expr& e, const Frame& f, const Sel& sel) {
  const bool is_and = e.kind == ir::ExprKind::kAnd;
  // The value that decides the result (FALSE for and, TRUE for or), and the
  // identity every position starts from.
  const uint8_t decisive = is_and ? kFalse : kTrue;
  const uint8_t identity = is_and ? kTrue : kFalse;
  Vec out = MakeVec(TypeKind::kBool, f.n);
  for (uint32_t p : sel) out.SetTruth(p, identity);
  Sel undecided = sel;
  Sel next;
  for (ir::ExprId arg : e.args) {
    if (undecided.empty()) break;
    Vec v = Eval(arg, f, undecided);
    next.clear();
    for (uint32_t p : undecided) {
      uint8_t t = v.Truth(p);
      if (t == decisive) {
        out.SetTruth(p, decisive);
      } else {
        if (t == kUnknown) out.SetTruth(p, kUnknown);
        next.push_back(p);
      }
    }
    undecided.swap(next);
  }
  return out;
}

}  // namespace cohort::interp
