// Emitter infrastructure: the kernel frame, column access, dispatch, literals
// and columns. Node families live in emit_*.cpp.
#include "runtime/jit/emitter.h"

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstddef>

#include "runtime/jit/codegen.h"
#include "abi/kernel_abi.h"
#include "runtime/batch.h"
#include "runtime/dict_plan.h"
#include "runtime/engine.h"

namespace cohort::codegen {

using llvm::Value;

// The generated code addresses these structs by field index; keep the C
// layouts and the LLVM struct types in sync.
static_assert(offsetof(CohortColumn, validity) == 0 && offsetof(CohortColumn, values) == 8 &&
              offsetof(CohortColumn, offsets) == 16 && offsetof(CohortColumn, data) == 24 &&
              offsetof(CohortColumn, children) == 32 && offsetof(CohortColumn, num_children) == 40 &&
              offsetof(CohortColumn, length) == 48 && offsetof(CohortColumn, dictionary) == 56 &&
              sizeof(CohortColumn) == 64);
static_assert(offsetof(CohortBatchView, num_rows) == 0 && offsetof(CohortBatchView, columns) == 8);
static_assert(offsetof(ExecContext, today) == 0 && offsetof(ExecContext, now) == 8);

enum ColumnField : unsigned { kValidity = 0, kValues = 1, kOffsets = 2, kData = 3, kChildren = 4, kDictionary = 7 };

Emitter::Emitter(const ir::Program& program, llvm::Module& module, bool vectorize)
    : program_(program),
      module_(module),
      ctx_(module.getContext()),
      builder_(ctx_),
      entry_builder_(ctx_),
      vectorize_(vectorize) {}

void Emitter::Fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

llvm::Type* Emitter::ScalarType(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return builder_.getInt1Ty();
    case TypeKind::kInt:
    case TypeKind::kTimestamp: return builder_.getInt64Ty();
    case TypeKind::kDecimal: return builder_.getDoubleTy();
    case TypeKind::kDate: return builder_.getInt32Ty();
    case TypeKind::kEnum: return builder_.getInt8Ty();
    case TypeKind::kString: return builder_.getPtrTy();
    default: return builder_.getInt1Ty();
  }
}

Val Emitter::Dummy(const Type& type) {
  Val v;
  v.v = llvm::Constant::getNullValue(ScalarType(type.kind));
  if (type.kind == TypeKind::kString) v.len = builder_.getInt32(0);
  v.valid = False();
  return v;
}

llvm::AllocaInst* Emitter::Slot(llvm::Type* type, const char* name) {
  return entry_builder_.CreateAlloca(type, nullptr, name);
}

Value* Emitter::ConstBytes(const std::string& bytes) {
  auto it = const_bytes_.find(bytes);
  if (it != const_bytes_.end()) return it->second;
  // A trailing NUL keeps even the empty string a valid, dereferenceable pointer.
  auto* init = llvm::ConstantDataArray::getString(ctx_, bytes, /*AddNull=*/true);
  auto* gv = new llvm::GlobalVariable(module_, init->getType(), /*isConstant=*/true,
                                      llvm::GlobalValue::PrivateLinkage, init, "str");
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  gv->setAlignment(llvm::Align(1));
  const_bytes_[bytes] = gv;
  return gv;
}

llvm::FunctionCallee Emitter::Extern(const std::string& name, llvm::Type* ret, const std::vector<llvm::Type*>& params,
                                     bool reads_memory, bool writes_memory) {
  auto* fty = llvm::FunctionType::get(ret, params, false);
  llvm::FunctionCallee callee = module_.getOrInsertFunction(name, fty);
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    f->addFnAttr(llvm::Attribute::NoUnwind);
    f->addFnAttr(llvm::Attribute::WillReturn);
    f->addFnAttr(llvm::Attribute::NoSync);
    f->addFnAttr(llvm::Attribute::NoFree);
    if (!reads_memory && !writes_memory) {
      f->setMemoryEffects(llvm::MemoryEffects::none());
    } else if (!writes_memory) {
      f->setMemoryEffects(llvm::MemoryEffects::argMemOnly(llvm::ModRefInfo::Ref));
    }
  }
  return callee;
}

