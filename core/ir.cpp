// Dumps, verifier and fingerprint of the checked IR. Everything here is
// deterministic: no pointer values and no hash-map iteration order, so dumps
// can be golden-tested and fingerprints can key kernel caches across runs.
#include "core/ir.h"
#include "core/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "core/dates.h"
#include "core/functions.h"

namespace cohort::ir {

const char* PurposeName(Purpose p) {
  switch (p) {
    case Purpose::kMarketing: return "marketing";
    case Purpose::kOperations: return "operations";
    case Purpose::kTreatment: return "treatment";
  }
  return "?";
}

const char* CmpSpelling(CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return "==";
    case CmpOp::kNe: return "!=";
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
  }
  return "?";
}

const char* ArithSpelling(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd: return "+";
    case ArithOp::kSub: return "-";
    case ArithOp::kMul: return "*";
    case ArithOp::kDiv: return "/";
  }
  return "?";
}

const char* QuantName(Quant q) {
  switch (q) {
    case Quant::kAny: return "any";
    case Quant::kAll: return "all";
    case Quant::kNo: return "no";
    case Quant::kCount: return "count";
    case Quant::kMin: return "min";
    case Quant::kMax: return "max";
  }
  return "?";
}

const char* KindName(ExprKind k) {
  switch (k) {
    case ExprKind::kLiteral: return "literal";
    case ExprKind::kColumn: return "column";
    case ExprKind::kVarItem: return "var_item";
    case ExprKind::kVarField: return "var_field";
    case ExprKind::kToday: return "today";
    case ExprKind::kNow: return "now";
    case ExprKind::kNot: return "not";
    case ExprKind::kAnd: return "and";
    case ExprKind::kOr: return "or";
    case ExprKind::kCompare: return "compare";
    case ExprKind::kArith: return "arith";
    case ExprKind::kNeg: return "neg";
    case ExprKind::kCast: return "cast";
    case ExprKind::kAddDuration: return "add_duration";
    case ExprKind::kInList: return "in_list";
    case ExprKind::kInSet: return "in_set";
    case ExprKind::kIsMissing: return "is_missing";
    case ExprKind::kCoalesce: return "coalesce";
    case ExprKind::kCall: return "call";
    case ExprKind::kQuantifier: return "quantifier";
    case ExprKind::kAggregate: return "aggregate";
    case ExprKind::kDefineRef: return "define_ref";
    case ExprKind::kSegmentRef: return "segment_ref";
  }
  return "?";
}

int Program::FindSegment(std::string_view name) const {
  for (size_t i = 0; i < segments.size(); ++i)
    if (segments[i].name == name) return static_cast<int>(i);
  return -1;
}

