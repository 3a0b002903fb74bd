// Differential test of the vectorized interpreter against a deliberately
// naive oracle: one row (and one list element) at a time, straight from the
// rules of docs/language.md §4, with no selections, caches or broadcasting. Every
// row-level node of real programs (the examples plus a program exercising
// every node kind) is compared on random batches with many missing values,
// and so are the segment masks.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/driver/driver.h"
#include "interp_test_util.h"
#include "runtime/interp/interpreter.h"
#include "runtime/interp/vec.h"  // Storage: which ir::Value field holds a kind
#include "stdlib/functions.h"

using namespace cohort;
using namespace cohort::interp_test;

namespace {

/// A value in the oracle: scalar fields as in ir::Value, plus set items.
struct OV {
  bool null = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<std::string> items;  ///< set<string>
};

/// Row-at-a-time reference semantics.
class Oracle {
 public:
  Oracle(const ir::Program& p, const CohortBatchView& b, const ExecContext& ctx) : p_(p), b_(b), ctx_(ctx) {}

  /// Truth of a bool value: 0, 1, 2 (unknown).
  static uint8_t Truth(const OV& v) { return v.null ? 2 : (v.i ? 1 : 0); }

  OV Eval(ir::ExprId id, int64_t row, int64_t elem = -1, ColumnId list = kNoColumn) {
    const ir::Expr& e = p_.exprs[id];
    using K = ir::ExprKind;
    auto arg = [&](size_t k) { return Eval(e.args[k], row, elem, list); };
    switch (e.kind) {
      case K::kLiteral: return FromValue(e.literal);
      case K::kColumn: return Read(b_.columns[e.column], e.type.kind, row);
      case K::kVarItem: return Read(b_.columns[list].children[0], TypeKind::kString, elem);
      case K::kVarField: return Read(b_.columns[list].children[e.index], e.type.kind, elem);
      case K::kToday: return Int(ctx_.today);
      case K::kNow: return Int(ctx_.now);
      case K::kNot: {
        uint8_t t = Truth(arg(0));
        return t == 2 ? Null() : Bool(t == 0);
      }
      case K::kAnd:
      case K::kOr: {
        bool is_and = e.kind == K::kAnd, unknown = false;
        for (size_t k = 0; k < e.args.size(); ++k) {
          uint8_t t = Truth(arg(k));
          if (t == 2) unknown = true;
          else if ((t == 1) != is_and) return Bool(!is_and);
        }
        return unknown ? Null() : Bool(is_and);
      }
      case K::kCompare: {
        OV a = arg(0), c = arg(1);
        if (a.null || c.null) return Null();
        int cmp;
        TypeKind k = p_.exprs[e.args[0]].type.kind;
        if (k == TypeKind::kString) cmp = a.s < c.s ? -1 : a.s > c.s ? 1 : 0;
        else if (k == TypeKind::kDecimal) {
          if (a.d != a.d || c.d != c.d) return Bool(e.cmp == ir::CmpOp::kNe);
          cmp = a.d < c.d ? -1 : a.d > c.d ? 1 : 0;
        } else cmp = a.i < c.i ? -1 : a.i > c.i ? 1 : 0;
        switch (e.cmp) {
          case ir::CmpOp::kEq: return Bool(cmp == 0);
          case ir::CmpOp::kNe: return Bool(cmp != 0);
          case ir::CmpOp::kLt: return Bool(cmp < 0);
          case ir::CmpOp::kLe: return Bool(cmp <= 0);
          case ir::CmpOp::kGt: return Bool(cmp > 0);
          case ir::CmpOp::kGe: return Bool(cmp >= 0);
        }
        return Null();
      }
      case K::kArith: {
        OV a = arg(0), c = arg(1);
        if (a.null || c.null) return Null();
        if (e.type.kind == TypeKind::kInt) {
          __int128 x = a.i, y = c.i, r = e.arith == ir::ArithOp::kAdd ? x + y : e.arith == ir::ArithOp::kSub ? x - y : x * y;
          if (r > INT64_MAX || r < INT64_MIN) return Null();
          return Int(static_cast<int64_t>(r));
        }
        OV out;
        if (e.arith == ir::ArithOp::kDiv) {
          if (c.d == 0) return Null();
          out.d = a.d / c.d;
        } else {
          out.d = e.arith == ir::ArithOp::kAdd ? a.d + c.d : e.arith == ir::ArithOp::kSub ? a.d - c.d : a.d * c.d;
        }
        return out;
      }
      case K::kNeg: {
        OV a = arg(0);
        if (a.null) return a;
        if (e.type.kind == TypeKind::kInt) return a.i == INT64_MIN ? Null() : Int(-a.i);
        a.d = -a.d;
        return a;
      }
      case K::kCast: {
        OV a = arg(0);
        if (a.null) return a;
        if (e.type.kind == TypeKind::kDecimal) a.d = static_cast<double>(a.i);
        else a.i = a.i * kMicrosPerDay;
        return a;
      }
      case K::kAddDuration: {
        OV a = arg(0);
        if (a.null) return a;
        if (e.type.kind == TypeKind::kDate) a.i = AddDuration(static_cast<int32_t>(a.i), e.literal.dur, e.sign);
        else a.i = AddDuration(int64_t{a.i}, e.literal.dur, e.sign);
        return a;
      }
      case K::kInList: {
        OV a = arg(0);
        if (a.null) return Null();
        bool found = false;
        for (const ir::Value& v : e.list) {
          OV w = FromValue(v);
          TypeKind k = v.kind;
          found |= k == TypeKind::kString ? w.s == a.s : k == TypeKind::kDecimal ? w.d == a.d : w.i == a.i;
        }
        return Bool(found != e.negated);
      }
      case K::kInSet: {
        OV a = arg(0), set = arg(1);
        if (a.null) return Null();
        bool found = std::find(set.items.begin(), set.items.end(), a.s) != set.items.end();
        return Bool(found != e.negated);
      }
      case K::kIsMissing: return Bool(arg(0).null != e.negated);
      case K::kCoalesce:
        for (size_t k = 0; k < e.args.size(); ++k) {
          OV v = arg(k);
          if (!v.null) return v;
        }
        return Null();
      case K::kCall: return Call(e, row, elem, list);
      case K::kQuantifier: {
        const CohortColumn& c = b_.columns[e.column];
        int64_t trues = 0, total = 0;
        for (int32_t k = c.offsets[row]; k < c.offsets[row + 1]; ++k, ++total)
          trues += Truth(Eval(e.args[0], row, k, e.column)) == 1;
        switch (e.quant) {
          case ir::Quant::kAny: return Bool(trues > 0);
          case ir::Quant::kAll: return Bool(trues == total);
          case ir::Quant::kNo: return Bool(trues == 0);
          default: return Int(trues);
        }
      }
      case K::kAggregate: {
        const CohortColumn& c = b_.columns[e.column];
        OV best = Null();
        for (int32_t k = c.offsets[row]; k < c.offsets[row + 1]; ++k) {
          if (e.args.size() > 1 && Truth(Eval(e.args[1], row, k, e.column)) != 1) continue;
          OV v = Eval(e.args[0], row, k, e.column);
          if (v.null) continue;
          bool better;
          TypeKind t = e.type.kind;
          bool less = t == TypeKind::kString ? v.s < best.s : t == TypeKind::kDecimal ? v.d < best.d : v.i < best.i;
          bool greater = t == TypeKind::kString ? best.s < v.s : t == TypeKind::kDecimal ? best.d < v.d : best.i < v.i;
          better = best.null || (e.quant == ir::Quant::kMin ? less : greater);
          if (better) best = v;
        }
        return best;
      }
      case K::kDefineRef: return Eval(p_.defines[e.index].body, row, -1, kNoColumn);
      case K::kSegmentRef: return Bool(Member(e.index, row));
    }
    return Null();
  }

