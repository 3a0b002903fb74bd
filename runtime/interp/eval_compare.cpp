// Comparisons: both operands have the same type (the checker inserts casts).
// A missing operand gives UNKNOWN; the right operand is evaluated only where
// the left one is present. Strings compare bytewise (unsigned, like memcmp),
// decimals as IEEE doubles, enums and dates by their codes/day numbers.
#include <cstring>
#include <functional>
#include <limits>
#include <type_traits>
#include <utility>

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

/// out[p] = v[p] OP k over sel (a straight loop when dense, so it vectorizes).
template <typename T, typename Op>
void CmpConstLoop(const T* __restrict v, T k, const Sel& sel, size_t n, uint8_t* __restrict out, Op op) {
  if (IsDense(sel, n)) {
    for (size_t p = 0; p < n; ++p) out[p] = op(v[p], k) ? 1 : 0;
  } else {
    for (uint32_t p : sel) out[p] = op(v[p], k) ? 1 : 0;
  }
}

/// Compares the column values (type T) with a constant k of a wider type K:
/// in T's own domain when k fits it (narrow lanes vectorize best), else the
/// answer is the same for every value.
template <typename T, typename K>
void CmpConst(ir::CmpOp cmp, const T* v, K k, const Sel& sel, size_t n, uint8_t* out) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, K>) {
    const bool above = k > static_cast<K>(std::numeric_limits<T>::max());
    const bool below = k < static_cast<K>(std::numeric_limits<T>::min());
    if (above || below) {
      bool all = false;
      switch (cmp) {
        case ir::CmpOp::kEq: all = false; break;
        case ir::CmpOp::kNe: all = true; break;
        case ir::CmpOp::kLt:
        case ir::CmpOp::kLe: all = above; break;
        case ir::CmpOp::kGt:
        case ir::CmpOp::kGe: all = below; break;
      }
      if (IsDense(sel, n)) {
        if (n > 0) std::memset(out, all ? 1 : 0, n);
      } else {
        for (uint32_t p : sel) out[p] = all ? 1 : 0;
      }
      return;
    }
  }
  const T t = static_cast<T>(k);
  switch (cmp) {
    case ir::CmpOp::kEq: return CmpConstLoop(v, t, sel, n, out, std::equal_to<>());
    case ir::CmpOp::kNe: return CmpConstLoop(v, t, sel, n, out, std::not_equal_to<>());
    case ir::CmpOp::kLt: return CmpConstLoop(v, t, sel, n, out, std::less<>());
    case ir::CmpOp::kLe: return CmpConstLoop(v, t, sel, n, out, std::less_equal<>());
    case ir::CmpOp::kGt: return CmpConstLoop(v, t, sel, n, out, std::greater<>());
    case ir::CmpOp::kGe: return CmpConstLoop(v, t, sel, n, out, std::greater_equal<>());
  }
}

/// `x OP y` read as `y OP' x`.
ir::CmpOp Mirror(ir::CmpOp op) {
  static const ir::CmpOp kMirror[] = {ir::CmpOp::kEq, ir::CmpOp::kNe, ir::CmpOp::kGt,
                                      ir::CmpOp::kGe, ir::CmpOp::kLt, ir::CmpOp::kLe};
  return kMirror[static_cast<int>(op)];
}

}  // namespace

bool Evaluator::TryCompareConst(const ir::Expr& e, const Frame& f, const Sel& sel, Vec* out) {
  if (e.args.size() != 2 || f.dict) return false;
  const ir::Expr* leaf = &p_.exprs[e.args[0]];
  const ir::Expr* lit = &p_.exprs[e.args[1]];
  ir::CmpOp op = e.cmp;
  if (lit->kind != ir::ExprKind::kLiteral) {
    std::swap(leaf, lit);
    op = Mirror(op);
  }
  if (lit->kind != ir::ExprKind::kLiteral || leaf->type.kind != lit->literal.kind) return false;
  // Only a leaf of this frame (a row-level column met in an element frame
  // goes through Eval's per-row broadcast instead).
  if (leaf->kind == ir::ExprKind::kColumn ? f.is_element() : leaf->kind != ir::ExprKind::kVarField) return false;
  const CohortColumn* c = SourceColumn(*leaf, f);
  const TypeKind kind = leaf->type.kind;
  if (!c || c->dictionary) return false;
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDate:
    case TypeKind::kEnum:
    case TypeKind::kDecimal: break;
    default: return false;
  }
  *out = MakeVec(TypeKind::kBool, f.n);
  // A missing constant or a column without values (all missing): UNKNOWN.
  if (lit->literal.is_null || !c->values) return true;
  const int64_t k = lit->literal.i;
  uint8_t* b = out->b.data();
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kTimestamp: CmpConst(op, static_cast<const int64_t*>(c->values), k, sel, f.n, b); break;
    case TypeKind::kDate: CmpConst(op, static_cast<const int32_t*>(c->values), k, sel, f.n, b); break;
    case TypeKind::kEnum: CmpConst(op, static_cast<const uint8_t*>(c->values), k, sel, f.n, b); break;
    default: CmpConst(op, static_cast<const double*>(c->values), lit->literal.d, sel, f.n, b); break;
  }
  ExpandBits(c->validity, sel, f.n, out->valid.data());
  return true;
}

Vec Evaluator::EvalCompare(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out;
  if (TryCompareConst(e, f, sel, &out)) return out;
  out = MakeVec(TypeKind::kBool, f.n);
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
