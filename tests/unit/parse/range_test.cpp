// Source ranges are byte offsets that cover exactly the text of each node,
// including after non-ASCII text (ANTLR counts code points; we count bytes).
#include <doctest/doctest.h>

#include "unit/parse/parse_test_util.h"

using namespace cohort;
using cohort::testing::ExamplePath;
using cohort::testing::ParseText;
using cohort::testing::ReadFile;

TEST_CASE("ranges of declarations, clauses and names in an example") {
  auto p = ParseText(ReadFile(ExamplePath("telehealth.cohort")));
  REQUIRE(p->diags.all().empty());
  const ast::Module& m = *p->module;
  CHECK(p->Text(m.uses[0].range) == "use Patient");
  CHECK(p->Text(m.consts[0].name_range) == "onboarding_window");
  CHECK(p->Text(m.consts[0].range) == "const onboarding_window = 14 days");
  CHECK(p->Text(m.consts[0].value->range) == "14 days");
  CHECK(p->Text(m.consts[0].value->text_range) == "days");
  CHECK(p->Text(m.defines[0].range) == "define scheduled_soon = next_appointment within next 7 days");
  CHECK(p->Text(m.defines[0].body->range) == "next_appointment within next 7 days");

  const ast::Segment& s = m.segments[0];
  CHECK(p->Text(s.name_range) == "IntakeNoBooking");
  CHECK(p->Text(s.range).rfind("segment IntakeNoBooking", 0) == 0);
  CHECK(p->Text(s.range).size() > 100);
  CHECK(p->Text(s.range).substr(p->Text(s.range).size() - 18) == "purpose operations");
  CHECK(p->Text(s.where->range) ==
        "any e in events where e.kind == intake_completed\n      and e.at within last intake_window");
  const ast::Expr& q = *s.where;
  REQUIRE(q.kind == ast::ExprKind::kQuantifier);
  CHECK(p->Text(q.var_range) == "e");
  CHECK(p->Text(q.args[0]->range) == "events");
  CHECK(p->Text(q.args[1]->range) == "e.kind == intake_completed\n      and e.at within last intake_window");
  const ast::Expr& eq = *q.args[1]->args[0];
  CHECK(p->Text(eq.range) == "e.kind == intake_completed");
  CHECK(p->Text(eq.args[0]->range) == "e.kind");
  CHECK(p->Text(eq.args[0]->text_range) == "kind");
  CHECK(p->Text(eq.args[1]->range) == "intake_completed");
  CHECK(p->Text(s.excludes[1]->range) == "scheduled_soon");

  REQUIRE(s.channels.size() == 2);
  const ast::ChannelClause& phone = s.channels[1];
  CHECK(p->Text(phone.range) == "channel phone after 1 day if consent");
  CHECK(p->Text(phone.name_range) == "phone");
  CHECK(p->Text(phone.after->range) == "1 day");
  CHECK(p->Text(phone.if_range) == "if");
  CHECK(p->Text(phone.condition->range) == "consent");
  CHECK(p->Text(s.message->range) == "\"intake-followup\"");
  CHECK(p->Text(s.cta->range) == "\"choose_a_time\"");
  CHECK(p->Text(s.purpose->range) == "operations");

  const ast::Segment& spanish = m.segments[1];
  CHECK(p->Text(spanish.holdout->range) == "10%");
  const ast::Segment& scheduling = m.segments[4];
  CHECK(p->Text(scheduling.excludes[1]->range) == "in segment NoShowTechBarrier");
  CHECK(p->Text(scheduling.excludes[1]->text_range) == "NoShowTechBarrier");

  const ast::Segment& chronic = m.segments[5];
  const ast::Expr& paren = *chronic.where->args[0];
  REQUIRE(paren.kind == ast::ExprKind::kParen);
  CHECK(p->Text(paren.range) == "(any c in conditions where starts_with(c, \"E11\") or starts_with(c, \"I10\"))");
  const ast::Expr& call = *paren.args[0]->args[1]->args[0];
  REQUIRE(call.kind == ast::ExprKind::kCall);
  CHECK(p->Text(call.range) == "starts_with(c, \"E11\")");
  CHECK(p->Text(call.text_range) == "starts_with");
  CHECK(p->Text(call.args[1]->range) == "\"E11\"");

  const ast::Segment& post = m.segments[6];
  const ast::Expr& in = *post.where->args[1];
  CHECK(p->Text(in.range) == "discharge_type in [inpatient, emergency]");
  CHECK(p->Text(in.args[1]->range) == "[inpatient, emergency]");
  CHECK(p->Text(in.args[1]->args[1]->range) == "emergency");

  CHECK(p->Text(m.campaigns[0].name_range) == "TelehealthOnboarding");
  CHECK(p->Text(m.campaigns[0].priority[1].range) == "FirstTimeSpanish");
  CHECK(p->Text(m.comments[0].range) ==
        "# Telehealth outreach: onboarding, high-intent follow-up, no-show recovery,");
}