  bool Member(uint32_t seg, int64_t row) {
    const ir::Segment& s = p_.segments[seg];
    if (s.where != ir::kNoExpr && Truth(Eval(s.where, row)) != 1) return false;
    for (ir::ExprId x : s.excludes)
      if (Truth(Eval(x, row)) == 1) return false;
    return true;
  }

 private:
  static OV Null() {
    OV v;
    v.null = true;
    return v;
  }
  static OV Int(int64_t i) {
    OV v;
    v.i = i;
    return v;
  }
  static OV Bool(bool b) { return Int(b ? 1 : 0); }
  static OV FromValue(const ir::Value& v) {
    OV o;
    o.null = v.is_null;
    o.i = v.i;
    o.d = v.d;
    o.s = v.s;
    return o;
  }

  OV Read(const CohortColumn& c, TypeKind k, int64_t p) {
    OV v;
    if (k == TypeKind::kStringSet) {
      for (int32_t j = c.offsets[p]; j < c.offsets[p + 1]; ++j) v.items.emplace_back(StringAt(c.children[0], j));
      return v;
    }
    if (!IsValid(c, p)) return Null();
    switch (k) {
      case TypeKind::kBool: v.i = GetBit(static_cast<const uint8_t*>(c.values), p); break;
      case TypeKind::kInt:
      case TypeKind::kTimestamp: v.i = static_cast<const int64_t*>(c.values)[p]; break;
      case TypeKind::kDate: v.i = static_cast<const int32_t*>(c.values)[p]; break;
      case TypeKind::kEnum: v.i = static_cast<const uint8_t*>(c.values)[p]; break;
      case TypeKind::kDecimal: v.d = static_cast<const double*>(c.values)[p]; break;
      case TypeKind::kString: v.s = std::string(StringAt(c, p)); break;
      default: break;
    }
    return v;
  }

