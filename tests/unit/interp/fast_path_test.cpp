// The interpreter's fast paths against its general paths: a fused
// `column OP literal` comparison (straight from the batch buffers) must give
// what the general comparison gives, and and/or/not over dense selections
// (cheap operands evaluated at every position, combined in vectorizable
// passes) must follow the Kleene tables, on batches with missing values,
// sizes that are not multiples of 8 (bitmap tails), dense and sparse
// selections, and dictionary-encoded vs plain string columns.
#include <doctest/doctest.h>

#include <climits>
#include <random>

#include "interp_test_util.h"
#include "runtime/interp/interpreter.h"

using namespace cohort;
using namespace cohort::interp_test;
using cohort::interp::Interpreter;

namespace {

constexpr Truth F = Truth::kFalse, T = Truth::kTrue, U = Truth::kUnknown;
constexpr const char* kToday = "2026-06-15";

/// `rows` random patients: dates around 2000-2030, some missing; ints 0-5;
/// optional enums, bools and strings missing about a quarter of the time.
std::vector<Row> RandomRows(size_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* langs[] = {"en", "es", "vi", "zh"};
  const char* payers[] = {"commercial", "medicare", "medicaid", "self_pay", "other"};
  auto date = [&] {
    const int y = 2000 + static_cast<int>(rng() % 31), m = 1 + static_cast<int>(rng() % 12),
              d = 1 + static_cast<int>(rng() % 28);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return std::string(buf);
  };
  auto maybe = [&](std::string v) { return rng() % 4 == 0 ? std::string() : v; };
  auto boolean = [&] { return maybe(rng() % 2 ? "true" : "false"); };
  std::vector<Row> out;
  for (size_t r = 0; r < rows; ++r) {
    Row row;
    row.f["birth_date"] = date();
    row.f["last_visit"] = maybe(date());
    row.f["next_appointment"] = maybe(date());
    row.f["telehealth_visits"] = std::to_string(rng() % 6);
    row.f["no_show_count"] = std::to_string(rng() % 6);
    row.f["payer_type"] = maybe(payers[rng() % 5]);
    row.f["language"] = langs[rng() % 4];
    row.f["state"] = maybe(rng() % 2 ? "MA" : "NY");
    row.f["portal_active"] = rng() % 2 ? "true" : "false";
    for (const char* c : {"consent.sms", "consent.email", "consent.phone", "consent.portal"}) row.f[c] = boolean();
    out.push_back(row);
  }
  return out;
}

std::vector<Truth> TruthOf(const IrBuilder& b, ir::ExprId id, Batch& batch) {
  Interpreter interp(b.program());
  return interp.EvaluateTruth(id, batch.View(), Ctx(kToday));
}

ir::Value Value(TypeKind kind, int64_t i) {
  ir::Value v;
  v.kind = kind;
  v.i = i;
  return v;
}

/// The same value through a node the fused comparison does not take (a
/// one-operand coalesce), so the general path computes the reference.
ir::ExprId Opaque(IrBuilder& b, ir::ExprId id) {
  return b.Node(ir::ExprKind::kCoalesce, b.p().exprs[id].type, {id});
}

/// A gate that is not cheap (so and/or pass later operands a sparse
/// selection): TRUE on the rows with telehealth_visits < 3.
ir::ExprId Gate(IrBuilder& b) { return b.Cmp(ir::CmpOp::kLt, b.Col("telehealth_visits"), Opaque(b, b.Int(3))); }

/// `gate and (x or <opaque FALSE>)`: the `or` is not cheap, so it runs on the
/// gate's rows only, and so does x (a sparse selection); same truth as
/// `gate and x`.
ir::ExprId Gated(IrBuilder& b, ir::ExprId x) {
  ir::Value no;
  no.kind = TypeKind::kBool;
  ir::ExprId sparse_or = b.Node(ir::ExprKind::kOr, Type::Bool(), {x, Opaque(b, b.Lit(no, Type::Bool()))});
  return b.Node(ir::ExprKind::kAnd, Type::Bool(), {Gate(b), sparse_or});
}

const ir::CmpOp kOps[] = {ir::CmpOp::kEq, ir::CmpOp::kNe, ir::CmpOp::kLt,
                          ir::CmpOp::kLe, ir::CmpOp::kGt, ir::CmpOp::kGe};

/// Kleene and/or of tri-state values.
Truth KAnd(Truth a, Truth b) {
  if (a == F || b == F) return F;
  return a == U || b == U ? U : T;
}
Truth KOr(Truth a, Truth b) {
  if (a == T || b == T) return T;
  return a == U || b == U ? U : F;
}
Truth KNot(Truth a) { return a == U ? U : a == T ? F : T; }

}  // namespace

