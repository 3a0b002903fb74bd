// Checked IR: types, casts, desugaring, nullability; the verifier rejects
// broken programs; folding follows Kleene logic and keeps consent.
#include "compiler/opt/fold.h"
#include "sema_test_util.h"

namespace cohort {
namespace {

using test::CompileText;

/// The `where` of the only segment of `where`, dumped.
std::string WhereDump(const std::string& where, bool fold = false, const std::string& extra = "") {
  auto r = CompileText(test::Seg(where, extra), fold);
  INFO(test::Rendered(r));
  REQUIRE(r.program);
  CHECK(ir::Verify(*r.program) == "");
  return ir::DumpExpr(*r.program, r.program->segments[0].where);
}

TEST_CASE("casts, decimal division and nullability") {
  CHECK(WhereDump("no_show_count > 1.5") == "(>:bool (cast:decimal $no_show_count:int) 1.5)");
  CHECK(WhereDump("no_show_count / 2 > 1") ==
        "(>:bool? (/:decimal? (cast:decimal $no_show_count:int) (cast:decimal 2)) (cast:decimal 1))");
  CHECK(WhereDump("-no_show_count < 0") == "(<:bool? (neg:int? $no_show_count:int) 0)");
  CHECK(WhereDump("state == \"MA\"") == "(==:bool? $state:string? \"MA\")");
  CHECK(WhereDump("coalesce(state, zip) == \"MA\"") == "(==:bool? (coalesce:string? $state:string? $zip:string?) \"MA\")");
  CHECK(WhereDump("coalesce(state, \"x\") == \"MA\"") == "(==:bool (coalesce:string $state:string? \"x\") \"MA\")");
  CHECK(WhereDump("age >= 18") == "(>=:bool (call age:int $birth_date:date) 18)");
  CHECK(WhereDump("age() >= 18") == "(>=:bool (call age:int $birth_date:date) 18)");
  CHECK(WhereDump("last_visit is missing") == "(is_missing:bool $last_visit:date?)");
}

TEST_CASE("enum labels become codes; lists are sorted and de-duplicated") {
  CHECK(WhereDump("payer_type == medicare") == "(==:bool? $payer_type:enum? medicare)");
  CHECK(WhereDump("medicare == payer_type") == "(==:bool? medicare $payer_type:enum?)");
  auto r = CompileText(test::Seg("device_access not in [computer, none, computer]"));
  REQUIRE(r.program);
  const ir::Expr& e = r.program->expr(r.program->segments[0].where);
  CHECK(e.kind == ir::ExprKind::kInList);
  CHECK(e.negated);
  REQUIRE(e.list.size() == 2);
  CHECK(e.list[0].i == 0);  // none
  CHECK(e.list[1].i == 3);  // computer
  CHECK(WhereDump("language in [\"es\", \"en\", \"es\"]") == "(in [\"en\", \"es\"]:bool $language:string)");
  CHECK(WhereDump("sex == unknown or sex == other") ==
        "(or:bool (==:bool $sex:enum unknown) (==:bool $sex:enum other))");
  // A const of labels resolves at its use.
  auto c = CompileText("const digital = [smartphone, computer]\n" + test::Seg("device_access in digital"));
  INFO(test::Rendered(c));
  REQUIRE(c.program);
  CHECK(ir::DumpExpr(*c.program, c.program->segments[0].where) ==
        "(in [smartphone, computer]:bool? $device_access:enum?)");
}

TEST_CASE("`within` desugars to bounds around today (unfolded)") {
  CHECK(WhereDump("last_visit within last 30 days") ==
        "(and:bool? (>=:bool? $last_visit:date? (sub_duration 30 days:date today)) (<=:bool? $last_visit:date? today))");
  CHECK(WhereDump("next_appointment within next 1 month") ==
        "(and:bool? (>=:bool? $next_appointment:date? today) (<=:bool? $next_appointment:date? (add_duration 1 months:date today)))");
  CHECK(WhereDump("(any e in events where e.at within next 2 days)") ==
        "(any $events:bool (and:bool@1 (>=:bool@1 %.at:timestamp@1 (cast:timestamp today)) "
        "(<:bool@1 %.at:timestamp@1 (cast:timestamp (add_duration 1 days:date (add_duration 2 days:date today))))))");
  CHECK(WhereDump("last_visit before today - 1 year") ==
        "(<:bool? $last_visit:date? (sub_duration 12 months:date today))");
  CHECK(WhereDump("last_visit after 2026-03-31 - 1 month", true) == "(>:bool? $last_visit:date? 2026-02-28)");
}

TEST_CASE("quantifiers: levels, variables, row-level subexpressions") {
  auto r = CompileText(test::Seg("(any e in events where e.kind == booked and no_show_count > 0)"));
  REQUIRE(r.program);
  const ir::Program& p = *r.program;
  const ir::Expr& q = p.expr(p.segments[0].where);
  CHECK(q.kind == ir::ExprKind::kQuantifier);
  CHECK(q.level == 0);
  CHECK(!q.nullable);
  const ir::Expr& body = p.expr(q.args[0]);
  CHECK(body.level == 1);
  CHECK(p.expr(body.args[1]).level == 0);  // no_show_count > 0 depends only on the row
  const ir::Expr& kind = p.expr(p.expr(body.args[0]).args[0]);
  CHECK(kind.kind == ir::ExprKind::kVarField);
  CHECK(kind.index == 0);
  CHECK(WhereDump("count(c in conditions where c == \"I10\") > 1", false, "  purpose treatment\n") ==
        "(>:bool (count $conditions:int (==:bool@1 %item:string@1 \"I10\")) 1)");
  CHECK(WhereDump("max(e.at for e in events) is present") ==
        "(is_present:bool (max $events:timestamp? %.at:timestamp@1))");
}

TEST_CASE("fold: Kleene identities, overflow, consent kept") {
  // age compared with a constant: a birth-date threshold (compiler/opt/rewrite.h).
  CHECK(WhereDump("true and age > 3", true) == "(<=:bool $birth_date:date 2022-11-23)");
  CHECK(WhereDump("65 > age", true) == "(>:bool $birth_date:date 1961-11-23)");
  CHECK(WhereDump("age == 3", true) ==
        "(and:bool (<=:bool $birth_date:date 2023-11-23) (>:bool $birth_date:date 2022-11-23))");
  CHECK(WhereDump("false and state == \"x\"", true) == "false");
  CHECK(WhereDump("true or state == \"x\"", true) == "true");
  CHECK(WhereDump("false or state == \"x\"", true) == "(==:bool? $state:string? \"x\")");
  CHECK(WhereDump("(9223372036854775807 + 1) is missing", true) == "true");
  CHECK(WhereDump("(1 / 0) is missing and (-9223372036854775807 - 1) is present", true) == "true");
  CHECK(WhereDump("not not portal_active", true) == "$portal_active:bool");
  CHECK(WhereDump("age(2000-11-24) == 25 and days_until(2026-12-01) == 8", true) == "true");
  CHECK(WhereDump("upper(\"ab\") == \"AB\" and length(\"é\") == 1", true) == "true");
  CHECK(WhereDump("coalesce(state, \"a\", zip) == \"MA\"", true) ==
        "(==:bool (coalesce:string $state:string? \"a\") \"MA\")");
  // Unknown stays unknown: and(unknown, x) is not simplified away.
  auto r = CompileText(test::Seg("true") + "  channel email if consent and 1 > 2\n", true);
  REQUIRE(r.program);
  CHECK(ir::Verify(*r.program) == "");
  CHECK(ir::DumpExpr(*r.program, r.program->segments[0].channels[1].condition) ==
        "(and:bool? $consent.email:bool? false)");
}

TEST_CASE("Verify rejects broken programs") {
  auto r = CompileText(test::Seg("age > 3") + "  channel email if consent and portal_active\n");
  REQUIRE(r.program);
  const ir::Program good = *r.program;
  CHECK(ir::Verify(good) == "");
  {
    ir::Program p = good;  // consent conjunct removed
    ir::Channel& ch = p.segments[0].channels[1];
    ch.condition = p.expr(ch.condition).args[1];
    CHECK(ir::Verify(p).find("consent") != std::string::npos);
  }
  {
    ir::Program p = good;  // operand types differ
    ir::Expr lit;
    lit.type = Type::String();
    lit.literal.kind = TypeKind::kString;
    lit.literal.s = "x";
    ir::ExprId id = p.Add(lit);  // Add may reallocate: take references after it
    p.exprs[p.segments[0].where].args[1] = id;
    CHECK(ir::Verify(p).find("differ") != std::string::npos);
  }
  {
    ir::Program p = good;  // id out of range
    p.segments[0].where = 999999;
    CHECK(!ir::Verify(p).empty());
  }
  {
    ir::Program p = good;  // a cycle in the arena
    ir::Expr& cmp = p.exprs[p.segments[0].where];
    cmp.args[0] = p.segments[0].where;
    CHECK(!ir::Verify(p).empty());
  }
  {
    ir::Program p = good;  // order missing a segment
    p.segment_order.clear();
    CHECK(ir::Verify(p).find("segment_order") != std::string::npos);
  }
  {
    ir::Program p = good;  // a nullable column marked non-nullable
    ir::Expr& cond = p.exprs[p.segments[0].channels[0].condition];
    cond.nullable = false;
    CHECK(ir::Verify(p).find("non-nullable") != std::string::npos);
  }
}

TEST_CASE("Fingerprint covers semantics, not ranges") {
  auto a = CompileText(test::Seg("age > 3"));
  auto b = CompileText(test::Seg("age >    3"));
  auto c = CompileText(test::Seg("age > 4"));
  REQUIRE(a.program);
  REQUIRE(b.program);
  REQUIRE(c.program);
  CHECK(ir::Fingerprint(*a.program) == ir::Fingerprint(*b.program));
  CHECK(ir::Fingerprint(*a.program) != ir::Fingerprint(*c.program));
}

}  // namespace
}  // namespace cohort
