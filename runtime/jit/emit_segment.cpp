// Segments: the kernel body, one block of row loops per segment (in
// segment_order, so `in segment X` reads X's finished member mask).
//
// C equivalent of one segment (cheap = conjuncts without loops, calls or
// string comparisons; they are evaluated branch-free and auto-vectorize):
//
//   for (i = 0; i < n; ++i) where[i] = T(cheap_w, i);
//   for (i = 0; i < n; ++i) if (where[i]) where[i] = T(expensive_w, i);
//   for each exclude k:
//     for (i = 0; i < n; ++i) excl_k[i] = where[i] & T(cheap_k, i);
//     for (i = 0; i < n; ++i) if (excl_k[i]) excl_k[i] = T(expensive_k, i);
//   for (i = 0; i < n; ++i) member[i] = where[i] & !(excl_0[i] | excl_1[i] | ...);
//   for each channel c: like an exclude, gated by member[i].
//
// Excludes are computed only where `where` is TRUE and channels only for
// members (engine.h: the masks are meaningful only there; elsewhere 0).
//
// A segment whose clauses are all cheap (typically once its dictionary
// columns are known to be encoded: predicates become table lookups) is one
// fused pass instead, writing every mask of the row at once:
//
//   for (i = 0; i < n; ++i) {
//     w = T(where, i); where[i] = w; any = 0;
//     for each exclude k: e = w & T(excl_k, i); excl_k[i] = e; any |= e;
//     m = w & !any; member[i] = m;
//     for each channel c: chan_c[i] = m & T(chan_c, i);
//   }
//
// Every mask byte of every row is written either way, so the engine does not
// zero-fill the masks first (BatchResult::Resize).
#include <fmt/format.h>

#include <algorithm>

#include "runtime/jit/emitter.h"

namespace cohort::codegen {

using llvm::Value;

void Emitter::EmitClauseBody(ir::ExprId id, Value* gate, Value* out) {
  auto& B = builder_;
  std::vector<ir::ExprId> cheap, expensive;
  if (id != ir::kNoExpr) {
    std::vector<ir::ExprId> conjuncts;
    Conjuncts(id, &conjuncts);
    for (ir::ExprId c : conjuncts) {
      if (expr(c).type.kind != TypeKind::kBool) {
        Fail("a clause condition is not a bool");
        return;
      }
      (IsExpensive(c) ? expensive : cheap).push_back(c);
    }
  }
  RowLoop([&](Value* i) {
    row_ = i;
    Value* t = EmitAllTrue(cheap);
    if (gate) {
      Value* g = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), gate, i));
      t = B.CreateAnd(t, B.CreateICmpNE(g, B.getInt8(0)));
    }
    B.CreateStore(B.CreateZExt(t, B.getInt8Ty()), B.CreateGEP(B.getInt8Ty(), out, i));
  }, /*branch_free=*/true);
  if (expensive.empty()) return;
  RowLoop([&](Value* i) {
    row_ = i;
    Value* slot = B.CreateGEP(B.getInt8Ty(), out, i);
    Value* cur = B.CreateICmpNE(B.CreateLoad(B.getInt8Ty(), slot), B.getInt8(0));
    Guarded(
        cur,
        [&] {
          Value* t = EmitAllTrue(expensive);
          B.CreateStore(B.CreateZExt(t, B.getInt8Ty()), slot);
          return Val{True(), nullptr, True()};
        },
        Val{True(), nullptr, True()});
  }, /*branch_free=*/false);
}

bool Emitter::SegmentFusible(uint32_t s) {
  const ir::Segment& seg = program_.segments[s];
  std::vector<ir::ExprId> clauses{seg.where};
  clauses.insert(clauses.end(), seg.excludes.begin(), seg.excludes.end());
  for (const ir::Channel& ch : seg.channels) {
    if (ch.condition == ir::kNoExpr) return false;  // reported by the passes
    clauses.push_back(ch.condition);
  }
  for (ir::ExprId id : clauses) {
    if (id == ir::kNoExpr) continue;
    std::vector<ir::ExprId> conjuncts;
    Conjuncts(id, &conjuncts);
    for (ir::ExprId c : conjuncts)
      if (expr(c).type.kind != TypeKind::kBool || IsExpensive(c)) return false;
  }
  return true;
}

