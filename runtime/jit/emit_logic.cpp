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
/// polarity (1: f is EmitTruth, 0: EmitFalsity, -1: neither): in a row
/// chunk, the items made only of bitmaps become one spread bitmap
/// (Emitter::ChunkBitsOf) instead of one per bitmap they read.
Value* Combine(Emitter& em, const std::vector<ir::ExprId>& items, bool want_all,
               const std::function<Value*(ir::ExprId)>& f, int polarity = -1) {
  auto& B = em.b();
  Value* acc = want_all ? em.True() : em.False();
  const std::vector<ir::ExprId>* todo = &items;
  std::vector<ir::ExprId> bits, others;
  if (polarity >= 0 && items.size() > 1) {
    for (ir::ExprId id : items) {
      int ignored = 0;
      (!em.IsExpensive(id) && em.IsBitExpr(id, &ignored) ? bits : others).push_back(id);
    }
    if (Value* b = bits.empty() ? nullptr : em.ChunkBitsOf(bits, want_all, polarity == 1)) {
      acc = b;
      todo = &others;
    }
  }
  std::vector<ir::ExprId> expensive;
  for (ir::ExprId id : *todo) {
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
  return Combine(*this, conjuncts, /*want_all=*/true, [&](ir::ExprId a) { return EmitTruth(a); }, 1);
}

llvm::Value* Emitter::EmitTruth(ir::ExprId id) {
  if (Value* b = ChunkBitsOf({id}, true, true)) return b;
  const ir::Expr& e = expr(id);
  bool hoisted = !elements_.empty() && e.level == 0 && hoisted_.count(id);
  if (!hoisted && e.type.kind == TypeKind::kBool) {
    switch (e.kind) {
      case ir::ExprKind::kAnd: return Combine(*this, e.args, true, [&](ir::ExprId a) { return EmitTruth(a); }, 1);
      case ir::ExprKind::kOr: return Combine(*this, e.args, false, [&](ir::ExprId a) { return EmitTruth(a); }, 1);
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
  if (Value* b = ChunkBitsOf({id}, true, false)) return b;
  const ir::Expr& e = expr(id);
  bool hoisted = !elements_.empty() && e.level == 0 && hoisted_.count(id);
  if (!hoisted && e.type.kind == TypeKind::kBool) {
    switch (e.kind) {
      case ir::ExprKind::kAnd: return Combine(*this, e.args, false, [&](ir::ExprId a) { return EmitFalsity(a); }, 0);
      case ir::ExprKind::kOr: return Combine(*this, e.args, true, [&](ir::ExprId a) { return EmitFalsity(a); }, 0);
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

bool Emitter::IsBitExpr(ir::ExprId id, int* bitmaps) {
  if (id == ir::kNoExpr || id >= program_.exprs.size() || dict_sources_[id] != ir::kNoExpr) return false;
  const ir::Expr& e = expr(id);
  const Schema& schema = *program_.schema;
  if (e.type.kind != TypeKind::kBool) return false;
  switch (e.kind) {
    case ir::ExprKind::kColumn:
      if (e.column >= schema.columns.size() || schema.columns[e.column].type.kind != TypeKind::kBool) return false;
      *bitmaps += e.nullable ? 2 : 1;  // validity and values
      return true;
    case ir::ExprKind::kIsMissing: {
      if (e.args.size() != 1 || e.args[0] >= program_.exprs.size() || dict_sources_[e.args[0]] != ir::kNoExpr)
        return false;
      const ir::Expr& a = expr(e.args[0]);
      if (a.kind != ir::ExprKind::kColumn || !a.type.is_scalar() || a.column >= schema.columns.size() ||
          schema.columns[a.column].type.kind != a.type.kind)
        return false;
      *bitmaps += a.nullable ? 1 : 0;
      return true;
    }
    case ir::ExprKind::kNot: return e.args.size() == 1 && IsBitExpr(e.args[0], bitmaps);
    case ir::ExprKind::kAnd:
    case ir::ExprKind::kOr:
      for (ir::ExprId a : e.args)
        if (!IsBitExpr(a, bitmaps)) return false;
      return !e.args.empty();
    case ir::ExprKind::kDefineRef:
      return e.index < program_.defines.size() && IsBitExpr(program_.defines[e.index].body, bitmaps);
    default: return false;
  }
}

// C equivalent, in RowLoop's preparation of a chunk (emitter.cpp), 32 rows a step:
//   bits = T(x) or F(x) combined over the items, word by word:
//     column c:       T = valid(c) & values(c), F = valid(c) & ~values(c)
//     c is missing:   T = ~valid(c), F = valid(c)   (is present: swapped)
//     not x:          T = F(x), F = T(x)
//     and / or:       T = AND / OR of T(args), F = OR / AND of F(args)
//   then spread to one byte per row like a column's bitmap.
Value* Emitter::ChunkBitsOf(const std::vector<ir::ExprId>& items, bool all, bool truth) {
  if (!chunk_ || row_ != chunk_->row || !elements_.empty() || dict_entry_ || items.empty()) return nullptr;
  int bitmaps = 0;
  for (ir::ExprId id : items)
    if (!IsBitExpr(id, &bitmaps)) return nullptr;
  if (bitmaps < 2) return nullptr;  // one bitmap: spread as it is
  auto& B = builder_;
  BitRecipe recipe{all, {}};
  for (ir::ExprId id : items) recipe.items.push_back({id, truth});
  llvm::AllocaInst* bytes = nullptr;
  for (const ChunkBits& cb : chunk_->bits)
    if (cb.recipe == recipe) bytes = cb.bytes;
  if (!bytes) {
    bytes = Slot(llvm::ArrayType::get(B.getInt8Ty(), kRowChunk), "chunk_recipe");
    bytes->setAlignment(llvm::Align(32));
    chunk_->bits.push_back(ChunkBits{nullptr, nullptr, bytes, recipe});
  }
  Value* at = B.CreateGEP(B.getInt8Ty(), bytes, B.CreateSub(row_, chunk_->start, "", /*HasNUW=*/true, /*HasNSW=*/true));
  return B.CreateTrunc(B.CreateLoad(B.getInt8Ty(), at), B.getInt1Ty(), "bits");
}

Value* Emitter::RecipeBits(const BitRecipe& recipe, llvm::Type* t, Value* byte_at) {
  Value* acc = nullptr;
  for (const auto& [id, truth] : recipe.items) {
    Value* x = ExprBits(id, truth, t, byte_at);
    acc = !acc ? x : recipe.all ? builder_.CreateAnd(acc, x) : builder_.CreateOr(acc, x);
  }
  return acc;
}

Value* Emitter::ExprBits(ir::ExprId id, bool truth, llvm::Type* t, Value* byte_at) {
  auto& B = builder_;
  const ir::Expr& e = expr(id);
  Value* ones = llvm::Constant::getAllOnesValue(t);
  auto load = [&](Value* base, Value* vmask) {
    return B.CreateAlignedLoad(t, B.CreateGEP(B.getInt8Ty(), base, B.CreateAnd(byte_at, vmask)), llvm::Align(1));
  };
  switch (e.kind) {
    case ir::ExprKind::kColumn: {
      const ColumnPtrs& c = Column(e.column);
      Value* valid = e.nullable ? load(c.vbase, c.vmask) : ones;
      Value* x = load(c.values, B.getInt64(-1));
      return B.CreateAnd(valid, truth ? x : B.CreateNot(x));
    }
    case ir::ExprKind::kIsMissing: {
      const ir::Expr& a = expr(e.args[0]);
      const ColumnPtrs& c = Column(a.column);
      Value* present = a.nullable ? load(c.vbase, c.vmask) : ones;
      return e.negated == truth ? present : B.CreateNot(present);
    }
    case ir::ExprKind::kNot: return ExprBits(e.args[0], !truth, t, byte_at);
    case ir::ExprKind::kAnd:
    case ir::ExprKind::kOr: {
      const bool all = (e.kind == ir::ExprKind::kAnd) == truth;
      Value* acc = nullptr;
      for (ir::ExprId a : e.args) {
        Value* x = ExprBits(a, truth, t, byte_at);
        acc = !acc ? x : all ? B.CreateAnd(acc, x) : B.CreateOr(acc, x);
      }
      return acc;
    }
    case ir::ExprKind::kDefineRef: return ExprBits(program_.defines[e.index].body, truth, t, byte_at);
    default:
      Fail("internal: not a bitmap expression");
      return llvm::Constant::getNullValue(t);
  }
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
