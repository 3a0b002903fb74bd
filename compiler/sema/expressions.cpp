// Typing of expressions: literals, logic, comparisons (with int->decimal
// casts and enum labels), arithmetic and calendar arithmetic, membership,
// missing values, function calls, quantifiers and the `within` desugaring.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>

#include "compiler/sema/checker_impl.h"
#include "core/dates.h"

namespace cohort::sema {

namespace {

constexpr int64_t kMicrosPerHour = 3'600'000'000LL;
constexpr int64_t kMicrosPerMinute = 60'000'000LL;

bool IsOrdered(TypeKind k) {
  return k == TypeKind::kInt || k == TypeKind::kDecimal || k == TypeKind::kString || k == TypeKind::kDate ||
         k == TypeKind::kTimestamp;
}

bool IsValue(const Type& t) { return t.is_scalar() && t.kind != TypeKind::kDuration && !t.is_error(); }

bool ValueLess(const ir::Value& a, const ir::Value& b) {
  switch (a.kind) {
    case TypeKind::kString: return a.s < b.s;
    case TypeKind::kDecimal: return a.d < b.d;
    default: return a.i < b.i;
  }
}

bool ValueEq(const ir::Value& a, const ir::Value& b) { return !ValueLess(a, b) && !ValueLess(b, a); }

std::string QuantWord(ast::Quant q) {
  switch (q) {
    case ast::Quant::kAny: return "any";
    case ast::Quant::kAll: return "all";
    case ast::Quant::kNo: return "no";
    case ast::Quant::kMin: return "min";
    case ast::Quant::kMax: return "max";
  }
  return "?";
}

}  // namespace

Checked Checker::CastTo(Checked c, Type to) {
  if (!c.ok() || c.type == to) return c;
  SourceRange r = p_->exprs[c.id].range;
  return Make(ir::ExprKind::kCast, to, c.nullable, {c}, r);
}

Checked Checker::CheckCondition(const ast::Expr& e, const Ctx& ctx, const std::string& what) {
  Checked c = CheckExpr(e, ctx);
  if (!c.ok()) return Error();
  if (c.type.kind != TypeKind::kBool) {
    diags_.Emit(DiagKind::ExpectedBool, e.range, what, c.type.ToString());
    return Error();
  }
  return c;
}

Checked Checker::CheckExpr(const ast::Expr& e, const Ctx& ctx) {
  switch (e.kind) {
    case ast::ExprKind::kBoolLit:
    case ast::ExprKind::kIntLit:
    case ast::ExprKind::kDecimalLit:
    case ast::ExprKind::kStringLit:
    case ast::ExprKind::kDateLit:
    case ast::ExprKind::kTimestampLit:
    case ast::ExprKind::kDurationLit: return CheckLiteral(e);
    case ast::ExprKind::kPercentLit:
      diags_.Emit(DiagKind::TypeMismatch, e.range, "a percentage is only allowed after `holdout`");
      return Error();
    case ast::ExprKind::kListLit: diags_.Emit(DiagKind::ListNotAllowed, e.range); return Error();
    case ast::ExprKind::kName: return CheckName(e, ctx);
    case ast::ExprKind::kMember: return CheckMember(e, ctx);
    case ast::ExprKind::kToday: return Make(ir::ExprKind::kToday, Type::Date(), false, {}, e.range);
    case ast::ExprKind::kNow: return Make(ir::ExprKind::kNow, Type::Timestamp(), false, {}, e.range);
    case ast::ExprKind::kUnary: return CheckUnary(e, ctx);
    case ast::ExprKind::kBinary: return CheckBinary(e, ctx);
    case ast::ExprKind::kIn: return CheckIn(e, ctx);
    case ast::ExprKind::kIsMissing: return CheckIsMissing(e, ctx);
    case ast::ExprKind::kWithin: return CheckWithin(e, ctx);
    case ast::ExprKind::kCall: return CheckCall(e, ctx);
    case ast::ExprKind::kQuantifier:
    case ast::ExprKind::kCount:
    case ast::ExprKind::kMinMax: return CheckQuantifier(e, ctx);
    case ast::ExprKind::kInSegment: return CheckInSegment(e, ctx);
    case ast::ExprKind::kParen:
      if (e.args.empty() || !e.args[0]) return Error();
      return CheckExpr(*e.args[0], ctx);
    case ast::ExprKind::kError: return Error();
    case ast::ExprKind::kContacted: return CheckContacted(e, ctx);
  }
  return Error();
}

Checked Checker::CheckTimestampLiteral(const ast::Expr& e) {
  auto ts = ParseTimestamp(e.text);
  if (!ts) {
    diags_.Emit(DiagKind::InvalidTimestampLiteral, e.range, e.text);
    return Error();
  }
  ir::Value v;
  v.i = *ts;
  return Literal(v, Type::Timestamp(), e.range);
}

Checked Checker::CheckLiteral(const ast::Expr& e) {
  ir::Value v;
  switch (e.kind) {
    case ast::ExprKind::kBoolLit: v.i = e.bool_value ? 1 : 0; return Literal(v, Type::Bool(), e.range);
    case ast::ExprKind::kIntLit: v.i = e.int_value; return Literal(v, Type::Int(), e.range);
    case ast::ExprKind::kDecimalLit: v.d = e.decimal_value; return Literal(v, Type::Decimal(), e.range);
    case ast::ExprKind::kStringLit: v.s = e.text; return Literal(v, Type::String(), e.range);
    case ast::ExprKind::kDateLit: {
      auto d = ParseDate(e.text);
      if (!d) {
        diags_.Emit(DiagKind::InvalidDateLiteral, e.range, e.text);
        return Error();
      }
      v.i = *d;
      return Literal(v, Type::Date(), e.range);
    }
    case ast::ExprKind::kTimestampLit: return CheckTimestampLiteral(e);
    case ast::ExprKind::kDurationLit: {
      std::string unit;
      for (char c : e.text) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
      int64_t n = e.int_value;
      SourceRange ur = e.text_range.valid() ? e.text_range : e.range;
      auto too_big = [&]() {
        diags_.Emit(DiagKind::InvalidNumber, e.range, Text(e.range)).message += "; the duration is too long";
        return Error();
      };
      if (n < 0) return too_big();
      if (unit == "day") {
        if (n > INT32_MAX) return too_big();
        v.dur.days = static_cast<int32_t>(n);
      } else if (unit == "week") {
        if (n > INT32_MAX / 7) return too_big();
        v.dur.days = static_cast<int32_t>(n * 7);
      } else if (unit == "month") {
        if (n > INT32_MAX) return too_big();
        v.dur.months = static_cast<int32_t>(n);
      } else if (unit == "year") {
        if (n > INT32_MAX / 12) return too_big();
        v.dur.months = static_cast<int32_t>(n * 12);
      } else if (unit == "hour") {
        if (n > INT64_MAX / kMicrosPerHour) return too_big();
        v.dur.micros = n * kMicrosPerHour;
      } else if (unit == "minute") {
        if (n > INT64_MAX / kMicrosPerMinute) return too_big();
        v.dur.micros = n * kMicrosPerMinute;
      } else {
        diags_.Emit(DiagKind::UnknownDurationUnit, ur, e.text,
                    DidYouMean(e.text, {"minutes", "hours", "days", "weeks", "months", "years"}));
        return Error();
      }
      return Literal(v, Type::Duration(), e.range);
    }
    default: return Error();
  }
}

Checked Checker::CheckUnary(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.empty() || !e.args[0]) return Error();
  if (e.op == ast::Op::kNot) {
    Checked a = CheckCondition(*e.args[0], ctx, "the operand of `not`");
    if (!a.ok()) return Error();
    return Make(ir::ExprKind::kNot, Type::Bool(), a.nullable, {a}, e.range);
  }
  Checked a = CheckExpr(*e.args[0], ctx);
  if (!a.ok()) return Error();
  if (!a.type.is_numeric()) {
    diags_.Emit(DiagKind::TypeMismatch, e.range, fmt::format("cannot negate `{}`", a.type.ToString()));
    return Error();
  }
  // int negation overflows on INT64_MIN: missing, like every int overflow.
  return Make(ir::ExprKind::kNeg, a.type, a.nullable || a.type.kind == TypeKind::kInt, {a}, e.range);
}

