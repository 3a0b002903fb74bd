// Expression grammar: precedence, quantifier extent, every construct, via Dump.
#include <doctest/doctest.h>

#include "unit/parse/parse_test_util.h"

using namespace cohort;
using cohort::testing::DumpExprOf;
using cohort::testing::ParseText;

namespace {

/// Dump of a clean parse; fails the check if there were diagnostics.
std::string Clean(const std::string& text) {
  std::string codes;
  std::string dump = DumpExprOf(text, &codes);
  INFO("expression: " << text);
  CHECK(codes == "");
  return dump;
}

}  // namespace

TEST_CASE("logical precedence: or < and < not < comparison") {
  CHECK(Clean("a or b and c") == "(or a (and b c))");
  CHECK(Clean("a and b or c") == "(or (and a b) c)");
  CHECK(Clean("not a and b") == "(and (not a) b)");
  CHECK(Clean("not a == b") == "(not (== a b))");
  CHECK(Clean("not not a") == "(not (not a))");
  CHECK(Clean("a or b or c") == "(or (or a b) c)");
  CHECK(Clean("a and b and c") == "(and (and a b) c)");
  CHECK(Clean("(a or b) and c") == "(and (paren (or a b)) c)");
}

TEST_CASE("arithmetic precedence and associativity") {
  CHECK(Clean("a + b * c - d") == "(- (+ a (* b c)) d)");
  CHECK(Clean("a - b - c") == "(- (- a b) c)");
  CHECK(Clean("a / b * c") == "(* (/ a b) c)");
  CHECK(Clean("-a.b") == "(neg (. a b))");
  CHECK(Clean("- -a") == "(neg (neg a))");
  CHECK(Clean("a + b == c * 2") == "(== (+ a b) (* c 2))");
  CHECK(Clean("-3 + x") == "(+ (neg 3) x)");
}

TEST_CASE("quantifier bodies extend as far right as possible") {
  CHECK(Clean("a and any e in events where p or q") == "(and a (any e events (or p q)))");
  CHECK(Clean("any e in events where e.kind == booked and e.at within last 7 days") ==
        "(any e events (and (== (. e kind) booked) (within-last (. e at) (duration 7 days))))");
  CHECK(Clean("(any e in l where p) or q") == "(or (paren (any e l p)) q)");
  CHECK(Clean("not any e in l where p and q") == "(not (any e l (and p q)))");
  CHECK(Clean("all e in l where p") == "(all e l p)");
  CHECK(Clean("no e in l where p") == "(no e l p)");
  CHECK(Clean("any c in conditions where any e in events where c == e.kind") ==
        "(any c conditions (any e events (== c (. e kind))))");
  CHECK(Clean("any e in x.items where p") == "(any e (. x items) p)");
}

TEST_CASE("comparison-level operators") {
  CHECK(Clean("x == 1") == "(== x 1)");
  CHECK(Clean("x != 1") == "(!= x 1)");
  CHECK(Clean("x < 1") == "(< x 1)");
  CHECK(Clean("x <= 1") == "(<= x 1)");
  CHECK(Clean("x > 1") == "(> x 1)");
  CHECK(Clean("x >= 1") == "(>= x 1)");
  CHECK(Clean("x before today - 3 days") == "(before x (- today (duration 3 days)))");
  CHECK(Clean("x after y") == "(after x y)");
  CHECK(Clean("x in [a, b]") == "(in x (list a b))");
  CHECK(Clean("x not in [\"a\", \"b\"]") == "(not-in x (list \"a\" \"b\"))");
  CHECK(Clean("\"E11.9\" in conditions") == "(in \"E11.9\" conditions)");
  CHECK(Clean("x is missing") == "(is-missing x)");
  CHECK(Clean("x is present") == "(is-present x)");
  CHECK(Clean("x is not missing") == "(is-present x)");
  CHECK(Clean("x is not present") == "(is-missing x)");
  CHECK(Clean("x within last 7 days") == "(within-last x (duration 7 days))");
  CHECK(Clean("x within next window") == "(within-next x window)");
  CHECK(Clean("x within next 1 year + 2 days") == "(within-next x (+ (duration 1 year) (duration 2 days)))");
}

TEST_CASE("comparisons do not chain") {
  std::string codes;
  DumpExprOf("a == b == c", &codes);
  CHECK(codes == "E0002");
}

