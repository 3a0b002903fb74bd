// Kleene `not`, `and`, `or`. Later operands of and/or are evaluated only on
// the positions still undecided (DuckDB-style selection vectors): a FALSE
// operand decides `and`, a TRUE one decides `or`; UNKNOWN stays undecided
// because a later FALSE (TRUE) still decides it.
#include <cstring>

#include "runtime/interp/eval.h"

namespace cohort::interp {

Vec Evaluator::EvalNot(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec a = Eval(e.args[0], f, sel);
  if (a.is_const) {
    a.b[0] ^= 1;  // UNKNOWN stays UNKNOWN (valid 0)
    return a;
  }
  Vec out = MakeVec(TypeKind::kBool, f.n);
  const uint8_t* __restrict ab = a.b.data();
  const uint8_t* __restrict av = a.valid.data();
  uint8_t* __restrict ob = out.b.data();
  uint8_t* __restrict ov = out.valid.data();
  if (IsDense(sel, f.n)) {
    for (size_t p = 0; p < f.n; ++p) {
      ob[p] = ab[p] ^ 1;
      ov[p] = av[p];
    }
  } else {
    for (uint32_t p : sel) {
      ob[p] = ab[p] ^ 1;
      ov[p] = av[p];
    }
  }
  return out;
}

namespace {

/// One operand of and/or combined into (ob, ov) at every position 0..n-1
/// (order-independent Kleene): D = already decided (ob holds the decisive
/// value) or decided by this operand; undecided positions stay valid only
/// while no operand was UNKNOWN. `Step` 0 reads a constant operand.
template <size_t Step>
void CombineDense(const Vec& v, uint8_t decisive_b, size_t n, uint8_t* __restrict ob, uint8_t* __restrict ov) {
  const uint8_t identity_b = decisive_b ^ 1;
  const uint8_t* __restrict vb = v.b.data();
  const uint8_t* __restrict vv = v.valid.data();
  for (size_t p = 0; p < n; ++p) {
    const uint8_t d = static_cast<uint8_t>(ob[p] ^ identity_b) | (vv[p * Step] & static_cast<uint8_t>(vb[p * Step] == decisive_b));
    ob[p] = identity_b ^ d;
    ov[p] = d | (ov[p] & vv[p * Step]);
  }
}

}  // namespace

Vec Evaluator::EvalAndOr(const ir::Expr& e, const Frame& f, const Sel& sel) {
  const bool is_and = e.kind == ir::ExprKind::kAnd;
  // The value that decides the result (FALSE for and, TRUE for or); every
  // position starts from the identity (TRUE for and, FALSE for or).
  const uint8_t decisive_b = is_and ? 0 : 1;
  const uint8_t identity_b = decisive_b ^ 1;
  Vec out = MakeVec(TypeKind::kBool, f.n);
  uint8_t* __restrict ob = out.b.data();
  uint8_t* __restrict ov = out.valid.data();
  const bool dense = IsDense(sel, f.n);
  if (dense && f.n > 0) {  // (memset: never a null pointer, even for 0 bytes)
    std::memset(ob, identity_b, f.n);
    std::memset(ov, 1, f.n);
  } else {
    for (uint32_t p : sel) {
      ob[p] = identity_b;
      ov[p] = 1;
    }
  }
  // Cheap operands over a dense selection: evaluated at every position and
  // combined in vectorizable passes. Other operands: only on the positions
  // still undecided (a selection, DuckDB-style), combined branch-free.
  Sel undecided;
  Sel next;
  const Sel* cur = &sel;
  bool stale = false;  // `undecided` lags behind dense combinations
  for (ir::ExprId arg : e.args) {
    if (dense && plan_.cheap(arg)) {
      Vec v = Eval(arg, f, sel);
      if (v.is_const) CombineDense<0>(v, decisive_b, f.n, ob, ov);
      else CombineDense<1>(v, decisive_b, f.n, ob, ov);
      stale = true;
      continue;
    }
    if (stale) {
      undecided.resize(f.n);
      size_t k = 0;
      for (size_t p = 0; p < f.n; ++p) {
        undecided[k] = static_cast<uint32_t>(p);
        k += ob[p] == identity_b;
      }
      undecided.resize(k);
      cur = &undecided;
      stale = false;
    }
    if (cur->empty()) break;
    Vec v = Eval(arg, f, *cur);
    const size_t step = v.is_const ? 0 : 1;
    const uint8_t* __restrict vb = v.b.data();
    const uint8_t* __restrict vv = v.valid.data();
    next.resize(cur->size());
    uint32_t* __restrict nx = next.data();
    size_t k = 0;
    for (uint32_t p : *cur) {
      const size_t q = p * step;
      const uint8_t decided = vv[q] & static_cast<uint8_t>(vb[q] == decisive_b);
      ob[p] = identity_b ^ decided;
      ov[p] = decided | (ov[p] & vv[q]);
      nx[k] = p;
      k += decided ^ 1;
    }
    next.resize(k);
    undecided.swap(next);
    cur = &undecided;
  }
  return out;
}

}  // namespace cohort::interp
