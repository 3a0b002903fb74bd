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

#include <algorithm>
#include <functional>

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
/// Nodes that read the row (a column, a segment's mask, a define) or loop
/// over a collection of it.
bool ReadsRow(ir::ExprKind k) {
  return k == ir::ExprKind::kColumn || k == ir::ExprKind::kSegmentRef || k == ir::ExprKind::kDefineRef ||
         k == ir::ExprKind::kQuantifier || k == ir::ExprKind::kAggregate;
}
}  // namespace

bool Emitter::RowFree(ir::ExprId id) {
  if (id == ir::kNoExpr || id >= program_.exprs.size() || dict_sources_[id] != ir::kNoExpr) return false;
  const ir::Expr& e = expr(id);
  if (ReadsRow(e.kind) || e.kind == ir::ExprKind::kVarField || e.kind == ir::ExprKind::kVarItem) return false;
  for (ir::ExprId a : e.args)
    if (!RowFree(a)) return false;
  return true;
}

bool Emitter::ElementOnly(ir::ExprId id) {
  if (id == ir::kNoExpr || id >= program_.exprs.size()) return false;
  const ir::Expr& e = expr(id);
  if (e.level == 0) return RowFree(id);  // constant per call: hoisted once
  if (dict_sources_[id] != ir::kNoExpr || ReadsRow(e.kind)) return false;
  switch (e.kind) {
    case ir::ExprKind::kInSet: return false;
    case ir::ExprKind::kCall:
      if (!IsInlineFunction(e.index)) return false;
      break;
    case ir::ExprKind::kCompare:
    case ir::ExprKind::kInList:
      if (!e.args.empty() && expr(e.args[0]).type.kind == TypeKind::kString) return false;
      break;
    case ir::ExprKind::kAddDuration: return false;
    default: break;
  }
  for (ir::ExprId a : e.args)
    if (!ElementOnly(a)) return false;
  return true;
}

bool Emitter::Precomputable(const ir::Expr& e) {
  bool is_set = false;
  if (!vectorize_ || e.kind != ir::ExprKind::kQuantifier || e.args.empty() ||
      !IsCollection(*program_.schema, e.column, &is_set))
    return false;
  if (e.quant != ir::Quant::kAny && e.quant != ir::Quant::kAll && e.quant != ir::Quant::kNo &&
      e.quant != ir::Quant::kCount)
    return false;
  auto it = precomputable_.find(&e);
  if (it != precomputable_.end()) return it->second;
  return precomputable_[&e] = ElementOnly(e.args[0]);
}

