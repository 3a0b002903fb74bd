// Interpreter semantics on hand-built IR: shapes tested independently of the
// parser and checker (Kleene tables, checked arithmetic, broadcast of
// row-level parts of quantifier bodies, define caching under selections,
// segment masks and `in segment`).
#include <doctest/doctest.h>

#include <climits>
#include <thread>

#include "interp_test_util.h"
#include "runtime/interp/interpreter.h"
#include "stdlib/functions.h"

using namespace cohort;
using namespace cohort::interp_test;
using cohort::interp::Interpreter;
using cohort::interp::Session;

namespace {

constexpr Truth F = Truth::kFalse, T = Truth::kTrue, U = Truth::kUnknown;

/// The 9 combinations of (consent.sms, consent.email) in {F, T, U}².
std::vector<Row> PairRows() {
  const char* vals[] = {"false", "true", ""};
  std::vector<Row> rows;
  for (const char* a : vals)
    for (const char* b : vals) rows.push_back(Row{{{"consent.sms", a}, {"consent.email", b}}, {}});
  return rows;
}

std::vector<Truth> TruthOver(const IrBuilder& b, ir::ExprId id, const std::vector<Row>& rows,
                               const char* today = "2026-06-15") {
  Interpreter interp(b.program());
  auto batch = MakeBatch(rows);
  return interp.EvaluateTruth(id, batch->View(), Ctx(today));
}

ir::Value EnumValue(const Type& t, const char* label) {
  ir::Value v;
  v.kind = TypeKind::kEnum;
  v.i = t.enum_def->Find(label);
  REQUIRE(v.i >= 0);
  return v;
}

}  // namespace

TEST_CASE("Kleene and/or/not truth tables") {
  IrBuilder b;
  ir::ExprId x = b.Col("consent.sms"), y = b.Col("consent.email");
  ir::ExprId and_ = b.Node(ir::ExprKind::kAnd, Type::Bool(), {x, y});
  ir::ExprId or_ = b.Node(ir::ExprKind::kOr, Type::Bool(), {x, y});
  ir::ExprId not_ = b.Node(ir::ExprKind::kNot, Type::Bool(), {x});
  auto rows = PairRows();  // order: (F,F) (F,T) (F,U) (T,F) (T,T) (T,U) (U,F) (U,T) (U,U)
  CHECK(TruthOver(b, and_, rows) == std::vector<Truth>{F, F, F, F, T, U, F, U, U});
  CHECK(TruthOver(b, or_, rows) == std::vector<Truth>{F, T, U, T, T, T, U, T, U});
  CHECK(TruthOver(b, not_, rows) == std::vector<Truth>{T, T, T, F, F, F, U, U, U});
}

TEST_CASE("and/or with three operands: a later decisive operand overrides unknown") {
  IrBuilder b;
  ir::ExprId x = b.Col("consent.sms"), y = b.Col("consent.email"), z = b.Col("consent.phone");
  ir::ExprId and3 = b.Node(ir::ExprKind::kAnd, Type::Bool(), {x, y, z});
  ir::ExprId or3 = b.Node(ir::ExprKind::kOr, Type::Bool(), {x, y, z});
  std::vector<Row> rows = {
      {{{"consent.sms", ""}, {"consent.email", "true"}, {"consent.phone", "false"}}, {}},
      {{{"consent.sms", ""}, {"consent.email", "true"}, {"consent.phone", "true"}}, {}},
      {{{"consent.sms", ""}, {"consent.email", "false"}, {"consent.phone", "true"}}, {}},
      {{{"consent.sms", "true"}, {"consent.email", "true"}, {"consent.phone", "true"}}, {}},
      {{{"consent.sms", "false"}, {"consent.email", ""}, {"consent.phone", "false"}}, {}},
  };
  CHECK(TruthOver(b, and3, rows) == std::vector<Truth>{F, U, F, T, F});
  CHECK(TruthOver(b, or3, rows) == std::vector<Truth>{T, T, T, T, U});
}

TEST_CASE("checked int arithmetic: overflow, negation and division by zero give missing") {
  IrBuilder b;
  ir::ExprId v = b.Col("no_show_count");
  ir::ExprId sum = b.Arith(ir::ArithOp::kAdd, v, b.Int(1));
  ir::ExprId prod = b.Arith(ir::ArithOp::kMul, v, b.Int(2));
  ir::ExprId diff = b.Arith(ir::ArithOp::kSub, b.Int(0), v);
  ir::ExprId neg = b.Node(ir::ExprKind::kNeg, Type::Int(), {v});
  ir::ExprId vd = b.Node(ir::ExprKind::kCast, Type::Decimal(), {v});
  ir::ExprId quot = b.Arith(ir::ArithOp::kDiv, b.Dec(1.0), vd);
  std::vector<Row> rows = {
      {{{"no_show_count", std::to_string(INT64_MAX)}}, {}},
      {{{"no_show_count", std::to_string(INT64_MIN)}}, {}},
      {{{"no_show_count", "0"}}, {}},
      {{{"no_show_count", "4"}}, {}},
  };
  Interpreter interp(b.program());
  auto batch = MakeBatch(rows);
  Session s(interp, batch->View(), Ctx("2026-01-01"));
  auto sv = s.Values(sum), pv = s.Values(prod), dv = s.Values(diff), nv = s.Values(neg), qv = s.Values(quot);
  CHECK(sv[0].is_null);
  CHECK(sv[1].i == INT64_MIN + 1);
  CHECK(sv[3].i == 5);
  CHECK(pv[0].is_null);
  CHECK(pv[1].is_null);
  CHECK(pv[3].i == 8);
  CHECK(dv[0].i == -INT64_MAX);
  CHECK(dv[1].is_null);  // 0 - INT64_MIN overflows
  CHECK(nv[1].is_null);
  CHECK(nv[3].i == -4);
  CHECK_FALSE(qv[0].is_null);
  CHECK(qv[2].is_null);  // 1 / 0
  CHECK(qv[3].d == doctest::Approx(0.25));
  CHECK(qv[3].kind == TypeKind::kDecimal);
}

