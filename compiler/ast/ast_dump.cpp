// Deterministic S-expression dumps of the unchecked tree (`--emit=ast`, tests).
// No pointers, no ranges: two parses of the same text dump identically.
#include <fmt/format.h>

#include "compiler/ast/ast.h"
#include "core/strings.h"

namespace cohort::ast {
namespace {


const char* QuantName(Quant q) {
  switch (q) {
    case Quant::kAny: return "any";
    case Quant::kAll: return "all";
    case Quant::kNo: return "no";
    case Quant::kMin: return "min";
    case Quant::kMax: return "max";
  }
  return "?";
}

void DumpExpr(const Expr* e, std::string& out);

void DumpArgs(const Expr& e, std::string& out, size_t from = 0) {
  for (size_t i = from; i < e.args.size(); ++i) {
    out += ' ';
    DumpExpr(e.args[i].get(), out);
  }
}

void DumpExpr(const Expr* e, std::string& out) {
  if (e == nullptr) {
    out += "<null>";
    return;
  }
  switch (e->kind) {
    case ExprKind::kBoolLit: out += e->bool_value ? "true" : "false"; return;
    case ExprKind::kIntLit: out += fmt::format("{}", e->int_value); return;
    case ExprKind::kDecimalLit: out += fmt::format("(decimal {})", e->decimal_value); return;
    case ExprKind::kStringLit: out += QuoteForDump(e->text); return;
    case ExprKind::kDateLit: out += fmt::format("(date {})", e->text); return;
    case ExprKind::kTimestampLit: out += fmt::format("(timestamp {})", e->text); return;
    case ExprKind::kDurationLit: out += fmt::format("(duration {} {})", e->int_value, e->text); return;
    case ExprKind::kPercentLit: out += fmt::format("(percent {})", e->decimal_value); return;
    case ExprKind::kListLit:
      out += "(list";
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kName: out += e->text; return;
    case ExprKind::kMember:
      out += "(. ";
      DumpExpr(e->args.empty() ? nullptr : e->args[0].get(), out);
      out += ' ' + e->text + ')';
      return;
    case ExprKind::kToday: out += "today"; return;
    case ExprKind::kNow: out += "now"; return;
    case ExprKind::kUnary:
    case ExprKind::kBinary:
      out += '(';
      out += e->kind == ExprKind::kUnary && e->op == Op::kNeg ? "neg" : OpSpelling(e->op);
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kIn:
      out += e->negated ? "(not-in" : "(in";
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kIsMissing:
      out += e->negated ? "(is-present" : "(is-missing";
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kWithin:
      out += e->within_next ? "(within-next" : "(within-last";
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kCall:
      out += "(call " + e->text;
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kQuantifier:
      out += fmt::format("({} {}", QuantName(e->quant), e->var);
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kCount:
      out += "(count " + e->var;
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kMinMax:
      // min(value for var in list [where filter]) -> (min var list value [filter])
      out += fmt::format("({} {} ", QuantName(e->quant), e->var);
      DumpExpr(e->args.size() > 0 ? e->args[0].get() : nullptr, out);
      out += ' ';
      DumpExpr(e->args.size() > 2 ? e->args[2].get() : nullptr, out);
      if (e->args.size() > 1 && e->args[1] != nullptr) {
        out += " (where ";
        DumpExpr(e->args[1].get(), out);
        out += ')';
      }
      out += ')';
      return;
    case ExprKind::kInSegment: out += "(in-segment " + e->text + ")"; return;
    case ExprKind::kParen:
      out += "(paren";
      DumpArgs(*e, out);
      out += ')';
      return;
    case ExprKind::kError: out += "<error>"; return;
    case ExprKind::kContacted:
      out += e->text.empty() ? std::string("(contacted ") : "(contacted-by " + e->text + ' ';
      DumpExpr(e->args.empty() ? nullptr : e->args[0].get(), out);
      out += ')';
      return;
  }
  out += "<?>";
}

void DumpSegment(const Segment& s, std::string& out) {
  out += "  (segment " + s.name;
  if (!s.description.empty()) out += ' ' + QuoteForDump(s.description);
  out += "\n    (where ";
  DumpExpr(s.where.get(), out);
  out += ')';
  for (const auto& ex : s.excludes) {
    out += "\n    (exclude ";
    DumpExpr(ex.get(), out);
    out += ')';
  }
  for (const auto& ch : s.channels) {
    out += "\n    (channel " + ch.name;
    if (ch.after) {
      out += " (after ";
      DumpExpr(ch.after.get(), out);
      out += ')';
    }
    if (ch.condition) {
      out += " (if ";
      DumpExpr(ch.condition.get(), out);
      out += ')';
    }
    out += ')';
  }
  if (s.message) out += "\n    (message " + QuoteForDump(s.message->name) + ")";
  if (s.cta) out += "\n    (cta " + QuoteForDump(s.cta->name) + ")";
  if (s.purpose) out += "\n    (purpose " + s.purpose->name + ")";
  if (s.holdout) {
    out += "\n    (holdout ";
    DumpExpr(s.holdout.get(), out);
    out += ')';
  }
  if (!s.exports.empty()) {
    out += "\n    (export";
    for (const auto& e : s.exports) out += ' ' + e.name;
    out += ')';
  }
  for (const auto& d : s.duplicate_clauses) out += "\n    (duplicate " + d.name + ")";
  // Outcomes (issue 12).
  for (const auto& v : s.variants) {
    out += "\n    (variant " + v.name + " ";
    DumpExpr(v.share.get(), out);
    if (v.message) out += " (message " + QuoteForDump(v.message->name) + ")";
    if (v.cta) out += " (cta " + QuoteForDump(v.cta->name) + ")";
    out += ')';
  }
  for (const auto& g : s.goals) {
    out += "\n    (goal ";
    if (g.quantifier) DumpExpr(g.quantifier.get(), out);
    else out += g.kind.name;
    out += " (within ";
    DumpExpr(g.within.get(), out);
    out += "))";
  }
  out += ")\n";
}

}  // namespace

const char* OpSpelling(Op op) {
  switch (op) {
    case Op::kNot: return "not";
    case Op::kNeg: return "-";
    case Op::kAnd: return "and";
    case Op::kOr: return "or";
    case Op::kEq: return "==";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kBefore: return "before";
    case Op::kAfter: return "after";
  }
  return "?";
}

namespace {

void DumpFixtureValue(const FixtureValue& v, std::string& out);

void DumpFixtureFields(const std::vector<FixtureField>& fields, std::string& out) {
  for (const FixtureField& f : fields) {
    out += " (" + f.path + ' ';
    DumpFixtureValue(f.value, out);
    out += ')';
  }
}

void DumpFixtureValue(const FixtureValue& v, std::string& out) {
  using K = FixtureValue::Kind;
  switch (v.kind) {
    case K::kError: out += "<error>"; break;
    case K::kBool: out += v.bool_value ? "true" : "false"; break;
    case K::kInt: out += std::to_string(v.int_value); break;
    case K::kDecimal: out += fmt::format("{}", v.decimal_value); break;
    case K::kString: out += QuoteForDump(v.text); break;
    case K::kDate: out += "(date " + v.text + ')'; break;
    case K::kTimestamp: out += "(timestamp " + v.text + ')'; break;
    case K::kLabel: out += v.text; break;
    case K::kMissing: out += "missing"; break;
    case K::kList:
      out += "(list";
      for (const FixtureValue& i : v.items) {
        out += ' ';
        DumpFixtureValue(i, out);
      }
      out += ')';
      break;
    case K::kRecord:
      out += "(record";
      DumpFixtureFields(v.fields, out);
      out += ')';
      break;
  }
}

void DumpTest(const Test& t, std::string& out) {
  out += "  (test " + QuoteForDump(t.name);
  if (t.today) out += "\n    (today " + t.today->name + ')';
  if (t.given) {
    out += "\n    (given";
    DumpFixtureFields(t.given->fields, out);
    out += ')';
  }
  for (const Fixture& r : t.records) {
    out += "\n    (record " + r.name;
    DumpFixtureFields(r.fields, out);
    out += ')';
  }
  for (const Expectation& x : t.expects) {
    out += "\n    (expect ";
    if (x.negated) out += "not ";
    switch (x.kind) {
      case ExpectKind::kMember: out += fmt::format("in {} {}", x.record.name, x.segment.name); break;
      case ExpectKind::kChannel:
        out += fmt::format("channel {} {} {}", x.record.name, x.segment.name, x.channel.name);
        if (x.on) out += " (on " + x.on->name + ')';
        break;
      case ExpectKind::kHeldOut: out += fmt::format("held-out {} {}", x.record.name, x.segment.name); break;
      case ExpectKind::kAssigned:
        out += fmt::format("assigns {} {} {}", x.campaign.name, x.record.name, x.segment.name);
        break;
      case ExpectKind::kClause: {
        std::string clause = x.clause == ClauseRef::kWhere     ? "where"
                             : x.clause == ClauseRef::kExclude ? fmt::format("exclude {}", x.exclude_number)
                                                               : "channel " + x.channel.name;
        out += fmt::format("clause {} ({}) {} {}", x.segment.name, clause, x.record.name, x.truth.name);
        break;
      }
    }
    out += ')';
  }
  out += ")\n";
}

}  // namespace

std::string Dump(const Expr& e) {
  std::string out;
  DumpExpr(&e, out);
  return out;
}

std::string Dump(const Module& m) {
  std::string out = "(module\n";
  for (const auto& [kind, index] : m.order) {
    switch (kind) {
      case Module::DeclKind::kUse: {
        const Use& u = m.uses.at(index);
        out += "  (use " + (u.is_path ? QuoteForDump(u.name) : u.name) + ")\n";
        break;
      }
      case Module::DeclKind::kConst: {
        const Const& c = m.consts.at(index);
        out += "  (const " + c.name + ' ';
        DumpExpr(c.value.get(), out);
        out += ")\n";
        break;
      }
      case Module::DeclKind::kDefine: {
        const Define& d = m.defines.at(index);
        out += "  (define " + d.name + ' ';
        DumpExpr(d.body.get(), out);
        out += ")\n";
        break;
      }
      case Module::DeclKind::kSegment: DumpSegment(m.segments.at(index), out); break;
      case Module::DeclKind::kCampaign: {
        const Campaign& c = m.campaigns.at(index);
        out += "  (campaign " + c.name;
        if (!c.description.empty()) out += ' ' + QuoteForDump(c.description);
        out += " (priority";
        for (const auto& p : c.priority) out += ' ' + p.name;
        out += ')';
        if (c.cap) out += fmt::format(" (cap {} {})", c.cap_messages, c.cap_days);
        out += ")\n";
        break;
      }
      case Module::DeclKind::kTest: DumpTest(m.tests.at(index), out); break;
    }
  }
  out += ")\n";
  return out;
}

}  // namespace cohort::ast