Checked Checker::CheckBinary(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.size() < 2 || !e.args[0] || !e.args[1]) return Error();
  switch (e.op) {
    case ast::Op::kAnd:
    case ast::Op::kOr: return CheckLogic(e, ctx);
    case ast::Op::kEq:
    case ast::Op::kNe:
    case ast::Op::kLt:
    case ast::Op::kLe:
    case ast::Op::kGt:
    case ast::Op::kGe:
    case ast::Op::kBefore:
    case ast::Op::kAfter: return CheckCompare(e, ctx);
    case ast::Op::kAdd:
    case ast::Op::kSub:
    case ast::Op::kMul:
    case ast::Op::kDiv: return CheckArith(e, ctx);
    default: return Error();
  }
}

Checked Checker::CheckLogic(const ast::Expr& e, const Ctx& ctx) {
  // Flatten `a and b and (c and d)` into one n-ary node: the consent rule and
  // the verifier look for consent among the top-level conjuncts.
  std::vector<const ast::Expr*> operands;
  std::vector<const ast::Expr*> stack{&e};
  while (!stack.empty()) {
    const ast::Expr* x = stack.back();
    stack.pop_back();
    const ast::Expr& u = Unparen(*x);
    if (u.kind == ast::ExprKind::kBinary && u.op == e.op && u.args.size() == 2 && u.args[0] && u.args[1]) {
      stack.push_back(u.args[1].get());
      stack.push_back(u.args[0].get());
    } else {
      operands.push_back(x);
    }
  }
  std::string what = fmt::format("an operand of `{}`", OpText(e.op));
  std::vector<Checked> args;
  bool failed = false, nullable = false;
  for (const ast::Expr* x : operands) {
    Checked c = CheckCondition(*x, ctx, what);
    if (!c.ok()) {
      failed = true;
      continue;
    }
    nullable |= c.nullable;
    args.push_back(c);
  }
  if (failed) return Error();
  return Make(e.op == ast::Op::kAnd ? ir::ExprKind::kAnd : ir::ExprKind::kOr, Type::Bool(), nullable, args, e.range);
}

