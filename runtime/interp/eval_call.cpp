// Standard-library calls. Every function is NullIfAnyNull (functions.def):
// each argument is evaluated only where the previous ones are present, and
// the C implementation (stdlib/fn_impl.cpp, shared with the JIT) runs only
// on positions where all are present. Functions of the run date get
// ExecContext::today.
#include <memory>

#include "runtime/interp/eval.h"
#include "stdlib/functions.h"

namespace cohort::interp {

namespace {

inline int32_t Len(std::string_view s) { return static_cast<int32_t>(s.size()); }

}  // namespace

Vec Evaluator::EvalCall(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(e.type.kind, f.n);
  std::vector<Vec> args;
  args.reserve(e.args.size());
  Sel present = sel;
  for (ir::ExprId a : e.args) {
    if (present.empty()) return out;
    args.push_back(Eval(a, f, present));
    present = PresentIn(args.back(), present);
  }
  if (present.empty()) return out;
  const int32_t today = ctx_.today;
  auto I = [&](size_t k, uint32_t p) { return args[k].i[args[k].At(p)]; };
  auto S = [&](size_t k, uint32_t p) { return args[k].s[args[k].At(p)]; };
  auto D = [&](size_t k, uint32_t p) { return static_cast<int32_t>(I(k, p)); };

  switch (static_cast<FnId>(e.index)) {
    case FnId::kAge:
      for (uint32_t p : present) out.i[p] = cohort_fn_age(D(0, p), today);
      break;
    case FnId::kDaysSince:
      for (uint32_t p : present) out.i[p] = cohort_fn_days_since(D(0, p), today);
      break;
    case FnId::kDaysUntil:
      for (uint32_t p : present) out.i[p] = cohort_fn_days_until(D(0, p), today);
      break;
    case FnId::kLower:
    case FnId::kUpper: {
      size_t total = 0;
      for (uint32_t p : present) total += S(0, p).size();
      // The arena is allocated before any view into it is taken (a moved
      // short std::string would relocate its bytes).
      auto arena = std::make_shared<std::string>(total, '\0');
      char* base = arena->data();
      size_t at = 0;
      const bool lower = static_cast<FnId>(e.index) == FnId::kLower;
      for (uint32_t p : present) {
        std::string_view s = S(0, p);
        int32_t n = lower ? cohort_fn_lower(s.data(), Len(s), base + at) : cohort_fn_upper(s.data(), Len(s), base + at);
        out.s[p] = std::string_view(base + at, static_cast<size_t>(n));
        at += static_cast<size_t>(n);
      }
      out.arenas.push_back(std::move(arena));
      break;
    }
    case FnId::kStartsWith:
    case FnId::kEndsWith:
    case FnId::kContains: {
      auto fn = static_cast<FnId>(e.index) == FnId::kStartsWith ? cohort_fn_starts_with
                : static_cast<FnId>(e.index) == FnId::kEndsWith ? cohort_fn_ends_with
                                                                 : cohort_fn_contains;
      for (uint32_t p : present) {
        std::string_view s = S(0, p), x = S(1, p);
        out.b[p] = fn(s.data(), Len(s), x.data(), Len(x));
      }
      break;
    }
    case FnId::kLength:
      for (uint32_t p : present) {
        std::string_view s = S(0, p);
        out.i[p] = cohort_fn_length(s.data(), Len(s));
      }
      break;
    case FnId::kYear:
      for (uint32_t p : present) out.i[p] = cohort_fn_year(D(0, p));
      break;
    case FnId::kMonth:
      for (uint32_t p : present) out.i[p] = cohort_fn_month(D(0, p));
      break;
    case FnId::kDateOf:
      for (uint32_t p : present) out.i[p] = cohort_fn_date_of(I(0, p));
      break;
    default:
      return out;  // unknown function id: the verifier rejects this
  }
  for (uint32_t p : present) out.valid[p] = 1;
  return out;
}

}  // namespace cohort::interp
