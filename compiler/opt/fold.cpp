// Constant folding of checked IR under Kleene logic, by evaluation: a node
// whose operands are all literals is run through the reference interpreter
// (runtime/interp), so folding can never disagree with the engines (there is
// no third scalar evaluator). What remains here is structure: and/or
// flattening and dead operands, not(not x), coalesce pruning, `today`/`now`
// when the run date is known, and the rewrites of rewrite.h. Every rewrite
// keeps the node's type; nullability only ever becomes more precise (a
// literal), and levels are recomputed so the verifier's invariants still hold.
// A channel condition keeps its consent column as a top-level `and` conjunct
// whatever the rest folds to (engines and the verifier rely on that structure).
//
// Layering: compiler/opt sits above runtime/interp (see scripts/layers.txt);
// runtime/ never includes compiler/.
#include "compiler/opt/fold.h"

#include <algorithm>
#include <unordered_map>

#include "compiler/opt/rewrite.h"
#include "core/dates.h"
#include "core/functions.h"
#include "runtime/interp/interpreter.h"

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
      case ExprKind::kNot:
        // not(not(x)) = x under Kleene logic.
        if (!IsLit(args[0]) && p_.exprs[args[0]].kind == ExprKind::kNot) return p_.exprs[args[0]].args[0];
        break;
      case ExprKind::kCompare:
        if (o_.today)
          if (ExprId r = RewriteAgeCompare(p_, id, args, *o_.today); r != ir::kNoExpr) return r;
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
      default: break;
    }
    if (Evaluable(id, args))
      if (auto v = Evaluate(id, args)) return AddLiteral(*v, type, range);
    return Rebuild(id, args);
  }

  /// Whether node `id` with (folded) operands `args` is a pure function of
  /// literals the interpreter can evaluate now.
  bool Evaluable(ExprId id, const std::vector<ExprId>& args) const {
    switch (p_.exprs[id].kind) {
      case ExprKind::kNot:
      case ExprKind::kCompare:
      case ExprKind::kArith:
      case ExprKind::kNeg:
      case ExprKind::kCast:
      case ExprKind::kAddDuration:
      case ExprKind::kInList:
      case ExprKind::kIsMissing: break;
      case ExprKind::kCall: {
        if (p_.exprs[id].index >= AllFunctions().size()) return false;  // the verifier reports it
        if (GetFunction(static_cast<FnId>(p_.exprs[id].index)).needs_today && !o_.today) return false;
        break;
      }
      default: return false;
    }
    return !args.empty() && std::all_of(args.begin(), args.end(), [&](ExprId a) { return IsLit(a); });
  }

  /// Runs the reference interpreter on node `id` over its literal operands
  /// (a one-node program over one row with no columns).
  std::optional<Value> Evaluate(ExprId id, const std::vector<ExprId>& args) {
    auto mini = std::make_shared<ir::Program>();
    mini->schema = p_.schema;
    Expr node = p_.exprs[id];
    node.args.clear();
    node.level = 0;
    for (ExprId a : args) {
      node.args.push_back(static_cast<ExprId>(mini->exprs.size()));
      mini->exprs.push_back(p_.exprs[a]);
    }
    const ExprId root = static_cast<ExprId>(mini->exprs.size());
    mini->exprs.push_back(std::move(node));
    interp::Interpreter interp(mini);
    CohortBatchView one_row{1, nullptr, 0};
    ExecContext ctx;
    ctx.today = o_.today.value_or(0);
    ctx.now = int64_t{ctx.today} * kMicrosPerDay;
    std::vector<Value> v = interp.EvaluateValues(root, one_row, ctx);
    if (v.size() != 1) return std::nullopt;
    return std::move(v[0]);
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
