// IR expressions -> SQL expressions with the engines' semantics. SQL's
// AND/OR/NOT and comparisons already follow Kleene's tables with NULL as
// unknown; what differs is spelled out here:
//  - int + - * and negation are checked: computed wide (NUMERIC / HUGEINT,
//    Spark's try_*), an out-of-range result is NULL (missing), as in the
//    interpreter; the clamp-then-NULLIF form never evaluates a failing cast;
//  - `/` is IEEE double division, a zero divisor gives NULL;
//  - text orders by bytes (COLLATE "C"), enums by declaration order;
//  - an empty text cell is missing, as in the CSV loader (NULLIF(x, ''));
//  - sets are the raw `;`-joined text: items split on `;`, empty ones
//    dropped, duplicates collapse (DISTINCT);
//  - quantifiers are two-valued: EXISTS / NOT EXISTS / COUNT over the
//    elements whose body is TRUE (Spark: higher-order array functions);
//  - `today` and `now` are the run date (literals), so windows, `age` and
//    `days_since` are exact integer/calendar arithmetic on constants.
#include <fmt/format.h>

#include "compiler/sql/emitter.h"
#include "core/dates.h"
#include "stdlib/functions.h"

namespace cohort::sql {

namespace {

std::string Paren(const std::string& s) { return "(" + s + ")"; }

const char* CmpSql(ir::CmpOp op) {
  switch (op) {
    case ir::CmpOp::kEq: return " = ";
    case ir::CmpOp::kNe: return " <> ";
    case ir::CmpOp::kLt: return " < ";
    case ir::CmpOp::kLe: return " <= ";
    case ir::CmpOp::kGt: return " > ";
    case ir::CmpOp::kGe: return " >= ";
  }
  return " = ";
}

bool IsLeap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

ExprEmitter::ExprEmitter(const ir::Program& p, const SqlOptions& o, DiagnosticBag* diags)
    : p_(p), o_(o), sp_{o.dialect}, diags_(diags) {}

void ExprEmitter::Unsupported(SourceRange range, const std::string& what, const std::string& hint) {
  failed_ = true;
  if (diags_) diags_->Emit(DiagKind::SqlUnsupported, range, DialectName(o_.dialect), what, hint);
}

std::string ExprEmitter::Truth(ir::ExprId id) {
  // Always coalesced, whatever the IR's nullability says: an empty text cell
  // or a checked overflow may be NULL in SQL where a CSV run rejects the data.
  return "COALESCE(" + Value(id) + ", FALSE)";
}

std::string ExprEmitter::Column(ColumnId c) {
  const ColumnDef& def = p_.schema->columns[c];
  std::string col = "r." + sp_.Ident(def.source.empty() ? def.path : def.source);
  // The CSV loader reads an empty cell as missing; COPY keeps a quoted "" as ''.
  if (def.type.kind == TypeKind::kString || def.type.kind == TypeKind::kEnum) return "NULLIF(" + col + ", '')";
  return col;
}

std::string ExprEmitter::ElementField(const Scope& s, uint32_t field) {
  const ColumnDef& def = p_.schema->columns[s.column];
  const FieldDef& f = def.type.record_def->fields[field];
  std::string col;
  if (sp_.spark()) col = s.alias + ".f" + std::to_string(field);
  else col = s.alias + "." + sp_.Ident(f.source.empty() ? f.name : f.source);
  if (f.type.kind == TypeKind::kString || f.type.kind == TypeKind::kEnum) return "NULLIF(" + col + ", '')";
  return col;
}

std::string ExprEmitter::Literal(const ir::Value& v, const Type& t) {
  TypeKind k = v.kind == TypeKind::kError ? t.kind : v.kind;
  if (v.is_null) return sp_.Null(k);
  switch (k) {
    case TypeKind::kBool: return sp_.Bool(v.i != 0);
    case TypeKind::kInt: return sp_.Int(v.i);
    case TypeKind::kDecimal: return sp_.Double(v.d);
    case TypeKind::kString: return sp_.Str(v.s);
    case TypeKind::kDate: return sp_.Date(static_cast<int32_t>(v.i));
    case TypeKind::kTimestamp: return sp_.Timestamp(v.i);
    case TypeKind::kEnum: {
      const auto& labels = t.enum_def->labels;
      if (v.i < 0 || static_cast<size_t>(v.i) >= labels.size()) return sp_.Null(TypeKind::kEnum);
      return sp_.Str(labels[static_cast<size_t>(v.i)]);
    }
    default: return sp_.Null(TypeKind::kString);
  }
}

std::string ExprEmitter::EnumCode(const std::string& label_sql, const EnumDef& def) {
  std::string out = "CASE " + label_sql;
  for (size_t i = 0; i < def.labels.size(); ++i) out += fmt::format(" WHEN {} THEN {}", sp_.Str(def.labels[i]), sp_.Int(int64_t(i)));
  return out + " END";
}

std::string ExprEmitter::EnumLabel(const std::string& code_sql, const EnumDef& def) {
  std::string out = "CASE " + code_sql;
  for (size_t i = 0; i < def.labels.size(); ++i) out += fmt::format(" WHEN {} THEN {}", sp_.Int(int64_t(i)), sp_.Str(def.labels[i]));
  return out + " END";
}

std::string ExprEmitter::Value(ir::ExprId id) {
  const ir::Expr& e = p_.expr(id);
  switch (e.kind) {
    case ir::ExprKind::kLiteral: return Literal(e.literal, e.type);
    case ir::ExprKind::kColumn: return Column(e.column);
    case ir::ExprKind::kVarItem:
      if (scopes_.empty()) break;
      return sp_.spark() ? scopes_.back().alias : scopes_.back().alias + ".v";
    case ir::ExprKind::kVarField:
      if (scopes_.empty()) break;
      return ElementField(scopes_.back(), e.index);
    case ir::ExprKind::kToday: return sp_.Date(o_.today);
    case ir::ExprKind::kNow: return sp_.Timestamp(int64_t{o_.today} * kMicrosPerDay);
    case ir::ExprKind::kNot: return "(NOT " + Value(e.args[0]) + ")";
    case ir::ExprKind::kAnd:
    case ir::ExprKind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += e.kind == ir::ExprKind::kAnd ? " AND " : " OR ";
        out += Value(e.args[i]);
      }
      return out + ")";
    }
    case ir::ExprKind::kCompare: return Compare(e);
    case ir::ExprKind::kArith: return Arith(e);
    case ir::ExprKind::kNeg:
      if (e.type.kind == TypeKind::kInt) return CheckedInt(sp_.Int(0), Value(e.args[0]), ir::ArithOp::kSub);
      return "(-" + Value(e.args[0]) + ")";
    case ir::ExprKind::kCast: {
      const ir::Expr& a = p_.expr(e.args[0]);
      if (a.type.kind == e.type.kind) return Value(e.args[0]);
      return "CAST(" + Value(e.args[0]) + " AS " + sp_.Type(e.type.kind) + ")";
    }
    case ir::ExprKind::kAddDuration: return AddDuration(e);
    case ir::ExprKind::kInList: return InList(e);
    case ir::ExprKind::kInSet: return InSet(e);
    case ir::ExprKind::kIsMissing:
      return "(" + Value(e.args[0]) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ir::ExprKind::kCoalesce: {
      if (e.args.size() == 1) return Value(e.args[0]);
      std::string out = "COALESCE(";
      for (size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + Value(e.args[i]);
      return out + ")";
    }
    case ir::ExprKind::kCall: return Call(e);
    case ir::ExprKind::kQuantifier: return Quantifier(e);
    case ir::ExprKind::kAggregate: return Aggregate(e);
    case ir::ExprKind::kDefineRef: return Value(p_.defines[e.index].body);
    case ir::ExprKind::kSegmentRef: return "r." + sp_.Ident(MemberColumn(e.index));
  }
  Unsupported(e.range, fmt::format("the IR node `{}` here", ir::KindName(e.kind)), "this is a bug in Cohort");
  return "NULL";
}

std::string ExprEmitter::Compare(const ir::Expr& e) {
  const ir::Expr& a = p_.expr(e.args[0]);
  std::string x = Value(e.args[0]), y = Value(e.args[1]);
  const bool ordering = e.cmp != ir::CmpOp::kEq && e.cmp != ir::CmpOp::kNe;
  if (ordering && a.type.kind == TypeKind::kEnum) {
    // Enums order by declaration, not by label text.
    x = EnumCode(x, *a.type.enum_def);
    y = EnumCode(y, *a.type.enum_def);
  } else if (ordering && a.type.kind == TypeKind::kString) {
    x = Paren(x) + sp_.ByteOrder();
  }
  return "(" + x + CmpSql(e.cmp) + y + ")";
}

std::string ExprEmitter::CheckedInt(const std::string& a, const std::string& b, ir::ArithOp op) {
  const char* sym = op == ir::ArithOp::kAdd ? " + " : op == ir::ArithOp::kSub ? " - " : " * ";
  if (sp_.spark()) {
    const char* fn = op == ir::ArithOp::kAdd ? "try_add" : op == ir::ArithOp::kSub ? "try_subtract" : "try_multiply";
    return fmt::format("{}({}, {})", fn, a, b);
  }
  // Wide: every product of two int64 fits. Clamp to one past each end, turn
  // those two values into NULL, and only then narrow (never a failing cast).
  const std::string wide = sp_.pg() ? "NUMERIC" : "HUGEINT";
  std::string w = fmt::format("(CAST({} AS {}){}CAST({} AS {}))", a, wide, sym, b, wide);
  std::string lo = fmt::format("CAST('-9223372036854775809' AS {})", wide);
  std::string hi = fmt::format("CAST('9223372036854775808' AS {})", wide);
  return fmt::format("CAST(NULLIF(NULLIF(LEAST(GREATEST({}, {}), {}), {}), {}) AS BIGINT)", w, lo, hi, lo, hi);
}

std::string ExprEmitter::Arith(const ir::Expr& e) {
  std::string a = Value(e.args[0]), b = Value(e.args[1]);
  if (e.arith == ir::ArithOp::kDiv) {
    std::string t = sp_.Type(TypeKind::kDecimal);
    auto dbl = [&](ir::ExprId id, const std::string& v) {
      return p_.expr(id).type.kind == TypeKind::kDecimal ? v : "CAST(" + v + " AS " + t + ")";
    };
    // IEEE division; a zero divisor (0 or -0.0) gives a missing value.
    return fmt::format("({} / NULLIF({}, 0))", dbl(e.args[0], a), dbl(e.args[1], b));
  }
  if (e.type.kind == TypeKind::kInt) return CheckedInt(a, b, e.arith);
  const char* sym = e.arith == ir::ArithOp::kAdd ? " + " : e.arith == ir::ArithOp::kSub ? " - " : " * ";
  return "(" + a + sym + b + ")";
}

std::string ExprEmitter::AddDuration(const ir::Expr& e) {
  const ir::Duration& d = e.literal.dur;
  std::string x = Value(e.args[0]);
  const bool date = e.type.kind == TypeKind::kDate;
  const int sign = e.sign < 0 ? -1 : 1;
  if (sp_.spark()) {
    // Months first (clamped by add_months), then days, then micros: core/dates.cpp.
    if (date) {
      std::string out = x;
      if (d.months) out = fmt::format("add_months({}, {})", out, sign * d.months);
      if (d.days) out = fmt::format("date_add({}, {})", out, sign * d.days);
      return out;
    }
    std::string out = x;
    if (d.months) out = fmt::format("({} + make_ym_interval(0, {}))", out, sign * d.months);
    if (d.days) out = fmt::format("({} + make_dt_interval({}, 0, 0, 0))", out, sign * d.days);
    if (d.micros) out = fmt::format("({} + make_dt_interval(0, 0, 0, {}))", out, fmt::format("{:.6f}", sign * d.micros / 1e6));
    return out;
  }
  // PostgreSQL and DuckDB: `x + INTERVAL` adds months (clamping the day to the
  // month's end), then days, then the time part, as core/dates.cpp does.
  std::string out = x;
  const char* op = sign < 0 ? " - " : " + ";
  if (d.months) out = "(" + out + op + fmt::format("INTERVAL '{} months'", d.months) + ")";
  if (d.days) out = "(" + out + op + fmt::format("INTERVAL '{} days'", d.days) + ")";
  if (d.micros) out = "(" + out + op + fmt::format("INTERVAL '{} microseconds'", d.micros) + ")";
  if (date) return "CAST(" + out + " AS DATE)";
  return out;
}

std::string ExprEmitter::InList(const ir::Expr& e) {
  const ir::Expr& a = p_.expr(e.args[0]);
  std::string x = Value(e.args[0]);
  if (e.list.empty()) return fmt::format("(CASE WHEN {} IS NULL THEN NULL ELSE {} END)", x, sp_.Bool(e.negated));
  std::string items;
  for (size_t i = 0; i < e.list.size(); ++i) items += (i ? ", " : "") + Literal(e.list[i], a.type);
  return fmt::format("({}{} IN ({}))", x, e.negated ? " NOT" : "", items);
}

std::string ExprEmitter::InSet(const ir::Expr& e) {
  // `x in s` on the raw `;`-joined text: x is a non-empty item without `;`
  // and `;x;` occurs in `;s;`. Unknown only when x is missing (every term
  // then is NULL).
  std::string x = Value(e.args[0]);
  std::string s = "COALESCE(" + Value(e.args[1]) + ", '')";
  std::string out;
  if (sp_.spark())
    out = fmt::format("({x} <> '' AND instr({x}, ';') = 0 AND instr(concat(';', {s}, ';'), concat(';', {x}, ';')) > 0)",
                      fmt::arg("x", x), fmt::arg("s", s));
  else
    out = fmt::format("({x} <> '' AND strpos({x}, ';') = 0 AND strpos(';' || {s} || ';', ';' || {x} || ';') > 0)",
                      fmt::arg("x", x), fmt::arg("s", s));
  return e.negated ? "(NOT " + out + ")" : out;
}

std::string ExprEmitter::Call(const ir::Expr& e) {
  const FunctionInfo& fn = GetFunction(static_cast<FnId>(e.index));
  std::vector<std::string> a;
  for (ir::ExprId arg : e.args) a.push_back(Value(arg));
  auto arg = [&](size_t i) { return i < a.size() ? a[i] : std::string("NULL"); };
  auto extract = [&](const char* part, const std::string& d) {
    return fmt::format("CAST(EXTRACT({} FROM {}) AS BIGINT)", part, d);
  };
  static const char* kUpperAz = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
  static const char* kLowerAz = "'abcdefghijklmnopqrstuvwxyz'";
  switch (static_cast<FnId>(e.index)) {
    case FnId::kAge: {
      // Largest N with birth + N years <= today; a 29 February birthday
      // counts on 28 February in a common year (core/dates.cpp AgeInYears).
      int32_t ty;
      uint32_t tm, td;
      CivilFromDays(o_.today, &ty, &tm, &td);
      const int64_t tmd = tm * 100 + td;
      std::string b = arg(0);
      std::string md = fmt::format("({} * 100 + {})", extract("MONTH", b), extract("DAY", b));
      std::string later = (!IsLeap(ty) && tmd == 228) ? fmt::format("({md} > 228 AND {md} <> 229)", fmt::arg("md", md))
                                                      : fmt::format("{} > {}", md, tmd);
      return fmt::format("({} - {} - CASE WHEN {} THEN 1 ELSE 0 END)", ty, extract("YEAR", b), later);
    }
    case FnId::kDaysSince:
    case FnId::kDaysUntil: {
      std::string today = sp_.Date(o_.today);
      bool since = static_cast<FnId>(e.index) == FnId::kDaysSince;
      std::string from = since ? arg(0) : today, to = since ? today : arg(0);
      if (sp_.spark()) return fmt::format("CAST(datediff({}, {}) AS BIGINT)", to, from);
      return fmt::format("CAST(({} - {}) AS BIGINT)", to, from);
    }
    // ASCII only, as stdlib/fn_impl.cpp: other bytes pass through unchanged.
    case FnId::kLower: return fmt::format("translate({}, {}, {})", arg(0), kUpperAz, kLowerAz);
    case FnId::kUpper: return fmt::format("translate({}, {}, {})", arg(0), kLowerAz, kUpperAz);
    case FnId::kStartsWith:
      if (sp_.spark()) return fmt::format("startswith({}, {})", arg(0), arg(1));
      return fmt::format("starts_with({}, {})", arg(0), arg(1));
    case FnId::kEndsWith:
      if (sp_.spark()) return fmt::format("endswith({}, {})", arg(0), arg(1));
      if (sp_.duck()) return fmt::format("ends_with({}, {})", arg(0), arg(1));
      return fmt::format("(right({s}, char_length({p})) = {p})", fmt::arg("s", arg(0)), fmt::arg("p", arg(1)));
    case FnId::kContains:
      if (sp_.spark()) return fmt::format("contains({}, {})", arg(0), arg(1));
      if (sp_.duck()) return fmt::format("contains({}, {})", arg(0), arg(1));
      return fmt::format("(strpos({}, {}) > 0)", arg(0), arg(1));
    case FnId::kLength:
      if (sp_.duck()) return fmt::format("CAST(length({}) AS BIGINT)", arg(0));
      return fmt::format("CAST(char_length({}) AS BIGINT)", arg(0));
    case FnId::kYear: return extract("YEAR", arg(0));
    case FnId::kMonth: return extract("MONTH", arg(0));
    case FnId::kDateOf: return "CAST(" + arg(0) + " AS DATE)";
  }
  Unsupported(e.range, fmt::format("the function `{}`", fn.name), "compute it in the segment file another way");
  return "NULL";
}

std::string ExprEmitter::SetItems(ColumnId c) {
  std::string s = "COALESCE(" + Column(c) + ", '')";
  if (sp_.spark()) return fmt::format("array_distinct(filter(split({}, ';'), x -> x <> ''))", s);
  if (sp_.pg())
    return fmt::format("(SELECT DISTINCT t.v FROM unnest(string_to_array({}, ';')) AS t(v) WHERE t.v <> '')", s);
  return fmt::format("(SELECT DISTINCT t.v FROM (SELECT unnest(string_split({}, ';')) AS v) AS t WHERE t.v <> '')", s);
}

std::string ExprEmitter::ListSourceFrom(ColumnId c, const std::string& alias) {
  const Schema& sc = *p_.schema;
  const ColumnDef& def = sc.columns[c];
  const ListSource* src = nullptr;
  for (const ListSource& ls : sc.list_sources)
    if (ls.field == def.path) src = &ls;
  if (!src) {
    Unsupported(SourceRange{}, fmt::format("the list `{}` without a source file", def.path), "give it `from \"file.csv\"`");
    return "(SELECT 1) AS " + alias + " WHERE FALSE";
  }
  const ColumnDef& key = sc.columns[sc.key_column()];
  return fmt::format("{} AS {} WHERE {}.{} = r.{}", sp_.Ident(TableName(src->file)), alias, alias,
                     sp_.Ident(src->parent_column), sp_.Ident(key.source.empty() ? key.path : key.source));
}

std::string ExprEmitter::Quantifier(const ir::Expr& e) {
  const ColumnDef& def = p_.schema->columns[e.column];
  const bool is_set = def.type.kind == TypeKind::kStringSet;
  Scope scope{"q" + std::to_string(next_alias_++), is_set, e.column};
  const bool has_body = !e.args.empty() && e.args[0] != ir::kNoExpr;
  scopes_.push_back(scope);
  std::string body = has_body ? Truth(e.args[0]) : sp_.Bool(true);
  scopes_.pop_back();
  const std::string& q = scope.alias;
  if (sp_.spark()) {
    std::string arr = is_set ? SetItems(e.column) : "r." + sp_.Ident(ListArrayColumn(e.column));
    std::string lam = q + " -> " + body;
    switch (e.quant) {
      case ir::Quant::kAny: return fmt::format("COALESCE(exists({}, {}), FALSE)", arr, lam);
      case ir::Quant::kNo: return fmt::format("(NOT COALESCE(exists({}, {}), FALSE))", arr, lam);
      case ir::Quant::kAll: return fmt::format("COALESCE(forall({}, {}), TRUE)", arr, lam);
      case ir::Quant::kCount:
        return fmt::format("(CASE WHEN {a} IS NULL THEN 0L ELSE CAST(size(filter({a}, {l})) AS BIGINT) END)",
                           fmt::arg("a", arr), fmt::arg("l", lam));
      default: break;
    }
    Unsupported(e.range, "this quantifier", "this is a bug in Cohort");
    return "NULL";
  }
  std::string from = is_set ? SetItems(e.column) + " AS " + q + " WHERE TRUE" : ListSourceFrom(e.column, q);
  switch (e.quant) {
    case ir::Quant::kAny: return fmt::format("EXISTS (SELECT 1 FROM {} AND {})", from, body);
    case ir::Quant::kNo: return fmt::format("(NOT EXISTS (SELECT 1 FROM {} AND {}))", from, body);
    case ir::Quant::kAll: return fmt::format("(NOT EXISTS (SELECT 1 FROM {} AND NOT {}))", from, body);
    case ir::Quant::kCount: return fmt::format("(SELECT COUNT(*) FROM {} AND {})", from, body);
    default: break;
  }
  Unsupported(e.range, "this quantifier", "this is a bug in Cohort");
  return "NULL";
}

std::string ExprEmitter::Aggregate(const ir::Expr& e) {
  const ColumnDef& def = p_.schema->columns[e.column];
  const bool is_set = def.type.kind == TypeKind::kStringSet;
  const TypeKind k = e.type.kind;
  if (k == TypeKind::kBool) {
    Unsupported(e.range, "`min`/`max` of a condition", "count the elements instead");
    return "NULL";
  }
  Scope scope{"q" + std::to_string(next_alias_++), is_set, e.column};
  const bool has_filter = e.args.size() > 1 && e.args[1] != ir::kNoExpr;
  scopes_.push_back(scope);
  std::string value = Value(e.args[0]);
  std::string filter = has_filter ? Truth(e.args[1]) : sp_.Bool(true);
  scopes_.pop_back();
  const bool is_min = e.quant == ir::Quant::kMin;
  if (k == TypeKind::kEnum) value = EnumCode(value, *e.type.enum_def);
  std::string out;
  const std::string& q = scope.alias;
  if (sp_.spark()) {
    std::string arr = is_set ? SetItems(e.column) : "r." + sp_.Ident(ListArrayColumn(e.column));
    out = fmt::format("{}(transform(filter({}, {} -> {}), {} -> {}))", is_min ? "array_min" : "array_max", arr, q, filter,
                      q, value);
  } else {
    if (k == TypeKind::kString) value = Paren(value) + sp_.ByteOrder();
    std::string from = is_set ? SetItems(e.column) + " AS " + q + " WHERE TRUE" : ListSourceFrom(e.column, q);
    out = fmt::format("(SELECT {}({}) FROM {} AND {})", is_min ? "MIN" : "MAX", value, from, filter);
  }
  if (k == TypeKind::kEnum) out = EnumLabel(out, *e.type.enum_def);
  return out;
}

}  // namespace cohort::sql
