// Constant folding of checked IR under Kleene logic. Every rewrite keeps the
// node's type; nullability only ever becomes more precise (a literal), and
// levels are recomputed so the verifier's invariants still hold. A channel
// condition keeps its consent column as a top-level `and` conjunct whatever
// the rest folds to (engines and the verifier rely on that structure).
#include "compiler/opt/fold.h"

#include <algorithm>
#include <climits>
#include <unordered_map>

#include "core/dates.h"
#include "stdlib/functions.h"

namespace cohort {

namespace {

using ir::Expr;
using ir::ExprId;
using ir::ExprKind;
using ir::Value;

class Folder {
 public:
  Folder(ir::Program& p, const FoldOptions& o) : p_(p), o_(o) {}

  ExprId Fold(ExprId id, int depth = 0) {
    if (id >= p_.exprs.size() || depth > 5000) return id;
    if (auto it = memo_.find(id); it != memo_.end()) return it->second;
    ExprId r = FoldNode(id, depth);
    memo_[id] = r;
    return r;
  }

  /// Folds a channel condition without losing its consent conjunct.
  ExprId FoldChannel(ExprId id, ColumnId consent) {
    if (id >= p_.exprs.size()) return id;
    if (IsConsent(id, consent)) return id;
    if (p_.exprs[id].kind != ExprKind::kAnd) return Fold(id);
    std::vector<ExprId> args = p_.exprs[id].args;
    std::vector<ExprId> folded;
    for (ExprId a : args) folded.push_back(Fold(a));
    std::vector<ExprId> flat;
    Flatten(ExprKind::kAnd, folded, flat);
    ExprId consent_arg = ir::kNoExpr;
    std::vector<ExprId> rest;
    bool is_false = false;
    for (ExprId a : flat) {
      if (consent_arg == ir::kNoExpr && IsConsent(a, consent)) {
        consent_arg = a;
        continue;
      }
      if (IsBoolLit(a, true)) continue;
      if (IsBoolLit(a, false)) is_false = true;
      rest.push_back(a);
    }
    if (consent_arg == ir::kNoExpr) return Fold(id);  // not the checker's shape; leave it to the verifier
    if (is_false) rest = {BoolLit(false, p_.exprs[id].range)};
    if (rest.empty()) return consent_arg;
    std::vector<ExprId> out{consent_arg};
    out.insert(out.end(), rest.begin(), rest.end());
    return Rebuild(id, out);
  }

 private:
  bool IsConsent(ExprId id, ColumnId consent) const {
    const Expr& e = p_.exprs[id];
    return e.kind == ExprKind::kColumn && e.column == consent;
  }
  bool IsLit(ExprId id) const { return p_.exprs[id].kind == ExprKind::kLiteral; }
  bool IsNullLit(ExprId id) const { return IsLit(id) && p_.exprs[id].literal.is_null; }
  bool IsBoolLit(ExprId id, bool v) const {
    const Expr& e = p_.exprs[id];
    return e.kind == ExprKind::kLiteral && !e.literal.is_null && e.type.kind == TypeKind::kBool && (e.literal.i != 0) == v;
  }

  ExprId AddLiteral(Value v, const Type& type, SourceRange range) {
    Expr e;
    e.kind = ExprKind::kLiteral;
    v.kind = type.kind;
    e.nullable = v.is_null;
    e.literal = std::move(v);
    e.type = type;
    e.range = range;
    return p_.Add(std::move(e));
  }
  ExprId BoolLit(bool b, SourceRange range) {
    Value v;
    v.i = b ? 1 : 0;
    return AddLiteral(v, Type::Bool(), range);
  }
  ExprId NullLit(const Type& type, SourceRange range) {
    Value v;
    v.is_null = true;
    return AddLiteral(v, type, range);
  }

  void Flatten(ExprKind kind, const std::vector<ExprId>& args, std::vector<ExprId>& out) {
    for (ExprId a : args) {
      if (p_.exprs[a].kind == kind) Flatten(kind, p_.exprs[a].args, out);
      else out.push_back(a);
    }
  }