  OV Call(const ir::Expr& e, int64_t row, int64_t elem, ColumnId list) {
    std::vector<OV> a;
    for (ir::ExprId x : e.args) {
      a.push_back(Eval(x, row, elem, list));
      if (a.back().null) return Null();
    }
    auto n = [](const OV& v) { return static_cast<int32_t>(v.s.size()); };
    switch (static_cast<FnId>(e.index)) {
      case FnId::kAge: return Int(AgeInYears(static_cast<int32_t>(a[0].i), ctx_.today));
      case FnId::kDaysSince: return Int(ctx_.today - a[0].i);
      case FnId::kDaysUntil: return Int(a[0].i - ctx_.today);
      case FnId::kLower:
      case FnId::kUpper: {
        OV v = a[0];
        for (char& ch : v.s) {
          if (e.index == static_cast<uint32_t>(FnId::kLower) && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
          if (e.index == static_cast<uint32_t>(FnId::kUpper) && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
        }
        return v;
      }
      case FnId::kStartsWith: return Bool(a[0].s.rfind(a[1].s, 0) == 0);
      case FnId::kEndsWith:
        return Bool(a[0].s.size() >= a[1].s.size() && a[0].s.compare(a[0].s.size() - a[1].s.size(), a[1].s.size(), a[1].s) == 0);
      case FnId::kContains: return Bool(a[0].s.find(a[1].s) != std::string::npos);
      case FnId::kLength: {
        int64_t cps = 0;
        for (unsigned char ch : a[0].s) cps += (ch & 0xC0) != 0x80;
        (void)n;
        return Int(cps);
      }
      case FnId::kYear:
      case FnId::kMonth: {
        int32_t y;
        uint32_t m, d;
        CivilFromDays(static_cast<int32_t>(a[0].i), &y, &m, &d);
        return Int(e.index == static_cast<uint32_t>(FnId::kYear) ? y : m);
      }
      case FnId::kDateOf: return Int(DayOfTimestamp(a[0].i));
    }
    return Null();
  }

  const ir::Program& p_;
  const CohortBatchView& b_;
  ExecContext ctx_;
};

/// Random Patient rows with many missing values and edge-case contents.
std::vector<Row> RandomRows(uint64_t seed, int n, const char* today) {
  std::mt19937_64 rng(seed);
  auto pick = [&](auto const& v) { return v[rng() % v.size()]; };
  const int32_t t = *ParseDate(today);
  const Schema& schema = *PatientSchema();
  const std::vector<std::string> strings = {"es", "en", "MA", "primary_care", "José", "日本語", "E11", "", "vi", "NY"};
  const std::vector<std::string> ints = {"0", "1", "2", "3", "17", "-1", "9223372036854775807", "-9223372036854775808"};
  const std::vector<std::string> codes = {"E11.9", "I10", "E119", "J45", "E11"};
  std::vector<Row> rows;
  for (int r = 0; r < n; ++r) {
    Row row;
    for (const ColumnDef& c : schema.columns) {
      bool missing = (c.optional || c.type.kind == TypeKind::kBool) && rng() % 4 == 0;
      if (missing || c.path == "id") continue;  // absent: missing if optional, else a default
      std::string v;
      switch (c.type.kind) {
        case TypeKind::kBool: v = rng() % 2 ? "true" : "false"; break;
        case TypeKind::kInt: v = pick(ints); break;
        case TypeKind::kString: v = pick(strings); if (v.empty() && !c.optional) v = "x"; break;
        case TypeKind::kDate:
          v = c.path == "birth_date" ? FormatDate(t - static_cast<int32_t>(rng() % 36500))
                                     : FormatDate(t - 400 + static_cast<int32_t>(rng() % 800));
          break;
        case TypeKind::kEnum: v = pick(c.type.enum_def->labels); break;
        case TypeKind::kStringSet: {
          int k = static_cast<int>(rng() % 4);
          for (int j = 0; j < k; ++j) v += pick(codes) + ";";
          break;
        }
        default: continue;
      }
      row.f[c.path] = v;
    }
    const auto& kinds = schema.columns[schema.FindColumn("events")].type.record_def->fields[0].type.enum_def->labels;
    int ne = static_cast<int>(rng() % 5);
    for (int j = 0; j < ne; ++j) {
      int64_t at = (int64_t{t} - 12 + static_cast<int64_t>(rng() % 24)) * kMicrosPerDay +
                   static_cast<int64_t>(rng() % 4 == 0 ? 0 : rng() % kMicrosPerDay);
      row.events.push_back(Ev{pick(kinds), FormatTimestamp(at), rng() % 3 == 0 ? "" : pick(std::vector<std::string>{"sms", "email"})});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every-node comparison of program `text` on random batches.
void CompareWithOracle(const std::string& text, const std::string& name) {
  for (bool fold : {true, false}) {
    const char* today = "2026-06-15";
    CompileOptions o;
    o.schema = PatientSchema();
    o.fold = fold;
    if (fold) o.today = *ParseDate(today);
    o.warn_unused = false;
    CompileResult r = Compile(text, o);
    std::string msgs;
    for (const Diagnostic& d : r.diags.all()) msgs += RenderText(d, *r.sources) + "\n";
    INFO(name);
    REQUIRE_MESSAGE(r.ok(), msgs);
    const ir::Program& p = *r.program;
    interp::Interpreter interp(r.program);
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      auto rows = RandomRows(seed * 7919 + (fold ? 1 : 0), 160, today);
      auto batch = MakeBatch(rows);
      const CohortBatchView& view = batch->View();
      ExecContext ctx = Ctx(today);
      Oracle oracle(p, view, ctx);
      interp::Session session(interp, view, ctx);
      int compared = 0;
      for (ir::ExprId id = 0; id < p.exprs.size(); ++id) {
        const ir::Expr& e = p.exprs[id];
        if (e.level != 0 || e.type.kind == TypeKind::kDuration || e.type.kind == TypeKind::kList) continue;
        auto got = session.Values(id);
        for (size_t row = 0; row < rows.size(); ++row) {
          OV want = oracle.Eval(id, static_cast<int64_t>(row));
          const ir::Value& g = got[row];
          INFO("node " << id << " " << ir::DumpExpr(p, id) << " row " << row << " seed " << seed << " fold " << fold);
          REQUIRE(g.is_null == want.null);
          if (want.null) continue;
          switch (interp::StorageOf(e.type.kind)) {
            case interp::Storage::kBool:
            case interp::Storage::kInt: REQUIRE(g.i == want.i); break;
            case interp::Storage::kDouble:
              REQUIRE(((g.d == want.d) || (g.d != g.d && want.d != want.d)));
              break;
            case interp::Storage::kString: REQUIRE(g.s == want.s); break;
            default: break;
          }
        }
        ++compared;
      }
      CHECK(compared > 0);
      BatchResult out;
      interp.Evaluate(view, ctx, &out);
      for (uint32_t s = 0; s < p.segments.size(); ++s) {
        const ir::Segment& seg = p.segments[s];
        for (size_t row = 0; row < rows.size(); ++row) {
          INFO("segment " << seg.name << " row " << row);
          bool where = seg.where == ir::kNoExpr || Oracle::Truth(oracle.Eval(seg.where, row)) == 1;
          REQUIRE(out.segments[s].where[row] == where);
          bool member = oracle.Member(s, static_cast<int64_t>(row));
          REQUIRE(out.segments[s].member[row] == member);
          if (where)
            for (size_t k = 0; k < seg.excludes.size(); ++k)
              REQUIRE(out.segments[s].excludes[k][row] == (Oracle::Truth(oracle.Eval(seg.excludes[k], row)) == 1));
          if (member)
            for (size_t c = 0; c < seg.channels.size(); ++c)
              REQUIRE(out.segments[s].channels[c][row] ==
                      (Oracle::Truth(oracle.Eval(seg.channels[c].condition, row)) == 1));
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("oracle: the example programs, node by node") {
  for (const char* name : {"telehealth.cohort", "primary_care.cohort"}) {
    std::string path = std::string(COHORT_SOURCE_DIR) + "/examples/" + name;
    std::string text = ReadText(path);
    REQUIRE_MESSAGE(!text.empty(), "cannot read " << path);
    CompareWithOracle(text, name);
  }
}

TEST_CASE("oracle: every node kind over random rows with missing values") {
  CompareWithOracle(R"(
use Patient
const big = 9223372036854775807
define a = (consent.sms and consent.email) or not consent.phone or (portal_active and consent.mail)
define b = no_show_count + telehealth_visits * 2 - in_person_visits > 1
define c = no_show_count / telehealth_visits >= 0.5 or -no_show_count < 0 or no_show_count + big > 0
define d = last_visit within last 30 days or next_appointment within next 2 weeks or care_gap_due before today - 6 months
define e = any ev in events where ev.at within last 3 days and ev.kind in [booked, sms_replied] and telehealth_visits >= 1
define f = count(ev in events where ev.channel == "sms" or ev.channel is missing) + count(ev in events)
define g = all ev in events where ev.channel in ["sms", "email"] and a
define h = no ev in events where ev.at after now - 36 hours
define i = max(ev.at for ev in events where ev.kind != opted_out)
define j = min(ev.channel for ev in events)
define k = any cd in conditions where starts_with(cd, "E11") or ends_with(cd, "10")
define l = "I10" in conditions or state in conditions or coalesce(zip, state, "x") not in conditions
define m = payer_type in [medicare, medicaid] or payer_type not in [other] or sex == female
define n = coalesce(lower(state), upper(zip), language)
define o = length(language) + days_since(birth_date) + days_until(coalesce(next_appointment, today)) + age
define p = year(last_visit) * 100 + month(last_visit)
define q = date_of(max(ev.at for ev in events)) >= today - 1 week
define r = contains(language, "é") or language > "en" or coalesce(service_line, "") == "primary_care"
define s = discharged_on is missing or discharge_type is present or last_visit + 1 year > today
define t = consent.sms is missing or (b and d) or count(cd in conditions) == 2
segment S1 "x" where a or b
  exclude c
  exclude e and not h
  channel sms if consent and (d or k)
  channel email after 2 days if consent
  purpose treatment
segment S2 where in segment S1 or t
  exclude in segment S1 and g
  channel phone if consent and not l
  purpose treatment
)",
                    "kinds");
}