TEST_CASE("literals and primaries") {
  CHECK(Clean("true") == "true");
  CHECK(Clean("false") == "false");
  CHECK(Clean("42") == "42");
  CHECK(Clean("2.5") == "(decimal 2.5)");
  CHECK(Clean("\"a \\\"b\\\" \\\\ \\n\"") == "\"a \\\"b\\\" \\\\ \\n\"");
  CHECK(Clean("2026-11-23") == "(date 2026-11-23)");
  CHECK(Clean("2026-11-20T14:03:00Z") == "(timestamp 2026-11-20T14:03:00Z)");
  CHECK(Clean("2026-11-20T14:03:00.5+01:00") == "(timestamp 2026-11-20T14:03:00.5+01:00)");
  CHECK(Clean("today") == "today");
  CHECK(Clean("now") == "now");
  CHECK(Clean("[]") == "(list)");
  CHECK(Clean("[1, 2, 3]") == "(list 1 2 3)");
  CHECK(Clean("f()") == "(call f)");
  CHECK(Clean("coalesce(x, 1)") == "(call coalesce x 1)");
  CHECK(Clean("starts_with(lower(c), \"e11\")") == "(call starts_with (call lower c) \"e11\")");
  CHECK(Clean("f(a).b") == "(. (call f a) b)");
  CHECK(Clean("consent.sms") == "(. consent sms)");
  CHECK(Clean("e.channel == \"sms\"") == "(== (. e channel) \"sms\")");
  CHECK(Clean("e.in.where") == "(. (. e in) where)");
  CHECK(Clean("in segment Other") == "(in-segment Other)");
  CHECK(Clean("not in segment Other") == "(not (in-segment Other))");
}

TEST_CASE("count, min and max") {
  CHECK(Clean("count(e in events)") == "(count e events)");
  CHECK(Clean("count(e in events where e.kind == booked) > 2") ==
        "(> (count e events (== (. e kind) booked)) 2)");
  CHECK(Clean("min(e.at for e in events)") == "(min e events (. e at))");
  CHECK(Clean("max(e.at for e in events where e.kind == booked)") ==
        "(max e events (. e at) (where (== (. e kind) booked)))");
  auto p = ParseText("define x = max(e.at for e in events where p)");
  REQUIRE(p->module->defines.size() == 1);
  const ast::Expr& mm = *p->module->defines[0].body;
  REQUIRE(mm.kind == ast::ExprKind::kMinMax);
  REQUIRE(mm.args.size() == 3);
  CHECK(mm.quant == ast::Quant::kMax);
  CHECK(ast::Dump(*mm.args[0]) == "events");
  CHECK(ast::Dump(*mm.args[1]) == "p");
  CHECK(ast::Dump(*mm.args[2]) == "(. e at)");
  auto q = ParseText("define x = min(e.at for e in events)");
  const ast::Expr& mn = *q->module->defines[0].body;
  REQUIRE(mn.args.size() == 3);
  CHECK(mn.args[1] == nullptr);
}

TEST_CASE("duration units") {
  for (const char* unit : {"day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours",
                           "minute", "minutes"}) {
    std::string codes;
    std::string dump = DumpExprOf(std::string("3 ") + unit, &codes);
    CHECK(codes == "");
    CHECK(dump == std::string("(duration 3 ") + unit + ")");
  }
  auto p = ParseText("define x = 3 dayz");
  REQUIRE(p->diags.all().size() == 1);
  const Diagnostic& d = p->diags.all()[0];
  CHECK(d.code() == "E0008");
  CHECK(d.message == "unknown duration unit `dayz`; did you mean `days`?");
  CHECK(p->Text(d.range) == "dayz");

  std::string codes;
  DumpExprOf("3 fortnights", &codes);
  CHECK(codes == "E0008");
  DumpExprOf("1.5 days", &codes);
  CHECK(codes == "E0001");  // "a duration takes a whole number"
  DumpExprOf("1.5 weeks", &codes);
  CHECK(codes == "E0001");
}

TEST_CASE("numbers out of range are reported") {
  std::string codes;
  DumpExprOf("99999999999999999999", &codes);
  CHECK(codes == "E0006");
  CHECK(Clean("9223372036854775807") == "9223372036854775807");
}