TEST_CASE("quantifier body mixes element fields with broadcast row-level parts") {
  IrBuilder b;
  const Schema& schema = *b.p().schema;
  ColumnId events = schema.FindColumn("events");
  const RecordDef& ev = *schema.columns[events].type.record_def;
  ir::Expr kind;
  kind.kind = ir::ExprKind::kVarField;
  kind.index = static_cast<uint32_t>(ev.Find("kind"));
  kind.type = ev.fields[kind.index].type;
  kind.level = 1;
  ir::ExprId k = b.Add(kind);
  ir::ExprId booked = b.Lit(EnumValue(kind.type, "booked"), kind.type);
  ir::ExprId is_booked = b.Cmp(ir::CmpOp::kEq, k, booked);
  // Row-level: telehealth_visits > 0, inside the body (level 0, broadcast).
  ir::ExprId tv = b.Cmp(ir::CmpOp::kGt, b.Col("telehealth_visits"), b.Int(0));
  ir::ExprId body = b.Node(ir::ExprKind::kAnd, Type::Bool(), {is_booked, tv});
  REQUIRE(b.p().exprs[body].level == 1);
  auto quant = [&](ir::Quant q) {
    ir::ExprId id = b.Node(ir::ExprKind::kQuantifier, q == ir::Quant::kCount ? Type::Int() : Type::Bool(), {body});
    b.p().exprs[id].quant = q;
    b.p().exprs[id].column = events;
    b.p().exprs[id].level = 0;
    b.p().exprs[id].nullable = false;
    return id;
  };
  ir::ExprId any = quant(ir::Quant::kAny), all = quant(ir::Quant::kAll), no = quant(ir::Quant::kNo),
             cnt = quant(ir::Quant::kCount);
  std::vector<Row> rows = {
      {{{"telehealth_visits", "1"}}, {{"booked", "2026-01-01T10:00:00Z", ""}, {"booked", "2026-01-02T10:00:00Z", "sms"}}},
      {{{"telehealth_visits", "0"}}, {{"booked", "2026-01-01T10:00:00Z", ""}}},
      {{{"telehealth_visits", "3"}}, {}},
      {{{"telehealth_visits", "2"}}, {{"opted_out", "2026-01-01T10:00:00Z", ""}, {"booked", "2026-01-03T00:00:00Z", ""}}},
  };
  CHECK(TruthOver(b, any, rows) == std::vector<Truth>{T, F, F, T});
  CHECK(TruthOver(b, all, rows) == std::vector<Truth>{T, F, T, F});  // all over empty = TRUE
  CHECK(TruthOver(b, no, rows) == std::vector<Truth>{F, T, T, F});
  Interpreter interp(b.program());
  auto batch = MakeBatch(rows);
  auto counts = interp.EvaluateValues(cnt, batch->View(), Ctx("2026-01-01"));
  REQUIRE(counts.size() == 4);
  CHECK(counts[0].i == 2);
  CHECK(counts[1].i == 0);
  CHECK(counts[2].i == 0);
  CHECK(counts[3].i == 1);
  for (const auto& c : counts) CHECK_FALSE(c.is_null);
}

TEST_CASE("a define used under different selections is computed for every row it is read on") {
  IrBuilder b;
  // d = lower(language) == "es"; read in `or(consent.sms, d)` (only rows where
  // sms is not TRUE) and in `and(consent.email, d)` (only rows where email is
  // not FALSE): the second read must see values for rows the first skipped.
  ir::ExprId lang = b.Col("language");
  ir::Expr call;
  call.kind = ir::ExprKind::kCall;
  call.index = static_cast<uint32_t>(FnId::kLower);
  call.type = Type::String();
  call.args = {lang};
  ir::ExprId low = b.Add(call);
  ir::ExprId d = b.Define("spanish", b.Cmp(ir::CmpOp::kEq, low, b.Str("es")));
  ir::ExprId or_ = b.Node(ir::ExprKind::kOr, Type::Bool(), {b.Col("consent.sms"), d});
  ir::ExprId and_ = b.Node(ir::ExprKind::kAnd, Type::Bool(), {b.Col("consent.email"), d});
  std::vector<Row> rows = {
      {{{"language", "ES"}, {"consent.sms", "true"}, {"consent.email", "true"}}, {}},
      {{{"language", "en"}, {"consent.sms", "false"}, {"consent.email", "true"}}, {}},
      {{{"language", "Es"}, {"consent.sms", ""}, {"consent.email", ""}}, {}},
  };
  Interpreter interp(b.program());
  auto batch = MakeBatch(rows);
  Session s(interp, batch->View(), Ctx("2026-01-01"));
  CHECK(s.Truth(or_) == std::vector<Truth>{T, F, T});
  CHECK(s.Truth(and_) == std::vector<Truth>{T, F, U});
  CHECK(s.Truth(d) == std::vector<Truth>{T, F, T});
}