Checked Checker::CheckCompare(const ast::Expr& e, const Ctx& ctx) {
  const ast::Expr& lhs = *e.args[0];
  const ast::Expr& rhs = *e.args[1];
  bool l_label = IsPureLabel(lhs, ctx), r_label = IsPureLabel(rhs, ctx);
  Checked a, b;
  // Labels resolve for every comparison, so `payer_type < medicare` is
  // reported as an enum ordering error rather than an unknown name.
  if (l_label != r_label) {
    // Resolve the label against the other operand's enum type.
    const ast::Expr& label_side = l_label ? lhs : rhs;
    const ast::Expr& other_side = l_label ? rhs : lhs;
    Checked other = CheckExpr(other_side, ctx);
    if (!other.ok()) return Error();
    Checked label;
    if (other.type.kind == TypeKind::kEnum) {
      label = ResolveLabel(*LabelCandidate(label_side, ctx), Unparen(label_side).range, other.type, Text(other_side.range));
    } else {
      label = CheckExpr(label_side, ctx);  // reports the unknown name
    }
    if (!label.ok()) return Error();
    a = l_label ? label : other;
    b = l_label ? other : label;
  } else {
    a = CheckExpr(lhs, ctx);
    b = CheckExpr(rhs, ctx);
  }
  if (!a.ok() || !b.ok()) return Error();
  return CompareChecked(e.op, a, b, e, lhs, rhs);
}

Checked Checker::CompareChecked(ast::Op op, Checked a, Checked b, const ast::Expr& e, const ast::Expr& lhs,
                                const ast::Expr& rhs) {
  SourceRange opr = OpRange(e);
  std::string ops = OpText(op);
  auto invalid = [&](const std::string& hint) {
    diags_.Emit(DiagKind::InvalidOperands, opr, ops, a.type.ToString(), b.type.ToString(), hint);
    return Error();
  };
  TypeKind ka = a.type.kind, kb = b.type.kind;
  if ((ka == TypeKind::kDate && kb == TypeKind::kTimestamp) || (ka == TypeKind::kTimestamp && kb == TypeKind::kDate)) {
    const ast::Expr& ts = ka == TypeKind::kTimestamp ? lhs : rhs;
    std::string text = Text(ts.range);
    auto& d = diags_.Emit(DiagKind::DateTimestampCompare, opr, a.type.ToString(), b.type.ToString(),
                          fmt::format("use `date_of({})` to compare calendar days", text));
    d.fixits.push_back(FixIt{ts.range, fmt::format("date_of({})", text), "compare calendar days with `date_of`"});
    return Error();
  }
  if (ka == TypeKind::kStringSet || kb == TypeKind::kStringSet)
    return invalid(ka == TypeKind::kString || kb == TypeKind::kString
                       ? "; to test membership write `\"value\" in set`"
                       : "; sets can only be tested with `in` or a quantifier");
  if (!IsValue(a.type) || !IsValue(b.type)) return invalid("");
  if (a.type.is_numeric() && b.type.is_numeric() && ka != kb) {
    a = CastTo(a, Type::Decimal());
    b = CastTo(b, Type::Decimal());
  }
  if (a.type != b.type) {
    if ((ka == TypeKind::kEnum && kb == TypeKind::kString) || (ka == TypeKind::kString && kb == TypeKind::kEnum))
      return invalid("; write the enum label without quotes");
    return invalid("");
  }
  bool eq = op == ast::Op::kEq || op == ast::Op::kNe;
  bool temporal = op == ast::Op::kBefore || op == ast::Op::kAfter;
  if (temporal && ka != TypeKind::kDate && ka != TypeKind::kTimestamp)
    return invalid("; `before` and `after` compare dates and timestamps; use `<` or `>`");
  if (!eq && ka == TypeKind::kEnum) return invalid("; enums only support `==`, `!=` and `in`");
  if (!eq && ka == TypeKind::kBool) return invalid("; booleans only support `==` and `!=`");
  ir::CmpOp cmp = ir::CmpOp::kEq;
  switch (op) {
    case ast::Op::kEq: cmp = ir::CmpOp::kEq; break;
    case ast::Op::kNe: cmp = ir::CmpOp::kNe; break;
    case ast::Op::kLt:
    case ast::Op::kBefore: cmp = ir::CmpOp::kLt; break;
    case ast::Op::kLe: cmp = ir::CmpOp::kLe; break;
    case ast::Op::kGt:
    case ast::Op::kAfter: cmp = ir::CmpOp::kGt; break;
    case ast::Op::kGe: cmp = ir::CmpOp::kGe; break;
    default: break;
  }
  Checked r = Make(ir::ExprKind::kCompare, Type::Bool(), a.nullable || b.nullable, {a, b}, e.range);
  p_->exprs[r.id].cmp = cmp;
  return r;
}

