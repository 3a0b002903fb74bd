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
// `x == "c"` (`!=`) rows compare codes instead: code == match (!=), where
// match is the one entry equal to "c" (-1 if none).
// Clauses whose predicates read top-level columns come in two versions
// (EmitClause): when all those columns are dictionary-encoded in the batch,
// the predicates are branch-free lookups and count as cheap, so the clause's
// first pass stays vectorizable; otherwise the per-row check above.
#include <fmt/format.h>
#include <llvm/IR/Constants.h>

#include <algorithm>

#include "runtime/jit/emitter.h"

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

Emitter::DictTableVals Emitter::DictTable(ir::ExprId id, const ColumnPtrs& src, int find) {
  auto key = std::make_pair(id, src.col);
  auto it = dict_tables_.find(key);
  if (it != dict_tables_.end() && (find < 0 || it->second.match)) return it->second;
  auto& B = builder_;
  llvm::IRBuilderBase::InsertPointGuard guard(B);
  B.SetInsertPoint(prologue_tail_);
  auto scratch =
      Extern("cohort_jit_scratch", B.getPtrTy(), {B.getPtrTy(), B.getInt32Ty(), B.getInt32Ty()}, true, true);
  Value* n = src.dict_len;
  Value* table = B.CreateCall(
      scratch, {rt_, B.getInt32(static_cast<uint32_t>(NextScratchSlot())), B.CreateTrunc(n, B.getInt32Ty())}, "table");
  llvm::AllocaInst* match = find >= 0 ? Slot(B.getInt64Ty(), "match") : nullptr;
  if (match) B.CreateStore(B.getInt64(static_cast<uint64_t>(-1)), match);
  // Entry k stands for the source: no row, no element, no hoisted row values.
  auto saved_elements = std::move(elements_);
  auto saved_hoisted = std::move(hoisted_);
  auto saved_assume = std::move(assume_dict_);
  elements_.clear();
  hoisted_.clear();
  assume_dict_.clear();
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
    if (match) {
      Value* hit = B.CreateICmpEQ(t, B.getInt8(static_cast<uint8_t>(find)));
      B.CreateStore(B.CreateSelect(hit, k, B.CreateLoad(B.getInt64Ty(), match)), match);
    }
  });
  elements_ = std::move(saved_elements);
  hoisted_ = std::move(saved_hoisted);
  assume_dict_ = std::move(saved_assume);
  DictTableVals out{table, match ? B.CreateLoad(B.getInt64Ty(), match, "match_code") : nullptr};
  prologue_tail_ = B.GetInsertBlock();
  if (it != dict_tables_.end() && !out.match) out.match = it->second.match;
  dict_tables_[key] = out;
  return out;
}

Value* Emitter::DictCodeOf(const ColumnPtrs& src, const std::string& s) {
  auto& B = builder_;
  llvm::IRBuilderBase::InsertPointGuard guard(B);
  B.SetInsertPoint(prologue_tail_);
  llvm::AllocaInst* match = Slot(B.getInt64Ty(), "const_code");
  B.CreateStore(B.getInt64(static_cast<uint64_t>(-1)), match);
  Val lit{ConstBytes(s), B.getInt32(static_cast<uint32_t>(s.size())), True()};
  Loop(B.getInt64(0), src.dict_len, [&](Value* k) {
    ColumnPtrs d;
    d.offsets = src.dict_offsets;
    d.data = src.dict_data;
    d.is_dict = False();
    Val entry = ReadString(d, k);
    Value* eq = StringEquals(entry, lit);
    B.CreateStore(B.CreateSelect(eq, k, B.CreateLoad(B.getInt64Ty(), match)), match);
  });
  Value* code = B.CreateLoad(B.getInt64Ty(), match, "const_code");
  prologue_tail_ = B.GetInsertBlock();
  return code;
}