TEST_CASE("segments: where/exclude masks, membership, channels and `in segment`") {
  IrBuilder b;
  auto& p = b.p();
  // A: where no_show_count >= 1, exclude portal_active; channel sms if consent.sms
  ir::Segment a;
  a.name = "A";
  a.where = b.Cmp(ir::CmpOp::kGe, b.Col("no_show_count"), b.Int(1));
  a.excludes = {b.Col("portal_active")};
  ir::Channel sms;
  sms.name = "sms";
  sms.consent_column = p.schema->FindColumn("consent.sms");
  sms.condition = b.Col("consent.sms");
  a.channels = {sms};
  // B: where in segment A or consent.email; exclude consent.phone (missing -> not excluded)
  ir::Expr ref;
  ref.kind = ir::ExprKind::kSegmentRef;
  ref.type = Type::Bool();
  ref.index = 0;
  ir::Segment bseg;
  bseg.name = "B";
  bseg.where = b.Node(ir::ExprKind::kOr, Type::Bool(), {b.Add(ref), b.Col("consent.email")});
  bseg.excludes = {b.Col("consent.phone")};
  bseg.depends_on = {0};
  p.segments = {a, bseg};
  p.segment_order = {1, 0};  // deliberately wrong: references are computed lazily
  std::vector<Row> rows = {
      {{{"no_show_count", "2"}, {"portal_active", "false"}, {"consent.sms", "true"}}, {}},
      {{{"no_show_count", "2"}, {"portal_active", "true"}, {"consent.sms", "true"}}, {}},
      {{{"no_show_count", "0"}, {"consent.email", "true"}, {"consent.phone", "true"}}, {}},
      {{{"no_show_count", "1"}, {"consent.sms", ""}, {"consent.phone", ""}}, {}},
  };
  auto engine = MakeInterpreter(b.program());
  CHECK(engine->name() == "interp");
  auto batch = MakeBatch(rows);
  BatchResult out;
  engine->Evaluate(batch->View(), Ctx("2026-01-01"), &out);
  REQUIRE(out.segments.size() == 2);
  const SegmentResult& ra = out.segments[0];
  CHECK(ra.where == std::vector<uint8_t>{1, 1, 0, 1});
  CHECK(ra.excludes[0] == std::vector<uint8_t>{0, 1, 0, 0});
  CHECK(ra.member == std::vector<uint8_t>{1, 0, 0, 1});
  CHECK(ra.channels[0] == std::vector<uint8_t>{1, 0, 0, 0});  // missing consent is no consent
  const SegmentResult& rb = out.segments[1];
  CHECK(rb.where == std::vector<uint8_t>{1, 0, 1, 1});
  CHECK(rb.excludes[0] == std::vector<uint8_t>{0, 0, 1, 0});
  CHECK(rb.member == std::vector<uint8_t>{1, 0, 0, 1});

  // Evaluate is const and keeps no state: concurrent calls agree.
  // (Batch::View() builds the view lazily and is not thread-safe: taken once.)
  BatchResult r1, r2;
  const CohortBatchView& view = batch->View();
  std::thread t1([&] { engine->Evaluate(view, Ctx("2026-01-01"), &r1); });
  std::thread t2([&] { engine->Evaluate(view, Ctx("2026-01-01"), &r2); });
  t1.join();
  t2.join();
  CHECK(r1.segments[1].member == rb.member);
  CHECK(r2.segments[0].channels[0] == ra.channels[0]);
}

TEST_CASE("BatchResult::Reset sizes every mask and clears reused results") {
  IrBuilder b;
  ir::Segment s;
  s.name = "S";
  s.where = b.Col("portal_active");
  s.excludes = {b.Col("portal_active"), b.Col("portal_active")};
  s.channels.resize(3);
  b.p().segments = {s};
  BatchResult r;
  r.Reset(b.p(), 5);
  REQUIRE(r.segments.size() == 1);
  CHECK(r.segments[0].where.size() == 5);
  CHECK(r.segments[0].excludes.size() == 2);
  CHECK(r.segments[0].channels.size() == 3);
  CHECK(r.segments[0].channels[2].size() == 5);
  r.segments[0].member[3] = 1;
  r.Reset(b.p(), 4);
  CHECK(r.num_rows == 4);
  CHECK(r.segments[0].member == std::vector<uint8_t>(4, 0));
}