Checked Checker::AddDuration(Checked base, ir::Duration d, int sign, SourceRange range, SourceRange dur_range,
                             const std::string& dur_text) {
  if (base.type.kind == TypeKind::kDate && d.micros != 0) {
    diags_.Emit(DiagKind::DurationOnDate, dur_range, dur_text,
                "a date has no time of day; use days, weeks, months or years");
    return Error();
  }
  Checked r = Make(ir::ExprKind::kAddDuration, base.type, base.nullable, {base}, range);
  ir::Expr& x = p_->exprs[r.id];
  x.sign = sign;
  x.literal.kind = TypeKind::kDuration;
  x.literal.dur = d;
  return r;
}

Checked Checker::CheckArith(const ast::Expr& e, const Ctx& ctx) {
  Checked a = CheckExpr(*e.args[0], ctx);
  Checked b = CheckExpr(*e.args[1], ctx);
  if (!a.ok() || !b.ok()) return Error();
  SourceRange opr = OpRange(e);
  std::string ops = OpText(e.op);
  auto invalid = [&](const std::string& hint) {
    diags_.Emit(DiagKind::InvalidOperands, opr, ops, a.type.ToString(), b.type.ToString(), hint);
    return Error();
  };
  TypeKind ka = a.type.kind, kb = b.type.kind;
  auto temporal = [](TypeKind k) { return k == TypeKind::kDate || k == TypeKind::kTimestamp; };
  if (e.op == ast::Op::kAdd || e.op == ast::Op::kSub) {
    if (temporal(ka) && kb == TypeKind::kDuration)
      return AddDuration(a, p_->exprs[b.id].literal.dur, e.op == ast::Op::kAdd ? 1 : -1, e.range, e.args[1]->range,
                         Text(e.args[1]->range));
    if (e.op == ast::Op::kAdd && ka == TypeKind::kDuration && temporal(kb))
      return AddDuration(b, p_->exprs[a.id].literal.dur, 1, e.range, e.args[0]->range, Text(e.args[0]->range));
    if (e.op == ast::Op::kSub && temporal(ka) && ka == kb)
      return invalid("; use `days_since(x)` / `days_until(x)`, or compare the two directly");
  }
  if (!a.type.is_numeric() || !b.type.is_numeric()) {
    if (ka == TypeKind::kDuration || kb == TypeKind::kDuration)
      return invalid("; durations can only be added to or subtracted from a date or timestamp");
    return invalid("");
  }
  if (e.op == ast::Op::kDiv) {
    a = CastTo(a, Type::Decimal());
    b = CastTo(b, Type::Decimal());
    Checked r = Make(ir::ExprKind::kArith, Type::Decimal(), true, {a, b}, e.range);
    p_->exprs[r.id].arith = ir::ArithOp::kDiv;
    return r;
  }
  Type t = Type::Int();
  if (ka == TypeKind::kDecimal || kb == TypeKind::kDecimal) {
    t = Type::Decimal();
    a = CastTo(a, t);
    b = CastTo(b, t);
  }
  // int overflow gives missing, so an int result is always nullable.
  Checked r = Make(ir::ExprKind::kArith, t, a.nullable || b.nullable || t.kind == TypeKind::kInt, {a, b}, e.range);
  ir::ArithOp op = e.op == ast::Op::kAdd ? ir::ArithOp::kAdd : e.op == ast::Op::kSub ? ir::ArithOp::kSub : ir::ArithOp::kMul;
  p_->exprs[r.id].arith = op;
  return r;
}

Checked Checker::CheckIn(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.size() < 2 || !e.args[0] || !e.args[1]) return Error();
  const ast::Expr& rhs = Unparen(*e.args[1]);
  if (rhs.kind == ast::ExprKind::kListLit) {
    Checked operand = CheckExpr(*e.args[0], ctx);
    if (!operand.ok()) return Error();
    std::vector<const ast::Expr*> items;
    for (const auto& a : rhs.args)
      if (a) items.push_back(a.get());
    return CheckInList(e, operand, items, nullptr, ctx);
  }
  if (rhs.kind == ast::ExprKind::kName) {
    auto it = const_index_.find(rhs.text);
    bool shadowed = std::any_of(ctx.vars.begin(), ctx.vars.end(), [&](const VarScope& v) { return v.name == rhs.text; });
    if (it != const_index_.end() && !shadowed && consts_[it->second].is_list) {
      ConstInfo& c = consts_[it->second];
      c.used = true;
      Checked operand = CheckExpr(*e.args[0], ctx);
      if (!operand.ok()) return Error();
      return CheckInList(e, operand, {}, &c, ctx);
    }
  }
  Checked a = CheckExpr(*e.args[0], ctx);
  Checked b = CheckExpr(*e.args[1], ctx);
  if (!a.ok() || !b.ok()) return Error();
  if (b.type.kind != TypeKind::kStringSet) {
    if (b.type.kind == TypeKind::kList) {
      diags_.Emit(DiagKind::InvalidOperands, OpRange(e), e.negated ? "not in" : "in", a.type.ToString(),
                  b.type.ToString(), "; use a quantifier: `any x in list where ...`");
    } else {
      diags_.Emit(DiagKind::NotAList, e.args[1]->range, Text(e.args[1]->range), b.type.ToString());
    }
    return Error();
  }
  if (a.type.kind != TypeKind::kString) {
    diags_.Emit(DiagKind::InvalidOperands, OpRange(e), e.negated ? "not in" : "in", a.type.ToString(),
                b.type.ToString(), "; a `set<string>` holds strings");
    return Error();
  }
  Checked r = Make(ir::ExprKind::kInSet, Type::Bool(), a.nullable, {a, b}, e.range);
  p_->exprs[r.id].negated = e.negated;
  return r;
}