TEST_CASE("fused column-op-literal comparisons agree with the general path (dense and sparse, nulls)") {
  const int32_t day = *ParseDate("2015-06-01");
  struct Case {
    const char* column;
    TypeKind kind;
    std::vector<int64_t> constants;
  };
  const Type payer = PatientSchema()->columns[PatientSchema()->FindColumn("payer_type")].type;
  const std::vector<Case> cases = {
      // Dates: in range, at the data's edges, and beyond int32 (constant answers).
      {"birth_date", TypeKind::kDate, {day, *ParseDate("2000-01-01"), int64_t{INT32_MAX} + 5, int64_t{INT32_MIN} - 5}},
      {"last_visit", TypeKind::kDate, {day, *ParseDate("2030-12-28")}},
      {"telehealth_visits", TypeKind::kInt, {0, 3, 5, INT64_MIN, INT64_MAX}},
      {"payer_type", TypeKind::kEnum, {0, payer.enum_def->Find("medicaid"), 300, -1}},
  };
  for (size_t rows : {size_t{1}, size_t{8}, size_t{37}, size_t{203}}) {
    auto batch = MakeBatch(RandomRows(rows, static_cast<uint32_t>(rows)));
    for (const Case& c : cases) {
      for (int64_t k : c.constants) {
        for (ir::CmpOp op : kOps) {
          IrBuilder b;
          const Type type = PatientSchema()->columns[PatientSchema()->FindColumn(c.column)].type;
          ir::ExprId col = b.Col(c.column), lit = b.Lit(Value(c.kind, k), type);
          ir::ExprId fast = b.Cmp(op, col, lit);
          ir::ExprId mirrored = b.Cmp(op, lit, col);
          ir::ExprId ref = b.Cmp(op, col, Opaque(b, lit));
          ir::ExprId ref_mirrored = b.Cmp(op, Opaque(b, lit), col);
          ir::ExprId sparse = Gated(b, fast), sparse_ref = Gated(b, ref);
          INFO(c.column << " op " << static_cast<int>(op) << " " << k << " rows " << rows);
          CHECK(TruthOf(b, fast, *batch) == TruthOf(b, ref, *batch));
          CHECK(TruthOf(b, mirrored, *batch) == TruthOf(b, ref_mirrored, *batch));
          CHECK(TruthOf(b, sparse, *batch) == TruthOf(b, sparse_ref, *batch));
        }
      }
    }
  }
}

TEST_CASE("fused comparison: a missing literal or a missing column value is UNKNOWN") {
  IrBuilder b;
  ir::ExprId lv = b.Col("last_visit");
  ir::ExprId with_null = b.Cmp(ir::CmpOp::kLt, lv, b.Null(Type::Date()));
  ir::ExprId with_day = b.Cmp(ir::CmpOp::kLt, lv, b.Lit(Value(TypeKind::kDate, *ParseDate("2020-01-01")), Type::Date()));
  auto batch = MakeBatch({Row{{{"last_visit", "2019-01-01"}}, {}}, Row{{{"last_visit", ""}}, {}},
                          Row{{{"last_visit", "2021-01-01"}}, {}}});
  CHECK(TruthOf(b, with_null, *batch) == std::vector<Truth>{U, U, U});
  CHECK(TruthOf(b, with_day, *batch) == std::vector<Truth>{T, U, F});
}

TEST_CASE("and/or/not over cheap and non-cheap operands follow Kleene (dense and sparse, nulls)") {
  const char* cols[] = {"consent.sms", "consent.email", "consent.phone", "consent.portal"};
  for (size_t rows : {size_t{5}, size_t{64}, size_t{77}}) {
    const std::vector<Row> data = RandomRows(rows, 1000 + static_cast<uint32_t>(rows));
    auto batch = MakeBatch(data);
    auto truth_of = [&](const Row& r, const char* c) {
      const std::string& v = r.f.at(c);
      return v.empty() ? U : v == "true" ? T : F;
    };
    // Operand k: column k, read directly (cheap) or through coalesce (not
    // cheap, so evaluated on the undecided positions only), or a literal.
    for (int mask = 0; mask < 16; ++mask) {
      for (bool is_and : {true, false}) {
        IrBuilder b;
        std::vector<ir::ExprId> args;
        for (int k = 0; k < 4; ++k) {
          ir::ExprId c = b.Col(cols[k]);
          args.push_back((mask >> k) & 1 ? Opaque(b, c) : c);
        }
        ir::Value t = Value(TypeKind::kBool, is_and ? 1 : 0);  // the identity: no effect
        args.insert(args.begin() + (mask % 5), b.Lit(t, Type::Bool()));
        const ir::ExprKind kind = is_and ? ir::ExprKind::kAnd : ir::ExprKind::kOr;
        ir::ExprId node = b.Node(kind, Type::Bool(), args);
        ir::ExprId negated = b.Node(ir::ExprKind::kNot, Type::Bool(), {node});
        ir::ExprId sparse = Gated(b, negated);
        std::vector<Truth> want, want_sparse;
        for (const Row& r : data) {
          Truth acc = is_and ? T : F;
          for (const char* c : cols) acc = is_and ? KAnd(acc, truth_of(r, c)) : KOr(acc, truth_of(r, c));
          want.push_back(acc);
          want_sparse.push_back(KAnd(std::stoi(r.f.at("telehealth_visits")) < 3 ? T : F, KNot(acc)));
        }
        INFO("mask " << mask << (is_and ? " and" : " or") << " rows " << rows);
        CHECK(TruthOf(b, node, *batch) == want);
        CHECK(TruthOf(b, sparse, *batch) == want_sparse);
      }
    }
  }
}