ColumnPtrs Emitter::LoadColumnPtrs(Value* colptr) {
  auto& eb = entry_builder_;
  ColumnPtrs p;
  p.col = colptr;
  auto field = [&](unsigned idx, const char* name) {
    return eb.CreateLoad(eb.getPtrTy(), eb.CreateStructGEP(column_ty_, colptr, idx), name);
  };
  Value* validity = field(kValidity, "validity");
  p.values = field(kValues, "values");
  p.offsets = field(kOffsets, "offsets");
  p.data = field(kData, "data");
  Value* absent = eb.CreateIsNull(validity);
  p.vbase = eb.CreateSelect(absent, ones_, validity, "vbase");
  p.vmask = eb.CreateSelect(absent, eb.getInt64(0), eb.getInt64(-1), "vmask");
  // The dictionary's fields are loaded from the column itself when there is
  // none (always a valid address; the values are then never used).
  Value* dict = field(kDictionary, "dict");
  p.is_dict = eb.CreateIsNotNull(dict, "is_dict");
  Value* dsafe = eb.CreateSelect(p.is_dict, dict, colptr);
  p.dict_offsets = eb.CreateLoad(eb.getPtrTy(), eb.CreateStructGEP(column_ty_, dsafe, kOffsets), "dict_offsets");
  p.dict_data = eb.CreateLoad(eb.getPtrTy(), eb.CreateStructGEP(column_ty_, dsafe, kData), "dict_data");
  Value* dlen = eb.CreateLoad(eb.getInt64Ty(), eb.CreateStructGEP(column_ty_, dsafe, 6), "dict_len");
  p.dict_len = eb.CreateSelect(p.is_dict, dlen, eb.getInt64(0));
  return p;
}

const ColumnPtrs& Emitter::Column(ColumnId c) {
  auto it = columns_cache_.find(c);
  if (it != columns_cache_.end()) return it->second;
  Value* colptr = entry_builder_.CreateGEP(column_ty_, columns_, entry_builder_.getInt64(c), "col");
  return columns_cache_[c] = LoadColumnPtrs(colptr);
}

const ColumnPtrs& Emitter::Child(ColumnId c, uint32_t k) {
  auto key = std::make_pair(c, k);
  auto it = children_cache_.find(key);
  if (it != children_cache_.end()) return it->second;
  const ColumnPtrs& parent = Column(c);
  auto& eb = entry_builder_;
  Value* children = eb.CreateLoad(eb.getPtrTy(), eb.CreateStructGEP(column_ty_, parent.col, kChildren), "children");
  Value* colptr = eb.CreateGEP(column_ty_, children, eb.getInt64(k), "child");
  return children_cache_[key] = LoadColumnPtrs(colptr);
}

Value* Emitter::ReadBit(Value* base, Value* idx) {
  auto& B = builder_;
  if (Value* bit = ChunkBit(base, B.getInt64(-1), idx)) return bit;
  Value* byte = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), base, B.CreateLShr(idx, 3)));
  Value* shift = B.CreateTrunc(B.CreateAnd(idx, 7), B.getInt8Ty());
  return B.CreateTrunc(B.CreateLShr(byte, shift), B.getInt1Ty());
}

Value* Emitter::ReadValidity(const ColumnPtrs& cols, Value* idx) {
  auto& B = builder_;
  if (Value* bit = ChunkBit(cols.vbase, cols.vmask, idx)) return bit;
  Value* byte_index = B.CreateAnd(B.CreateLShr(idx, 3), cols.vmask);
  Value* byte = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), cols.vbase, byte_index));
  Value* shift = B.CreateTrunc(B.CreateAnd(idx, 7), B.getInt8Ty());
  return B.CreateTrunc(B.CreateLShr(byte, shift), B.getInt1Ty(), "valid");
}

std::pair<Value*, Value*> Emitter::ReadRange(const ColumnPtrs& cols, Value* idx) {
  auto& B = builder_;
  Value* lo = B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), cols.offsets, idx));
  Value* hi = B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), cols.offsets, B.CreateAdd(idx, B.getInt64(1))));
  return {B.CreateSExt(lo, B.getInt64Ty()), B.CreateSExt(hi, B.getInt64Ty())};
}

Val Emitter::ReadColumn(const ColumnPtrs& cols, TypeKind kind, bool nullable, Value* idx) {
  auto& B = builder_;
  Val out;
  out.valid = nullable ? ReadValidity(cols, idx) : True();
  switch (kind) {
    case TypeKind::kBool: out.v = ReadBit(cols.values, idx); break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDecimal:
    case TypeKind::kDate:
    case TypeKind::kEnum: {
      llvm::Type* t = ScalarType(kind);
      out.v = B.CreateLoad(t, B.CreateGEP(t, cols.values, idx));
      break;
    }
    case TypeKind::kString: {
      Val s = ReadString(cols, idx);
      out.v = s.v;
      out.len = s.len;
      break;
    }
    default:
      Fail(fmt::format("the JIT cannot read a column of this type as a value"));
      out.v = B.getFalse();
  }
  return out;
}

