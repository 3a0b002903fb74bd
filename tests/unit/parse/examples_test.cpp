// The shared examples must parse cleanly, with the declarations they contain.
#include <doctest/doctest.h>

#include "unit/parse/parse_test_util.h"

using namespace cohort;
using cohort::testing::ExamplePath;
using cohort::testing::ParseText;
using cohort::testing::ReadFile;

TEST_CASE("telehealth example parses with no diagnostics") {
  std::string text = ReadFile(ExamplePath("telehealth.cohort"));
  REQUIRE(!text.empty());
  auto p = ParseText(text);
  INFO(p->Rendered());
  CHECK(p->diags.all().empty());
  const ast::Module& m = *p->module;
  REQUIRE(m.uses.size() == 1);
  CHECK(m.uses[0].name == "Patient");
  CHECK_FALSE(m.uses[0].is_path);
  CHECK(m.consts.size() == 2);
  CHECK(m.defines.size() == 3);
  REQUIRE(m.segments.size() == 7);
  CHECK(m.campaigns.size() == 1);
  CHECK(m.order.size() == 1 + 2 + 3 + 7 + 1);

  const ast::Segment& intake = m.segments[0];
  CHECK(intake.name == "IntakeNoBooking");
  CHECK(intake.description == "Completed a symptom intake but did not book");
  CHECK(intake.where != nullptr);
  CHECK(intake.excludes.size() == 2);
  CHECK(intake.channels.size() == 2);
  CHECK(intake.purpose->name == "operations");
  CHECK(intake.message->name == "intake-followup");
  CHECK(intake.cta->name == "choose_a_time");
  CHECK(intake.holdout == nullptr);

  const ast::Segment& spanish = m.segments[1];
  CHECK(spanish.name == "FirstTimeSpanish");
  CHECK(spanish.channels.size() == 3);
  CHECK(spanish.excludes.size() == 1);
  REQUIRE(spanish.holdout != nullptr);
  CHECK(spanish.holdout->kind == ast::ExprKind::kPercentLit);
  CHECK(spanish.holdout->decimal_value == 10.0);
  CHECK_FALSE(spanish.purpose.has_value());
  REQUIRE(spanish.channels[1].after != nullptr);
  CHECK(ast::Dump(*spanish.channels[1].after) == "(duration 2 days)");
  CHECK(ast::Dump(*spanish.channels[2].condition) == "(and consent high_intent)");

  const ast::Segment& scheduling = m.segments[4];
  CHECK(scheduling.name == "NoShowScheduling");
  REQUIRE(scheduling.excludes.size() == 2);
  CHECK(ast::Dump(*scheduling.excludes[1]) == "(in-segment NoShowTechBarrier)");

  const ast::Campaign& c = m.campaigns[0];
  CHECK(c.name == "TelehealthOnboarding");
  REQUIRE(c.priority.size() == 5);
  CHECK(c.priority[0].name == "IntakeNoBooking");
  CHECK(c.priority[2].name == "FirstTimeEnglish");

  CHECK(m.comments.size() == 2);
  for (const auto& s : m.segments) CHECK(s.duplicate_clauses.empty());
}

TEST_CASE("primary care example parses with no diagnostics") {
  std::string text = ReadFile(ExamplePath("primary_care.cohort"));
  REQUIRE(!text.empty());
  auto p = ParseText(text);
  INFO(p->Rendered());
  CHECK(p->diags.all().empty());
  const ast::Module& m = *p->module;
  CHECK(m.uses.size() == 1);
  CHECK(m.consts.size() == 1);
  CHECK(m.defines.size() == 2);
  REQUIRE(m.segments.size() == 3);
  CHECK(m.campaigns.empty());
  CHECK(m.comments.size() == 1);

  CHECK(ast::Dump(*m.defines[1].body) ==
        "(or (in device_access (list smartphone computer)) portal_active)");

  const ast::Segment& inactive = m.segments[0];
  CHECK(inactive.channels.size() == 2);
  CHECK(inactive.excludes.size() == 1);
  CHECK(ast::Dump(*inactive.excludes[0]) == "(is-present next_appointment)");
  CHECK(ast::Dump(*inactive.where) ==
        "(and (and (and adult (== service_line \"primary_care\")) "
        "(paren (or (is-missing last_visit) (before last_visit (- today inactive_after))))) "
        "(== state \"MA\"))");

  const ast::Segment& low = m.segments[2];
  CHECK(low.channels.size() == 1);
  REQUIRE(low.excludes.size() == 2);
  CHECK(ast::Dump(*low.excludes[1]) == "(or (in-segment InactivePrimaryCare) (in-segment MedicareAnnualWellness))");
  CHECK(ast::Dump(*low.where) ==
        "(and (== (count e events (and (== (. e kind) email_opened) (within-last (. e at) (duration 90 days)))) 0) "
        "(any e events (and (== (. e kind) sms_replied) (within-last (. e at) (duration 90 days)))))");
  REQUIRE(low.holdout != nullptr);
  CHECK(low.holdout->decimal_value == 5.0);
}

TEST_CASE("both examples dump deterministically") {
  for (const char* name : {"telehealth.cohort", "primary_care.cohort"}) {
    std::string text = ReadFile(ExamplePath(name));
    auto a = ParseText(text);
    auto b = ParseText(text);
    CHECK(ast::Dump(*a->module) == ast::Dump(*b->module));
  }
}
