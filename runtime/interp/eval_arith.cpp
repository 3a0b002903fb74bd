// Arithmetic, negation and casts. int +,-,* are checked int64 operations:
// overflow gives a missing value. `/` is always decimal; a zero divisor
// (0 or -0.0) gives a missing value. Other decimal results follow IEEE 754.
#include <cstdint>

#include "core/dates.h"
#include "runtime/interp/eval.h"

namespace cohort::interp {

namespace {

/// Operand p as a double (int operands of `/` when the checker did not cast).
inline double AsDouble(const Vec& v, size_t p) {
  size_t q = v.At(p);
  return StorageOf(v.kind) == Storage::kDouble ? v.d[q] : static_cast<double>(v.i[q]);
}

}  // namespace

Vec Evaluator::EvalArith(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(e.type.kind, f.n);
  Vec a = Eval(e.args[0], f, sel);
  Sel both = PresentIn(a, sel);
  if (both.empty()) return out;
  Vec b = Eval(e.args[1], f, both);
  both = PresentIn(b, both);

  if (e.arith == ir::ArithOp::kDiv) {
    for (uint32_t p : both) {
      double y = AsDouble(b, p);
      if (y == 0.0) continue;  // division by zero: missing
      out.d[p] = AsDouble(a, p) / y;
      out.valid[p] = 1;
    }
    return out;
  }

  if (e.type.kind == TypeKind::kInt) {
    const bool ac = a.is_const, bc = b.is_const;
    for (uint32_t p : both) {
      int64_t x = a.i[ac ? 0 : p], y = b.i[bc ? 0 : p], r = 0;
      bool overflow = false;
      switch (e.arith) {
        case ir::ArithOp::kAdd: overflow = __builtin_add_overflow(x, y, &r); break;
        case ir::ArithOp::kSub: overflow = __builtin_sub_overflow(x, y, &r); break;
        case ir::ArithOp::kMul: overflow = __builtin_mul_overflow(x, y, &r); break;
        case ir::ArithOp::kDiv: break;
      }
      if (overflow) continue;  // missing
      out.i[p] = r;
      out.valid[p] = 1;
    }
    return out;
  }

  if (e.type.kind == TypeKind::kDecimal) {
    for (uint32_t p : both) {
      double x = AsDouble(a, p), y = AsDouble(b, p), r = 0;
      switch (e.arith) {
        case ir::ArithOp::kAdd: r = x + y; break;
        case ir::ArithOp::kSub: r = x - y; break;
        case ir::ArithOp::kMul: r = x * y; break;
        case ir::ArithOp::kDiv: break;
      }
      out.d[p] = r;
      out.valid[p] = 1;
    }
  }
  return out;
}

Vec Evaluator::EvalNeg(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(e.type.kind, f.n);
  Vec a = Eval(e.args[0], f, sel);
  for (uint32_t p : sel) {
    if (!a.Valid(p)) continue;
    size_t q = a.At(p);
    if (e.type.kind == TypeKind::kInt) {
      if (a.i[q] == INT64_MIN) continue;  // -INT64_MIN overflows: missing
      out.i[p] = -a.i[q];
    } else if (e.type.kind == TypeKind::kDecimal) {
      out.d[p] = -a.d[q];
    } else {
      continue;
    }
    out.valid[p] = 1;
  }
  return out;
}

Vec Evaluator::EvalCast(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec a = Eval(e.args[0], f, sel);
  TypeKind from = a.kind, to = e.type.kind;
  if (from == to) return a;
  Vec out = MakeVec(to, f.n);
  for (uint32_t p : sel) {
    if (!a.Valid(p)) continue;
    size_t q = a.At(p);
    if (from == TypeKind::kInt && to == TypeKind::kDecimal) {
      out.d[p] = static_cast<double>(a.i[q]);
    } else if (from == TypeKind::kDate && to == TypeKind::kTimestamp) {
      out.i[p] = a.i[q] * kMicrosPerDay;  // midnight UTC; |days| < 2^31 cannot overflow
    } else {
      continue;  // unsupported casts are rejected by the verifier
    }
    out.valid[p] = 1;
  }
  return out;
}

}  // namespace cohort::interp