Val Emitter::EmitDictLookup(ir::ExprId id, const ir::Expr& e, const ir::Expr& leaf, const ColumnPtrs& cols,
                            Value* idx) {
  auto& B = builder_;
  Value* code = B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), cols.values, idx), "code");
  Value* code64 = B.CreateSExt(code, B.getInt64Ty());
  Value* src_valid = leaf.nullable ? ReadValidity(cols, idx) : True();
  // `x == "c"` / `x != "c"` with a present constant: entries are distinct, so
  // at most one code equals "c" (found once per dictionary; -1 if none, then
  // `==` is FALSE on every present row). Never UNKNOWN when x is present.
  if (e.kind == ir::ExprKind::kCompare && (e.cmp == ir::CmpOp::kEq || e.cmp == ir::CmpOp::kNe) &&
      e.args.size() == 2) {
    for (int side = 0; side < 2; ++side) {
      const ir::Expr& x = expr(e.args[side]);
      const ir::Expr& c = expr(e.args[1 - side]);
      if (&x != &leaf || c.kind != ir::ExprKind::kLiteral || c.literal.is_null) continue;
      // Table entries are 1 where the predicate holds: for `==` the match is
      // the code with a 1, for `!=` the code with a 0.
      const bool eq = e.cmp == ir::CmpOp::kEq;
      DictTableVals t = DictTable(id, cols, eq ? 1 : 0);
      // In the codes' own width (match is -1 or a code < 2^31): a vector of
      // i32 compares, not i64 ones.
      Value* same = B.CreateICmpEQ(code, B.CreateTrunc(t.match, B.getInt32Ty()));
      return Val{eq ? same : B.CreateNot(same), nullptr, src_valid};
    }
  }
  DictTableVals t = DictTable(id, cols, -1);
  Value* v = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), t.table, code64));
  return Val{B.CreateICmpEQ(v, B.getInt8(1)), nullptr, B.CreateAnd(src_valid, B.CreateICmpNE(v, B.getInt8(2)))};
}

Val Emitter::EmitDictPredicate(ir::ExprId id, const ir::Expr& e) {
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
  if (leaf.kind == ir::ExprKind::kColumn &&
      std::find(assume_dict_.begin(), assume_dict_.end(), leaf.column) != assume_dict_.end())
    return EmitDictLookup(id, e, leaf, cols, idx);
  return IfElse(
      *this, fn_, cols.is_dict, [&] { return EmitDictLookup(id, e, leaf, cols, idx); },
      [&] { return EmitNode(id, e); });
}

void Emitter::DictColumns(ir::ExprId root, std::vector<ColumnId>* out) {
  constexpr size_t kMaxColumns = 8;  // beyond that, per-row branches only
  std::vector<ir::ExprId> stack{root};
  std::vector<bool> seen(program_.exprs.size(), false);
  while (!stack.empty()) {
    ir::ExprId id = stack.back();
    stack.pop_back();
    if (id == ir::kNoExpr || id >= program_.exprs.size() || seen[id]) continue;
    seen[id] = true;
    const ir::Expr& e = expr(id);
    if (dict_sources_[id] != ir::kNoExpr) {
      const ir::Expr& leaf = expr(dict_sources_[id]);
      if (leaf.kind == ir::ExprKind::kColumn && std::find(out->begin(), out->end(), leaf.column) == out->end() &&
          leaf.column < program_.schema->columns.size()) {
        if (out->size() == kMaxColumns) {
          out->clear();
          return;
        }
        out->push_back(leaf.column);
      }
    }
    if (e.kind == ir::ExprKind::kDefineRef && e.index < program_.defines.size())
      stack.push_back(program_.defines[e.index].body);
    for (ir::ExprId a : e.args) stack.push_back(a);
  }
}

void Emitter::EmitClause(ir::ExprId id, Value* gate, Value* out) {
  std::vector<ColumnId> cols;
  if (id != ir::kNoExpr && assume_dict_.empty()) DictColumns(id, &cols);
  if (cols.empty()) return EmitClauseBody(id, gate, out);
  // Two versions of the clause loops: with every such column dictionary-
  // encoded in this batch, its predicates are branch-free lookups (cheap,
  // vectorizable); otherwise each predicate checks its column per row.
  EmitDictVersions(
      cols, [&] { EmitClauseBody(id, gate, out); }, [&] { EmitClauseBody(id, gate, out); });
}

void Emitter::EmitDictVersions(const std::vector<ColumnId>& cols, const std::function<void()>& dict,
                               const std::function<void()>& other) {
  auto& B = builder_;
  Value* all = True();
  for (ColumnId c : cols) all = B.CreateAnd(all, Column(c).is_dict);
  auto* dict_bb = llvm::BasicBlock::Create(ctx_, "all_dict", fn_);
  auto* other_bb = llvm::BasicBlock::Create(ctx_, "not_all_dict", fn_);
  auto* join_bb = llvm::BasicBlock::Create(ctx_, "versions_done", fn_);
  B.CreateCondBr(all, dict_bb, other_bb);
  B.SetInsertPoint(dict_bb);
  auto saved = std::move(expensive_);  // costs differ in this version
  expensive_.clear();
  assume_dict_ = cols;
  dict();
  assume_dict_.clear();
  expensive_ = std::move(saved);
  B.CreateBr(join_bb);
  B.SetInsertPoint(other_bb);
  other();
  B.CreateBr(join_bb);
  B.SetInsertPoint(join_bb);
}

}  // namespace cohort::codegen