Val Emitter::Guarded(Value* cond, const std::function<Val()>& then, const Val& otherwise) {
  auto& B = builder_;
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(cond)) {
    if (c->isOne()) return then();
    return otherwise;
  }
  llvm::BasicBlock* from = B.GetInsertBlock();
  auto* then_bb = llvm::BasicBlock::Create(ctx_, "then", fn_);
  auto* join_bb = llvm::BasicBlock::Create(ctx_, "join", fn_);
  B.CreateCondBr(cond, then_bb, join_bb);
  B.SetInsertPoint(then_bb);
  Val t = then();
  llvm::BasicBlock* then_end = B.GetInsertBlock();
  B.CreateBr(join_bb);
  B.SetInsertPoint(join_bb);
  auto phi = [&](Value* a, Value* b) -> Value* {
    if (!a) return nullptr;
    if (a == b) return a;
    llvm::PHINode* p = B.CreatePHI(a->getType(), 2);
    p->addIncoming(a, then_end);
    p->addIncoming(b, from);
    return p;
  };
  Val out;
  out.v = phi(t.v, otherwise.v);
  out.len = phi(t.len, otherwise.len);
  out.valid = phi(t.valid, otherwise.valid);
  return out;
}

void Emitter::Loop(Value* begin, Value* end, const std::function<void(Value*)>& body,
                   const std::function<Value*()>& keep_going) {
  auto& B = builder_;
  llvm::BasicBlock* pre = B.GetInsertBlock();
  auto* head = llvm::BasicBlock::Create(ctx_, "loop", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx_, "body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx_, "done", fn_);
  B.CreateBr(head);
  B.SetInsertPoint(head);
  llvm::PHINode* i = B.CreatePHI(B.getInt64Ty(), 2, "i");
  i->addIncoming(begin, pre);
  Value* more = B.CreateICmpSLT(i, end);
  if (keep_going) {
    // Evaluate the stop condition only when there is an element left.
    auto* check = llvm::BasicBlock::Create(ctx_, "check", fn_);
    B.CreateCondBr(more, check, exit);
    B.SetInsertPoint(check);
    B.CreateCondBr(keep_going(), body_bb, exit);
  } else {
    B.CreateCondBr(more, body_bb, exit);
  }
  B.SetInsertPoint(body_bb);
  body(i);
  Value* next = B.CreateAdd(i, B.getInt64(1), "next", /*HasNUW=*/true, /*HasNSW=*/true);
  i->addIncoming(next, B.GetInsertBlock());
  B.CreateBr(head);
  B.SetInsertPoint(exit);
}

Value* Emitter::ChunkBit(Value* base, Value* vmask, Value* idx) {
  if (!chunk_ || idx != chunk_->row) return nullptr;
  auto& B = builder_;
  llvm::AllocaInst* bytes = nullptr;
  for (const ChunkBits& cb : chunk_->bits)
    if (!cb.recipe && cb.base == base && cb.vmask == vmask) bytes = cb.bytes;
  if (!bytes) {
    bytes = Slot(llvm::ArrayType::get(B.getInt8Ty(), kRowChunk), "chunk_bits");
    bytes->setAlignment(llvm::Align(32));
    chunk_->bits.push_back(ChunkBits{base, vmask, bytes});
  }
  Value* at = B.CreateGEP(B.getInt8Ty(), bytes, B.CreateSub(idx, chunk_->start, "", /*HasNUW=*/true, /*HasNSW=*/true));
  return B.CreateTrunc(B.CreateLoad(B.getInt8Ty(), at), B.getInt1Ty(), "bit");
}

namespace {
/// Vectorizer hints on a loop's latch branch (0: the vectorizer decides).
void LoopHints(llvm::Instruction* latch, int width, int interleave) {
  llvm::LLVMContext& c = latch->getContext();
  llvm::Type* i32 = llvm::Type::getInt32Ty(c);
  std::vector<llvm::Metadata*> ops{nullptr};
  auto hint = [&](const char* name, int v) {
    if (v > 0)
      ops.push_back(llvm::MDNode::get(
          c, {llvm::MDString::get(c, name), llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i32, v))}));
  };
  hint("llvm.loop.vectorize.width", width);
  hint("llvm.loop.interleave.count", interleave);
  if (ops.size() == 1) return;
  llvm::MDNode* md = llvm::MDNode::getDistinct(c, ops);
  md->replaceOperandWith(0, md);
  latch->setMetadata(llvm::LLVMContext::MD_loop, md);
}
}  // namespace