// ---------------------------------------------------------------------------
// Dump
// ---------------------------------------------------------------------------
namespace {


std::string DurationText(const Duration& d) {
  std::vector<std::string> parts;
  if (d.months != 0) parts.push_back(fmt::format("{} months", d.months));
  if (d.days != 0) parts.push_back(fmt::format("{} days", d.days));
  if (d.micros != 0) {
    constexpr int64_t kHour = 3'600'000'000LL, kMinute = 60'000'000LL;
    if (d.micros % kHour == 0) parts.push_back(fmt::format("{} hours", d.micros / kHour));
    else if (d.micros % kMinute == 0) parts.push_back(fmt::format("{} minutes", d.micros / kMinute));
    else parts.push_back(fmt::format("{} micros", d.micros));
  }
  if (parts.empty()) return "0 days";
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string DecimalText(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

/// A value as source-like text; `type` names enum labels.
std::string ValueText(const Value& v, const Type& type) {
  if (v.is_null) return "missing";
  switch (v.kind) {
    case TypeKind::kBool: return v.i ? "true" : "false";
    case TypeKind::kInt: return fmt::format("{}", v.i);
    case TypeKind::kDecimal: return DecimalText(v.d);
    case TypeKind::kString: return QuoteForDump(v.s);
    case TypeKind::kDate: return FormatDate(static_cast<int32_t>(v.i));
    case TypeKind::kTimestamp: return FormatTimestamp(v.i);
    case TypeKind::kDuration: return DurationText(v.dur);
    case TypeKind::kEnum:
      if (type.enum_def && v.i >= 0 && static_cast<size_t>(v.i) < type.enum_def->labels.size())
        return type.enum_def->labels[static_cast<size_t>(v.i)];
      return fmt::format("#{}", v.i);
    default: return fmt::format("<{}>", static_cast<int>(v.kind));
  }
}

class Dumper {
 public:
  explicit Dumper(const Program& p) : p_(p) {}

  std::string Expr(ExprId id, int depth = 0) {
    if (id >= p_.exprs.size()) return fmt::format("<bad id {}>", id);
    if (depth > 10000) return "<too deep>";
    const ir::Expr& e = p_.exprs[id];
    std::string t = TypeSuffix(e);
    switch (e.kind) {
      case ExprKind::kLiteral: {
        std::string s = ValueText(e.literal, e.type);
        if (e.literal.is_null) s += ":" + e.type.ToString();
        return s;
      }
      case ExprKind::kColumn: return fmt::format("${}{}", ColumnName(e.column), t);
      case ExprKind::kVarItem: return fmt::format("%item{}", t);
      case ExprKind::kVarField: {
        std::string name = fmt::format("#{}", e.index);
        if (!records_.empty() && records_.back() && e.index < records_.back()->fields.size())
          name = records_.back()->fields[e.index].name;
        return fmt::format("%.{}{}", name, t);
      }
      case ExprKind::kToday: return "today";
      case ExprKind::kNow: return "now";
      case ExprKind::kNot: return Node("not", e, depth);
      case ExprKind::kAnd: return Node("and", e, depth);
      case ExprKind::kOr: return Node("or", e, depth);
      case ExprKind::kCompare: return Node(CmpSpelling(e.cmp), e, depth);
      case ExprKind::kArith: return Node(ArithSpelling(e.arith), e, depth);
      case ExprKind::kNeg: return Node("neg", e, depth);
      case ExprKind::kCast: return Node("cast", e, depth);
      case ExprKind::kAddDuration:
        return Node(fmt::format("{} {}", e.sign < 0 ? "sub_duration" : "add_duration", DurationText(e.literal.dur)),
                    e, depth);
      case ExprKind::kInList: {
        std::vector<std::string> items;
        Type item_type = e.args.empty() || e.args[0] >= p_.exprs.size() ? Type{} : p_.exprs[e.args[0]].type;
        for (const Value& v : e.list) items.push_back(ValueText(v, item_type));
        return Node(fmt::format("{} [{}]", e.negated ? "not_in" : "in", fmt::join(items, ", ")), e, depth);
      }
      case ExprKind::kInSet: return Node(e.negated ? "not_in_set" : "in_set", e, depth);
      case ExprKind::kIsMissing: return Node(e.negated ? "is_present" : "is_missing", e, depth);
      case ExprKind::kCoalesce: return Node("coalesce", e, depth);
      case ExprKind::kCall: {
        const auto& fns = AllFunctions();
        std::string name = e.index < fns.size() ? std::string(fns[e.index].name) : fmt::format("fn#{}", e.index);
        return Node(fmt::format("call {}", name), e, depth);
      }
      case ExprKind::kQuantifier:
      case ExprKind::kAggregate: {
        std::shared_ptr<const RecordDef> rec;
        if (p_.schema && e.column < p_.schema->columns.size())
          rec = p_.schema->columns[e.column].type.record_def;
        records_.push_back(rec);
        std::string s = Node(fmt::format("{} ${}", QuantName(e.quant), ColumnName(e.column)), e, depth);
        records_.pop_back();
        return s;
      }
      case ExprKind::kDefineRef:
        return fmt::format("(define {}{})",
                           e.index < p_.defines.size() ? p_.defines[e.index].name : fmt::format("#{}", e.index), t);
      case ExprKind::kSegmentRef:
        return fmt::format("(segment {}{})",
                           e.index < p_.segments.size() ? p_.segments[e.index].name : fmt::format("#{}", e.index), t);
    }
    return "<?>";
  }

  std::string ColumnName(ColumnId c) const {
    if (p_.schema && c < p_.schema->columns.size()) return p_.schema->columns[c].path;
    return fmt::format("col#{}", c);
  }

 private:
  static std::string TypeSuffix(const ir::Expr& e) {
    // Enum labels already show in literals; the full label list is noise.
    bool anon_enum = e.type.kind == TypeKind::kEnum && (!e.type.enum_def || e.type.enum_def->name.empty());
    std::string s = ":" + (anon_enum ? std::string("enum") : e.type.ToString());
    if (e.nullable) s += "?";
    if (e.level != 0) s += fmt::format("@{}", e.level);
    return s;
  }

  std::string Node(const std::string& head, const ir::Expr& e, int depth) {
    std::string s = "(" + head + TypeSuffix(e);
    for (ExprId a : e.args) s += " " + Expr(a, depth + 1);
    s += ")";
    return s;
  }

  const Program& p_;
  std::vector<std::shared_ptr<const RecordDef>> records_;
};

}  // namespace

std::string DumpExpr(const Program& p, ExprId id) { return Dumper(p).Expr(id); }

std::string Dump(const Program& p) {
  Dumper d(p);
  std::string out;
  out += fmt::format("program schema={}\n", p.schema ? p.schema->name : std::string("<none>"));
  for (const Const& c : p.consts) {
    std::vector<std::string> vs;
    for (const Value& v : c.values) vs.push_back(ValueText(v, c.type));
    if (c.is_list)
      out += fmt::format("const {}: list<{}> = [{}]\n", c.name, c.type.ToString(), fmt::join(vs, ", "));
    else
      out += fmt::format("const {}: {} = {}\n", c.name, c.type.ToString(), fmt::join(vs, ", "));
  }
  for (const Define& def : p.defines) out += fmt::format("define {} = {}\n", def.name, d.Expr(def.body));
  for (const Segment& s : p.segments) {
    out += fmt::format("segment {} purpose={}", s.name, PurposeName(s.purpose));
    if (s.holdout_bp) out += fmt::format(" holdout_bp={}", s.holdout_bp);
    if (s.campaign >= 0) {
      std::string cname = static_cast<size_t>(s.campaign) < p.campaigns.size() ? p.campaigns[s.campaign].name : "?";
      out += fmt::format(" campaign={}", cname);
    }
    out += "\n";
    if (!s.description.empty()) out += fmt::format("  description {}\n", QuoteForDump(s.description));
    if (!s.depends_on.empty()) {
      std::vector<std::string> names;
      for (uint32_t i : s.depends_on) names.push_back(i < p.segments.size() ? p.segments[i].name : "?");
      out += fmt::format("  depends_on {}\n", fmt::join(names, ", "));
    }
    out += fmt::format("  where {}\n", s.where == kNoExpr ? std::string("<none>") : d.Expr(s.where));
    for (ExprId x : s.excludes) out += fmt::format("  exclude {}\n", d.Expr(x));
    for (const Channel& c : s.channels) {
      out += fmt::format("  channel {} step={} after={} consent=${} if {}\n", c.name, c.step, DurationText(c.after),
                         d.ColumnName(c.consent_column),
                         c.condition == kNoExpr ? std::string("<none>") : d.Expr(c.condition));
    }
    if (!s.message.empty()) out += fmt::format("  message {}\n", QuoteForDump(s.message));
    if (!s.cta.empty()) out += fmt::format("  cta {}\n", QuoteForDump(s.cta));
    if (!s.exports.empty()) {
      std::vector<std::string> names;
      for (ColumnId c : s.exports) names.push_back(d.ColumnName(c));
      out += fmt::format("  export {}\n", fmt::join(names, ", "));
    }
    // Outcomes (issue 12).
    for (const Variant& v : s.variants)
      out += fmt::format("  variant {} share_bp={} message {} cta {}\n", v.name, v.share_bp, QuoteForDump(v.message),
                         QuoteForDump(v.cta));
    for (const Goal& g : s.goals) {
      std::string at = "?";
      if (g.events < p.schema->columns.size() && g.at < p.exprs.size()) {
        const auto& rec = p.schema->columns[g.events].type.record_def;
        if (rec && p.exprs[g.at].index < rec->fields.size()) at = rec->fields[p.exprs[g.at].index].name;
      }
      out += fmt::format("  goal {} within={}d at=.{} {}\n", QuoteForDump(g.name), g.days, at, d.Expr(g.quantifier));
    }
  }
  for (const Campaign& c : p.campaigns) {
    std::vector<std::string> names;
    for (uint32_t i : c.segments) names.push_back(i < p.segments.size() ? p.segments[i].name : "?");
    out += fmt::format("campaign {} priority {}", c.name, fmt::join(names, ", "));
    if (c.cap_messages) out += fmt::format(" cap {} per {} days", c.cap_messages, c.cap_days);
    out += "\n";
  }
  {
    std::vector<std::string> names;
    for (uint32_t i : p.segment_order) names.push_back(i < p.segments.size() ? p.segments[i].name : "?");
    out += fmt::format("order {}\n", fmt::join(names, ", "));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Verify
// ---------------------------------------------------------------------------
namespace {

/// Context of the quantifier enclosing a sub-expression.
struct QuantScope {
  bool inside = false;
  bool over_set = false;
  std::shared_ptr<const RecordDef> record;
};

class Verifier {
 public:
  explicit Verifier(const Program& p) : p_(p) {}

  std::string Run() {
    if (!p_.schema) return "program has no schema";
    state_.assign(p_.exprs.size(), 0);
    for (size_t i = 0; i < p_.defines.size(); ++i) {
      const Define& d = p_.defines[i];
      if (!Root(d.body, fmt::format("define `{}`", d.name), nullptr)) return error_;
    }
    for (size_t i = 0; i < p_.segments.size(); ++i) {
      if (!VerifySegment(static_cast<uint32_t>(i))) return error_;
    }
    if (!VerifyOrder()) return error_;
    if (!VerifyCampaigns()) return error_;
    return "";
  }

 private:
  bool Fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }

  bool Root(ExprId id, const std::string& what, const Type* must_be) {
    if (id >= p_.exprs.size()) return Fail(fmt::format("{}: expression id {} out of range", what, id));
    what_ = what;
    if (!Check(id, QuantScope{}, 0)) return false;
    const Expr& e = p_.exprs[id];
    if (e.level != 0) return Fail(fmt::format("{}: root expression has level {}", what, e.level));
    if (must_be && e.type != *must_be)
      return Fail(fmt::format("{}: expected `{}`, found `{}`", what, must_be->ToString(), e.type.ToString()));
    return true;
  }

  bool VerifySegment(uint32_t si) {
    const Segment& s = p_.segments[si];
    Type b = Type::Bool();
    std::string name = fmt::format("segment `{}`", s.name);
    if (s.where == kNoExpr) return Fail(name + ": no where");
    if (!Root(s.where, name + " where", &b)) return false;
    for (ExprId x : s.excludes)
      if (!Root(x, name + " exclude", &b)) return false;
    std::set<std::string> seen;
    for (size_t i = 0; i < s.channels.size(); ++i) {
      const Channel& c = s.channels[i];
      std::string cn = fmt::format("{} channel `{}`", name, c.name);
      if (!seen.insert(c.name).second) return Fail(cn + ": duplicate channel");
      if (c.step != i + 1) return Fail(fmt::format("{}: step {} at position {}", cn, c.step, i + 1));
      const ChannelDef* def = p_.schema->FindChannel(c.name);
      if (!def) return Fail(cn + ": not a channel of the schema");
      if (c.consent_column != def->consent_column)
        return Fail(fmt::format("{}: consent column {} is not the schema's {}", cn, c.consent_column,
                                def->consent_column));
      if (c.after.micros != 0 || c.after.months < 0 || c.after.days < 0)
        return Fail(cn + ": `after` must be a non-negative whole-day duration");
      if (c.condition == kNoExpr) return Fail(cn + ": no condition");
      if (!Root(c.condition, cn + " condition", &b)) return false;
      if (!HasConsentConjunct(c.condition, c.consent_column))
        return Fail(cn + ": condition lacks its consent column as a top-level `and` conjunct");
    }
    if (s.holdout_bp >= 10000) return Fail(fmt::format("{}: holdout_bp {} out of range", name, s.holdout_bp));
    // Outcomes (issue 12).
    if (!s.variants.empty()) {
      uint32_t total = 0;
      std::set<std::string> names;
      for (const Variant& v : s.variants) {
        total += v.share_bp;
        if (!names.insert(v.name).second) return Fail(fmt::format("{}: duplicate variant `{}`", name, v.name));
      }
      if (total != 10000) return Fail(fmt::format("{}: variant shares add up to {} basis points", name, total));
    }
    for (const Goal& g : s.goals) {
      Type b = Type::Bool();
      if (!Root(g.quantifier, name + " goal", &b)) return false;
      if (p_.exprs[g.quantifier].kind != ExprKind::kQuantifier || p_.exprs[g.quantifier].column != g.events)
        return Fail(name + ": goal is not a quantifier over its events column");
      if (g.at >= p_.exprs.size() || p_.exprs[g.at].type.kind != TypeKind::kTimestamp)
        return Fail(name + ": goal `at` is not a timestamp");
      if (g.days < 0) return Fail(name + ": negative goal window");
    }
    for (ColumnId c : s.exports) {
      if (c >= p_.schema->columns.size()) return Fail(name + ": export column out of range");
      const ColumnDef& col = p_.schema->columns[c];
      if (col.sensitive || !col.type.is_scalar()) return Fail(fmt::format("{}: cannot export `{}`", name, col.path));
    }
    // depends_on: sorted, unique, in range, exactly the segments referenced.
    for (size_t i = 0; i < s.depends_on.size(); ++i) {
      if (s.depends_on[i] >= p_.segments.size()) return Fail(name + ": depends_on out of range");
      if (i > 0 && s.depends_on[i - 1] >= s.depends_on[i]) return Fail(name + ": depends_on not sorted/unique");
    }
    std::set<uint32_t> refs;
    std::set<uint32_t> defines_seen;
    CollectSegmentRefs(s.where, refs, defines_seen);
    for (ExprId x : s.excludes) CollectSegmentRefs(x, refs, defines_seen);
    for (const Channel& c : s.channels) CollectSegmentRefs(c.condition, refs, defines_seen);
    for (uint32_t r : refs)
      if (!std::binary_search(s.depends_on.begin(), s.depends_on.end(), r))
        return Fail(fmt::format("{}: references segment #{} not in depends_on", name, r));
    if (s.campaign >= 0) {
      if (static_cast<size_t>(s.campaign) >= p_.campaigns.size()) return Fail(name + ": campaign out of range");
      const auto& segs = p_.campaigns[s.campaign].segments;
      if (std::find(segs.begin(), segs.end(), si) == segs.end())
        return Fail(name + ": its campaign does not list it");
    }
    return true;
  }

  bool HasConsentConjunct(ExprId id, ColumnId consent) const {
    const Expr& e = p_.exprs[id];
    auto is_consent = [&](ExprId x) {
      const Expr& c = p_.exprs[x];
      return c.kind == ExprKind::kColumn && c.column == consent;
    };
    if (is_consent(id)) return true;
    if (e.kind != ExprKind::kAnd) return false;
    for (ExprId a : e.args)
      if (is_consent(a)) return true;
    return false;
  }

  void CollectSegmentRefs(ExprId id, std::set<uint32_t>& out, std::set<uint32_t>& defines_seen) const {
    std::vector<ExprId> stack{id};
    while (!stack.empty()) {
      ExprId x = stack.back();
      stack.pop_back();
      if (x >= p_.exprs.size()) continue;
      const Expr& e = p_.exprs[x];
      if (e.kind == ExprKind::kSegmentRef) out.insert(e.index);
      if (e.kind == ExprKind::kDefineRef && e.index < p_.defines.size() && defines_seen.insert(e.index).second)
        stack.push_back(p_.defines[e.index].body);
      for (ExprId a : e.args) stack.push_back(a);
    }
  }

  bool VerifyOrder() {
    size_t n = p_.segments.size();
    if (p_.segment_order.size() != n) return Fail("segment_order does not list every segment once");
    std::vector<int> pos(n, -1);
    for (size_t i = 0; i < n; ++i) {
      uint32_t s = p_.segment_order[i];
      if (s >= n || pos[s] >= 0) return Fail("segment_order does not list every segment once");
      pos[s] = static_cast<int>(i);
    }
    for (size_t s = 0; s < n; ++s)
      for (uint32_t d : p_.segments[s].depends_on)
        if (d < n && pos[d] >= pos[s])
          return Fail(fmt::format("segment_order puts `{}` before its dependency `{}`", p_.segments[s].name,
                                  p_.segments[d].name));
    return true;
  }

  bool VerifyCampaigns() {
    for (size_t c = 0; c < p_.campaigns.size(); ++c) {
      if (p_.campaigns[c].cap_messages && p_.contacts_column == kNoColumn)
        return Fail(fmt::format("campaign `{}` has a cap but the program has no contacts column", p_.campaigns[c].name));
      std::set<uint32_t> seen;
      for (uint32_t s : p_.campaigns[c].segments) {
        if (s >= p_.segments.size()) return Fail(fmt::format("campaign `{}` lists an unknown segment", p_.campaigns[c].name));
        if (!seen.insert(s).second) return Fail(fmt::format("campaign `{}` lists a segment twice", p_.campaigns[c].name));
        if (p_.segments[s].campaign != static_cast<int32_t>(c))
          return Fail(fmt::format("segment `{}` is in campaign `{}` but its campaign index is {}",
                                  p_.segments[s].name, p_.campaigns[c].name, p_.segments[s].campaign));
      }
    }
    return true;
  }

  bool Bad(ExprId id, const std::string& why) {
    return Fail(fmt::format("{}: node {} ({}): {}", what_, id, KindName(p_.exprs[id].kind), why));
  }

  const Type& T(ExprId id) const { return p_.exprs[id].type; }

  /// Checks node `id` and its operands. `state_` detects cycles (1 = on the
  /// current path); a node shared by several parents is re-checked in each
  /// context (levels depend on the enclosing quantifier).
  bool Check(ExprId id, const QuantScope& scope, int depth) {
    if (id >= p_.exprs.size()) return Fail(fmt::format("{}: expression id {} out of range", what_, id));
    if (depth > 5000) return Fail(what_ + ": expression too deep");
    if (state_[id] == 1) return Fail(fmt::format("{}: node {} is part of a cycle", what_, id));
    state_[id] = 1;
    bool ok = CheckNode(id, scope, depth);
    state_[id] = 0;
    return ok;
  }

  bool Args(const Expr& e, size_t lo, size_t hi, ExprId id) {
    if (e.args.size() < lo || e.args.size() > hi)
      return Bad(id, fmt::format("has {} operands", e.args.size()));
    return true;
  }

  bool CheckNode(ExprId id, const QuantScope& scope, int depth) {
    const Expr& e = p_.exprs[id];
    const Schema& schema = *p_.schema;
    if (e.type.is_error()) return Bad(id, "has the error type");
    if (e.level > 1) return Bad(id, "level above 1");
    // Operands first (quantifier bodies get their own scope).
    bool is_quant = e.kind == ExprKind::kQuantifier || e.kind == ExprKind::kAggregate;
    QuantScope inner = scope;
    if (is_quant) {
      if (e.column >= schema.columns.size()) return Bad(id, "column out of range");
      const ColumnDef& col = schema.columns[e.column];
      if (col.type.kind != TypeKind::kList && col.type.kind != TypeKind::kStringSet)
        return Bad(id, "quantifies over a column that is not a list or set");
      inner = QuantScope{true, col.type.kind == TypeKind::kStringSet, col.type.record_def};
    }
    for (ExprId a : e.args)
      if (!Check(a, is_quant ? inner : scope, depth + 1)) return false;
    uint8_t max_level = 0;
    for (ExprId a : e.args) max_level = std::max(max_level, p_.exprs[a].level);

    auto expect_level = [&](uint8_t lvl) {
      if (e.level != lvl) return Bad(id, fmt::format("level {} but expected {}", e.level, lvl));
      return true;
    };
    auto not_nullable_if = [&](bool cond) {
      // Nullability may be conservative (true) but never wrongly false.
      if (cond && !e.nullable) return Bad(id, "may be missing but is marked non-nullable");
      return true;
    };
    bool any_nullable = false;
    for (ExprId a : e.args) any_nullable |= p_.exprs[a].nullable;

    switch (e.kind) {
      case ExprKind::kLiteral: {
        if (!Args(e, 0, 0, id)) return false;
        if (e.literal.kind != e.type.kind) return Bad(id, "literal kind differs from its type");
        if (e.type.kind == TypeKind::kEnum) {
          if (!e.type.enum_def) return Bad(id, "enum literal without enum definition");
          if (!e.literal.is_null && (e.literal.i < 0 || static_cast<size_t>(e.literal.i) >= e.type.enum_def->labels.size()))
            return Bad(id, "enum code out of range");
        }
        if (!e.type.is_scalar()) return Bad(id, "non-scalar literal");
        if (!not_nullable_if(e.literal.is_null)) return false;
        return expect_level(0);
      }
      case ExprKind::kColumn: {
        if (!Args(e, 0, 0, id)) return false;
        if (e.column >= schema.columns.size()) return Bad(id, "column out of range");
        const ColumnDef& col = schema.columns[e.column];
        if (col.type != e.type) return Bad(id, "type differs from the column's type");
        if (!not_nullable_if(col.optional && col.type.kind != TypeKind::kStringSet)) return false;
        return expect_level(0);
      }
      case ExprKind::kVarItem:
        if (!Args(e, 0, 0, id)) return false;
        if (!scope.inside || !scope.over_set) return Bad(id, "item variable outside a quantifier over a set");
        if (e.type.kind != TypeKind::kString) return Bad(id, "item variable must be a string");
        return expect_level(1);
      case ExprKind::kVarField: {
        if (!Args(e, 0, 0, id)) return false;
        if (!scope.inside || scope.over_set || !scope.record)
          return Bad(id, "field variable outside a quantifier over a list");
        if (e.index >= scope.record->fields.size()) return Bad(id, "field index out of range");
        const FieldDef& f = scope.record->fields[e.index];
        if (f.type != e.type) return Bad(id, "type differs from the element field's type");
        if (!f.type.is_scalar()) return Bad(id, "element field is not a scalar");
        if (!not_nullable_if(f.optional)) return false;
        return expect_level(1);
      }
      case ExprKind::kToday:
        if (!Args(e, 0, 0, id)) return false;
        if (e.type.kind != TypeKind::kDate) return Bad(id, "today must be a date");
        return expect_level(0);
      case ExprKind::kNow:
        if (!Args(e, 0, 0, id)) return false;
        if (e.type.kind != TypeKind::kTimestamp) return Bad(id, "now must be a timestamp");
        return expect_level(0);
      case ExprKind::kNot:
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        if (e.kind == ExprKind::kNot ? !Args(e, 1, 1, id) : !Args(e, 2, SIZE_MAX, id)) return false;
        if (e.type.kind != TypeKind::kBool) return Bad(id, "must be bool");
        for (ExprId a : e.args)
          if (T(a).kind != TypeKind::kBool) return Bad(id, "operand is not bool");
        if (!not_nullable_if(any_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kCompare: {
        if (!Args(e, 2, 2, id)) return false;
        if (e.type.kind != TypeKind::kBool) return Bad(id, "must be bool");
        const Type& a = T(e.args[0]);
        if (a != T(e.args[1])) return Bad(id, fmt::format("operands `{}` and `{}` differ", a.ToString(), T(e.args[1]).ToString()));
        if (!a.is_scalar() || a.kind == TypeKind::kDuration) return Bad(id, "operands are not comparable");
        if ((a.kind == TypeKind::kEnum || a.kind == TypeKind::kBool) && e.cmp != CmpOp::kEq && e.cmp != CmpOp::kNe)
          return Bad(id, "enums and bools only support == and !=");
        if (!not_nullable_if(any_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kArith: {
        if (!Args(e, 2, 2, id)) return false;
        if (!e.type.is_numeric()) return Bad(id, "must be int or decimal");
        if (e.arith == ArithOp::kDiv && e.type.kind != TypeKind::kDecimal) return Bad(id, "`/` must be decimal");
        for (ExprId a : e.args)
          if (T(a) != e.type) return Bad(id, "operand type differs from the result type");
        // int overflow and division by zero give missing.
        if (!not_nullable_if(any_nullable || e.arith == ArithOp::kDiv || e.type.kind == TypeKind::kInt)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kNeg: {
        if (!Args(e, 1, 1, id)) return false;
        if (!e.type.is_numeric() || T(e.args[0]) != e.type) return Bad(id, "operand must match a numeric result");
        if (!not_nullable_if(any_nullable || e.type.kind == TypeKind::kInt)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kCast: {
        if (!Args(e, 1, 1, id)) return false;
        TypeKind from = T(e.args[0]).kind, to = e.type.kind;
        if (!((from == TypeKind::kInt && to == TypeKind::kDecimal) ||
              (from == TypeKind::kDate && to == TypeKind::kTimestamp)))
          return Bad(id, "unsupported cast");
        if (!not_nullable_if(any_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kAddDuration: {
        if (!Args(e, 1, 1, id)) return false;
        TypeKind k = e.type.kind;
        if ((k != TypeKind::kDate && k != TypeKind::kTimestamp) || T(e.args[0]).kind != k)
          return Bad(id, "operand must be a date or timestamp matching the result");
        if (e.literal.kind != TypeKind::kDuration) return Bad(id, "literal is not a duration");
        if (e.sign != 1 && e.sign != -1) return Bad(id, "sign must be +1 or -1");
        if (k == TypeKind::kDate && e.literal.dur.micros != 0) return Bad(id, "sub-day duration on a date");
        if (!not_nullable_if(any_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kInList: {
        if (!Args(e, 1, 1, id)) return false;
        if (e.type.kind != TypeKind::kBool) return Bad(id, "must be bool");
        const Type& a = T(e.args[0]);
        if (!a.is_scalar() || a.kind == TypeKind::kDuration) return Bad(id, "operand is not a scalar");
        for (size_t i = 0; i < e.list.size(); ++i) {
          const Value& v = e.list[i];
          if (v.kind != a.kind || v.is_null) return Bad(id, "list item does not match the operand type");
          if (i > 0) {
            const Value& u = e.list[i - 1];
            bool less = a.kind == TypeKind::kString    ? u.s < v.s
                        : a.kind == TypeKind::kDecimal ? u.d < v.d
                                                       : u.i < v.i;
            if (!less) return Bad(id, "list is not sorted and de-duplicated");
          }
        }
        if (!not_nullable_if(any_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kInSet: {
        if (!Args(e, 2, 2, id)) return false;
        if (e.type.kind != TypeKind::kBool) return Bad(id, "must be bool");
        if (T(e.args[0]).kind != TypeKind::kString || T(e.args[1]).kind != TypeKind::kStringSet)
          return Bad(id, "operands must be string and set<string>");
        if (!not_nullable_if(p_.exprs[e.args[0]].nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kIsMissing:
        if (!Args(e, 1, 1, id)) return false;
        if (e.type.kind != TypeKind::kBool) return Bad(id, "must be bool");
        if (e.nullable) return Bad(id, "`is missing` is never unknown");
        return expect_level(max_level);
      case ExprKind::kCoalesce: {
        if (!Args(e, 1, SIZE_MAX, id)) return false;
        bool all_nullable = true;
        for (ExprId a : e.args) {
          if (T(a) != e.type) return Bad(id, "operand type differs from the result type");
          all_nullable &= p_.exprs[a].nullable;
        }
        if (!not_nullable_if(all_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kCall: {
        const auto& fns = AllFunctions();
        if (e.index >= fns.size()) return Bad(id, "unknown function id");
        const FunctionInfo& f = fns[e.index];
        if (e.args.size() != f.params.size()) return Bad(id, fmt::format("`{}` expects {} arguments", f.name, f.params.size()));
        for (size_t i = 0; i < e.args.size(); ++i)
          if (T(e.args[i]).kind != f.params[i]) return Bad(id, fmt::format("argument {} of `{}` has the wrong type", i + 1, f.name));
        if (e.type.kind != f.result) return Bad(id, "result type differs from the registry");
        if (!not_nullable_if(any_nullable)) return false;
        return expect_level(max_level);
      }
      case ExprKind::kQuantifier: {
        if (!Args(e, 1, 1, id)) return false;
        if (e.quant == Quant::kMin || e.quant == Quant::kMax) return Bad(id, "min/max is an aggregate");
        if (T(e.args[0]).kind != TypeKind::kBool) return Bad(id, "body is not bool");
        TypeKind want = e.quant == Quant::kCount ? TypeKind::kInt : TypeKind::kBool;
        if (e.type.kind != want) return Bad(id, "wrong result type");
        if (e.nullable) return Bad(id, "quantifiers are never unknown");
        return expect_level(0);
      }
      case ExprKind::kAggregate: {
        if (!Args(e, 1, 2, id)) return false;
        if (e.quant != Quant::kMin && e.quant != Quant::kMax) return Bad(id, "aggregate must be min or max");
        const Type& v = T(e.args[0]);
        if (v != e.type || !v.is_scalar() || v.kind == TypeKind::kBool || v.kind == TypeKind::kEnum ||
            v.kind == TypeKind::kDuration)
          return Bad(id, "value must be an orderable scalar matching the result");
        if (e.args.size() == 2 && T(e.args[1]).kind != TypeKind::kBool) return Bad(id, "filter is not bool");
        if (!e.nullable) return Bad(id, "aggregates are always nullable");
        return expect_level(0);
      }
      case ExprKind::kDefineRef: {
        if (!Args(e, 0, 0, id)) return false;
        if (e.index >= p_.defines.size()) return Bad(id, "define index out of range");
        ExprId body = p_.defines[e.index].body;
        if (body >= p_.exprs.size()) return Bad(id, "define body out of range");
        if (T(body) != e.type) return Bad(id, "type differs from the define's body");
        if (!not_nullable_if(p_.exprs[body].nullable)) return false;
        return expect_level(0);
      }
      case ExprKind::kSegmentRef:
        if (!Args(e, 0, 0, id)) return false;
        if (e.index >= p_.segments.size()) return Bad(id, "segment index out of range");
        if (e.type.kind != TypeKind::kBool) return Bad(id, "must be bool");
        if (e.nullable) return Bad(id, "membership is never unknown");
        return expect_level(0);
    }
    return Bad(id, "unknown kind");
  }

  const Program& p_;
  std::vector<uint8_t> state_;
  std::string what_;
  std::string error_;
};

}  // namespace

std::string Verify(const Program& p) { return Verifier(p).Run(); }

// ---------------------------------------------------------------------------
// Fingerprint
// ---------------------------------------------------------------------------
namespace {

/// FNV-1a over a structural walk of the program (ranges excluded: they are not
/// semantics, so reformatting a file keeps its kernel cache entry).
class Hasher {
 public:
  explicit Hasher(const Program& p) : p_(p) {}

  void Byte(uint8_t b) {
    h_ ^= b;
    h_ *= 1099511628211ULL;
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void F64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    U64(bits);
  }
  void Str(std::string_view s) {
    U64(s.size());
    for (char c : s) Byte(static_cast<uint8_t>(c));
  }
  void TypeOf(const Type& t) {
    Byte(static_cast<uint8_t>(t.kind));
    if (t.kind == TypeKind::kEnum && t.enum_def) {
      Str(t.enum_def->name);
      U64(t.enum_def->labels.size());
      for (const auto& l : t.enum_def->labels) Str(l);
    }
    if ((t.kind == TypeKind::kRecord || t.kind == TypeKind::kList) && t.record_def) Str(t.record_def->name);
  }
  void Val(const Value& v) {
    Byte(static_cast<uint8_t>(v.kind));
    Byte(v.is_null);
    I64(v.i);
    F64(v.d);
    Str(v.s);
    I64(v.dur.months);
    I64(v.dur.days);
    I64(v.dur.micros);
  }
  void ExprAt(ExprId id, int depth = 0) {
    if (id >= p_.exprs.size() || depth > 10000) {
      U64(0xdeadbeef);
      return;
    }
    const Expr& e = p_.exprs[id];
    Byte(static_cast<uint8_t>(e.kind));
    TypeOf(e.type);
    Byte(e.nullable);
    Byte(e.level);
    Byte(static_cast<uint8_t>(e.cmp));
    Byte(static_cast<uint8_t>(e.arith));
    Byte(static_cast<uint8_t>(e.quant));
    Byte(e.negated);
    I64(e.sign);
    U64(e.column);
    U64(e.index);
    Val(e.literal);
    U64(e.list.size());
    for (const Value& v : e.list) Val(v);
    U64(e.args.size());
    for (ExprId a : e.args) ExprAt(a, depth + 1);
  }
  uint64_t value() const { return h_; }

 private:
  const Program& p_;
  uint64_t h_ = 1469598103934665603ULL;
};

}  // namespace

uint64_t Fingerprint(const Program& p) {
  Hasher h(p);
  h.U64(p.schema ? p.schema->Fingerprint() : 0);
  h.U64(p.consts.size());
  for (const Const& c : p.consts) {
    h.Str(c.name);
    h.TypeOf(c.type);
    h.Byte(c.is_list);
    h.U64(c.values.size());
    for (const Value& v : c.values) h.Val(v);
  }
  h.U64(p.defines.size());
  for (const Define& d : p.defines) {
    h.Str(d.name);
    h.ExprAt(d.body);
  }
  h.U64(p.segments.size());
  for (const Segment& s : p.segments) {
    h.Str(s.name);
    h.Str(s.description);
    h.ExprAt(s.where);
    h.U64(s.excludes.size());
    for (ExprId x : s.excludes) h.ExprAt(x);
    h.U64(s.channels.size());
    for (const Channel& c : s.channels) {
      h.Str(c.name);
      h.U64(c.step);
      h.I64(c.after.months);
      h.I64(c.after.days);
      h.I64(c.after.micros);
      h.U64(c.consent_column);
      h.ExprAt(c.condition);
    }
    h.Str(s.message);
    h.Str(s.cta);
    h.Byte(static_cast<uint8_t>(s.purpose));
    h.U64(s.holdout_bp);
    h.U64(s.exports.size());
    for (ColumnId c : s.exports) h.U64(c);
    h.U64(s.depends_on.size());
    for (uint32_t d : s.depends_on) h.U64(d);
    h.I64(s.campaign);
    // Outcomes (issue 12): variants change the lists; goals only measurement.
    for (const Variant& v : s.variants) {
      h.Str(v.name);
      h.U64(v.share_bp);
      h.Str(v.message);
      h.Str(v.cta);
    }
    for (const Goal& g : s.goals) {
      h.Str(g.name);
      h.I64(g.days);
      h.ExprAt(g.quantifier);
      h.ExprAt(g.at);
    }
  }
  h.U64(p.campaigns.size());
  for (const Campaign& c : p.campaigns) {
    h.Str(c.name);
    h.Str(c.description);
    h.U64(c.segments.size());
    for (uint32_t s : c.segments) h.U64(s);
    h.U64(c.cap_messages);
    h.U64(c.cap_days);
  }
  h.U64(p.contacts_column);
  h.U64(p.segment_order.size());
  for (uint32_t s : p.segment_order) h.U64(s);
  return h.value();
}

}  // namespace cohort::ir
