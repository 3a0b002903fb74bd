// Consent, governance, ranges, fix-its and notes: what the CLI and the
// language server show users.
#include "sema_test_util.h"

namespace cohort {
namespace {

using test::CompileText;

TEST_CASE("a channel without `if` gets E0301 with an `add \"if consent\"` fix-it") {
  auto r = CompileText("segment S \"s\"\n  where age >= 18\n  channel sms after 2 days\n  message \"m\"\n");
  CHECK_ONE_ERROR(r, "E0301", "sms", "channel `sms` does not require consent");
  const Diagnostic* d = test::Find(r, "E0301");
  REQUIRE(d->fixits.size() == 1);
  CHECK(d->fixits[0].title == "add \"if consent\"");
  std::string fixed = test::Apply(r, d->fixits[0]);
  CHECK(fixed.find("channel sms after 2 days if consent\n") != std::string::npos);
  auto again = CompileText(fixed);
  INFO(test::Rendered(again));
  CHECK(again.ok());
}

TEST_CASE("an `if` without consent gets `consent and` inserted, parenthesizing an `or`") {
  auto r = CompileText(test::Seg("age >= 18") + "  channel email if portal_active\n");
  CHECK_ONE_ERROR(r, "E0301", "portal_active", "(or `consent.email`)");
  std::string fixed = test::Apply(r, test::Find(r, "E0301")->fixits.at(0));
  CHECK(fixed.find("channel email if consent and portal_active") != std::string::npos);
  CHECK(CompileText(fixed).ok());

  auto o = CompileText(test::Seg("age >= 18") + "  channel email if portal_active or age > 80\n");
  REQUIRE(test::Find(o, "E0301"));
  std::string fixed_or = test::Apply(o, test::Find(o, "E0301")->fixits.at(0));
  CHECK(fixed_or.find("if consent and (portal_active or age > 80)") != std::string::npos);
  CHECK(CompileText(fixed_or).ok());
}

TEST_CASE("consent spellings that count, and ones that do not") {
  for (const char* cond : {"consent", "consent.sms", "(consent)", "portal_active and consent",
                           "(age > 3 and (consent.sms and portal_active))", "consent and (portal_active or age > 3)"}) {
    CAPTURE(cond);
    auto r = CompileText("segment S \"s\"\n  where age >= 18\n  channel sms if " + std::string(cond) + "\n");
    INFO(test::Rendered(r));
    CHECK(r.ok());
    // The IR keeps the consent column as a top-level conjunct.
    REQUIRE(r.program);
    const ir::Channel& ch = r.program->segments[0].channels[0];
    CHECK(ch.consent_column == r.program->schema->FindColumn("consent.sms"));
  }
  auto under_or = CompileText(test::Seg("true") + "  channel email if consent or portal_active\n");
  CHECK_ONE_ERROR(under_or, "E0302", "consent", "appears only under `or`");
  auto under_not = CompileText(test::Seg("true") + "  channel email if not (not consent.email)\n");
  CHECK_ONE_ERROR(under_not, "E0302", "consent.email", "under `not`");
  auto cmp = CompileText(test::Seg("true") + "  channel email if consent.email == true\n");
  CHECK_ONE_ERROR(cmp, "E0302", "consent.email", "under `==`");
  auto other = CompileText(test::Seg("true") + "  channel email if consent.sms and portal_active\n");
  CHECK_ONE_ERROR(other, "E0303", "consent.sms", "guarded by `consent.sms`");
  std::string fixed = test::Apply(other, test::Find(other, "E0303")->fixits.at(0));
  CHECK(CompileText(fixed).ok());
  // A define holding consent is not a top-level consent conjunct.
  auto via_define = CompileText("define ok = consent.sms\n" + test::Seg("true").substr(0) + "  channel phone if ok\n");
  CHECK(test::Find(via_define, "E0301") != nullptr);
}

TEST_CASE("bare consent means the channel's own consent column") {
  auto r = CompileText("segment S \"s\"\n  where age >= 18\n  channel mail if consent\n");
  REQUIRE(r.program);
  const ir::Program& p = *r.program;
  const ir::Expr& c = p.expr(p.segments[0].channels[0].condition);
  CHECK(c.kind == ir::ExprKind::kColumn);
  CHECK(p.schema->columns[c.column].path == "consent.mail");
  CHECK(c.nullable);
}

TEST_CASE("governance: sensitive reads in marketing segments, with the path and notes") {
  auto direct = CompileText(test::Seg("\"I10\" in conditions"));
  CHECK_ONE_ERROR(direct, "E0304", "conditions", "through the `where` clause");

  std::string text =
      "define diabetic = any c in conditions where starts_with(c, \"E11\")\n"
      "define risky = age > 60 and diabetic\n"
      "segment Clinical \"c\"\n  where risky\n  channel phone if consent\n  purpose treatment\n"
      "segment Promo \"p\"\n  where age > 18\n  exclude in segment Clinical\n  channel sms if consent\n";
  auto r = CompileText(text);
  CHECK_ONE_ERROR(r, "E0304", "Clinical",
                  "through segment `Clinical` -> define `risky` -> define `diabetic` -> field `conditions`");
  const Diagnostic* d = test::Find(r, "E0304");
  REQUIRE(d->notes.size() >= 3);
  CHECK(test::RangeText(r, d->notes[0].range) == "risky");
  CHECK(test::RangeText(r, d->notes[1].range) == "diabetic");
  CHECK(test::RangeText(r, d->notes[2].range) == "conditions");

  // Channel conditions count too; other purposes may read sensitive fields.
  auto ch = CompileText(test::Seg("true") + "  channel email if consent and \"I10\" in conditions\n");
  CHECK_ONE_ERROR(ch, "E0304", "conditions", "the condition of channel `email`");
  for (const char* purpose : {"operations", "treatment"}) {
    auto ok = CompileText(test::Seg("\"I10\" in conditions", std::string("  purpose ") + purpose + "\n"));
    INFO(test::Rendered(ok));
    CHECK(ok.ok());
  }
  // A channel condition of another segment is not part of its membership.
  auto membership = CompileText(
      "segment A \"a\"\n  where age > 3\n  channel sms if consent and \"I10\" in conditions\n  purpose treatment\n"
      "segment B \"b\"\n  where in segment A\n  channel sms if consent\n");
  INFO(test::Rendered(membership));
  CHECK(membership.ok());
}

TEST_CASE("diagnostic ranges point at the offending name or operator") {
  auto r = CompileText(test::Seg("age >= 18 and language + 3 == 4"));
  CHECK_ONE_ERROR(r, "E0203", "+", "cannot apply `+` to `string` and `int`");
  auto cmp = CompileText(test::Seg("(any e in events where e.at < last_visit)", "  purpose treatment\n"));
  CHECK_ONE_ERROR(cmp, "E0204", "<", "use `date_of(e.at)`");
  const Diagnostic* d = test::Find(cmp, "E0204");
  REQUIRE(d->fixits.size() == 1);
  CHECK(CompileText(test::Apply(cmp, d->fixits[0])).ok());
  auto label = CompileText(test::Seg("payer_type == medicaire"));
  CHECK_ONE_ERROR(label, "E0103", "medicaire", "did you mean `medicare`?");
  CHECK(CompileText(test::Apply(label, test::Find(label, "E0103")->fixits.at(0))).ok());
  auto field = CompileText(test::Seg("consent.smss == true"));
  CHECK_ONE_ERROR(field, "E0102", "smss", "in `consent`");
  auto not_in = CompileText(test::Seg("3 not in conditions", "  purpose treatment\n"));
  CHECK_ONE_ERROR(not_in, "E0203", "not in", "a `set<string>` holds strings");
}

TEST_CASE("cycles name their path") {
  auto d = CompileText("define a = b\ndefine b = a\n" + test::Seg("a"));
  CHECK_ONE_ERROR(d, "E0306", "a", "a -> b -> a");
  auto s = CompileText(
      "segment A \"a\"\n  where in segment B\n  channel sms if consent\n"
      "segment B \"b\"\n  where in segment C\n  channel sms if consent\n"
      "segment C \"c\"\n  where in segment A\n  channel sms if consent\n");
  CHECK_ONE_ERROR(s, "E0305", "A", "A -> B -> C -> A");
  CHECK(test::Find(s, "E0305")->notes.size() == 2);
}

TEST_CASE("segment order: dependencies first, ties in declaration order") {
  auto r = CompileText(
      "segment D \"d\"\n  where in segment B and in segment C\n  channel sms if consent\n"
      "segment C \"c\"\n  where age > 1\n  channel sms if consent\n"
      "define in_a = in segment A\n"
      "segment B \"b\"\n  where in_a\n  channel sms if consent\n"
      "segment A \"a\"\n  where age > 2\n  channel sms if consent\n");
  INFO(test::Rendered(r));
  REQUIRE(r.program);
  const ir::Program& p = *r.program;
  std::vector<std::string> names;
  for (uint32_t i : p.segment_order) names.push_back(p.segments[i].name);
  CHECK(names == std::vector<std::string>{"C", "A", "B", "D"});
  CHECK(p.segments[2].depends_on == std::vector<uint32_t>{3});  // B depends on A through define in_a
}

TEST_CASE("holdout basis points and purposes") {
  auto r = CompileText(test::Seg("true", "  holdout 0.25%\n  purpose operations\n"));
  REQUIRE(r.program);
  CHECK(r.program->segments[0].holdout_bp == 25);
  CHECK(r.program->segments[0].purpose == ir::Purpose::kOperations);
  auto bad = CompileText(test::Seg("true", "  holdout 99.999%\n"));
  CHECK_ONE_ERROR(bad, "E0307", "99.999%", "found `99.999%`");
  auto p = CompileText(test::Seg("true", "  purpose marketting\n"));
  CHECK_ONE_ERROR(p, "E0113", "marketting", "unknown purpose");
  CHECK(test::Find(p, "E0113")->fixits.at(0).replacement == "marketing");
}

TEST_CASE("unused warnings follow options.warn_unused") {
  std::string text = "const k = 3\ndefine d = age > 3\n" + test::Seg("true");
  auto r = CompileText(text);
  CHECK(r.ok());
  CHECK(test::Codes(r) == std::vector<std::string>{"W0001", "W0002"});
  auto quiet = CompileText(text, false, false);
  CHECK(quiet.diags.all().empty());
}

TEST_CASE("an unreadable file is E0501") {
  auto r = CompileFile("/nonexistent/dir/x.cohort", CompileOptions{});
  REQUIRE(r.diags.all().size() == 1);
  CHECK(r.diags.all()[0].code() == "E0501");
}

}  // namespace
}  // namespace cohort