void Emitter::BoundedLoop(Value* begin, Value* end, const std::function<void(Value*)>& body, int width) {
  auto& B = builder_;
  llvm::BasicBlock* pre = B.GetInsertBlock();
  auto* body_bb = llvm::BasicBlock::Create(ctx_, "bbody", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx_, "bdone", fn_);
  B.CreateCondBr(B.CreateICmpULT(begin, end), body_bb, exit);
  B.SetInsertPoint(body_bb);
  llvm::PHINode* i = B.CreatePHI(B.getInt64Ty(), 2, "b");
  i->addIncoming(begin, pre);
  body(i);
  Value* next = B.CreateAdd(i, B.getInt64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
  LoopHints(B.CreateCondBr(B.CreateICmpULT(next, end), body_bb, exit), width, width == 1 ? 1 : 0);
  i->addIncoming(next, B.GetInsertBlock());
  B.SetInsertPoint(exit);
}

// C equivalent (the chunk's bitmaps are found while emitting the body, so
// their expansion is emitted afterwards into the block before the rows):
//
//   for (start = 0; start < n; start += kRowChunk) {
//     end = min(start + kRowChunk, n);
//     for (g = 0; g < (end - start + 7) / 8; ++g)     // 8 rows per bitmap byte
//       for each bitmap b read at the row: bytes_b[8g..8g+7] = spread(b[start / 8 + g]);
//     i = start; do { body(i); } while (++i < end);
//   }
void Emitter::RowLoop(const std::function<void(Value*)>& body, bool branch_free) {
  auto& B = builder_;
  if (!vectorize_) return Loop(B.getInt64(0), num_rows_, body);
  Value* chunks = B.CreateAShr(B.CreateAdd(num_rows_, B.getInt64(kRowChunk - 1)), kRowChunkLog2, "chunks");
  Loop(B.getInt64(0), chunks, [&](Value* k) {
    Value* start = B.CreateShl(k, kRowChunkLog2, "chunk_start", /*HasNUW=*/true, /*HasNSW=*/true);
    Value* end = B.CreateBinaryIntrinsic(llvm::Intrinsic::smin, B.CreateAdd(start, B.getInt64(kRowChunk)), num_rows_,
                                         nullptr, "chunk_end");
    llvm::BasicBlock* expand = B.GetInsertBlock();
    auto* rows = llvm::BasicBlock::Create(ctx_, "rows", fn_);
    auto* rows_done = llvm::BasicBlock::Create(ctx_, "rows_done", fn_);
    B.SetInsertPoint(rows);
    llvm::PHINode* i = B.CreatePHI(B.getInt64Ty(), 2, "row");
    if (chunk_) Fail("internal: nested row loops");
    chunk_ = RowChunk{start, end, i, {}};
    body(i);
    Value* next = B.CreateAdd(i, B.getInt64(1), "next_row", /*HasNUW=*/true, /*HasNSW=*/true);
    llvm::Instruction* latch = B.CreateCondBr(B.CreateICmpSLT(next, end), rows, rows_done);
    // Branch-free rows: one mask byte per row, so 32 rows per step fill a
    // 256-bit vector; left to the cost model, the widest column (int64)
    // capped the width at 4 rows and most of each vector was packing.
    if (branch_free) LoopHints(latch, kRowVectorWidth, 0);
    i->addIncoming(next, B.GetInsertBlock());
    std::vector<ChunkBits> bits = std::move(chunk_->bits);
    std::deque<ChunkCounts> counts = std::move(chunk_->counts);
    chunk_.reset();
    B.SetInsertPoint(expand);
    for (const ChunkCounts& cc : counts) {
      ElementCounts ec = EmitElementCounts(*cc.quantifier, cc.is_set, start, end, cc.scratch_slot);
      B.CreateStore(ec.counts, cc.counts);
      B.CreateStore(ec.r0, cc.r0);
    }
    if (!bits.empty()) {
      // The chunk's bitmap bytes [first, first + groups): 4 at a time as one
      // <32 x i8> spread (each byte broadcast to 8 lanes, lane k tests bit k),
      // then the 0-3 remaining bytes one by one. Never reads past the bitmap
      // (a column without one reads its 4 0xFF bytes at vmask 0).
      Value* groups = B.CreateLShr(B.CreateAdd(B.CreateSub(end, start), B.getInt64(7)), 3, "groups");
      Value* first = B.CreateLShr(start, 3);
      Value* words = B.CreateLShr(groups, 2, "words");
      std::vector<int> lanes;
      std::vector<llvm::Constant*> bit_of_lane;
      for (int k = 0; k < 32; ++k) {
        lanes.push_back(k / 8);
        bit_of_lane.push_back(B.getInt8(static_cast<uint8_t>(1u << (k % 8))));
      }
      llvm::Constant* lane_bits = llvm::ConstantVector::get(bit_of_lane);
      auto* v4 = llvm::FixedVectorType::get(B.getInt8Ty(), 4);
      auto* v32 = llvm::FixedVectorType::get(B.getInt8Ty(), 32);
      BoundedLoop(B.getInt64(0), words, [&](Value* q) {
        Value* byte0 = B.CreateShl(q, 2);
        for (const ChunkBits& cb : bits) {
          Value* w = nullptr;
          if (cb.recipe) {
            w = B.CreateBitCast(RecipeBits(*cb.recipe, B.getInt32Ty(), B.CreateAdd(first, byte0)), v4);
          } else {
            Value* at = B.CreateAnd(B.CreateAdd(first, byte0), cb.vmask);
            w = B.CreateAlignedLoad(v4, B.CreateGEP(B.getInt8Ty(), cb.base, at), llvm::Align(1));
          }
          Value* spread = B.CreateShuffleVector(w, lanes);
          Value* set = B.CreateICmpNE(B.CreateAnd(spread, lane_bits), llvm::Constant::getNullValue(v32));
          B.CreateAlignedStore(B.CreateZExt(set, v32), B.CreateGEP(B.getInt8Ty(), cb.bytes, B.CreateShl(q, 5)),
                               llvm::Align(32));
        }
      }, 1);
      BoundedLoop(B.CreateShl(words, 2), groups, [&](Value* g) {
        for (const ChunkBits& cb : bits) {
          Value* byte = nullptr;
          if (cb.recipe) {
            byte = RecipeBits(*cb.recipe, B.getInt8Ty(), B.CreateAdd(first, g));
          } else {
            Value* at = B.CreateAnd(B.CreateAdd(first, g), cb.vmask);
            byte = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), cb.base, at));
          }
          Value* x = B.CreateZExt(byte, B.getInt64Ty());
          // Byte k of y keeps bit k of x; adding 0x7F carries into bit 7 of a
          // byte exactly when it is non-zero (no carry crosses bytes). Stored
          // little-endian: byte k of the word is row 8g + k.
          Value* y = B.CreateAnd(B.CreateMul(x, B.getInt64(0x0101010101010101ULL)), B.getInt64(0x8040201008040201ULL));
          Value* z = B.CreateAnd(B.CreateLShr(B.CreateAdd(y, B.getInt64(0x7F7F7F7F7F7F7F7FULL)), 7),
                                 B.getInt64(0x0101010101010101ULL));
          B.CreateStore(z, B.CreateGEP(B.getInt8Ty(), cb.bytes, B.CreateShl(g, 3)));
        }
      }, 1);
    }
    B.CreateBr(rows);
    i->addIncoming(start, B.GetInsertBlock());
    B.SetInsertPoint(rows_done);
  });
}

