// `today`, `now` (from ExecContext when the folder did not replace them) and
// date/timestamp ± duration with month-end clamping (core/dates.h).
#include "core/dates.h"
#include "runtime/interp/eval.h"

namespace cohort::interp {

Vec Evaluator::EvalToday(const ir::Expr& e) {
  ir::Value v;
  v.kind = TypeKind::kDate;
  v.i = ctx_.today;
  return MakeConst(v);
}

Vec Evaluator::EvalNow(const ir::Expr& e) {
  ir::Value v;
  v.kind = TypeKind::kTimestamp;
  v.i = ctx_.now;
  return MakeConst(v);
}

Vec Evaluator::EvalAddDuration(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec a = Eval(e.args[0], f, sel);
  const ir::Duration& dur = e.literal.dur;
  const int sign = e.sign < 0 ? -1 : 1;
  const bool is_date = e.type.kind == TypeKind::kDate;
  auto add = [&](int64_t x) -> int64_t {
    return is_date ? int64_t{AddDuration(static_cast<int32_t>(x), dur, sign)} : AddDuration(x, dur, sign);
  };
  if (a.is_const) {
    Vec out = a;
    if (out.valid[0]) out.i[0] = add(a.i[0]);
    return out;
  }
  Vec out = MakeVec(e.type.kind, f.n);
  for (uint32_t p : sel) {
    if (!a.valid[p]) continue;
    out.i[p] = add(a.i[p]);
    out.valid[p] = 1;
  }
  return out;
}

}  // namespace cohort::interp
