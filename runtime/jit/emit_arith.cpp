// Arithmetic, negation and casts.
//
// C equivalents:
//   int a OP b:   valid = a.valid && b.valid && !__builtin_OP_overflow(a, b, &r)
//   decimal:      r = a OP b (IEEE); `/`: valid &= b != 0.0
//   -x (int):     valid &= x != INT64_MIN
//   cast:         (double)x for int->decimal; (int64_t)d * kMicrosPerDay for
//                 date->timestamp (midnight UTC)
#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Intrinsics.h>

#include "runtime/jit/emitter.h"
#include "core/dates.h"

namespace cohort::codegen {

using llvm::Value;

namespace {
Value* ToDouble(llvm::IRBuilder<>& B, const Val& v, TypeKind kind) {
  if (kind == TypeKind::kDecimal) return v.v;
  return B.CreateSIToFP(v.v, B.getDoubleTy());
}
}  // namespace

Val Emitter::EmitArith(const ir::Expr& e) {
  auto& B = builder_;
  if (e.args.size() != 2) {
    Fail("arithmetic without two operands");
    return Dummy(e.type);
  }
  TypeKind ka = expr(e.args[0]).type.kind, kb = expr(e.args[1]).type.kind;
  auto numeric = [](TypeKind k) { return k == TypeKind::kInt || k == TypeKind::kDecimal; };
  if (!numeric(ka) || !numeric(kb) || !numeric(e.type.kind)) {
    Fail(fmt::format("the JIT supports arithmetic on int and decimal only (got {})", e.type.ToString()));
    return Dummy(e.type);
  }
  Val a = Emit(e.args[0]);
  Val b = Emit(e.args[1]);
  Value* valid = B.CreateAnd(a.valid, b.valid);
  if (e.type.kind == TypeKind::kDecimal || e.arith == ir::ArithOp::kDiv) {
    Value* x = ToDouble(B, a, ka);
    Value* y = ToDouble(B, b, kb);
    Value* r = nullptr;
    switch (e.arith) {
      case ir::ArithOp::kAdd: r = B.CreateFAdd(x, y); break;
      case ir::ArithOp::kSub: r = B.CreateFSub(x, y); break;
      case ir::ArithOp::kMul: r = B.CreateFMul(x, y); break;
      case ir::ArithOp::kDiv:
        // Division by zero gives missing; the quotient is then never read.
        valid = B.CreateAnd(valid, B.CreateFCmpUNE(y, llvm::ConstantFP::get(B.getDoubleTy(), 0.0)));
        r = B.CreateFDiv(x, y);
        break;
    }
    if (e.type.kind != TypeKind::kDecimal) {
      Fail("division must produce a decimal");
      return Dummy(e.type);
    }
    return Val{r, nullptr, valid};
  }
  if (ka != TypeKind::kInt || kb != TypeKind::kInt) {
    Fail("int arithmetic over non-int operands");
    return Dummy(e.type);
  }
  llvm::Intrinsic::ID id = e.arith == ir::ArithOp::kAdd   ? llvm::Intrinsic::sadd_with_overflow
                           : e.arith == ir::ArithOp::kSub ? llvm::Intrinsic::ssub_with_overflow
                                                          : llvm::Intrinsic::smul_with_overflow;
  Value* pair = B.CreateBinaryIntrinsic(id, a.v, b.v);
  Value* r = B.CreateExtractValue(pair, 0);
  Value* overflow = B.CreateExtractValue(pair, 1);
  return Val{r, nullptr, B.CreateAnd(valid, B.CreateNot(overflow))};
}

Val Emitter::EmitNeg(const ir::Expr& e) {
  auto& B = builder_;
  Val a = Emit(e.args.at(0));
  if (e.type.kind == TypeKind::kDecimal) return Val{B.CreateFNeg(a.v), nullptr, a.valid};
  if (e.type.kind != TypeKind::kInt) {
    Fail(fmt::format("the JIT cannot negate {}", e.type.ToString()));
    return Dummy(e.type);
  }
  Value* not_min = B.CreateICmpNE(a.v, B.getInt64(static_cast<uint64_t>(INT64_MIN)));
  return Val{B.CreateNeg(a.v), nullptr, B.CreateAnd(a.valid, not_min)};
}

Val Emitter::EmitCast(const ir::Expr& e) {
  auto& B = builder_;
  const ir::Expr& src = expr(e.args.at(0));
  Val a = Emit(e.args[0]);
  TypeKind from = src.type.kind, to = e.type.kind;
  if (from == to) return a;
  if (from == TypeKind::kInt && to == TypeKind::kDecimal) return Val{B.CreateSIToFP(a.v, B.getDoubleTy()), nullptr, a.valid};
  if (from == TypeKind::kDate && to == TypeKind::kTimestamp) {
    Value* days = B.CreateSExt(a.v, B.getInt64Ty());
    return Val{B.CreateMul(days, B.getInt64(kMicrosPerDay)), nullptr, a.valid};
  }
  Fail(fmt::format("the JIT does not support a cast from {} to {}", src.type.ToString(), e.type.ToString()));
  return Dummy(e.type);
}

}  // namespace cohort::codegen
