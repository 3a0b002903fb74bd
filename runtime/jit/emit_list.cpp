// Quantifiers and aggregates over list<Record> and set<string> columns, and
// the element variables inside their bodies.
//
// C equivalents (row i; children indexed by j):
//   any:   bool r = false; for (j = off[i]; j < off[i+1] && !r; ++j) r = T(body);
//   all:   bool r = true;  for (j = off[i]; j < off[i+1] && r; ++j) r = T(body);
//   no:    !any
//   count: int64_t n = 0;  for (j = off[i]; j < off[i+1]; ++j) n += T(body);
//   min:   for (...) if (T(filter) && value.valid && (!have || value < best)) best = value, have = true;
//          valid = have   (max likewise with >)
// Row-level sub-expressions of the body (IR level 0) are evaluated once,
// before the loop; only element-level ones run per element.
#include <fmt/format.h>

#include "runtime/jit/emitter.h"

namespace cohort::codegen {

using llvm::Value;

namespace {
bool IsCollection(const Schema& schema, ColumnId c, bool* is_set) {
  if (c >= schema.columns.size()) return false;
  TypeKind k = schema.columns[c].type.kind;
  *is_set = k == TypeKind::kStringSet;
  return k == TypeKind::kStringSet || (k == TypeKind::kList && schema.columns[c].type.record_def);
}
}  // namespace

Val Emitter::EmitQuantifier(const ir::Expr& e) {
  auto& B = builder_;
  bool is_set = false;
  if (!IsCollection(*program_.schema, e.column, &is_set) || e.args.empty()) {
    Fail("a quantifier must range over a list or set column");
    return Dummy(e.type);
  }
  ir::ExprId body = e.args[0];
  auto saved = hoisted_;
  Hoist(body);

  llvm::AllocaInst* acc = nullptr;
  const bool counting = e.quant == ir::Quant::kCount;
  const bool all = e.quant == ir::Quant::kAll;
  if (counting) {
    acc = Slot(B.getInt64Ty(), "count");
    B.CreateStore(B.getInt64(0), acc);
  } else if (e.quant == ir::Quant::kAny || e.quant == ir::Quant::kNo || all) {
    acc = Slot(B.getInt1Ty(), all ? "all" : "any");
    B.CreateStore(all ? True() : False(), acc);
  } else {
    Fail(fmt::format("quantifier `{}` is not any/all/no/count", ir::QuantName(e.quant)));
    hoisted_ = std::move(saved);
    return Dummy(e.type);
  }
  auto [lo, hi] = ReadRange(Column(e.column), row_);
  auto body_fn = [&](Value* j) {
    elements_.push_back(Element{e.column, is_set, j});
    Value* t = EmitTruth(body);
    elements_.pop_back();
    if (counting) {
      Value* n = B.CreateLoad(B.getInt64Ty(), acc);
      B.CreateStore(B.CreateAdd(n, B.CreateZExt(t, B.getInt64Ty())), acc);
    } else {
      B.CreateStore(t, acc);
    }
  };
  if (counting) {
    Loop(lo, hi, body_fn);
  } else {
    // any/no stop at the first TRUE body, all at the first non-TRUE one.
    Loop(lo, hi, body_fn, [&] {
      Value* r = B.CreateLoad(B.getInt1Ty(), acc);
      return all ? r : B.CreateNot(r);
    });
  }
  hoisted_ = std::move(saved);
  Value* r = B.CreateLoad(counting ? B.getInt64Ty() : B.getInt1Ty(), acc);
  if (e.quant == ir::Quant::kNo) r = B.CreateNot(r);
  return Val{r, nullptr, True()};
}

Val Emitter::EmitAggregate(const ir::Expr& e) {
  auto& B = builder_;
  bool is_set = false;
  if (!IsCollection(*program_.schema, e.column, &is_set) || e.args.empty() ||
      (e.quant != ir::Quant::kMin && e.quant != ir::Quant::kMax)) {
    Fail("an aggregate must be min/max over a list or set column");
    return Dummy(e.type);
  }
  ir::ExprId value = e.args[0];
  ir::ExprId filter = e.args.size() > 1 ? e.args[1] : ir::kNoExpr;
  TypeKind kind = e.type.kind;
  if (expr(value).type.kind != kind) {
    Fail("aggregate value and result types differ");
    return Dummy(e.type);
  }
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kDecimal:
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
    case TypeKind::kEnum:
    case TypeKind::kBool:
    case TypeKind::kString: break;
    default:
      Fail(fmt::format("the JIT does not support min/max of {}", e.type.ToString()));
      return Dummy(e.type);
  }
  const ir::CmpOp better_op = e.quant == ir::Quant::kMin ? ir::CmpOp::kLt : ir::CmpOp::kGt;
  auto saved = hoisted_;
  Hoist(value);
  if (filter != ir::kNoExpr) Hoist(filter);