Val Emitter::EmitLiteral(const ir::Value& lit, const Type& type) {
  auto& B = builder_;
  TypeKind kind = type.kind;
  if (kind == TypeKind::kError) kind = lit.kind;
  if (lit.is_null) return Dummy(Type{kind});
  Val out;
  out.valid = True();
  switch (kind) {
    case TypeKind::kBool: out.v = B.getInt1(lit.i != 0); break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp: out.v = B.getInt64(static_cast<uint64_t>(lit.i)); break;
    case TypeKind::kDecimal: out.v = llvm::ConstantFP::get(B.getDoubleTy(), lit.d); break;
    case TypeKind::kDate: out.v = B.getInt32(static_cast<uint32_t>(static_cast<int32_t>(lit.i))); break;
    case TypeKind::kEnum: out.v = B.getInt8(static_cast<uint8_t>(lit.i)); break;
    case TypeKind::kString:
      out.v = ConstBytes(lit.s);
      out.len = B.getInt32(static_cast<uint32_t>(lit.s.size()));
      break;
    default:
      Fail(fmt::format("the JIT does not support a literal of type `{}` here", type.ToString()));
      return Dummy(Type::Bool());
  }
  return out;
}

Val Emitter::EmitColumn(const ir::Expr& e) {
  if (dict_entry_) return ReadColumn(dict_entry_->dict, TypeKind::kString, false, dict_entry_->idx);
  if (e.column >= program_.schema->columns.size()) {
    Fail(fmt::format("column {} is not in the schema", e.column));
    return Dummy(e.type);
  }
  const ColumnDef& def = program_.schema->columns[e.column];
  if (def.type.kind != e.type.kind) {
    Fail(fmt::format("column `{}` has type {} but the IR reads it as {}", def.path, def.type.ToString(),
                     e.type.ToString()));
    return Dummy(e.type);
  }
  return ReadColumn(Column(e.column), e.type.kind, e.nullable, row_);
}