  /// Replaces the operands of `id` and recomputes its level.
  ExprId Rebuild(ExprId id, std::vector<ExprId> args) {
    uint8_t level = 0;
    for (ExprId a : args) level = std::max(level, p_.exprs[a].level);
    Expr& e = p_.exprs[id];
    e.args = std::move(args);
    // Leaves keep their level (variables are level 1); quantifiers are row-level.
    if (!e.args.empty() && e.kind != ExprKind::kQuantifier && e.kind != ExprKind::kAggregate) e.level = level;
    return id;
  }

  ExprId FoldNode(ExprId id, int depth) {
    // Copy what we need: Fold() may grow the arena and move nodes.
    ExprKind kind = p_.exprs[id].kind;
    SourceRange range = p_.exprs[id].range;
    Type type = p_.exprs[id].type;
    if (kind == ExprKind::kToday && o_.today) {
      Value v;
      v.i = *o_.today;
      return AddLiteral(v, Type::Date(), range);
    }
    if (kind == ExprKind::kNow && o_.today) {
      Value v;
      v.i = int64_t{*o_.today} * kMicrosPerDay;
      return AddLiteral(v, Type::Timestamp(), range);
    }
    std::vector<ExprId> args = p_.exprs[id].args;
    for (ExprId& a : args) a = Fold(a, depth + 1);
    switch (kind) {
      case ExprKind::kAnd:
      case ExprKind::kOr: return FoldLogic(id, kind, args, range);
      case ExprKind::kNot: {
        if (IsLit(args[0])) {
          if (IsNullLit(args[0])) return NullLit(type, range);
          return BoolLit(p_.exprs[args[0]].literal.i == 0, range);
        }
        // not(not(x)) = x under Kleene logic.
        if (p_.exprs[args[0]].kind == ExprKind::kNot) return p_.exprs[args[0]].args[0];
        break;
      }
      case ExprKind::kCompare:
        if (IsLit(args[0]) && IsLit(args[1])) return FoldCompare(id, args, range);
        break;
      case ExprKind::kArith:
        if (IsLit(args[0]) && IsLit(args[1])) return FoldArith(id, args, range);
        break;
      case ExprKind::kNeg:
        if (IsLit(args[0])) {
          Value v = p_.exprs[args[0]].literal;
          if (v.is_null) return NullLit(type, range);
          if (type.kind == TypeKind::kInt) {
            if (v.i == INT64_MIN) return NullLit(type, range);
            v.i = -v.i;
          } else {
            v.d = -v.d;
          }
          return AddLiteral(v, type, range);
        }
        break;
      case ExprKind::kCast:
        if (IsLit(args[0])) {
          Value v = p_.exprs[args[0]].literal;
          if (v.is_null) return NullLit(type, range);
          Value out;
          if (type.kind == TypeKind::kDecimal) out.d = static_cast<double>(v.i);
          else if (type.kind == TypeKind::kTimestamp) out.i = v.i * kMicrosPerDay;
          else break;
          return AddLiteral(out, type, range);
        }
        break;
      case ExprKind::kAddDuration:
        if (IsLit(args[0])) {
          Value v = p_.exprs[args[0]].literal;
          if (v.is_null) return NullLit(type, range);
          const Expr& e = p_.exprs[id];
          Value out;
          if (type.kind == TypeKind::kDate) out.i = AddDuration(static_cast<int32_t>(v.i), e.literal.dur, e.sign);
          else out.i = AddDuration(static_cast<int64_t>(v.i), e.literal.dur, e.sign);
          return AddLiteral(out, type, range);
        }
        break;
      case ExprKind::kInList:
        if (IsLit(args[0])) {
          const Value& v = p_.exprs[args[0]].literal;
          if (v.is_null) return NullLit(type, range);
          const Expr& e = p_.exprs[id];
          bool found = std::any_of(e.list.begin(), e.list.end(), [&](const Value& x) { return Same(x, v); });
          return BoolLit(found != e.negated, range);
        }
        break;
      case ExprKind::kIsMissing:
        if (IsLit(args[0])) return BoolLit(p_.exprs[args[0]].literal.is_null != p_.exprs[id].negated, range);
        break;
      case ExprKind::kCoalesce: {
        std::vector<ExprId> kept;
        for (ExprId a : args) {
          if (IsNullLit(a)) continue;
          kept.push_back(a);
          if (!p_.exprs[a].nullable) break;  // always present: later arguments never matter
        }
        if (kept.empty()) return NullLit(type, range);
        if (kept.size() == 1) return kept[0];
        return Rebuild(id, kept);
      }
      case ExprKind::kCall: {
        bool all_lit = std::all_of(args.begin(), args.end(), [&](ExprId a) { return IsLit(a); });
        if (!all_lit) break;
        for (ExprId a : args)
          if (IsNullLit(a)) return NullLit(type, range);
        if (auto v = EvalCall(static_cast<FnId>(p_.exprs[id].index), args)) return AddLiteral(*v, type, range);
        break;
      }
      default: break;
    }
    return Rebuild(id, args);
  }