TEST_CASE("ranges of unary, member, count and is-missing nodes") {
  auto p = ParseText("define x = not a.b is missing and -count(e in l where p) < 3");
  REQUIRE(p->diags.all().empty());
  const ast::Expr& and_ = *p->module->defines[0].body;
  CHECK(p->Text(and_.range) == "not a.b is missing and -count(e in l where p) < 3");
  const ast::Expr& not_ = *and_.args[0];
  CHECK(p->Text(not_.range) == "not a.b is missing");
  CHECK(p->Text(not_.args[0]->range) == "a.b is missing");
  const ast::Expr& lt = *and_.args[1];
  CHECK(p->Text(lt.args[0]->range) == "-count(e in l where p)");
  const ast::Expr& count = *lt.args[0]->args[0];
  CHECK(p->Text(count.range) == "count(e in l where p)");
  CHECK(p->Text(count.var_range) == "e");
  CHECK(p->Text(count.args[1]->range) == "p");
}

TEST_CASE("byte ranges after non-ASCII strings and comments") {
  std::string text =
      "# commént ü — ünïcödé\n"
      "define greeting = \"héllo wörld 👋\" == name # trailing ✓\n"
      "define y = zip\n";
  auto p = ParseText(text);
  INFO(p->Rendered());
  REQUIRE(p->diags.all().empty());
  const ast::Module& m = *p->module;
  REQUIRE(m.comments.size() == 2);
  CHECK(p->Text(m.comments[0].range) == "# commént ü — ünïcödé");
  CHECK(p->Text(m.comments[1].range) == "# trailing ✓");
  REQUIRE(m.defines.size() == 2);
  const ast::Expr& eq = *m.defines[0].body;
  CHECK(p->Text(eq.range) == "\"héllo wörld 👋\" == name");
  CHECK(eq.args[0]->text == "héllo wörld 👋");
  CHECK(p->Text(eq.args[1]->range) == "name");
  CHECK(p->Text(m.defines[1].name_range) == "y");
  CHECK(p->Text(m.defines[1].body->range) == "zip");
  // Byte offsets, not code points.
  CHECK(m.defines[1].name_range.begin == text.find("y = zip"));
}

TEST_CASE("invalid UTF-8 inside strings and comments does not shift ranges") {
  std::string text = "# bad \xff\xfe byte\ndefine x = \"a\xc3\" == b\ndefine y = c\n";
  auto p = ParseText(text);
  INFO(p->Rendered());
  CHECK(p->diags.all().empty());
  REQUIRE(p->module->defines.size() == 2);
  CHECK(p->Text(p->module->defines[1].name_range) == "y");
  CHECK(p->module->defines[1].name_range.begin == text.find("y = c"));
}

TEST_CASE("every range lies inside the file and in order") {
  for (const char* name : {"telehealth.cohort", "primary_care.cohort"}) {
    std::string text = ReadFile(ExamplePath(name));
    auto p = ParseText(text);
    std::vector<const ast::Expr*> stack;
    auto push_all = [&](const ast::Module& m) {
      for (const auto& c : m.consts) stack.push_back(c.value.get());
      for (const auto& d : m.defines) stack.push_back(d.body.get());
      for (const auto& s : m.segments) {
        stack.push_back(s.where.get());
        for (const auto& e : s.excludes) stack.push_back(e.get());
        for (const auto& c : s.channels) {
          stack.push_back(c.after.get());
          stack.push_back(c.condition.get());
        }
      }
    };
    push_all(*p->module);
    size_t checked = 0;
    while (!stack.empty()) {
      const ast::Expr* e = stack.back();
      stack.pop_back();
      if (e == nullptr) continue;
      ++checked;
      CHECK(e->range.valid());
      CHECK(e->range.begin < e->range.end);
      CHECK(e->range.end <= text.size());
      for (const auto& a : e->args) {
        if (a == nullptr) continue;
        CHECK(a->range.begin >= e->range.begin);
        CHECK(a->range.end <= e->range.end);
        stack.push_back(a.get());
      }
    }
    CHECK(checked > 50);
  }
}