void Emitter::Hoist(ir::ExprId id) {
  const ir::Expr& e = expr(id);
  if (e.level == 0) {
    // Sets and lists are not values (only `in`/quantifiers read them), and
    // literals are constants already: neither needs precomputing.
    if (!e.type.is_scalar() || e.kind == ir::ExprKind::kLiteral) return;
    if (!hoisted_.count(id)) {
      Val v = Emit(id);
      hoisted_[id] = v;
    }
    return;
  }
  for (ir::ExprId a : e.args)
    if (a != ir::kNoExpr) Hoist(a);
}

Val Emitter::Emit(ir::ExprId id) {
  if (id >= program_.exprs.size()) {
    Fail(fmt::format("expression id {} out of range", id));
    return Dummy(Type::Bool());
  }
  const ir::Expr& e = expr(id);
  if (!elements_.empty() && e.level == 0) {
    auto it = hoisted_.find(id);
    if (it != hoisted_.end()) return it->second;
  }
  if (e.level != 0 && elements_.empty() && !dict_entry_) {
    Fail(fmt::format("element-level `{}` used outside a quantifier", ir::KindName(e.kind)));
    return Dummy(e.type);
  }
  if (++depth_ > 2000) {
    --depth_;
    Fail("expression nesting too deep for the JIT");
    return Dummy(e.type);
  }
  Val out = !dict_entry_ && dict_sources_[id] != ir::kNoExpr ? EmitDictPredicate(id, e) : EmitNode(id, e);
  --depth_;
  if (!out.v || !out.valid || (e.type.kind == TypeKind::kString && !out.len)) {
    Fail(fmt::format("internal: `{}` produced no value", ir::KindName(e.kind)));
    out = Dummy(e.type);
  }
  return out;
}

Val Emitter::EmitNode(ir::ExprId id, const ir::Expr& e) {
  Val out;
  switch (e.kind) {
    case ir::ExprKind::kLiteral: out = EmitLiteral(e.literal, e.type); break;
    case ir::ExprKind::kColumn: out = EmitColumn(e); break;
    case ir::ExprKind::kVarItem: out = EmitVarItem(e); break;
    case ir::ExprKind::kVarField: out = EmitVarField(e); break;
    case ir::ExprKind::kToday: out = EmitToday(e); break;
    case ir::ExprKind::kNow: out = EmitNow(e); break;
    case ir::ExprKind::kNot: out = EmitNot(e); break;
    case ir::ExprKind::kAnd:
    case ir::ExprKind::kOr: out = EmitAndOr(e); break;
    case ir::ExprKind::kCompare: out = EmitCompare(e); break;
    case ir::ExprKind::kArith: out = EmitArith(e); break;
    case ir::ExprKind::kNeg: out = EmitNeg(e); break;
    case ir::ExprKind::kCast: out = EmitCast(e); break;
    case ir::ExprKind::kAddDuration: out = EmitAddDuration(e); break;
    case ir::ExprKind::kInList: out = EmitInList(e); break;
    case ir::ExprKind::kInSet: out = EmitInSet(e); break;
    case ir::ExprKind::kIsMissing: out = EmitIsMissing(e); break;
    case ir::ExprKind::kCoalesce: out = EmitCoalesce(e); break;
    case ir::ExprKind::kCall: out = EmitCall(e); break;
    case ir::ExprKind::kQuantifier: out = EmitQuantifier(e); break;
    case ir::ExprKind::kAggregate: out = EmitAggregate(e); break;
    case ir::ExprKind::kDefineRef:
      if (e.index >= program_.defines.size()) {
        Fail(fmt::format("define {} out of range", e.index));
        out = Dummy(e.type);
      } else {
        // Defines are inlined; GVN shares repeated cheap uses within a row.
        out = Emit(program_.defines[e.index].body);
      }
      break;
    case ir::ExprKind::kSegmentRef: out = EmitSegmentRef(e); break;
    default:
      Fail(fmt::format("the JIT does not support IR kind `{}`", ir::KindName(e.kind)));
      out = Dummy(e.type);
  }
  (void)id;
  return out;
}