  static bool Same(const Value& a, const Value& b) {
    switch (a.kind) {
      case TypeKind::kString: return a.s == b.s;
      case TypeKind::kDecimal: return a.d == b.d;
      default: return a.i == b.i;
    }
  }

  ExprId FoldLogic(ExprId id, ExprKind kind, const std::vector<ExprId>& args, SourceRange range) {
    bool is_and = kind == ExprKind::kAnd;
    std::vector<ExprId> flat;
    Flatten(kind, args, flat);
    std::vector<ExprId> kept;
    bool any_null_lit = false;
    for (ExprId a : flat) {
      if (IsBoolLit(a, !is_and)) return BoolLit(!is_and, range);  // FALSE dominates `and`, TRUE dominates `or`
      if (IsBoolLit(a, is_and)) continue;                          // the identity element
      if (IsNullLit(a)) {
        // Keep one unknown: and(unknown, x) is FALSE or unknown depending on x.
        if (any_null_lit) continue;
        any_null_lit = true;
      }
      kept.push_back(a);
    }
    if (kept.empty()) return BoolLit(is_and, range);
    if (kept.size() == 1) return kept[0];
    return Rebuild(id, kept);
  }

  ExprId FoldCompare(ExprId id, const std::vector<ExprId>& args, SourceRange range) {
    const Value& a = p_.exprs[args[0]].literal;
    const Value& b = p_.exprs[args[1]].literal;
    if (a.is_null || b.is_null) return NullLit(Type::Bool(), range);
    int c = 0;
    switch (p_.exprs[args[0]].type.kind) {
      case TypeKind::kString: c = a.s < b.s ? -1 : a.s == b.s ? 0 : 1; break;
      case TypeKind::kDecimal:
        if (a.d != a.d || b.d != b.d) return Rebuild(id, args);  // NaN: leave it to the engines
        c = a.d < b.d ? -1 : a.d == b.d ? 0 : 1;
        break;
      default: c = a.i < b.i ? -1 : a.i == b.i ? 0 : 1; break;
    }
    bool r = false;
    switch (p_.exprs[id].cmp) {
      case ir::CmpOp::kEq: r = c == 0; break;
      case ir::CmpOp::kNe: r = c != 0; break;
      case ir::CmpOp::kLt: r = c < 0; break;
      case ir::CmpOp::kLe: r = c <= 0; break;
      case ir::CmpOp::kGt: r = c > 0; break;
      case ir::CmpOp::kGe: r = c >= 0; break;
    }
    return BoolLit(r, range);
  }

