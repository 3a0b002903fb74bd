// The function registry (core/functions.def) drives both engines: every row is
// callable by the interpreter and the JIT with identical results, its C
// symbol is bound for kernels, and compiler/opt's rewrites (the age
// threshold) and folding (by running the interpreter) agree with evaluating
// the original IR.
#include <doctest/doctest.h>

#include <random>
#include <set>

#include "compiler/opt/fold.h"
#include "jit_test_util.h"
#include "runtime/jit/jit_engine.h"
#include "abi/kernel_abi.h"
#include "runtime/interp/interpreter.h"
#include "stdlib/functions.h"
#include "unit/interp/interp_test_util.h"

using namespace cohort;
using interp_test::Ctx;
using interp_test::IrBuilder;

namespace {

std::shared_ptr<ir::Program> OneSegment(IrBuilder& b, ir::ExprId where) {
  ir::Program& p = b.p();
  ir::Segment s;
  s.name = "S";
  s.where = where;
  p.segments.push_back(s);
  p.segment_order = {0};
  return b.program();
}

/// A call of `f` on columns of its parameter kinds (nullable ones included).
ir::ExprId CallOnColumns(IrBuilder& b, const FunctionInfo& f) {
  std::vector<ir::ExprId> args;
  int strings = 0;
  for (TypeKind k : f.params) {
    switch (k) {
      case TypeKind::kDate: args.push_back(b.Col("last_visit")); break;
      case TypeKind::kString: args.push_back(b.Col(strings++ == 0 ? "zip" : "language")); break;
      case TypeKind::kTimestamp: args.push_back(b.Node(ir::ExprKind::kCast, Type::Timestamp(), {b.Col("last_visit")})); break;
      case TypeKind::kInt: args.push_back(b.Col("no_show_count")); break;
      case TypeKind::kDecimal: args.push_back(b.Node(ir::ExprKind::kCast, Type::Decimal(), {b.Col("no_show_count")})); break;
      case TypeKind::kBool: args.push_back(b.Col("portal_active")); break;
      default: FAIL("a registry parameter kind without a test column: " << static_cast<int>(k));
    }
  }
  ir::ExprId call = b.Node(ir::ExprKind::kCall, Type{f.result}, args);
  b.p().exprs[call].index = static_cast<uint32_t>(f.id);
  return call;
}

/// Predicates over a call's result that see every value class.
std::vector<ir::ExprId> Predicates(IrBuilder& b, const FunctionInfo& f, ir::ExprId call) {
  switch (f.result) {
    case TypeKind::kBool: return {call};
    case TypeKind::kInt: return {b.Cmp(ir::CmpOp::kGt, call, b.Int(0)), b.Cmp(ir::CmpOp::kEq, call, b.Int(2026))};
    case TypeKind::kDate: return {b.Cmp(ir::CmpOp::kLt, call, b.Col("next_appointment"))};
    case TypeKind::kString:
      return {b.Cmp(ir::CmpOp::kEq, call, b.Col("language")), b.Cmp(ir::CmpOp::kLt, call, b.Str("M"))};
    default: FAIL("a registry result kind without a predicate"); return {};
  }
}

ir::ExprId IsMissing(IrBuilder& b, ir::ExprId x) {
  ir::ExprId id = b.Node(ir::ExprKind::kIsMissing, Type::Bool(), {x});
  b.p().exprs[id].nullable = false;
  return id;
}

std::vector<uint8_t> Where(const Engine& e, const CohortBatchView& v, const ExecContext& ctx) {
  BatchResult r;
  e.Evaluate(v, ctx, &r);
  return r.segments.at(0).where;
}

}  // namespace

TEST_CASE("every registry function is bound for kernels") {
  std::set<std::string> bound;
  for (const jit::KernelSymbol& s : jit::KernelSymbols()) {
    CHECK(s.address != nullptr);
    bound.insert(s.name);
  }
  for (const FunctionInfo& f : AllFunctions()) {
    CAPTURE(f.name);
    CHECK(bound.count(std::string(f.c_symbol)) == 1);
    CHECK(f.null_behavior == NullBehavior::kNullIfAnyNull);  // the only behaviour both engines implement
    if (f.per_dictionary) CHECK((!f.params.empty() && f.params[0] == TypeKind::kString));
  }
}

TEST_CASE("every registry function runs in both engines with identical results") {
  const ExecContext ctx = Ctx("2024-02-29");
  std::mt19937_64 rng(13);
  auto batch = jit_test::RandomBatch(*jit_test::PatientSchema(), rng, 300, ctx.today);
  for (const FunctionInfo& f : AllFunctions()) {
    for (int k = 0;; ++k) {
      IrBuilder b;
      std::vector<ir::ExprId> preds = Predicates(b, f, CallOnColumns(b, f));
      if (k >= static_cast<int>(preds.size())) break;
      auto program = OneSegment(b, preds[k]);
      CAPTURE(f.name);
      CAPTURE(k);
      REQUIRE(ir::Verify(*program) == "");
      for (int opt : {0, 2}) {
        std::string error;
        auto jit = MakeJitEngine(program, JitOptions{.opt_level = opt}, &error);
        REQUIRE_MESSAGE(jit, error);
        BatchResult ref, got;
        MakeInterpreter(program)->Evaluate(batch->View(), ctx, &ref);
        jit->Evaluate(batch->View(), ctx, &got);
        CHECK(jit_test::DiffResults(*program, ref, got) == "");
      }
    }
  }
}