void Emitter::EmitFusedSegment(uint32_t s) {
  auto& B = builder_;
  const ir::Segment& seg = program_.segments[s];
  const uint32_t base = mask_bases_[s];
  const uint32_t num_ex = static_cast<uint32_t>(seg.excludes.size());
  auto truth = [&](ir::ExprId id) {
    std::vector<ir::ExprId> conjuncts;
    if (id != ir::kNoExpr) Conjuncts(id, &conjuncts);
    return EmitAllTrue(conjuncts);
  };
  auto store = [&](uint32_t mask, Value* i, Value* bit) {
    B.CreateStore(B.CreateZExt(bit, B.getInt8Ty()), B.CreateGEP(B.getInt8Ty(), MaskPtr(mask), i));
  };
  RowLoop([&](Value* i) {
    row_ = i;
    Value* w = truth(seg.where);
    store(base, i, w);
    Value* any = B.getFalse();
    for (uint32_t k = 0; k < num_ex; ++k) {
      Value* e = B.CreateAnd(w, truth(seg.excludes[k]));
      store(base + 1 + k, i, e);
      any = B.CreateOr(any, e);
    }
    Value* m = B.CreateAnd(w, B.CreateNot(any));
    store(base + 1 + num_ex, i, m);
    for (uint32_t c = 0; c < seg.channels.size(); ++c)
      store(base + 2 + num_ex + c, i, B.CreateAnd(m, truth(seg.channels[c].condition)));
  }, /*branch_free=*/true);
}

void Emitter::EmitSegment(uint32_t s) {
  const ir::Segment& seg = program_.segments[s];
  // The dictionary columns of all clauses: when all are encoded in the batch
  // and that makes every clause cheap, one fused pass; otherwise the passes
  // (each clause then has its own dictionary version, EmitClause).
  std::vector<ColumnId> cols;
  std::vector<ir::ExprId> clauses{seg.where};
  clauses.insert(clauses.end(), seg.excludes.begin(), seg.excludes.end());
  for (const ir::Channel& ch : seg.channels) clauses.push_back(ch.condition);
  for (ir::ExprId id : clauses) {
    if (id == ir::kNoExpr) continue;
    std::vector<ColumnId> c;
    DictColumns(id, &c);
    for (ColumnId x : c)
      if (std::find(cols.begin(), cols.end(), x) == cols.end()) cols.push_back(x);
  }
  if (cols.size() > 8) cols.clear();  // as DictColumns: beyond that, per-row branches
  bool fused_dict = false;
  if (!cols.empty()) {
    auto saved = std::move(expensive_);  // costs differ under the assumption
    expensive_.clear();
    assume_dict_ = cols;
    fused_dict = SegmentFusible(s);
    assume_dict_.clear();
    expensive_ = std::move(saved);
  }
  if (fused_dict) {
    EmitDictVersions(cols, [&] { EmitFusedSegment(s); }, [&] { EmitSegmentPasses(s); });
  } else if (SegmentFusible(s)) {
    EmitFusedSegment(s);
  } else {
    EmitSegmentPasses(s);
  }
  row_ = nullptr;
}

void Emitter::EmitSegmentPasses(uint32_t s) {
  auto& B = builder_;
  const ir::Segment& seg = program_.segments[s];
  const uint32_t base = mask_bases_[s];
  const uint32_t num_ex = static_cast<uint32_t>(seg.excludes.size());
  Value* where = MaskPtr(base);
  Value* member = MaskPtr(base + 1 + num_ex);
  EmitClause(seg.where, nullptr, where);
  for (uint32_t k = 0; k < num_ex; ++k) EmitClause(seg.excludes[k], where, MaskPtr(base + 1 + k));
  RowLoop([&](Value* i) {
    Value* m = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), where, i));
    Value* any_ex = B.getInt8(0);
    for (uint32_t k = 0; k < num_ex; ++k)
      any_ex = B.CreateOr(any_ex, B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), MaskPtr(base + 1 + k), i)));
    Value* is_member = B.CreateAnd(B.CreateICmpNE(m, B.getInt8(0)), B.CreateICmpEQ(any_ex, B.getInt8(0)));
    B.CreateStore(B.CreateZExt(is_member, B.getInt8Ty()), B.CreateGEP(B.getInt8Ty(), member, i));
  }, /*branch_free=*/true);
  for (uint32_t c = 0; c < seg.channels.size(); ++c) {
    if (seg.channels[c].condition == ir::kNoExpr) {
      Fail(fmt::format("channel `{}` of `{}` has no condition", seg.channels[c].name, seg.name));
      continue;
    }
    EmitClause(seg.channels[c].condition, member, MaskPtr(base + 2 + num_ex + c));
  }
}

Val Emitter::EmitSegmentRef(const ir::Expr& e) {
  auto& B = builder_;
  if (e.index >= program_.segments.size()) {
    Fail(fmt::format("segment reference {} out of range", e.index));
    return Dummy(Type::Bool());
  }
  if (!segment_done_[e.index]) {
    Fail(fmt::format("`in segment {}` is evaluated before that segment (segment_order)", program_.segments[e.index].name));
    return Dummy(Type::Bool());
  }
  const ir::Segment& ref = program_.segments[e.index];
  Value* member = MaskPtr(mask_bases_[e.index] + 1 + static_cast<uint32_t>(ref.excludes.size()));
  Value* byte = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), member, row_));
  return Val{B.CreateICmpNE(byte, B.getInt8(0)), nullptr, True()};
}

}  // namespace cohort::codegen
