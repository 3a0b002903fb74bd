// Calls to the standard library (core/functions.def), NullIfAnyNull:
//
//   valid = all args valid; if (valid) r = cohort_fn_X(args..., [today]);
//
// Strings pass as (ptr, int32 len); string results are written into a scratch
// buffer of the call site (cohort_jit_scratch) and the call returns the length.
// Functions reading the run date get ctx->today as a last argument. The C
// symbols are bound to their addresses by the engine (absolute symbols).
#include <fmt/format.h>
#include <llvm/IR/Attributes.h>

#include "runtime/jit/emitter.h"
#include "core/dates.h"
#include "stdlib/functions.h"

namespace cohort::codegen {

using llvm::Value;

// Which functions are called at all, which read `today` and which null
// behaviour applies all come from the registry (core/functions.def); the C
// symbols are bound from the same table (kernel_helpers.cpp). The ones below
// are pure integer arithmetic and computed inline instead, so they stay in the
// branch-free, vectorized part of a clause. Calendar functions (age, year,
// month) are called, not inlined: core/dates.cpp is the one calendar.
bool IsInlineFunction(uint32_t fn) {
  switch (static_cast<FnId>(fn)) {
    case FnId::kDaysSince:
    case FnId::kDaysUntil:
    case FnId::kDateOf: return true;
    default: return false;
  }
}

Value* Emitter::InlineCall(uint32_t fn, const std::vector<Val>& args) {
  auto& B = builder_;
  if (!IsInlineFunction(fn) || args.size() != 1) return nullptr;
  Value* x = args[0].v;
  switch (static_cast<FnId>(fn)) {
    case FnId::kDaysSince: return B.CreateSub(B.CreateSExt(today_, B.getInt64Ty()), B.CreateSExt(x, B.getInt64Ty()));
    case FnId::kDaysUntil: return B.CreateSub(B.CreateSExt(x, B.getInt64Ty()), B.CreateSExt(today_, B.getInt64Ty()));
    case FnId::kDateOf: {
      // Floor division to the UTC day (core/dates.h DayOfTimestamp).
      Value* q = B.CreateSDiv(x, B.getInt64(kMicrosPerDay));
      Value* r = B.CreateSRem(x, B.getInt64(kMicrosPerDay));
      q = B.CreateSub(q, B.CreateZExt(B.CreateICmpSLT(r, B.getInt64(0)), B.getInt64Ty()));
      return B.CreateTrunc(q, B.getInt32Ty());
    }
    default: return nullptr;
  }
}

Val Emitter::EmitCall(const ir::Expr& e) {
  auto& B = builder_;
  const auto& fns = AllFunctions();
  if (e.index >= fns.size()) {
    Fail(fmt::format("unknown function id {}", e.index));
    return Dummy(e.type);
  }
  const FunctionInfo& info = fns[e.index];
  const bool takes_today = info.needs_today;
  if (info.null_behavior != NullBehavior::kNullIfAnyNull) {
    Fail(fmt::format("the JIT does not implement the null behaviour of `{}`", info.name));
    return Dummy(e.type);
  }
  if (info.params.size() != e.args.size() || info.result != e.type.kind) {
    Fail(fmt::format("call of `{}` does not match its signature {}", info.name, info.Signature()));
    return Dummy(e.type);
  }
  std::vector<Val> args;
  Value* valid = True();
  for (size_t k = 0; k < e.args.size(); ++k) {
    if (expr(e.args[k]).type.kind != info.params[k]) {
      Fail(fmt::format("argument {} of `{}` has the wrong type", k + 1, info.name));
      return Dummy(e.type);
    }
    args.push_back(Emit(e.args[k]));
    valid = B.CreateAnd(valid, args.back().valid);
  }

  // Branch-free integer arithmetic that vectorizes (and is safe on the
  // garbage value of a missing argument).
  if (Value* r = InlineCall(e.index, args)) return Val{r, nullptr, valid};

  std::vector<llvm::Type*> param_types;
  for (TypeKind k : info.params) {
    switch (k) {
      case TypeKind::kString:
        param_types.push_back(B.getPtrTy());
        param_types.push_back(B.getInt32Ty());
        break;
      case TypeKind::kDate: param_types.push_back(B.getInt32Ty()); break;
      case TypeKind::kInt:
      case TypeKind::kTimestamp: param_types.push_back(B.getInt64Ty()); break;
      case TypeKind::kDecimal: param_types.push_back(B.getDoubleTy()); break;
      default:
        Fail(fmt::format("the JIT cannot pass a {} argument to `{}`", static_cast<int>(k), info.name));
        return Dummy(e.type);
    }
  }
  const bool string_result = info.result == TypeKind::kString;
  if (string_result) param_types.push_back(B.getPtrTy());
  if (takes_today) param_types.push_back(B.getInt32Ty());
  llvm::Type* ret = nullptr;
  switch (info.result) {
    case TypeKind::kInt: ret = B.getInt64Ty(); break;
    case TypeKind::kDate: ret = B.getInt32Ty(); break;
    case TypeKind::kBool: ret = B.getInt1Ty(); break;
    case TypeKind::kString: ret = B.getInt32Ty(); break;
    default:
      Fail(fmt::format("the JIT cannot take a result of `{}`", info.name));
      return Dummy(e.type);
  }
  bool reads = false;
  for (TypeKind k : info.params) reads |= k == TypeKind::kString;
  auto callee = Extern(std::string(info.c_symbol), ret, param_types, reads, string_result);
  if (info.result == TypeKind::kBool)
    if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) f->addRetAttr(llvm::Attribute::ZExt);

  const int slot = string_result ? NextScratchSlot() : -1;
  Val none = Dummy(e.type);
  return Guarded(
      valid,
      [&] {
        std::vector<Value*> call_args;
        Value* in_len = nullptr;
        for (const Val& a : args) {
          call_args.push_back(a.v);
          if (a.len) {
            call_args.push_back(a.len);
            if (!in_len) in_len = a.len;
          }
        }
        Value* out = nullptr;
        if (string_result) {
          // lower/upper keep the byte length, so the input length is enough.
          auto scratch = Extern("cohort_jit_scratch", B.getPtrTy(), {B.getPtrTy(), B.getInt32Ty(), B.getInt32Ty()},
                                true, true);
          out = B.CreateCall(scratch, {rt_, B.getInt32(static_cast<uint32_t>(slot)), in_len ? in_len : B.getInt32(0)});
          call_args.push_back(out);
        }
        if (takes_today) call_args.push_back(today_);
        Value* r = B.CreateCall(callee, call_args);
        if (string_result) return Val{out, r, True()};
        return Val{r, nullptr, True()};
      },
      none);
}

}  // namespace cohort::codegen