Checked Checker::CheckInList(const ast::Expr& e, Checked operand, const std::vector<const ast::Expr*>& items,
                             const ConstInfo* list_const, const Ctx& ctx) {
  std::string ops = e.negated ? "not in" : "in";
  if (!IsValue(operand.type)) {
    diags_.Emit(DiagKind::InvalidOperands, OpRange(e), ops, operand.type.ToString(), "list", "");
    return Error();
  }
  Type t = operand.type;
  bool is_enum = t.kind == TypeKind::kEnum;
  std::string operand_text = Text(e.args[0]->range);
  std::vector<ir::Value> values;
  std::vector<std::pair<Type, SourceRange>> item_types;  // for numeric unification
  bool failed = false;
  auto add_value = [&](const ir::Value& v, const Type& vt, SourceRange r) {
    values.push_back(v);
    item_types.push_back({vt, r});
  };
  if (list_const) {
    SourceRange r = e.args[1]->range;
    if (list_const->is_labels) {
      if (!is_enum) {
        diags_.Emit(DiagKind::BareEnumLabel, r, list_const->labels.empty() ? "" : list_const->labels[0]);
        return Error();
      }
      for (const auto& l : list_const->labels) {
        Checked c = ResolveLabel(l, r, t, operand_text);
        if (!c.ok()) failed = true;
        else add_value(p_->exprs[c.id].literal, t, r);
      }
    } else if (!list_const->values.empty()) {
      if (list_const->type.is_error()) return Error();
      for (const auto& v : list_const->values) add_value(v, list_const->type, r);
    }
  }
  for (const ast::Expr* raw : items) {
    const ast::Expr& x = Unparen(*raw);
    if (is_enum && IsPureLabel(x, ctx)) {
      Checked c = ResolveLabel(*LabelCandidate(x, ctx), x.range, t, operand_text);
      if (!c.ok()) failed = true;
      else add_value(p_->exprs[c.id].literal, t, x.range);
      continue;
    }
    // Literals, negative numbers and scalar consts.
    bool neg = x.kind == ast::ExprKind::kUnary && x.op == ast::Op::kNeg && !x.args.empty() && x.args[0];
    const ast::Expr& lit = neg ? Unparen(*x.args[0]) : x;
    Checked c;
    bool literal_kind = lit.kind == ast::ExprKind::kBoolLit || lit.kind == ast::ExprKind::kIntLit ||
                        lit.kind == ast::ExprKind::kDecimalLit || lit.kind == ast::ExprKind::kStringLit ||
                        lit.kind == ast::ExprKind::kDateLit || lit.kind == ast::ExprKind::kTimestampLit ||
                        lit.kind == ast::ExprKind::kDurationLit;
    bool const_name = !neg && lit.kind == ast::ExprKind::kName && const_index_.count(lit.text) &&
                      !consts_[const_index_.at(lit.text)].is_list;
    if (literal_kind) {
      c = CheckLiteral(lit);
    } else if (const_name) {
      c = CheckName(lit, ctx);
    } else if (lit.kind == ast::ExprKind::kName && !IsVisibleName(lit.text, ctx)) {
      if (lit.text == "consent" || IsPureLabel(lit, ctx)) {
        diags_.Emit(DiagKind::BareEnumLabel, lit.range, lit.text).message +=
            fmt::format("; `{}` is `{}`", operand_text, t.ToString());
      }
      failed = true;
      continue;
    } else {
      diags_.Emit(DiagKind::TypeMismatch, raw->range, "list items must be literals or consts");
      failed = true;
      continue;
    }
    if (!c.ok()) {
      failed = true;
      continue;
    }
    ir::Value v = p_->exprs[c.id].literal;
    if (neg) {
      if (c.type.kind == TypeKind::kInt) v.i = -v.i;
      else if (c.type.kind == TypeKind::kDecimal) v.d = -v.d;
      else {
        diags_.Emit(DiagKind::TypeMismatch, raw->range, fmt::format("cannot negate `{}`", c.type.ToString()));
        failed = true;
        continue;
      }
    }
    add_value(v, c.type, raw->range);
  }
  if (failed) return Error();
  // Unify: every item must have the operand's type; ints and decimals mix.
  bool to_decimal = false;
  for (const auto& [vt, r] : item_types) {
    if (vt == t) continue;
    if (vt.is_numeric() && t.is_numeric()) {
      to_decimal = true;
      continue;
    }
    if (is_enum && vt.kind == TypeKind::kString) {
      diags_.Emit(DiagKind::InvalidOperands, r, ops, t.ToString(), vt.ToString(), "; write the enum label without quotes");
    } else {
      diags_.Emit(DiagKind::MixedListLiteral, r, t.ToString(), vt.ToString());
    }
    return Error();
  }
  if (to_decimal) {
    operand = CastTo(operand, Type::Decimal());
    for (auto& v : values) {
      if (v.kind == TypeKind::kInt) v.d = static_cast<double>(v.i);
      v.kind = TypeKind::kDecimal;
      v.i = 0;
    }
  }
  std::sort(values.begin(), values.end(), ValueLess);
  values.erase(std::unique(values.begin(), values.end(), ValueEq), values.end());
  Checked r = Make(ir::ExprKind::kInList, Type::Bool(), operand.nullable, {operand}, e.range);
  p_->exprs[r.id].list = std::move(values);
  p_->exprs[r.id].negated = e.negated;
  return r;
}

