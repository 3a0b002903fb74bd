// The JIT on hand-built IR: exact expectations (not only agreement with the
// interpreter) for Kleene logic, checked arithmetic, runtime `today`/`now`,
// and clean refusal of constructs it does not support.
#include <doctest/doctest.h>

#include <climits>

#include "jit_test_util.h"
#include "runtime/jit/jit_engine.h"
#include "stdlib/functions.h"
#include "unit/interp/interp_test_util.h"

using namespace cohort;
using interp_test::Ctx;
using interp_test::IrBuilder;
using interp_test::MakeBatch;
using interp_test::Row;

namespace {

/// A program with one segment whose where is `where` (no excludes/channels).
std::shared_ptr<ir::Program> OneSegment(IrBuilder& b, ir::ExprId where) {
  ir::Program& p = b.p();
  ir::Segment s;
  s.name = "S";
  s.where = where;
  p.segments.push_back(s);
  p.segment_order = {0};
  return b.program();
}

std::vector<uint8_t> JitWhere(std::shared_ptr<ir::Program> p, const std::vector<Row>& rows,
                              const char* today = "2026-06-15") {
  std::string error;
  auto jit = MakeJitEngine(p, JitOptions{}, &error);
  REQUIRE_MESSAGE(jit, error);
  auto batch = MakeBatch(rows);
  BatchResult r;
  jit->Evaluate(batch->View(), Ctx(today), &r);
  // Agreement with the reference on the way.
  BatchResult ref;
  MakeInterpreter(p)->Evaluate(batch->View(), Ctx(today), &ref);
  CHECK(jit_test::DiffResults(*p, ref, r).empty());
  return r.segments.at(0).where;
}

std::vector<Row> PairRows() {
  const char* vals[] = {"false", "true", ""};
  std::vector<Row> rows;
  for (const char* a : vals)
    for (const char* b : vals) rows.push_back(Row{{{"consent.sms", a}, {"consent.email", b}}, {}});
  return rows;
}

}  // namespace

TEST_CASE("Kleene tables: TRUE and FALSE of and/or (FALSE via not)") {
  // order: (F,F) (F,T) (F,U) (T,F) (T,T) (T,U) (U,F) (U,T) (U,U)
  for (bool negate : {false, true}) {
    for (ir::ExprKind kind : {ir::ExprKind::kAnd, ir::ExprKind::kOr}) {
      IrBuilder b;
      ir::ExprId x = b.Col("consent.sms"), y = b.Col("consent.email");
      ir::ExprId e = b.Node(kind, Type::Bool(), {x, y});
      if (negate) e = b.Node(ir::ExprKind::kNot, Type::Bool(), {e});
      auto got = JitWhere(OneSegment(b, e), PairRows());
      std::vector<uint8_t> want;
      if (kind == ir::ExprKind::kAnd)
        want = negate ? std::vector<uint8_t>{1, 1, 1, 1, 0, 0, 1, 0, 0} : std::vector<uint8_t>{0, 0, 0, 0, 1, 0, 0, 0, 0};
      else
        want = negate ? std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 0} : std::vector<uint8_t>{0, 1, 0, 1, 1, 1, 0, 1, 0};
      CHECK(got == want);
    }
  }
}

TEST_CASE("int overflow and negation of INT64_MIN give missing") {
  IrBuilder b;
  ir::ExprId v = b.Col("no_show_count");
  ir::ExprId sum = b.Arith(ir::ArithOp::kAdd, v, b.Int(1));
  ir::ExprId neg = b.Node(ir::ExprKind::kNeg, Type::Int(), {v});
  b.p().exprs[neg].nullable = true;
  ir::ExprId sum_missing = b.Node(ir::ExprKind::kIsMissing, Type::Bool(), {sum});
  ir::ExprId neg_missing = b.Node(ir::ExprKind::kIsMissing, Type::Bool(), {neg});
  b.p().exprs[sum_missing].nullable = b.p().exprs[neg_missing].nullable = false;
  ir::ExprId either = b.Node(ir::ExprKind::kOr, Type::Bool(), {sum_missing, neg_missing});
  b.p().exprs[either].nullable = false;
  std::vector<Row> rows = {{{{"no_show_count", "5"}}, {}},
                           {{{"no_show_count", std::to_string(INT64_MAX)}}, {}},
                           {{{"no_show_count", std::to_string(INT64_MIN)}}, {}}};
  CHECK(JitWhere(OneSegment(b, either), rows) == std::vector<uint8_t>{0, 1, 1});
}

