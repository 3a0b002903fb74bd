// Comparisons: both operands have the same type (the checker inserts casts).
// A missing operand gives UNKNOWN; the right operand is evaluated only where
// the left one is present. Strings compare bytewise (unsigned, like memcmp),
// decimals as IEEE doubles, enums and dates by their codes/day numbers.
#include <functional>

#include "runtime/interp/eval.h"

namespace cohort::interp {

namespace {

template <typename T, typename Op>
void CmpLoop(const std::vector<T>& a, bool ac, const std::vector<T>& b, bool bc, const Sel& sel, Vec* out, Op op) {
  for (uint32_t p : sel) out->b[p] = op(a[ac ? 0 : p], b[bc ? 0 : p]) ? 1 : 0;
}

template <typename T>
void CmpTyped(ir::CmpOp cmp, const std::vector<T>& a, bool ac, const std::vector<T>& b, bool bc, const Sel& sel,
              Vec* out) {
  switch (cmp) {
    case ir::CmpOp::kEq: return CmpLoop(a, ac, b, bc, sel, out, std::equal_to<>());
    case ir::CmpOp::kNe: return CmpLoop(a, ac, b, bc, sel, out, std::not_equal_to<>());
    case ir::CmpOp::kLt: return CmpLoop(a, ac, b, bc, sel, out, std::less<>());
    case ir::CmpOp::kLe: return CmpLoop(a, ac, b, bc, sel, out, std::less_equal<>());
    case ir::CmpOp::kGt: return CmpLoop(a, ac, b, bc, sel, out, std::greater<>());
    case ir::CmpOp::kGe: return CmpLoop(a, ac, b, bc, sel, out, std::greater_equal<>());
  }
}

}  // namespace

Vec Evaluator::EvalCompare(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(TypeKind::kBool, f.n);
  Vec a = Eval(e.args[0], f, sel);
  Sel both = PresentIn(a, sel);
  if (both.empty()) return out;  // all UNKNOWN
  Vec b = Eval(e.args[1], f, both);
  both = PresentIn(b, both);
  switch (StorageOf(a.kind)) {
    case Storage::kBool: CmpTyped(e.cmp, a.b, a.is_const, b.b, b.is_const, both, &out); break;
    case Storage::kInt: CmpTyped(e.cmp, a.i, a.is_const, b.i, b.is_const, both, &out); break;
    case Storage::kDouble: CmpTyped(e.cmp, a.d, a.is_const, b.d, b.is_const, both, &out); break;
    // std::string_view compares with char_traits<char>, i.e. memcmp: bytewise unsigned.
    case Storage::kString: CmpTyped(e.cmp, a.s, a.is_const, b.s, b.is_const, both, &out); break;
    default: return out;  // not comparable: the verifier rejects this
  }
  for (uint32_t p : both) out.valid[p] = 1;
  return out;
}

}  // namespace cohort::interp