// A quantifier whose body reads only the element (and per-call constants),
// in the optimized kernel: the body runs once per element, before the rows,
// and each row boundary gets the number of TRUE bodies before it; a row's
// answer is the difference of two consecutive counts, with no loop, branch
// or gather in the row loop. Counted per row chunk (RowLoop), in cache:
//
//   rows [r0, r1): base = off[r0]; E = off[r1] - base;
//     for (k = 0; k < E; ++k) t[k] = T(body, base + k);        // bytes, vectorized
//     t[E..E+63] = 0;
//     for (w = 0, run = 0; w <= E / 64; ++w) {                 // 64 elements a step
//       bits[w] = t[64w..64w+63] != 0 as u64;                  // two vpmovmskb
//       run_at[w] = run; run += popcount(bits[w]);
//     }
//     for (i = r0; i <= r1; ++i) {                             // TRUE bodies before x
//       x = off[i] - base; prefetch(next chunk's fields, line i);
//       c[i - r0] = run_at[x / 64] + popcount(bits[x / 64] & ((1 << x % 64) - 1)); }
//   row i:  d = c[i + 1 - r0] - c[i - r0]
//           any: d > 0, no: d == 0, all: d == off[i + 1] - off[i], count: d
//
// (JitEngine sends batches with 2^28 or more elements in a list column to
// the interpreter, so the counts fit in int32 and the scratch size in i32.)
Emitter::ElementCounts Emitter::EmitElementCounts(const ir::Expr& e, bool is_set, Value* r0, Value* r1, int slot) {
  auto& B = builder_;
  const ColumnPtrs& list = Column(e.column);
  auto off = [&](Value* r) {
    return B.CreateSExt(B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), list.offsets, r)), B.getInt64Ty());
  };
  Value* base = off(r0);
  // Corrupt offsets (decreasing) count as no elements.
  Value* n = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, B.CreateSub(off(r1), base), B.getInt64(0), nullptr,
                                     "elements");
  Value* words = B.CreateAdd(B.CreateLShr(n, 6), B.getInt64(1), "words");  // 0..E/64
  Value* rows = B.CreateAdd(B.CreateSub(r1, r0), B.getInt64(1));
  // One scratch buffer: t (E + 64 bytes, rounded to 8), bits (8 per word),
  // run_at (4 per word), c (4 per row boundary).
  Value* t_bytes = B.CreateAnd(B.CreateAdd(n, B.getInt64(71)), B.getInt64(~int64_t{7}));
  Value* bits_at = t_bytes;
  Value* run_at_at = B.CreateAdd(bits_at, B.CreateShl(words, 3));
  Value* c_at = B.CreateAdd(run_at_at, B.CreateShl(words, 2));
  Value* total = B.CreateAdd(c_at, B.CreateShl(rows, 2));
  auto scratch =
      Extern("cohort_jit_scratch", B.getPtrTy(), {B.getPtrTy(), B.getInt32Ty(), B.getInt32Ty()}, true, true);
  Value* buf = B.CreateCall(scratch, {rt_, B.getInt32(static_cast<uint32_t>(slot)), B.CreateTrunc(total, B.getInt32Ty())},
                            "element_counts");
  Value* bits = B.CreateGEP(B.getInt8Ty(), buf, bits_at);
  Value* run_at = B.CreateGEP(B.getInt8Ty(), buf, run_at_at);
  Value* c = B.CreateGEP(B.getInt8Ty(), buf, c_at);

  auto saved_hoisted = std::move(hoisted_);
  Value* saved_row = row_;
  if (chunk_) Fail("internal: element counts emitted inside a row loop body");  // RowLoop emits them after
  hoisted_.clear();
  row_ = nullptr;
  Hoist(e.args[0]);
  BoundedLoop(
      B.getInt64(0), n,
      [&](Value* k) {
        elements_.push_back(Element{e.column, is_set, B.CreateAdd(base, k)});
        Value* t = EmitTruth(e.args[0]);
        elements_.pop_back();
        B.CreateStore(B.CreateZExt(t, B.getInt8Ty()), B.CreateGEP(B.getInt8Ty(), buf, k));
      },
      kRowVectorWidth);
  hoisted_ = std::move(saved_hoisted);
  row_ = saved_row;
  auto* v64 = llvm::FixedVectorType::get(B.getInt8Ty(), 64);
  B.CreateAlignedStore(llvm::Constant::getNullValue(v64), B.CreateGEP(B.getInt8Ty(), buf, n), llvm::Align(1));
  llvm::AllocaInst* run = Slot(B.getInt32Ty(), "running");
  B.CreateStore(B.getInt32(0), run);
  auto popcount = [&](Value* x) { return B.CreateTrunc(B.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, x), B.getInt32Ty()); };
  BoundedLoop(
      B.getInt64(0), words,
      [&](Value* w) {
        Value* t = B.CreateAlignedLoad(v64, B.CreateGEP(B.getInt8Ty(), buf, B.CreateShl(w, 6)), llvm::Align(8));
        Value* m = B.CreateBitCast(B.CreateICmpNE(t, llvm::Constant::getNullValue(v64)), B.getInt64Ty());
        B.CreateStore(m, B.CreateGEP(B.getInt64Ty(), bits, w));
        Value* r = B.CreateLoad(B.getInt32Ty(), run);
        B.CreateStore(r, B.CreateGEP(B.getInt32Ty(), run_at, w));
        B.CreateStore(B.CreateAdd(r, popcount(m)), run);
      },
      1);
  // The element fields the body reads at a fixed width: the boundary loop
  // prefetches one cache line of each per row, from the next chunk's first
  // element (base + n) on, so the next element loop finds them in cache (a
  // chunk averages well under 8 elements per row: the lines it needs are
  // covered) instead of waiting on memory while these scalar loops leave the
  // hardware prefetchers idle.
  std::vector<std::pair<Value*, llvm::Type*>> fields;
  if (!is_set) {
    std::vector<uint32_t> read;
    std::function<void(ir::ExprId)> walk = [&](ir::ExprId id) {
      if (id == ir::kNoExpr || id >= program_.exprs.size()) return;
      const ir::Expr& x = expr(id);
      if (x.kind == ir::ExprKind::kVarField) read.push_back(x.index);
      for (ir::ExprId a : x.args) walk(a);
    };
    walk(e.args[0]);
    std::sort(read.begin(), read.end());
    read.erase(std::unique(read.begin(), read.end()), read.end());
    const RecordDef& rec = *program_.schema->columns[e.column].type.record_def;
    for (uint32_t k : read) {
      if (k >= rec.fields.size()) continue;
      const TypeKind kind = rec.fields[k].type.kind;
      if (kind == TypeKind::kBool || kind == TypeKind::kString) continue;  // bitmaps, strings: not prefetched
      fields.push_back({Child(e.column, k).values, ScalarType(kind)});
    }
  }
  llvm::Function* prefetch = llvm::Intrinsic::getDeclaration(&module_, llvm::Intrinsic::prefetch, {B.getPtrTy()});
  BoundedLoop(
      B.getInt64(0), rows,
      [&](Value* i) {
        for (const auto& [values, type] : fields) {
          Value* ahead = B.CreateGEP(type, values, B.CreateAdd(B.CreateAdd(base, n), B.CreateShl(i, 3)));
          B.CreateCall(prefetch, {ahead, B.getInt32(0), B.getInt32(3), B.getInt32(1)});
        }
        Value* x = B.CreateBinaryIntrinsic(llvm::Intrinsic::umin, B.CreateSub(off(B.CreateAdd(r0, i)), base), n);
        Value* w = B.CreateLShr(x, 6);
        Value* m = B.CreateLoad(B.getInt64Ty(), B.CreateGEP(B.getInt64Ty(), bits, w));
        Value* below = B.CreateSub(B.CreateShl(B.getInt64(1), B.CreateAnd(x, B.getInt64(63))), B.getInt64(1));
        Value* cnt = B.CreateAdd(B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), run_at, w)),
                                 popcount(B.CreateAnd(m, below)));
        B.CreateStore(cnt, B.CreateGEP(B.getInt32Ty(), c, i));
      },
      0);
  return ElementCounts{c, r0};
}

