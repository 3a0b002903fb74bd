// Comparisons, `in [...]` lists and `in set`.
//
// C equivalents of the generated code:
//   compare:   valid = a.valid && b.valid; value = a OP b
//              (strings: equality = len == len' && memcmp(...) == 0, ordering =
//              cohort_jit_strcmp; decimals use IEEE ordered comparisons like C++)
//   in-list:   enums: code < 64 && (kMask >> code) & 1, else table[code];
//              numbers: x == c1 || x == c2 ...; strings: switch on length, then
//              memcmp against the constants of that length
//   in-set:    for (j = off[i]; j < off[i+1] && !found; ++j) found = item(j) == x
//              (a constant x over dictionary-encoded items: codes[j] == code(x))
#include <fmt/format.h>
#include <llvm/IR/Constants.h>

#include <algorithm>
#include <map>
#include <optional>

#include "runtime/jit/emitter.h"

namespace cohort::codegen {

using llvm::Value;

Value* Emitter::StringEquals(const Val& a, const Val& b) {
  auto& B = builder_;
  Value* same_len = B.CreateICmpEQ(a.len, b.len);
  Val no{False(), nullptr, True()};
  Val r = Guarded(
      same_len,
      [&] {
        auto memcmp = Extern("memcmp", B.getInt32Ty(), {B.getPtrTy(), B.getPtrTy(), B.getInt64Ty()}, true, false);
        Value* n = B.CreateZExt(a.len, B.getInt64Ty());
        Value* c = B.CreateCall(memcmp, {a.v, b.v, n});
        return Val{B.CreateICmpEQ(c, B.getInt32(0)), nullptr, True()};
      },
      no);
  return r.v;
}

Value* Emitter::StringCompare(const Val& a, const Val& b) {
  auto& B = builder_;
  auto fn = Extern("cohort_jit_strcmp", B.getInt32Ty(), {B.getPtrTy(), B.getInt32Ty(), B.getPtrTy(), B.getInt32Ty()},
                   true, false);
  return B.CreateCall(fn, {a.v, a.len, b.v, b.len});
}

Value* Emitter::CompareScalars(ir::CmpOp op, TypeKind kind, const Val& a, const Val& b) {
  auto& B = builder_;
  using llvm::CmpInst;
  switch (kind) {
    case TypeKind::kDecimal: {
      static const CmpInst::Predicate kF[] = {CmpInst::FCMP_OEQ, CmpInst::FCMP_UNE, CmpInst::FCMP_OLT,
                                               CmpInst::FCMP_OLE, CmpInst::FCMP_OGT, CmpInst::FCMP_OGE};
      return B.CreateFCmp(kF[static_cast<int>(op)], a.v, b.v);
    }
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDate: {
      static const CmpInst::Predicate kS[] = {CmpInst::ICMP_EQ,  CmpInst::ICMP_NE,  CmpInst::ICMP_SLT,
                                               CmpInst::ICMP_SLE, CmpInst::ICMP_SGT, CmpInst::ICMP_SGE};
      return B.CreateICmp(kS[static_cast<int>(op)], a.v, b.v);
    }
    case TypeKind::kBool:
    case TypeKind::kEnum: {
      static const CmpInst::Predicate kU[] = {CmpInst::ICMP_EQ,  CmpInst::ICMP_NE,  CmpInst::ICMP_ULT,
                                               CmpInst::ICMP_ULE, CmpInst::ICMP_UGT, CmpInst::ICMP_UGE};
      return B.CreateICmp(kU[static_cast<int>(op)], a.v, b.v);
    }
    case TypeKind::kString: {
      if (op == ir::CmpOp::kEq) return StringEquals(a, b);
      if (op == ir::CmpOp::kNe) return B.CreateNot(StringEquals(a, b));
      Val ord{StringCompare(a, b), nullptr, True()};
      return CompareScalars(op, TypeKind::kInt, Val{B.CreateSExt(ord.v, B.getInt64Ty()), nullptr, True()},
                            Val{B.getInt64(0), nullptr, True()});
    }
    default:
      Fail(fmt::format("the JIT cannot compare values of kind {}", static_cast<int>(kind)));
      return False();
  }
}

Val Emitter::EmitCompare(const ir::Expr& e) {
  auto& B = builder_;
  if (e.args.size() != 2) {
    Fail("comparison without two operands");
    return Dummy(Type::Bool());
  }
  TypeKind kind = expr(e.args[0]).type.kind;
  if (expr(e.args[1]).type.kind != kind) {
    Fail(fmt::format("comparison of {} with {}", expr(e.args[0]).type.ToString(), expr(e.args[1]).type.ToString()));
    return Dummy(Type::Bool());
  }
  Val a = Emit(e.args[0]);
  Val b = Emit(e.args[1]);
  Value* valid = B.CreateAnd(a.valid, b.valid);
  if (kind == TypeKind::kString) {
    // Never touch the bytes of a missing string.
    Val no{False(), nullptr, True()};
    Val r = Guarded(valid, [&] { return Val{CompareScalars(e.cmp, kind, a, b), nullptr, True()}; }, no);
    return Val{r.v, nullptr, valid};
  }
  return Val{CompareScalars(e.cmp, kind, a, b), nullptr, valid};
}

Val Emitter::EmitInList(const ir::Expr& e) {
  auto& B = builder_;
  if (e.args.size() != 1) {
    Fail("in-list without one operand");
    return Dummy(Type::Bool());
  }
  const ir::Expr& x = expr(e.args[0]);
  TypeKind kind = x.type.kind;
  Val a = Emit(e.args[0]);
  Value* found = False();
  switch (kind) {
    case TypeKind::kEnum: {
      std::vector<bool> member(256, false);
      bool small = true;
      uint64_t mask = 0;
      for (const ir::Value& v : e.list) {
        if (v.is_null) continue;  // a missing constant never equals anything
        uint8_t code = static_cast<uint8_t>(v.i);
        member[code] = true;
        if (code >= 64) small = false;
        else mask |= uint64_t{1} << code;
      }
      Value* code = B.CreateZExt(a.v, B.getInt64Ty());
      if (small) {
        // (kMask >> code) & 1, with codes >= 64 giving 0 (shift would be poison).
        Value* in_range = B.CreateICmpULT(code, B.getInt64(64));
        Value* safe = B.CreateSelect(in_range, code, B.getInt64(0));
        Value* bit = B.CreateTrunc(B.CreateLShr(B.getInt64(mask), safe), B.getInt1Ty());
        found = B.CreateAnd(in_range, bit);
      } else {
        std::vector<uint8_t> table(256);
        for (int k = 0; k < 256; ++k) table[k] = member[k] ? 1 : 0;
        auto* init = llvm::ConstantDataArray::get(ctx_, table);
        auto* gv = new llvm::GlobalVariable(module_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                            "enum_set");
        Value* byte = B.CreateLoad(B.getInt8Ty(), B.CreateGEP(B.getInt8Ty(), gv, code));
        found = B.CreateICmpNE(byte, B.getInt8(0));
      }
      break;
    }
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDate:
    case TypeKind::kBool:
    case TypeKind::kDecimal: {
      for (const ir::Value& v : e.list) {
        if (v.is_null) continue;
        Val c = EmitLiteral(v, x.type);
        found = B.CreateOr(found, CompareScalars(ir::CmpOp::kEq, kind, a, c));
      }
      break;
    }
    case TypeKind::kString: {
      // Constants grouped by length: one length test, then memcmp per constant.
      std::map<size_t, std::vector<std::string>> by_len;
      for (const ir::Value& v : e.list)
        if (!v.is_null) by_len[v.s.size()].push_back(v.s);
      Val no{False(), nullptr, True()};
      Val r = Guarded(
          a.valid,
          [&] {
            Value* any = False();
            for (auto& [len, items] : by_len) {
              Val hit = Guarded(
                  B.CreateICmpEQ(a.len, B.getInt32(static_cast<uint32_t>(len))),
                  [&] {
                    Value* f = False();
                    auto memcmp =
                        Extern("memcmp", B.getInt32Ty(), {B.getPtrTy(), B.getPtrTy(), B.getInt64Ty()}, true, false);
                    for (const std::string& s : items) {
                      if (s.empty()) {
                        f = True();
                        break;
                      }
                      Value* c = B.CreateCall(memcmp, {a.v, ConstBytes(s), B.getInt64(s.size())});
                      f = B.CreateOr(f, B.CreateICmpEQ(c, B.getInt32(0)));
                    }
                    return Val{f, nullptr, True()};
                  },
                  no);
              any = B.CreateOr(any, hit.v);
            }
            return Val{any, nullptr, True()};
          },
          no);
      found = r.v;
      break;
    }
    default:
      Fail(fmt::format("the JIT does not support `in [...]` over {}", x.type.ToString()));
      return Dummy(Type::Bool());
  }
  return Val{e.negated ? B.CreateNot(found) : found, nullptr, a.valid};
}

Val Emitter::EmitInSet(const ir::Expr& e) {
  auto& B = builder_;
  if (e.args.size() != 2) {
    Fail("in-set without two operands");
    return Dummy(Type::Bool());
  }
  ir::ExprId set_id = e.args[1];
  while (expr(set_id).kind == ir::ExprKind::kDefineRef && expr(set_id).index < program_.defines.size())
    set_id = program_.defines[expr(set_id).index].body;
  const ir::Expr& set = expr(set_id);
  if (set.kind != ir::ExprKind::kColumn || set.type.kind != TypeKind::kStringSet ||
      set.column >= program_.schema->columns.size() ||
      program_.schema->columns[set.column].type.kind != TypeKind::kStringSet) {
    Fail("the JIT supports `in` over a set column only");
    return Dummy(Type::Bool());
  }
  Val a = Emit(e.args[0]);
  // A constant item against dictionary-encoded items compares codes
  // (emit_dict.cpp: the constant's code is found once per dictionary).
  const ir::Expr& item_expr = expr(e.args[0]);
  Value* const_code = item_expr.kind == ir::ExprKind::kLiteral && !item_expr.literal.is_null
                          ? DictCodeOf(Child(set.column, 0), item_expr.literal.s)
                          : nullptr;
  Val no{False(), nullptr, True()};
  Val r = Guarded(
      a.valid,
      [&] {
        llvm::AllocaInst* found = Slot(B.getInt1Ty(), "found");
        B.CreateStore(False(), found);
        auto [lo, hi] = ReadRange(Column(set.column), row_);
        const ColumnPtrs& items = Child(set.column, 0);
        Loop(
            lo, hi,
            [&](Value* j) {
              Val no_hit{False(), nullptr, True()};
              if (const_code) {
                Val by_code = Guarded(
                    items.is_dict,
                    [&] {
                      Value* code = B.CreateLoad(B.getInt32Ty(), B.CreateGEP(B.getInt32Ty(), items.values, j));
                      return Val{B.CreateICmpEQ(B.CreateSExt(code, B.getInt64Ty()), const_code), nullptr, True()};
                    },
                    no_hit);
                Val by_bytes = Guarded(
                    B.CreateNot(items.is_dict),
                    [&] {
                      Val item = ReadColumn(items, TypeKind::kString, false, j);
                      return Val{StringEquals(item, a), nullptr, True()};
                    },
                    no_hit);
                B.CreateStore(B.CreateOr(by_code.v, by_bytes.v), found);
                return;
              }
              Val item = ReadColumn(items, TypeKind::kString, false, j);
              B.CreateStore(StringEquals(item, a), found);
            },
            [&] { return B.CreateNot(B.CreateLoad(B.getInt1Ty(), found)); });
        return Val{B.CreateLoad(B.getInt1Ty(), found), nullptr, True()};
      },
      no);
  return Val{e.negated ? B.CreateNot(r.v) : r.v, nullptr, a.valid};
}

}  // namespace cohort::codegen