bool Emitter::IsExpensive(ir::ExprId id) {
  if (!assume_dict_.empty() && dict_sources_[id] != ir::kNoExpr) {
    const ir::Expr& leaf = expr(dict_sources_[id]);
    if (leaf.kind == ir::ExprKind::kColumn &&
        std::find(assume_dict_.begin(), assume_dict_.end(), leaf.column) != assume_dict_.end())
      return false;  // a table lookup or a code compare (emit_dict.cpp)
  }
  auto it = expensive_.find(id);
  if (it != expensive_.end()) return it->second != 0;
  const ir::Expr& e = expr(id);
  bool x = false;
  switch (e.kind) {
    case ir::ExprKind::kQuantifier:
      if (Precomputable(e)) {  // a row reads two counts (emit_list.cpp)
        expensive_[id] = 0;
        return false;
      }
      x = true;
      break;
    case ir::ExprKind::kAggregate:
    case ir::ExprKind::kInSet: x = true; break;
    case ir::ExprKind::kCall: x = !IsInlineFunction(e.index); break;
    case ir::ExprKind::kCompare:
    case ir::ExprKind::kInList:
      x = !e.args.empty() && expr(e.args[0]).type.kind == TypeKind::kString;
      break;
    case ir::ExprKind::kAddDuration:
      x = e.type.kind == TypeKind::kTimestamp || e.literal.dur.months != 0;
      break;
    case ir::ExprKind::kDefineRef:
      x = e.index < program_.defines.size() && IsExpensive(program_.defines[e.index].body);
      break;
    default: break;
  }
  if (!x)
    for (ir::ExprId a : e.args)
      if (a != ir::kNoExpr && a < program_.exprs.size() && IsExpensive(a)) x = true;
  expensive_[id] = x ? 1 : 0;
  return x;
}

Value* Emitter::MaskPtr(uint32_t index) { return mask_ptrs_.at(index); }

bool Emitter::Run(std::string* error) {
  auto& B = builder_;
  if (!program_.schema) {
    *error = "the program has no schema";
    return false;
  }
  column_ty_ = llvm::StructType::create(
      ctx_,
      {B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getInt32Ty(), B.getInt64Ty(), B.getPtrTy()},
      "CohortColumn");
  view_ty_ = llvm::StructType::create(ctx_, {B.getInt64Ty(), B.getPtrTy(), B.getInt32Ty()}, "CohortBatchView");
  ctx_ty_ = llvm::StructType::create(ctx_, {B.getInt32Ty(), B.getInt64Ty()}, "ExecContext");

  // void cohort_program(const CohortBatchView* batch, const ExecContext* ctx,
  //                     uint8_t* const* masks, KernelRuntime* rt)
  auto* fty = llvm::FunctionType::get(B.getVoidTy(), {B.getPtrTy(), B.getPtrTy(), B.getPtrTy(), B.getPtrTy()}, false);
  fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, jit::kProgramKernelName, module_);
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  for (unsigned i = 0; i < 4; ++i) fn_->addParamAttr(i, llvm::Attribute::NoCapture);
  for (unsigned i = 0; i < 3; ++i) fn_->addParamAttr(i, llvm::Attribute::ReadOnly);
  batch_ = fn_->getArg(0);
  Value* exec = fn_->getArg(1);
  masks_ = fn_->getArg(2);
  rt_ = fn_->getArg(3);
  batch_->setName("batch");
  exec->setName("ctx");
  masks_->setName("masks");
  rt_->setName("rt");

  dict_sources_ = DictionaryPredicates(program_);
  auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
  prologue_head_ = prologue_tail_ = llvm::BasicBlock::Create(ctx_, "prologue", fn_);
  auto* start = llvm::BasicBlock::Create(ctx_, "start", fn_);
  entry_builder_.SetInsertPoint(entry);
  auto& eb = entry_builder_;
  num_rows_ = eb.CreateLoad(eb.getInt64Ty(), eb.CreateStructGEP(view_ty_, batch_, 0), "num_rows");
  columns_ = eb.CreateLoad(eb.getPtrTy(), eb.CreateStructGEP(view_ty_, batch_, 1), "columns");
  today_ = eb.CreateLoad(eb.getInt32Ty(), eb.CreateStructGEP(ctx_ty_, exec, 0), "today");
  now_ = eb.CreateLoad(eb.getInt64Ty(), eb.CreateStructGEP(ctx_ty_, exec, 1), "now");
  ones_ = ConstBytes("\xff\xff\xff\xff");  // 4 bytes: RowLoop reads bitmaps 4 bytes at a time
  mask_bases_ = jit::MaskBases(program_);
  for (uint32_t k = 0; k < mask_bases_.back(); ++k)
    mask_ptrs_.push_back(
        eb.CreateLoad(eb.getPtrTy(), eb.CreateGEP(eb.getPtrTy(), masks_, eb.getInt64(k)), fmt::format("mask{}", k)));

  B.SetInsertPoint(start);
  segment_done_.assign(program_.segments.size(), false);
  std::vector<bool>& done = segment_done_;
  for (uint32_t s : program_.segment_order) {
    if (s >= program_.segments.size() || done[s]) {
      Fail(fmt::format("segment_order names segment {} twice or out of range", s));
      break;
    }
    for (uint32_t dep : program_.segments[s].depends_on)
      if (dep >= done.size() || !done[dep]) Fail(fmt::format("segment_order lists `{}` before a segment it references", program_.segments[s].name));
    EmitSegment(s);
    done[s] = true;
  }
  for (size_t s = 0; s < done.size(); ++s)
    if (!done[s]) Fail(fmt::format("segment `{}` is missing from segment_order", program_.segments[s].name));
  B.CreateRetVoid();
  eb.CreateBr(prologue_head_);
  B.SetInsertPoint(prologue_tail_);
  B.CreateBr(start);

  if (!error_.empty()) {
    *error = error_;
    return false;
  }
  TagAliasScopes();
  std::string verify;
  llvm::raw_string_ostream os(verify);
  if (llvm::verifyFunction(*fn_, &os)) {
    *error = "internal: generated kernel failed verification: " + os.str();
    return false;
  }
  return true;
}