TEST_CASE("age threshold rewrite (compiler/opt): every form agrees with age() around 29 February") {
  const char* todays[] = {"2024-02-28", "2024-02-29", "2024-03-01", "2025-02-28", "2025-03-01", "2026-11-23"};
  for (const char* today : todays) {
    const ExecContext ctx = Ctx(today);
    // Birth dates: every day of the windows around each anniversary, some missing.
    std::vector<interp_test::Row> rows;
    for (int years : {0, 1, 3, 4, 17, 18, 64, 65, 70})
      for (int32_t d = -3; d <= 3; ++d) {
        std::string day = FormatDate(AddDuration(ctx.today, ir::Duration{years * 12, 0, 0}, -1) + d);
        rows.push_back(interp_test::Row{{{"birth_date", day}, {"last_visit", d == 0 ? "" : day}}, {}});
      }
    auto batch = interp_test::MakeBatch(rows);
    for (ir::CmpOp op : {ir::CmpOp::kEq, ir::CmpOp::kNe, ir::CmpOp::kLt, ir::CmpOp::kLe, ir::CmpOp::kGt, ir::CmpOp::kGe}) {
      for (int n : {0, 1, 4, 18, 65}) {
        for (bool mirrored : {false, true}) {
          for (const char* column : {"birth_date", "last_visit"}) {  // last_visit: optional, so UNKNOWN rows
            IrBuilder b;
            ir::ExprId age = b.Node(ir::ExprKind::kCall, Type::Int(), {b.Col(column)});
            b.p().exprs[age].index = static_cast<uint32_t>(FnId::kAge);
            ir::ExprId cmp = mirrored ? b.Cmp(op, b.Int(n), age) : b.Cmp(op, age, b.Int(n));
            auto original = OneSegment(b, b.Node(ir::ExprKind::kNot, Type::Bool(), {cmp}));  // not: UNKNOWN stays visible
            auto folded = std::make_shared<ir::Program>(*original);
            Fold(*folded, FoldOptions{ctx.today});
            CAPTURE(today);
            CAPTURE(n);
            CAPTURE(column);
            CAPTURE(static_cast<int>(op));
            CAPTURE(mirrored);
            REQUIRE(ir::Verify(*folded) == "");
            // Rewritten: no call is left.
            CHECK(ir::DumpExpr(*folded, folded->segments[0].where).find("call") == std::string::npos);
            interp::Interpreter ref(original), opt(folded);
            CHECK(ref.EvaluateTruth(original->segments[0].where, batch->View(), ctx) ==
                  opt.EvaluateTruth(folded->segments[0].where, batch->View(), ctx));
            if (mirrored || (n != 0 && n != 65)) continue;  // the JIT on a subset: compiles are the cost
            std::string error;
            auto jit = MakeJitEngine(folded, JitOptions{.tiering = JitTiering::kQuickOnly}, &error);
            REQUIRE_MESSAGE(jit, error);
            CHECK(Where(*jit, batch->View(), ctx) == Where(ref, batch->View(), ctx));
          }
        }
      }
    }
  }
}

TEST_CASE("folding evaluates constant calls with the interpreter") {
  const ExecContext ctx = Ctx("2024-02-29");
  auto lit = [](IrBuilder& b, TypeKind k, int i) -> ir::ExprId {
    ir::Value v;
    v.kind = k;
    switch (k) {
      case TypeKind::kDate: v.i = *ParseDate(i ? "1956-02-29" : "2023-03-01"); return b.Lit(v, Type::Date());
      case TypeKind::kTimestamp: v.i = -1; return b.Lit(v, Type::Timestamp());
      case TypeKind::kString: return b.Str(i ? "a" : "Stra\xc3\x9f" "e A");
      default: FAIL("no literal for this kind"); return ir::kNoExpr;
    }
  };
  for (const FunctionInfo& f : AllFunctions()) {
    for (int variant : {0, 1}) {
      IrBuilder b;
      std::vector<ir::ExprId> args;
      for (size_t k = 0; k < f.params.size(); ++k) args.push_back(lit(b, f.params[k], (variant + static_cast<int>(k)) % 2));
      ir::ExprId call = b.Node(ir::ExprKind::kCall, Type{f.result}, args);
      b.p().exprs[call].index = static_cast<uint32_t>(f.id);
      auto original = OneSegment(b, IsMissing(b, b.Define("x", call)));
      auto folded = std::make_shared<ir::Program>(*original);
      Fold(*folded, FoldOptions{ctx.today});
      CAPTURE(f.name);
      CAPTURE(variant);
      REQUIRE(ir::Verify(*folded) == "");
      const ir::ExprId body = folded->defines[0].body;
      REQUIRE(folded->exprs[body].kind == ir::ExprKind::kLiteral);
      CohortBatchView one{1, nullptr, 0};
      std::vector<ir::Value> want = interp::Interpreter(original).EvaluateValues(original->defines[0].body, one, ctx);
      std::vector<ir::Value> got = interp::Interpreter(folded).EvaluateValues(body, one, ctx);
      CHECK(want == got);
      CHECK(!folded->exprs[body].literal.is_null);
    }
  }
  // Functions of the run date stay calls when the date is unknown.
  IrBuilder b;
  ir::Value d;
  d.kind = TypeKind::kDate;
  d.i = 0;
  ir::ExprId call = b.Node(ir::ExprKind::kCall, Type::Int(), {b.Lit(d, Type::Date())});
  b.p().exprs[call].index = static_cast<uint32_t>(FnId::kAge);
  auto p = OneSegment(b, IsMissing(b, b.Define("x", call)));
  Fold(*p, FoldOptions{});
  CHECK(p->exprs[p->defines[0].body].kind == ir::ExprKind::kCall);
}