  ExprId FoldArith(ExprId id, const std::vector<ExprId>& args, SourceRange range) {
    Type type = p_.exprs[id].type;
    const Value a = p_.exprs[args[0]].literal;
    const Value b = p_.exprs[args[1]].literal;
    if (a.is_null || b.is_null) return NullLit(type, range);
    ir::ArithOp op = p_.exprs[id].arith;
    Value out;
    if (type.kind == TypeKind::kInt) {
      int64_t r = 0;
      bool overflow = false;
      switch (op) {
        case ir::ArithOp::kAdd: overflow = __builtin_add_overflow(a.i, b.i, &r); break;
        case ir::ArithOp::kSub: overflow = __builtin_sub_overflow(a.i, b.i, &r); break;
        case ir::ArithOp::kMul: overflow = __builtin_mul_overflow(a.i, b.i, &r); break;
        case ir::ArithOp::kDiv: return Rebuild(id, args);  // the checker makes `/` decimal
      }
      if (overflow) return NullLit(type, range);
      out.i = r;
    } else {
      switch (op) {
        case ir::ArithOp::kAdd: out.d = a.d + b.d; break;
        case ir::ArithOp::kSub: out.d = a.d - b.d; break;
        case ir::ArithOp::kMul: out.d = a.d * b.d; break;
        case ir::ArithOp::kDiv:
          if (b.d == 0) return NullLit(type, range);
          out.d = a.d / b.d;
          break;
      }
    }
    return AddLiteral(out, type, range);
  }

  /// Evaluates a call on literal arguments with the same C functions the
  /// engines call; nullopt when the run date is needed but unknown.
  std::optional<Value> EvalCall(FnId fn, const std::vector<ExprId>& args) {
    auto arg = [&](size_t i) -> const Value& { return p_.exprs[args[i]].literal; };
    auto str = [&](size_t i) -> const std::string& { return arg(i).s; };
    auto len = [&](size_t i) { return static_cast<int32_t>(std::min<size_t>(str(i).size(), INT32_MAX)); };
    Value v;
    switch (fn) {
      case FnId::kAge:
      case FnId::kDaysSince:
      case FnId::kDaysUntil: {
        if (!o_.today) return std::nullopt;
        int32_t d = static_cast<int32_t>(arg(0).i);
        v.i = fn == FnId::kAge         ? cohort_fn_age(d, *o_.today)
              : fn == FnId::kDaysSince ? cohort_fn_days_since(d, *o_.today)
                                       : cohort_fn_days_until(d, *o_.today);
        return v;
      }
      case FnId::kLower:
      case FnId::kUpper: {
        std::string out(str(0).size(), '\0');
        int32_t n = fn == FnId::kLower ? cohort_fn_lower(str(0).data(), len(0), out.data())
                                       : cohort_fn_upper(str(0).data(), len(0), out.data());
        out.resize(static_cast<size_t>(std::max(0, n)));
        v.s = std::move(out);
        return v;
      }
      case FnId::kStartsWith: v.i = cohort_fn_starts_with(str(0).data(), len(0), str(1).data(), len(1)); return v;
      case FnId::kEndsWith: v.i = cohort_fn_ends_with(str(0).data(), len(0), str(1).data(), len(1)); return v;
      case FnId::kContains: v.i = cohort_fn_contains(str(0).data(), len(0), str(1).data(), len(1)); return v;
      case FnId::kLength: v.i = cohort_fn_length(str(0).data(), len(0)); return v;
      case FnId::kYear: v.i = cohort_fn_year(static_cast<int32_t>(arg(0).i)); return v;
      case FnId::kMonth: v.i = cohort_fn_month(static_cast<int32_t>(arg(0).i)); return v;
      case FnId::kDateOf: v.i = cohort_fn_date_of(arg(0).i); return v;
    }
    return std::nullopt;
  }

  ir::Program& p_;
  const FoldOptions& o_;
  std::unordered_map<ExprId, ExprId> memo_;
};

}  // namespace

void Fold(ir::Program& program, const FoldOptions& options) {
  Folder f(program, options);
  for (ir::Define& d : program.defines)
    if (d.body != ir::kNoExpr) d.body = f.Fold(d.body);
  for (ir::Segment& s : program.segments) {
    if (s.where != ir::kNoExpr) s.where = f.Fold(s.where);
    for (ir::ExprId& x : s.excludes) x = f.Fold(x);
    for (ir::Channel& c : s.channels)
      if (c.condition != ir::kNoExpr) c.condition = f.FoldChannel(c.condition, c.consent_column);
  }
}

}  // namespace cohort
