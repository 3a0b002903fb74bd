#include "compiler/opt/rewrite.h"

#include <utility>

#include "core/dates.h"
#include "core/functions.h"

namespace cohort {

namespace {

using ir::CmpOp;
using ir::Expr;
using ir::ExprId;
using ir::ExprKind;

ExprId DateLit(ir::Program& p, int32_t day, SourceRange range) {
  Expr e;
  e.kind = ExprKind::kLiteral;
  e.type = Type::Date();
  e.literal.kind = TypeKind::kDate;
  e.literal.i = day;
  e.range = range;
  return p.Add(std::move(e));
}

/// `b OP T` with the level and nullability of `b`.
ExprId Cmp(ir::Program& p, CmpOp op, ExprId b, int32_t threshold, SourceRange range) {
  ExprId lit = DateLit(p, threshold, range);
  Expr e;
  e.kind = ExprKind::kCompare;
  e.cmp = op;
  e.type = Type::Bool();
  e.nullable = p.exprs[b].nullable;
  e.level = p.exprs[b].level;
  e.args = {b, lit};
  e.range = range;
  return p.Add(std::move(e));
}

}  // namespace

ExprId RewriteAgeCompare(ir::Program& p, ExprId id, const std::vector<ExprId>& args, int32_t today) {
  if (args.size() != 2) return ir::kNoExpr;
  CmpOp op = p.exprs[id].cmp;
  const SourceRange range = p.exprs[id].range;
  ExprId call_id = args[0], lit_id = args[1];
  if (p.exprs[call_id].kind != ExprKind::kCall) {
    std::swap(call_id, lit_id);
    static const CmpOp kMirror[] = {CmpOp::kEq, CmpOp::kNe, CmpOp::kGt, CmpOp::kGe, CmpOp::kLt, CmpOp::kLe};
    op = kMirror[static_cast<int>(op)];
  }
  const Expr& call = p.exprs[call_id];
  const Expr& lit = p.exprs[lit_id];
  if (call.kind != ExprKind::kCall || call.index != static_cast<uint32_t>(FnId::kAge) || call.args.size() != 1 ||
      lit.kind != ExprKind::kLiteral || lit.literal.is_null || lit.type.kind != TypeKind::kInt || lit.literal.i < 0 ||
      lit.literal.i > 1000)
    return ir::kNoExpr;
  const int64_t n = lit.literal.i;
  const ExprId b = call.args[0];
  switch (op) {
    case CmpOp::kGe: return Cmp(p, CmpOp::kLe, b, AgeThreshold(today, n), range);
    case CmpOp::kGt: return Cmp(p, CmpOp::kLe, b, AgeThreshold(today, n + 1), range);
    case CmpOp::kLt: return Cmp(p, CmpOp::kGt, b, AgeThreshold(today, n), range);
    case CmpOp::kLe: return Cmp(p, CmpOp::kGt, b, AgeThreshold(today, n + 1), range);
    case CmpOp::kEq:
    case CmpOp::kNe: {
      const Expr leaf = p.exprs[b];
      if (leaf.kind != ExprKind::kColumn && leaf.kind != ExprKind::kVarField) return ir::kNoExpr;
      const bool eq = op == CmpOp::kEq;
      ExprId first = Cmp(p, eq ? CmpOp::kLe : CmpOp::kGt, b, AgeThreshold(today, n), range);
      ExprId copy = p.Add(Expr(leaf));
      ExprId second = Cmp(p, eq ? CmpOp::kGt : CmpOp::kLe, copy, AgeThreshold(today, n + 1), range);
      Expr e;
      e.kind = eq ? ExprKind::kAnd : ExprKind::kOr;
      e.type = Type::Bool();
      e.nullable = leaf.nullable;
      e.level = leaf.level;
      e.args = {first, second};
      e.range = range;
      return p.Add(std::move(e));
    }
  }
  return ir::kNoExpr;
}

}  // namespace cohort
