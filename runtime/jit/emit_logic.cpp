// Kleene logic: not, and, or, is missing, coalesce, and the truth/falsity
// projections used by clauses (a `where` keeps only TRUE, so a clause only
// needs T(e); T(and) = all T, T(or) = any T, T(not x) = F(x)).
#include <fmt/format.h>

#include "runtime/jit/emitter.h"

namespace cohort::codegen {

using llvm::Value;

namespace {
/// Combines i1 results: all (stop at the first false) or any (stop at the
/// first true). Cheap items are combined branch-free first; expensive ones are
/// evaluated in order, each only while the result is still undecided.
Value* Combine(Emitter& em, const std::vector<ir::ExprId>& items, bool want_all,
               const std::function<Value*(ir::ExprId)>& f) {
  auto& B = em.b();
  Value* acc = want_all ? em.True() : em.False();
  std::vector<ir::ExprId> expensive;
  for (ir::ExprId id : items) {
    if (em.IsExpensive(id)) {
      expensive.push_back(id);
      continue;
    }
    Value* x = f(id);
    acc = want_all ? B.CreateAnd(acc, x) : B.CreateOr(acc, x);
  }
  for (ir::ExprId id : expensive) {
    Value* undecided = want_all ? acc : B.CreateNot(acc);
    Val cur;
    cur.v = acc;
    cur.valid = em.True();
    Val r = em.Guarded(
        undecided,
        [&] {
          Val o;
          o.v = f(id);
          o.valid = em.True();
          return o;
        },
        cur);
    acc = r.v;
  }
  return acc;
}
}  // namespace

void Emitter::Conjuncts(ir::ExprId id, std::vector<ir::ExprId>* out) {
  const ir::Expr& e = expr(id);
  if (e.kind == ir::ExprKind::kAnd) {
    for (ir::ExprId a : e.args) Conjuncts(a, out);
  } else if (e.kind == ir::ExprKind::kDefineRef && e.index < program_.defines.size()) {
    Conjuncts(program_.defines[e.index].body, out);
  } else {
    out->push_back(id);
  }
}

llvm::Value* Emitter::EmitAllTrue(const std::vector<ir::ExprId>& conjuncts) {
  return Combine(*this, conjuncts, /*want_all=*/true, [&](ir::ExprId a) { return EmitTruth(a); });
}

llvm::Value* Emitter::EmitTruth(ir::ExprId id) {
  const ir::Expr& e = expr(id);
  bool hoisted = !elements_.empty() && e.level == 0 && hoisted_.count(id);
  if (!hoisted && e.type.kind == TypeKind::kBool) {
    switch (e.kind) {
      case ir::ExprKind::kAnd: return Combine(*this, e.args, true, [&](ir::ExprId a) { return EmitTruth(a); });
      case ir::ExprKind::kOr: return Combine(*this, e.args, false, [&](ir::ExprId a) { return EmitTruth(a); });
      case ir::ExprKind::kNot: return EmitFalsity(e.args.at(0));
      case ir::ExprKind::kDefineRef:
        if (e.index < program_.defines.size()) return EmitTruth(program_.defines[e.index].body);
        break;
      default: break;
    }
  }
  Val v = Emit(id);
  return builder_.CreateAnd(v.valid, v.v, "true");
}

llvm::Value* Emitter::EmitFalsity(ir::ExprId id) {
  const ir::Expr& e = expr(id);
  bool hoisted = !elements_.empty() && e.level == 0 && hoisted_.count(id);
  if (!hoisted && e.type.kind == TypeKind::kBool) {
    switch (e.kind) {
      case ir::ExprKind::kAnd: return Combine(*this, e.args, false, [&](ir::ExprId a) { return EmitFalsity(a); });
      case ir::ExprKind::kOr: return Combine(*this, e.args, true, [&](ir::ExprId a) { return EmitFalsity(a); });
      case ir::ExprKind::kNot: return EmitTruth(e.args.at(0));
      case ir::ExprKind::kDefineRef:
        if (e.index < program_.defines.size()) return EmitFalsity(program_.defines[e.index].body);
        break;
      default: break;
    }
  }
  Val v = Emit(id);
  return builder_.CreateAnd(v.valid, builder_.CreateNot(v.v), "false");
}

Val Emitter::EmitNot(const ir::Expr& e) {
  Val a = Emit(e.args.at(0));
  return Val{builder_.CreateNot(a.v), nullptr, a.valid};
}

// Kleene and/or as (decided, all_valid): for `and`, decided = some operand is
// FALSE; for `or`, some operand is TRUE. The result is known when decided or
// when every operand is known; its value is !decided (and) or decided (or).
Val Emitter::EmitAndOr(const ir::Expr& e) {
  auto& B = builder_;
  const bool is_and = e.kind == ir::ExprKind::kAnd;
  if (e.args.empty()) {
    Fail("empty and/or");
    return Dummy(Type::Bool());
  }
  Value* decided = False();
  Value* all_valid = True();
  auto absorb = [&](const Val& a) {
    Value* hit = B.CreateAnd(a.valid, is_and ? B.CreateNot(a.v) : a.v);
    decided = B.CreateOr(decided, hit);
    all_valid = B.CreateAnd(all_valid, a.valid);
  };
  std::vector<ir::ExprId> expensive;
  for (ir::ExprId id : e.args) {
    if (IsExpensive(id)) expensive.push_back(id);
    else absorb(Emit(id));
  }
  for (ir::ExprId id : expensive) {
    Val cur{decided, nullptr, all_valid};
    Val r = Guarded(
        B.CreateNot(decided),
        [&] {
          absorb(Emit(id));
          return Val{decided, nullptr, all_valid};
        },
        cur);
    decided = r.v;
    all_valid = r.valid;
  }
  Val out;
  out.valid = B.CreateOr(decided, all_valid);
  out.v = is_and ? B.CreateNot(decided) : decided;
  return out;
}

Val Emitter::EmitIsMissing(const ir::Expr& e) {
  Val a = Emit(e.args.at(0));
  return Val{e.negated ? a.valid : builder_.CreateNot(a.valid), nullptr, True()};
}

// coalesce(a, b, c) = a.valid ? a : (b.valid ? b : c), chosen with selects.
Val Emitter::EmitCoalesce(const ir::Expr& e) {
  auto& B = builder_;
  if (e.args.empty()) {
    Fail("empty coalesce");
    return Dummy(e.type);
  }
  std::vector<Val> vals;
  for (ir::ExprId id : e.args) vals.push_back(Emit(id));
  Val r = vals.back();
  for (size_t k = vals.size() - 1; k-- > 0;) {
    const Val& a = vals[k];
    if (a.v->getType() != r.v->getType()) {
      Fail("coalesce arguments of different types");
      return Dummy(e.type);
    }
    Val n;
    n.v = B.CreateSelect(a.valid, a.v, r.v);
    if (a.len) n.len = B.CreateSelect(a.valid, a.len, r.len);
    n.valid = B.CreateOr(a.valid, r.valid);
    r = n;
  }
  return r;
}

}  // namespace cohort::codegen