TEST_CASE("and/or: a constant decisive or unknown operand, before or after the others") {
  IrBuilder b;
  ir::ExprId x = b.Col("consent.sms");
  ir::ExprId no = b.Lit(Value(TypeKind::kBool, 0), Type::Bool()), unknown = b.Null(Type::Bool());
  ir::ExprId and_false = b.Node(ir::ExprKind::kAnd, Type::Bool(), {x, no});
  ir::ExprId and_unknown_first = b.Node(ir::ExprKind::kAnd, Type::Bool(), {unknown, x});
  ir::ExprId or_unknown_last = b.Node(ir::ExprKind::kOr, Type::Bool(), {x, unknown});
  auto batch = MakeBatch({Row{{{"consent.sms", "true"}}, {}}, Row{{{"consent.sms", "false"}}, {}},
                          Row{{{"consent.sms", ""}}, {}}});
  CHECK(TruthOf(b, and_false, *batch) == std::vector<Truth>{F, F, F});
  CHECK(TruthOf(b, and_unknown_first, *batch) == std::vector<Truth>{U, F, U});
  CHECK(TruthOf(b, or_unknown_last, *batch) == std::vector<Truth>{T, U, U});
}

TEST_CASE("a string predicate as a cheap and-operand: dictionary-encoded and plain columns agree") {
  IrBuilder b;
  ir::ExprId es = b.Cmp(ir::CmpOp::kEq, b.Col("language"), b.Str("es"));
  ir::ExprId ma = b.Cmp(ir::CmpOp::kEq, b.Col("state"), b.Str("MA"));
  ir::ExprId node = b.Node(ir::ExprKind::kAnd, Type::Bool(),
                           {es, b.Node(ir::ExprKind::kNot, Type::Bool(), {ma}), b.Col("consent.sms")});
  const std::vector<Row> data = RandomRows(91, 7);
  std::vector<Truth> want;
  for (const Row& r : data) {
    Truth a = r.f.at("language") == "es" ? T : F;
    Truth m = r.f.at("state").empty() ? U : r.f.at("state") == "MA" ? T : F;
    Truth s = r.f.at("consent.sms").empty() ? U : r.f.at("consent.sms") == "true" ? T : F;
    want.push_back(KAnd(KAnd(a, KNot(m)), s));
  }
  auto plain = MakeBatch(data, Strings::kPlain), encoded = MakeBatch(data, Strings::kDictionary);
  for (const char* c : {"language", "state"}) {
    REQUIRE(encoded->View().columns[PatientSchema()->FindColumn(c)].dictionary != nullptr);
    REQUIRE(plain->View().columns[PatientSchema()->FindColumn(c)].dictionary == nullptr);
  }
  CHECK(TruthOf(b, node, *plain) == want);
  CHECK(TruthOf(b, node, *encoded) == want);
}

TEST_CASE("`is missing` / `is present` of a column and of a constant (dense and sparse)") {
  const std::vector<Row> data = RandomRows(45, 11);
  auto batch = MakeBatch(data);
  for (bool negated : {false, true}) {
    IrBuilder b;
    ir::ExprId node = b.Node(ir::ExprKind::kIsMissing, Type::Bool(), {b.Col("last_visit")});
    b.p().exprs[node].negated = negated;
    ir::ExprId constant = b.Node(ir::ExprKind::kIsMissing, Type::Bool(), {b.Null(Type::Date())});
    b.p().exprs[constant].negated = negated;
    ir::ExprId sparse = Gated(b, node);
    std::vector<Truth> want, want_sparse, want_constant;
    for (const Row& r : data) {
      const Truth t = r.f.at("last_visit").empty() != negated ? T : F;
      want.push_back(t);
      want_sparse.push_back(KAnd(std::stoi(r.f.at("telehealth_visits")) < 3 ? T : F, t));
      want_constant.push_back(negated ? F : T);
    }
    INFO((negated ? "is present" : "is missing"));
    CHECK(TruthOf(b, node, *batch) == want);
    CHECK(TruthOf(b, sparse, *batch) == want_sparse);
    CHECK(TruthOf(b, constant, *batch) == want_constant);
  }
}