  llvm::Type* t = ScalarType(kind);
  llvm::AllocaInst* have = Slot(B.getInt1Ty(), "have");
  llvm::AllocaInst* best = Slot(t, "best");
  llvm::AllocaInst* best_len = kind == TypeKind::kString ? Slot(B.getInt32Ty(), "best_len") : nullptr;
  B.CreateStore(False(), have);
  B.CreateStore(llvm::Constant::getNullValue(t), best);
  if (best_len) B.CreateStore(B.getInt32(0), best_len);

  const int keep_slot = kind == TypeKind::kString && IsExpensive(value) ? NextScratchSlot() : -1;
  auto [lo, hi] = ReadRange(Column(e.column), row_);
  Loop(lo, hi, [&](Value* j) {
    elements_.push_back(Element{e.column, is_set, j});
    Value* pass = filter != ir::kNoExpr ? EmitTruth(filter) : True();
    Val none = Dummy(e.type);
    Val v = Guarded(pass, [&] { return Emit(value); }, none);
    elements_.pop_back();
    Value* had = B.CreateLoad(B.getInt1Ty(), have);
    Val cur{B.CreateLoad(t, best), best_len ? B.CreateLoad(B.getInt32Ty(), best_len) : nullptr, True()};
    // take = v.valid && (!have || v BETTER best); strings compare only when both exist.
    Val no{False(), nullptr, True()};
    Val better = Guarded(
        B.CreateAnd(v.valid, had), [&] { return Val{CompareScalars(better_op, kind, v, cur), nullptr, True()}; }, no);
    Value* take = B.CreateAnd(v.valid, B.CreateOr(B.CreateNot(had), better.v));
    Value* taken = v.v;
    if (keep_slot >= 0) {
      // The value may live in a call site's scratch buffer, which the next
      // element overwrites: keep a copy of the best string in our own slot.
      Val copied = Guarded(
          take,
          [&] {
            auto scratch = Extern("cohort_jit_scratch", B.getPtrTy(), {B.getPtrTy(), B.getInt32Ty(), B.getInt32Ty()},
                                  true, true);
            Value* p = B.CreateCall(scratch, {rt_, B.getInt32(static_cast<uint32_t>(keep_slot)), v.len});
            B.CreateMemCpy(p, llvm::MaybeAlign(1), v.v, llvm::MaybeAlign(1), B.CreateZExt(v.len, B.getInt64Ty()));
            return Val{p, nullptr, True()};
          },
          Val{cur.v, nullptr, True()});
      taken = copied.v;
    }
    B.CreateStore(B.CreateSelect(take, taken, cur.v), best);
    if (best_len) B.CreateStore(B.CreateSelect(take, v.len, cur.len), best_len);
    B.CreateStore(B.CreateOr(had, take), have);
  });
  hoisted_ = std::move(saved);
  Val out;
  out.v = B.CreateLoad(t, best);
  if (best_len) out.len = B.CreateLoad(B.getInt32Ty(), best_len);
  out.valid = B.CreateLoad(B.getInt1Ty(), have);
  return out;
}

Val Emitter::EmitVarItem(const ir::Expr& e) {
  if (dict_entry_) return ReadColumn(dict_entry_->dict, TypeKind::kString, false, dict_entry_->idx);
  if (elements_.empty() || !elements_.back().is_set) {
    Fail("a set item used outside a quantifier over a set");
    return Dummy(e.type);
  }
  const Element& el = elements_.back();
  return ReadColumn(Child(el.column, 0), TypeKind::kString, /*nullable=*/false, el.index);
}

Val Emitter::EmitVarField(const ir::Expr& e) {
  if (dict_entry_) return ReadColumn(dict_entry_->dict, TypeKind::kString, false, dict_entry_->idx);
  if (elements_.empty() || elements_.back().is_set) {
    Fail("an element field used outside a quantifier over a list");
    return Dummy(e.type);
  }
  const Element& el = elements_.back();
  const ColumnDef& col = program_.schema->columns[el.column];
  const RecordDef& rec = *col.type.record_def;
  if (e.index >= rec.fields.size() || rec.fields[e.index].type.kind != e.type.kind) {
    Fail(fmt::format("element field {} of `{}` does not match the schema", e.index, col.path));
    return Dummy(e.type);
  }
  return ReadColumn(Child(el.column, e.index), e.type.kind, e.nullable, el.index);
}

}  // namespace cohort::codegen