TEST_CASE("division by zero is missing; decimal results compare") {
  IrBuilder b;
  ir::ExprId q = b.Arith(ir::ArithOp::kDiv, b.Col("telehealth_visits"), b.Col("no_show_count"));
  ir::ExprId gt = b.Cmp(ir::CmpOp::kGt, q, b.Dec(1.5));
  b.p().exprs[gt].nullable = true;
  std::vector<Row> rows = {{{{"telehealth_visits", "4"}, {"no_show_count", "2"}}, {}},
                           {{{"telehealth_visits", "4"}, {"no_show_count", "0"}}, {}},
                           {{{"telehealth_visits", "1"}, {"no_show_count", "2"}}, {}}};
  CHECK(JitWhere(OneSegment(b, gt), rows) == std::vector<uint8_t>{1, 0, 0});
}

TEST_CASE("unfolded today comes from the run context") {
  IrBuilder b;
  ir::Expr today;
  today.kind = ir::ExprKind::kToday;
  today.type = Type::Date();
  ir::ExprId t = b.Add(today);
  ir::ExprId lt = b.Cmp(ir::CmpOp::kLt, b.Col("last_visit"), t);
  auto p = OneSegment(b, lt);
  std::vector<Row> rows = {{{{"last_visit", "2026-06-14"}}, {}}, {{{"last_visit", "2026-06-15"}}, {}},
                           {{{"last_visit", ""}}, {}}};
  CHECK(JitWhere(p, rows, "2026-06-15") == std::vector<uint8_t>{1, 0, 0});
  CHECK(JitWhere(p, rows, "2026-06-16") == std::vector<uint8_t>{1, 1, 0});
}

TEST_CASE("unsupported IR fails engine creation with a message") {
  IrBuilder b;
  ir::Expr call;
  call.kind = ir::ExprKind::kCall;
  call.type = Type::Bool();
  call.index = 9999;  // no such function
  ir::ExprId c = b.Add(call);
  std::string error;
  auto jit = MakeJitEngine(OneSegment(b, c), JitOptions{}, &error);
  CHECK(jit == nullptr);
  CHECK(error.find("function") != std::string::npos);
}

TEST_CASE("age compared with a constant (threshold form) agrees with age() around 29 February") {
  const char* todays[] = {"2024-02-28", "2024-02-29", "2024-03-01", "2025-02-28", "2025-03-01", "2026-11-23"};
  for (const char* today : todays) {
    // Birth dates: every day of the windows around each anniversary 0-70 years back.
    std::vector<Row> rows;
    const int32_t t = *ParseDate(today);
    for (int years : {0, 1, 3, 4, 17, 18, 64, 65, 70})
      for (int32_t d = -3; d <= 3; ++d)
        rows.push_back(Row{{{"birth_date", FormatDate(AddDuration(t, ir::Duration{years * 12, 0, 0}, -1) + d)}}, {}});
    for (ir::CmpOp op : {ir::CmpOp::kEq, ir::CmpOp::kNe, ir::CmpOp::kLt, ir::CmpOp::kLe, ir::CmpOp::kGt, ir::CmpOp::kGe}) {
      for (int n : {0, 1, 4, 18, 65}) {
        for (bool mirrored : {false, true}) {
          IrBuilder b;
          ir::Expr call;
          call.kind = ir::ExprKind::kCall;
          call.type = Type::Int();
          call.index = static_cast<uint32_t>(FnId::kAge);
          call.args = {b.Col("birth_date")};
          ir::ExprId age = b.Add(call);
          ir::ExprId cmp = mirrored ? b.Cmp(op, b.Int(n), age) : b.Cmp(op, age, b.Int(n));
          CAPTURE(today);
          CAPTURE(n);
          CAPTURE(static_cast<int>(op));
          std::vector<uint8_t> got = JitWhere(OneSegment(b, cmp), rows, today);  // checks against the interpreter
          size_t ones = 0;
          for (uint8_t v : got) ones += v;
          CHECK(ones <= rows.size());
        }
      }
    }
  }
}
