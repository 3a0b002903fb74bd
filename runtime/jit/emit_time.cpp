// Time: today, now, and calendar arithmetic (date/timestamp ± duration).
//
// C equivalents:
//   today / now:            ctx->today / ctx->now (the driver folds them to
//                           literals when the run date is known)
//   date ± N days:          d + sign * N (inline, branch-free)
//   date ± months/years:    cohort_jit_add_duration_date(d, months, days, sign)
//   timestamp ± duration:   cohort_jit_add_duration_ts(ts, months, days, micros, sign)
// Row-invariant bounds (`today - 7 days`) are hoisted out of row loops by LLVM
// (or folded by the driver), so the calls rarely run per row.
#include <fmt/format.h>

#include "runtime/jit/emitter.h"

namespace cohort::codegen {

using llvm::Value;

Val Emitter::EmitToday(const ir::Expr& e) { return Val{today_, nullptr, True()}; }

Val Emitter::EmitNow(const ir::Expr& e) { return Val{now_, nullptr, True()}; }

Val Emitter::EmitAddDuration(const ir::Expr& e) {
  auto& B = builder_;
  const ir::Duration& d = e.literal.dur;
  const int32_t sign = e.sign < 0 ? -1 : 1;
  Val a = Emit(e.args.at(0));
  TypeKind kind = expr(e.args[0]).type.kind;
  if (kind != e.type.kind) {
    Fail("date arithmetic changes the type");
    return Dummy(e.type);
  }
  if (kind == TypeKind::kDate) {
    if (d.months == 0) {
      // int32 arithmetic like core/dates.cpp AddDuration (r + sign * d.days).
      Value* r = B.CreateAdd(a.v, B.getInt32(static_cast<uint32_t>(sign * d.days)));
      return Val{r, nullptr, a.valid};
    }
    auto fn = Extern("cohort_jit_add_duration_date", B.getInt32Ty(),
                     {B.getInt32Ty(), B.getInt32Ty(), B.getInt32Ty(), B.getInt32Ty()}, false, false);
    Val r = Guarded(
        a.valid,
        [&] {
          Value* v = B.CreateCall(fn, {a.v, B.getInt32(static_cast<uint32_t>(d.months)),
                                       B.getInt32(static_cast<uint32_t>(d.days)), B.getInt32(static_cast<uint32_t>(sign))});
          return Val{v, nullptr, a.valid};
        },
        Val{B.getInt32(0), nullptr, a.valid});
    return r;
  }
  if (kind == TypeKind::kTimestamp) {
    auto fn = Extern("cohort_jit_add_duration_ts", B.getInt64Ty(),
                     {B.getInt64Ty(), B.getInt32Ty(), B.getInt32Ty(), B.getInt64Ty(), B.getInt32Ty()}, false, false);
    Val r = Guarded(
        a.valid,
        [&] {
          Value* v = B.CreateCall(fn, {a.v, B.getInt32(static_cast<uint32_t>(d.months)),
                                       B.getInt32(static_cast<uint32_t>(d.days)),
                                       B.getInt64(static_cast<uint64_t>(d.micros)), B.getInt32(static_cast<uint32_t>(sign))});
          return Val{v, nullptr, a.valid};
        },
        Val{B.getInt64(0), nullptr, a.valid});
    return r;
  }
  Fail(fmt::format("the JIT cannot add a duration to {}", e.type.ToString()));
  return Dummy(e.type);
}

}  // namespace cohort::codegen