void Emitter::TagAliasScopes() {
  if (mask_ptrs_.empty()) return;
  llvm::MDBuilder mdb(ctx_);
  llvm::MDNode* domain = mdb.createAnonymousAliasScopeDomain("cohort.masks");
  std::vector<llvm::Metadata*> scopes;
  for (size_t k = 0; k < mask_ptrs_.size(); ++k)
    scopes.push_back(mdb.createAnonymousAliasScope(domain, fmt::format("mask{}", k)));
  llvm::MDNode* all = llvm::MDNode::get(ctx_, scopes);
  for (llvm::BasicBlock& bb : *fn_) {
    for (llvm::Instruction& inst : bb) {
      Value* ptr = llvm::getLoadStorePointerOperand(&inst);
      if (!ptr) continue;
      llvm::SmallVector<const Value*, 4> objects;
      llvm::getUnderlyingObjects(ptr, objects, nullptr, /*MaxLookup=*/0);
      // Each object is mask k (k >= 0), known not to be a mask (-1: the batch,
      // column structs and buffers, dictionaries, scratch, slots, constants)
      // or of unknown origin (-2). Tag only when all objects agree.
      int kind = -3;
      for (const Value* o : objects) {
        auto it = std::find(mask_ptrs_.begin(), mask_ptrs_.end(), o);
        int k = it != mask_ptrs_.end() ? static_cast<int>(it - mask_ptrs_.begin())
                : llvm::isa<llvm::Argument, llvm::AllocaInst, llvm::GlobalVariable, llvm::LoadInst, llvm::CallInst>(o)
                    ? -1
                    : -2;
        kind = kind == -3 || kind == k ? k : -2;
      }
      const int mask = kind;
      const bool other = kind == -1;
      const bool mixed = kind <= -2;
      if (mixed) continue;
      if (mask >= 0) {
        std::vector<llvm::Metadata*> others;
        for (size_t k = 0; k < scopes.size(); ++k)
          if (static_cast<int>(k) != mask) others.push_back(scopes[k]);
        inst.setMetadata(llvm::LLVMContext::MD_alias_scope, llvm::MDNode::get(ctx_, {scopes[mask]}));
        if (!others.empty()) inst.setMetadata(llvm::LLVMContext::MD_noalias, llvm::MDNode::get(ctx_, others));
      } else if (other) {
        inst.setMetadata(llvm::LLVMContext::MD_noalias, all);
      }
    }
  }
}

std::unique_ptr<llvm::Module> EmitProgram(const ir::Program& program, llvm::LLVMContext& ctx, std::string* error,
                                          bool vectorize) {
  auto module = std::make_unique<llvm::Module>("cohort", ctx);
  Emitter emitter(program, *module, vectorize);
  if (!emitter.Run(error)) return nullptr;
  return module;
}

}  // namespace cohort::codegen