Checked Checker::CheckIsMissing(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.empty() || !e.args[0]) return Error();
  Checked a = CheckExpr(*e.args[0], ctx);
  if (!a.ok()) return Error();
  if (!IsValue(a.type) && a.type.kind != TypeKind::kStringSet) {
    diags_.Emit(DiagKind::TypeMismatch, e.range,
                fmt::format("`is missing` needs a value, found `{}`", a.type.ToString()));
    return Error();
  }
  if (!a.nullable) {
    diags_.Emit(DiagKind::ConstantCondition, e.range, fmt::format("`{}`", Text(e.range)),
                e.negated ? "true" : "false")
        .message += fmt::format("; `{}` is never missing", Text(e.args[0]->range));
  }
  Checked r = Make(ir::ExprKind::kIsMissing, Type::Bool(), false, {a}, e.range);
  p_->exprs[r.id].negated = e.negated;
  return r;
}

std::optional<ir::Duration> Checker::DurationOf(const ast::Expr& e, const Ctx& ctx, const char* what) {
  Checked c = CheckExpr(e, ctx);
  if (!c.ok()) return std::nullopt;
  if (c.type.kind != TypeKind::kDuration || p_->exprs[c.id].kind != ir::ExprKind::kLiteral) {
    diags_.Emit(DiagKind::TypeMismatch, e.range,
                fmt::format("{} needs a duration such as `7 days`, found `{}`", what, c.type.ToString()));
    return std::nullopt;
  }
  return p_->exprs[c.id].literal.dur;
}

Checked Checker::CheckWithin(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.size() < 2 || !e.args[0] || !e.args[1]) return Error();
  Checked x = CheckExpr(*e.args[0], ctx);
  auto dur = DurationOf(*e.args[1], ctx, e.within_next ? "`within next`" : "`within last`");
  if (!x.ok() || !dur) return Error();
  SourceRange r = e.range;
  TypeKind k = x.type.kind;
  if (k != TypeKind::kDate && k != TypeKind::kTimestamp) {
    diags_.Emit(DiagKind::InvalidOperands, OpRange(e), "within", x.type.ToString(), "duration",
                "; `within` needs a date or timestamp");
    return Error();
  }
  const ir::Duration d = *dur;
  ir::Duration one_day;
  one_day.days = 1;
  auto today = [&]() { return Make(ir::ExprKind::kToday, Type::Date(), false, {}, r); };
  auto cmp = [&](ir::CmpOp op, Checked lhs, Checked rhs) {
    Checked c = Make(ir::ExprKind::kCompare, Type::Bool(), lhs.nullable || rhs.nullable, {lhs, rhs}, r);
    p_->exprs[c.id].cmp = op;
    return c;
  };
  auto both = [&](Checked lo, Checked hi) {
    return Make(ir::ExprKind::kAnd, Type::Bool(), lo.nullable || hi.nullable, {lo, hi}, r);
  };
  auto ts = [&](Checked date) { return Make(ir::ExprKind::kCast, Type::Timestamp(), false, {date}, r); };
  if (k == TypeKind::kDate) {
    if (d.micros != 0) {
      diags_.Emit(DiagKind::DurationOnDate, e.args[1]->range, Text(e.args[1]->range),
                  "a date has no time of day; use days, weeks, months or years");
      return Error();
    }
    if (!e.within_next)  // today - D <= x <= today
      return both(cmp(ir::CmpOp::kGe, x, AddDuration(today(), d, -1, r, r, "")), cmp(ir::CmpOp::kLe, x, today()));
    // today <= x <= today + D
    return both(cmp(ir::CmpOp::kGe, x, today()), cmp(ir::CmpOp::kLe, x, AddDuration(today(), d, 1, r, r, "")));
  }
  if (d.micros != 0) {
    // Sub-day windows are measured from the run instant: now - D <= x <= now.
    auto now = [&]() { return Make(ir::ExprKind::kNow, Type::Timestamp(), false, {}, r); };
    if (!e.within_next)
      return both(cmp(ir::CmpOp::kGe, x, AddDuration(now(), d, -1, r, r, "")), cmp(ir::CmpOp::kLe, x, now()));
    return both(cmp(ir::CmpOp::kGe, x, now()), cmp(ir::CmpOp::kLe, x, AddDuration(now(), d, 1, r, r, "")));
  }
  // Whole UTC days: lo 00:00Z <= x < hi 00:00Z.
  Checked lo, hi;
  if (!e.within_next) {
    lo = ts(AddDuration(today(), d, -1, r, r, ""));
    hi = ts(AddDuration(today(), one_day, 1, r, r, ""));
  } else {
    lo = ts(today());
    hi = ts(AddDuration(AddDuration(today(), d, 1, r, r, ""), one_day, 1, r, r, ""));
  }
  return both(cmp(ir::CmpOp::kGe, x, lo), cmp(ir::CmpOp::kLt, x, hi));
}