TEST_CASE("unknown string escapes are reported") {
  auto p = ParseText("define x = \"a\\qb\"");
  REQUIRE(p->diags.all().size() == 1);
  CHECK(p->diags.all()[0].code() == "E0001");
  CHECK(p->Text(p->diags.all()[0].range) == "\\q");
}

TEST_CASE("declarations: use, const, define, campaign") {
  auto p = ParseText(
      "use \"schemas/provider.schema\"\n"
      "const codes = [\"E11\", \"I10\"]\n"
      "const window = 14 days\n"
      "define adult = age >= 18\n"
      "campaign C \"a campaign\" priority A, B\n");
  INFO(p->Rendered());
  CHECK(p->diags.all().empty());
  const ast::Module& m = *p->module;
  REQUIRE(m.uses.size() == 1);
  CHECK(m.uses[0].is_path);
  CHECK(m.uses[0].name == "schemas/provider.schema");
  REQUIRE(m.consts.size() == 2);
  CHECK(ast::Dump(*m.consts[0].value) == "(list \"E11\" \"I10\")");
  CHECK(ast::Dump(*m.consts[1].value) == "(duration 14 days)");
  REQUIRE(m.campaigns.size() == 1);
  CHECK(m.campaigns[0].description == "a campaign");
  CHECK(m.campaigns[0].priority.size() == 2);
  CHECK(ast::Dump(m) ==
        "(module\n"
        "  (use \"schemas/provider.schema\")\n"
        "  (const codes (list \"E11\" \"I10\"))\n"
        "  (const window (duration 14 days))\n"
        "  (define adult (>= age 18))\n"
        "  (campaign C \"a campaign\" (priority A B))\n"
        ")\n");
}

TEST_CASE("segment clauses in any order; duplicates recorded") {
  auto p = ParseText(
      "segment S \"desc\"\n"
      "  where a\n"
      "  message \"m\"\n"
      "  export zip, consent.sms, e.channel\n"
      "  holdout 12.5%\n"
      "  where b\n"
      "  purpose treatment\n"
      "  channel sms after 2 days if consent\n"
      "  cta \"c\"\n"
      "  message \"m2\"\n"
      "  exclude x\n"
      "  exclude y\n");
  INFO(p->Rendered());
  CHECK(p->diags.all().empty());
  REQUIRE(p->module->segments.size() == 1);
  const ast::Segment& s = p->module->segments[0];
  CHECK(ast::Dump(*s.where) == "a");
  CHECK(s.message->name == "m");
  CHECK(s.cta->name == "c");
  CHECK(s.purpose->name == "treatment");
  REQUIRE(s.holdout != nullptr);
  CHECK(s.holdout->decimal_value == 12.5);
  CHECK(p->Text(s.holdout->range) == "12.5%");
  REQUIRE(s.exports.size() == 3);
  CHECK(s.exports[1].name == "consent.sms");
  CHECK(s.exports[2].name == "e.channel");
  CHECK(p->Text(s.exports[1].range) == "consent.sms");
  CHECK(s.excludes.size() == 2);
  REQUIRE(s.duplicate_clauses.size() == 2);
  CHECK(s.duplicate_clauses[0].name == "where");
  CHECK(p->Text(s.duplicate_clauses[0].range) == "where b");
  CHECK(s.duplicate_clauses[1].name == "message");
  CHECK(p->Text(s.duplicate_clauses[1].range) == "message \"m2\"");
}

TEST_CASE("newlines are insignificant") {
  std::string one = "segment S where a and b channel sms if consent message \"m\" cta \"c\"";
  std::string many = "segment\nS\nwhere\na\nand\nb\nchannel\nsms\nif\nconsent\nmessage\n\"m\"\ncta\n\"c\"\n";
  auto a = ParseText(one);
  auto b = ParseText(many);
  CHECK(a->diags.all().empty());
  CHECK(b->diags.all().empty());
  CHECK(ast::Dump(*a->module) == ast::Dump(*b->module));
}

TEST_CASE("OpSpelling") {
  CHECK(std::string(ast::OpSpelling(ast::Op::kAnd)) == "and");
  CHECK(std::string(ast::OpSpelling(ast::Op::kBefore)) == "before");
  CHECK(std::string(ast::OpSpelling(ast::Op::kGe)) == ">=");
  CHECK(std::string(ast::OpSpelling(ast::Op::kDiv)) == "/");
  CHECK(std::string(ast::OpSpelling(ast::Op::kNot)) == "not");
}