Val Emitter::EmitPrecomputedQuantifier(const ir::Expr& e, bool is_set) {
  auto& B = builder_;
  // Counted in the chunk's preparation block (RowLoop), emitted after the
  // body: the body reads the counts' address and first row from slots.
  ChunkCounts* cc = nullptr;
  for (ChunkCounts& x : chunk_->counts)
    if (x.quantifier == &e) cc = &x;
  if (!cc) {
    chunk_->counts.push_back(
        ChunkCounts{&e, is_set, Slot(B.getPtrTy(), "counts"), Slot(B.getInt64Ty(), "first_row"), NextScratchSlot()});
    cc = &chunk_->counts.back();
  }
  ElementCounts ec{B.CreateLoad(B.getPtrTy(), cc->counts), B.CreateLoad(B.getInt64Ty(), cc->r0)};
  Value* at = B.CreateSub(row_, ec.r0);
  auto count = [&](Value* k) { return B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), ec.counts, k)); };
  Value* d = B.CreateSub(count(B.CreateAdd(at, B.getInt64(1))), count(at), "true_elements");
  switch (e.quant) {
    case ir::Quant::kAny: return Val{B.CreateICmpSGT(d, B.getInt32(0)), nullptr, True()};
    case ir::Quant::kNo: return Val{B.CreateICmpSLE(d, B.getInt32(0)), nullptr, True()};
    case ir::Quant::kCount:
      return Val{B.CreateSExt(B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, d, B.getInt32(0)), B.getInt64Ty()),
                 nullptr, True()};
    default: {  // kAll: every element TRUE (an empty or corrupt range: no element, TRUE)
      auto [lo, hi] = ReadRange(Column(e.column), row_);
      Value* len = B.CreateBinaryIntrinsic(llvm::Intrinsic::smax, B.CreateSub(hi, lo), B.getInt64(0));
      return Val{B.CreateICmpEQ(B.CreateSExt(d, B.getInt64Ty()), len), nullptr, True()};
    }
  }
}

Val Emitter::EmitQuantifier(const ir::Expr& e) {
  auto& B = builder_;
  bool is_set = false;
  if (!IsCollection(*program_.schema, e.column, &is_set) || e.args.empty()) {
    Fail("a quantifier must range over a list or set column");
    return Dummy(e.type);
  }
  // Outside a row chunk (never, for a row clause) the loop below.
  if (Precomputable(e) && chunk_) return EmitPrecomputedQuantifier(e, is_set);
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
