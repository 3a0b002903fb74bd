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

#include "compiler/codegen/emitter.h"

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

namespace cohort::codegen {

// Howard Hinnant's civil_from_days with the exact integer types of
// core/dates.cpp (signed era, unsigned day-of-era), so results match the
// C implementation bit for bit; divisions by constants vectorize.
Emitter::Civil Emitter::CivilFromDays(llvm::Value* days) {
  auto& B = builder_;
  auto i32 = [&](int32_t v) { return B.getInt32(static_cast<uint32_t>(v)); };
  llvm::Value* z = B.CreateAdd(days, i32(719468));
  llvm::Value* neg = B.CreateICmpSLT(z, i32(0));
  llvm::Value* era = B.CreateSDiv(B.CreateSelect(neg, B.CreateSub(z, i32(146096)), z), i32(146097));
  llvm::Value* doe = B.CreateSub(z, B.CreateMul(era, i32(146097)));  // unsigned from here
  llvm::Value* yoe = B.CreateUDiv(
      B.CreateSub(B.CreateAdd(B.CreateSub(doe, B.CreateUDiv(doe, i32(1460))), B.CreateUDiv(doe, i32(36524))),
                  B.CreateUDiv(doe, i32(146096))),
      i32(365));
  llvm::Value* yy = B.CreateAdd(yoe, B.CreateMul(era, i32(400)));
  llvm::Value* doy = B.CreateSub(
      doe, B.CreateSub(B.CreateAdd(B.CreateMul(yoe, i32(365)), B.CreateUDiv(yoe, i32(4))), B.CreateUDiv(yoe, i32(100))));
  llvm::Value* mp = B.CreateUDiv(B.CreateAdd(B.CreateMul(doy, i32(5)), i32(2)), i32(153));
  llvm::Value* d =
      B.CreateAdd(B.CreateSub(doy, B.CreateUDiv(B.CreateAdd(B.CreateMul(mp, i32(153)), i32(2)), i32(5))), i32(1));
  llvm::Value* m = B.CreateSelect(B.CreateICmpULT(mp, i32(10)), B.CreateAdd(mp, i32(3)), B.CreateSub(mp, i32(9)));
  llvm::Value* y = B.CreateAdd(yy, B.CreateZExt(B.CreateICmpULE(m, i32(2)), B.getInt32Ty()));
  return Civil{y, m, d};
}

// years = ty - by, minus one when the birthday (29 February read as 28
// February in common years) has not come yet this year.
llvm::Value* Emitter::AgeInYears(llvm::Value* birth, llvm::Value* today) {
  auto& B = builder_;
  auto i32 = [&](int32_t v) { return B.getInt32(static_cast<uint32_t>(v)); };
  Civil b = CivilFromDays(birth);
  Civil t = CivilFromDays(today);
  llvm::Value* years = B.CreateSub(B.CreateSExt(t.y, B.getInt64Ty()), B.CreateSExt(b.y, B.getInt64Ty()));
  llvm::Value* div4 = B.CreateICmpEQ(B.CreateSRem(t.y, i32(4)), i32(0));
  llvm::Value* div100 = B.CreateICmpEQ(B.CreateSRem(t.y, i32(100)), i32(0));
  llvm::Value* div400 = B.CreateICmpEQ(B.CreateSRem(t.y, i32(400)), i32(0));
  llvm::Value* leap = B.CreateOr(B.CreateAnd(div4, B.CreateNot(div100)), div400);
  llvm::Value* feb29 = B.CreateAnd(B.CreateICmpEQ(b.m, i32(2)), B.CreateICmpEQ(b.d, i32(29)));
  llvm::Value* eff_bd = B.CreateSelect(B.CreateAnd(feb29, B.CreateNot(leap)), i32(28), b.d);
  llvm::Value* before = B.CreateOr(B.CreateICmpULT(t.m, b.m),
                                   B.CreateAnd(B.CreateICmpEQ(t.m, b.m), B.CreateICmpULT(t.d, eff_bd)));
  return B.CreateSub(years, B.CreateZExt(before, B.getInt64Ty()));
}

}  // namespace cohort::codegen