Checked Checker::CheckCall(const ast::Expr& e, const Ctx& ctx) {
  SourceRange name_range = e.text_range.valid() ? e.text_range : e.range;
  if (e.text == "coalesce") return CheckCoalesce(e, ctx);
  const FunctionInfo* fn = FindFunction(e.text);
  if (!fn) {
    std::vector<std::string> names{"coalesce", "count", "min", "max"};
    for (const FunctionInfo& f : AllFunctions()) names.push_back(std::string(f.name));
    diags_.Emit(DiagKind::UnknownFunction, name_range, e.text, DidYouMean(e.text, names));
    for (const auto& a : e.args)
      if (a) CheckExpr(*a, ctx);
    return Error();
  }
  if (e.args.empty() && !fn->implicit_field.empty()) return ImplicitCall(*fn, e.range, ctx);
  if (e.args.size() != fn->params.size()) {
    size_t n = fn->params.size();
    diags_.Emit(DiagKind::WrongArgumentCount, name_range, fn->name,
                fmt::format("{} argument{} (`{}`)", n, n == 1 ? "" : "s", fn->Signature()), e.args.size());
    return Error();
  }
  std::vector<Checked> args;
  bool failed = false, nullable = false;
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (!e.args[i]) return Error();
    Checked a = CheckExpr(*e.args[i], ctx);
    if (!a.ok()) {
      failed = true;
      continue;
    }
    TypeKind want = fn->params[i];
    if (a.type.kind != want) {
      if (want == TypeKind::kDecimal && a.type.kind == TypeKind::kInt) {
        a = CastTo(a, Type::Decimal());
      } else {
        auto& d = diags_.Emit(DiagKind::WrongArgumentType, e.args[i]->range, i + 1, fn->name, Type{want}.ToString(),
                              a.type.ToString());
        if (want == TypeKind::kDate && a.type.kind == TypeKind::kTimestamp)
          d.message += fmt::format("; use `date_of({})`", Text(e.args[i]->range));
        failed = true;
        continue;
      }
    }
    nullable |= a.nullable;
    args.push_back(a);
  }
  if (failed) return Error();
  Checked r = Make(ir::ExprKind::kCall, Type{fn->result}, nullable, args, e.range);
  p_->exprs[r.id].index = static_cast<uint32_t>(fn->id);
  return r;
}

Checked Checker::CheckCoalesce(const ast::Expr& e, const Ctx& ctx) {
  SourceRange name_range = e.text_range.valid() ? e.text_range : e.range;
  if (e.args.size() < 2) {
    diags_.Emit(DiagKind::WrongArgumentCount, name_range, "coalesce", "at least 2 arguments", e.args.size());
    return Error();
  }
  for (const auto& a : e.args)
    if (!a) return Error();
  // Check non-label arguments first so bare labels resolve against their enum.
  std::vector<Checked> args(e.args.size());
  Type enum_type;
  std::string enum_text;
  bool failed = false;
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (IsPureLabel(*e.args[i], ctx)) continue;
    args[i] = CheckExpr(*e.args[i], ctx);
    if (!args[i].ok()) failed = true;
    else if (args[i].type.kind == TypeKind::kEnum && enum_type.is_error()) {
      enum_type = args[i].type;
      enum_text = Text(e.args[i]->range);
    }
  }
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (!IsPureLabel(*e.args[i], ctx)) continue;
    if (enum_type.is_error()) {
      args[i] = CheckExpr(*e.args[i], ctx);  // unknown name, or a bare label with nothing to resolve against
      if (args[i].ok()) continue;
      failed = true;
      continue;
    }
    args[i] = ResolveLabel(*LabelCandidate(*e.args[i], ctx), Unparen(*e.args[i]).range, enum_type, enum_text);
    if (!args[i].ok()) failed = true;
  }
  if (failed) return Error();
  Type t = args[0].type;
  for (size_t i = 0; i < args.size(); ++i) {
    const Type& at = args[i].type;
    if (!IsValue(at)) {
      diags_.Emit(DiagKind::WrongArgumentType, e.args[i]->range, i + 1, "coalesce", "a scalar value", at.ToString());
      return Error();
    }
    if (at.is_numeric() && t.is_numeric()) {
      if (at.kind == TypeKind::kDecimal) t = Type::Decimal();
      continue;
    }
    if (at != t) {
      diags_.Emit(DiagKind::WrongArgumentType, e.args[i]->range, i + 1, "coalesce", t.ToString(), at.ToString());
      return Error();
    }
  }
  bool nullable = true;
  for (Checked& a : args) {
    a = CastTo(a, t);
    nullable &= a.nullable;
  }
  return Make(ir::ExprKind::kCoalesce, t, nullable, args, e.range);
}

