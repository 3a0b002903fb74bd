// Dictionary-encoded strings (runtime/batch.h) in generated kernels.
//
// Any string read (ReadString) checks, per column and batch, whether the
// column is dictionary-encoded (a loop-invariant branch LLVM unswitches):
//   s = is_dict ? dict[codes[i]] : plain[i]
// A dictionary predicate (runtime/dict_plan.h: a bool node over one string
// source and constants) is evaluated once per dictionary entry in the kernel
// prologue, by the very same emitted node code reading entry k instead of a
// row, into a tri-state table (0 FALSE, 1 TRUE, 2 UNKNOWN); rows then read
//   t = table[codes[i]]; valid = source_valid(i) && t != 2; value = t == 1
// (the predicate is strict: a missing source is UNKNOWN, as per row). When
// the column is plain in this batch the table is empty and the row code is
// the ordinary one. C equivalent of the prologue, per (predicate, column):
//   uint8_t* table = cohort_jit_scratch(rt, slot, n = dict ? dict->length : 0);
//   for (k = 0; k < n; ++k) table[k] = P(dict entry k);
#include <fmt/format.h>
#include <llvm/IR/Constants.h>

#include "compiler/codegen/emitter.h"

namespace cohort::codegen {

using llvm::Value;

namespace {

/// if (cond) then() else otherwise(), joined with phis (same-shaped Vals).
Val IfElse(Emitter& em, llvm::Function* fn, Value* cond, const std::function<Val()>& then,
           const std::function<Val()>& otherwise) {
  auto& B = em.b();
  auto* then_bb = llvm::BasicBlock::Create(em.ctx(), "dict", fn);
  auto* else_bb = llvm::BasicBlock::Create(em.ctx(), "plain", fn);
  auto* join_bb = llvm::BasicBlock::Create(em.ctx(), "joined", fn);
  B.CreateCondBr(cond, then_bb, else_bb);
  B.SetInsertPoint(then_bb);
  Val t = then();
  llvm::BasicBlock* then_end = B.GetInsertBlock();
  B.CreateBr(join_bb);
  B.SetInsertPoint(else_bb);
  Val f = otherwise();
  llvm::BasicBlock* else_end = B.GetInsertBlock();
  B.CreateBr(join_bb);
  B.SetInsertPoint(join_bb);
  auto phi = [&](Value* a, Value* b) -> Value* {
    if (!a || !b) return nullptr;
    if (a == b) return a;
    llvm::PHINode* p = B.CreatePHI(a->getType(), 2);
    p->addIncoming(a, then_end);
    p->addIncoming(b, else_end);
    return p;
  };
  return Val{phi(t.v, f.v), phi(t.len, f.len), phi(t.valid, f.valid)};
}

}  // namespace

Val Emitter::ReadString(const ColumnPtrs& cols, Value* idx) {
  auto& B = builder_;
  auto plain = [&](const ColumnPtrs& c, Value* at) {
    auto [lo, hi] = ReadRange(c, at);
    return Val{B.CreateGEP(B.getInt8Ty(), c.data, lo, "str"), B.CreateTrunc(B.CreateSub(hi, lo), B.getInt32Ty(), "len"),
               True()};
  };
  if (!cols.is_dict || llvm::isa<llvm::ConstantInt>(cols.is_dict)) {
    if (cols.is_dict && llvm::cast<llvm::ConstantInt>(cols.is_dict)->isZero()) return plain(cols, idx);
    if (!cols.is_dict) return plain(cols, idx);
  }
  return IfElse(
      *this, fn_, cols.is_dict,
      [&] {
        Value* code = B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), cols.values, idx), "code");
        ColumnPtrs d;
        d.offsets = cols.dict_offsets;
        d.data = cols.dict_data;
        return plain(d, B.CreateSExt(code, B.getInt64Ty()));
      },
      [&] { return plain(cols, idx); });
}

Value* Emitter::DictTable(ir::ExprId id, const ColumnPtrs& src) {
  auto key = std::make_pair(id, src.col);
  auto it = dict_tables_.find(key);
  if (it != dict_tables_.end()) return it->second;
  auto& B = builder_;
  llvm::IRBuilderBase::InsertPointGuard guard(B);
  B.SetInsertPoint(prologue_tail_);
  auto scratch =
      Extern("cohort_jit_scratch", B.getPtrTy(), {B.getPtrTy(), B.getInt32Ty(), B.getInt32Ty()}, true, true);
  Value* n = src.dict_len;
  Value* table = B.CreateCall(
      scratch, {rt_, B.getInt32(static_cast<uint32_t>(NextScratchSlot())), B.CreateTrunc(n, B.getInt32Ty())}, "table");
  // Entry k stands for the source: no row, no element, no hoisted row values.
  auto saved_elements = std::move(elements_);
  auto saved_hoisted = std::move(hoisted_);
  elements_.clear();
  hoisted_.clear();
  Loop(B.getInt64(0), n, [&](Value* k) {
    ColumnPtrs d;
    d.offsets = src.dict_offsets;
    d.data = src.dict_data;
    d.vbase = ones_;
    d.vmask = B.getInt64(0);
    d.is_dict = False();
    dict_entry_ = DictEntry{d, k};
    Val v = Emit(id);
    dict_entry_.reset();
    Value* t = B.CreateSelect(v.valid, B.CreateZExt(v.v, B.getInt8Ty()), B.getInt8(2));
    B.CreateStore(t, B.CreateGEP(B.getInt8Ty(), table, k));
  });
  elements_ = std::move(saved_elements);
  hoisted_ = std::move(saved_hoisted);
  prologue_tail_ = B.GetInsertBlock();
  dict_tables_[key] = table;
  return table;
}

Val Emitter::EmitDictPredicate(ir::ExprId id, const ir::Expr& e) {
  auto& B = builder_;
  const ir::Expr& leaf = expr(dict_sources_[id]);
  const ColumnPtrs* src = nullptr;
  Value* idx = nullptr;
  switch (leaf.kind) {
    case ir::ExprKind::kColumn:
      if (leaf.column < program_.schema->columns.size() && row_) {
        src = &Column(leaf.column);
        idx = row_;
      }
      break;
    case ir::ExprKind::kVarItem:
    case ir::ExprKind::kVarField:
      if (!elements_.empty() && elements_.back().is_set == (leaf.kind == ir::ExprKind::kVarItem)) {
        const Element& el = elements_.back();
        src = &Child(el.column, leaf.kind == ir::ExprKind::kVarItem ? 0 : leaf.index);
        idx = el.index;
      }
      break;
    default: break;
  }
  if (!src) return EmitNode(id, e);
  const ColumnPtrs cols = *src;  // DictTable may add to the column caches
  Value* table = DictTable(id, cols);
  return IfElse(
      *this, fn_, cols.is_dict,
      [&] {
        Value* code = B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), cols.values, idx), "code");
        Value* t = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), table, B.CreateSExt(code, B.getInt64Ty())));
        Value* valid = B.CreateICmpNE(t, B.getInt8(2));
        if (leaf.nullable) valid = B.CreateAnd(ReadValidity(cols, idx), valid);
        return Val{B.CreateICmpEQ(t, B.getInt8(1)), nullptr, valid};
      },
      [&] { return EmitNode(id, e); });
}

}  // namespace cohort::codegen