bool Checker::BindQuantifier(const ast::Expr& list, const std::string& var, SourceRange var_range, const Ctx& ctx,
                             Ctx* inner, ColumnId* column) {
  Checked l = CheckExpr(list, ctx);
  if (!l.ok()) return false;
  const ir::Expr& node = p_->exprs[l.id];
  if (l.type.kind != TypeKind::kList && l.type.kind != TypeKind::kStringSet) {
    diags_.Emit(DiagKind::NotAList, list.range, Text(list.range), l.type.ToString());
    return false;
  }
  if (node.kind != ir::ExprKind::kColumn) {
    diags_.Emit(DiagKind::TypeMismatch, list.range,
                fmt::format("a quantifier ranges over a field of the record; `{}` is not one", Text(list.range)));
    return false;
  }
  // A variable may not hide a declared name: that would silently change
  // meaning. Hiding an enclosing quantifier's variable is allowed: the inner
  // quantifier then cannot see the outer element, so `any e in L where A and
  // any e in L where B` means what it reads like.
  std::string hidden;
  {
    if (const_index_.count(var)) hidden = fmt::format("const `{}`", var);
    else if (define_index_.count(var)) hidden = fmt::format("define `{}`", var);
    else if (schema_->root && schema_->root->Find(var) >= 0) hidden = fmt::format("field `{}`", var);
    else if (const FunctionInfo* f = FindFunction(var); f && !f->implicit_field.empty())
      hidden = fmt::format("function `{}`", var);
  }
  if (!hidden.empty()) {
    diags_.Emit(DiagKind::ShadowedVariable, var_range.valid() ? var_range : list.range, var, hidden);
    return false;
  }
  *column = node.column;
  *inner = ctx;
  VarScope s;
  s.name = var;
  s.range = var_range;
  s.over_set = l.type.kind == TypeKind::kStringSet;
  s.record = l.type.record_def;
  s.list_name = Text(list.range);
  if (s.list_name.empty()) s.list_name = schema_->columns[node.column].path;
  inner->vars.push_back(std::move(s));
  return true;
}

Checked Checker::CheckQuantifier(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.empty() || !e.args[0]) return Error();
  Ctx inner;
  ColumnId column = kNoColumn;
  if (!BindQuantifier(*e.args[0], e.var, e.var_range, ctx, &inner, &column)) return Error();
  const ast::Expr* where = e.args.size() > 1 ? e.args[1].get() : nullptr;
  std::string word = e.kind == ast::ExprKind::kCount ? "count" : QuantWord(e.quant);
  Checked r;
  if (e.kind == ast::ExprKind::kMinMax) {
    const ast::Expr* value = e.args.size() > 2 ? e.args[2].get() : nullptr;
    if (!value) return Error();
    Checked v = CheckExpr(*value, inner);
    Checked f;
    if (where) f = CheckCondition(*where, inner, fmt::format("the `where` of `{}`", word));
    if (!v.ok() || (where && !f.ok())) return Error();
    if (!IsOrdered(v.type.kind)) {
      diags_.Emit(DiagKind::TypeMismatch, value->range,
                  fmt::format("`{}` needs a number, string, date or timestamp, found `{}`", word, v.type.ToString()));
      return Error();
    }
    std::vector<Checked> args{v};
    if (where) args.push_back(f);
    r = Make(ir::ExprKind::kAggregate, v.type, true, args, e.range);
    p_->exprs[r.id].quant = e.quant == ast::Quant::kMin ? ir::Quant::kMin : ir::Quant::kMax;
  } else {
    Checked body;
    if (where) {
      body = CheckCondition(*where, inner, fmt::format("the `where` of `{}`", word));
      if (!body.ok()) return Error();
    } else if (e.kind == ast::ExprKind::kCount) {
      ir::Value t;
      t.i = 1;
      body = Literal(t, Type::Bool(), e.range);
    } else {
      return Error();
    }
    ir::Quant q = ir::Quant::kCount;
    if (e.kind == ast::ExprKind::kQuantifier) {
      switch (e.quant) {
        case ast::Quant::kAny: q = ir::Quant::kAny; break;
        case ast::Quant::kAll: q = ir::Quant::kAll; break;
        case ast::Quant::kNo: q = ir::Quant::kNo; break;
        default: return Error();
      }
    }
    r = Make(ir::ExprKind::kQuantifier, q == ir::Quant::kCount ? Type::Int() : Type::Bool(), false, {body}, e.range);
    p_->exprs[r.id].quant = q;
  }
  // The quantifier itself depends only on the row.
  p_->exprs[r.id].level = 0;
  p_->exprs[r.id].column = column;
  r.level = 0;
  return r;
}

Checked Checker::CheckInSegment(const ast::Expr& e, const Ctx& ctx) {
  SourceRange name_range = e.text_range.valid() ? e.text_range : e.range;
  auto it = segment_index_.find(e.text);
  if (it == segment_index_.end()) {
    std::vector<std::string> names;
    for (const auto& [n, i] : segment_index_) names.push_back(n);
    diags_.Emit(DiagKind::UnknownSegment, name_range, e.text, DidYouMean(e.text, names));
    return Error();
  }
  if (ctx.reads) ctx.reads->segments.push_back({it->second, name_range});
  Checked r = Make(ir::ExprKind::kSegmentRef, Type::Bool(), false, {}, e.range);
  p_->exprs[r.id].index = it->second;
  return r;
}

}  // namespace cohort::sema
