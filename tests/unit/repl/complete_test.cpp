// Tab completion candidates (no terminal needed).
#include <doctest/doctest.h>

#include <algorithm>

#include "compiler/driver/driver.h"
#include "tools/repl/complete.h"

using namespace cohort;
using namespace cohort::repl;

namespace {

std::shared_ptr<const Schema> PatientSchema() {
  CompileOptions co;
  CompileResult r = Compile("", co);
  REQUIRE(r.schema != nullptr);
  return r.schema;
}

bool Has(const Completion& c, const std::string& s) {
  return std::find(c.candidates.begin(), c.candidates.end(), s) != c.candidates.end();
}

}  // namespace

TEST_CASE("fields, nested fields and quantifier variables") {
  auto schema = PatientSchema();
  SessionNames names;
  Completion c = Complete("", "langu", *schema, names);
  CHECK(c.start == 0);
  REQUIRE(c.candidates.size() == 1);
  CHECK(c.candidates[0] == "language");

  c = Complete("", "age > 3 and consent.s", *schema, names);
  CHECK(c.start == 12);
  CHECK(c.candidates == std::vector<std::string>{"consent.sms"});

  c = Complete("", "consent.", *schema, names);
  CHECK(Has(c, "consent.email"));
  CHECK(Has(c, "consent.portal"));
  CHECK_FALSE(Has(c, "language"));

  c = Complete("", "any e in events where e.ki", *schema, names);
  CHECK(c.candidates == std::vector<std::string>{"e.kind"});
  // The variable may be bound on an earlier line of the same input.
  c = Complete("count(ev in events", "  where ev.", *schema, names);
  CHECK(Has(c, "ev.at"));
  CHECK(Has(c, "ev.channel"));
  // An unknown head gives nothing rather than a guess.
  c = Complete("", "nothing.x", *schema, names);
  CHECK(c.candidates.empty());
}

TEST_CASE("enum labels, functions, keywords and session names") {
  auto schema = PatientSchema();
  SessionNames names;
  names.defines = {"adult", "high_intent"};
  names.consts = {"window"};
  names.segments = {"FirstTimeSpanish", "Frail"};
  CHECK(Has(Complete("", "sex == fem", *schema, names), "female"));
  CHECK(Has(Complete("", "e.kind == sched", *schema, names), "scheduling_link_clicked"));
  CHECK(Has(Complete("", "days_s", *schema, names), "days_since"));
  CHECK(Has(Complete("", "x within la", *schema, names), "last"));
  CHECK(Has(Complete("", "high", *schema, names), "high_intent"));
  CHECK(Has(Complete("", "win", *schema, names), "window"));
  // Segment names after `in segment`, not as bare names.
  CHECK(Complete("", "in segment F", *schema, names).candidates == std::vector<std::string>{"FirstTimeSpanish", "Frail"});
  CHECK_FALSE(Has(Complete("", "Fi", *schema, names), "FirstTimeSpanish"));
  CHECK(Has(Complete("", "  channel s", *schema, names), "sms"));
  CHECK(Complete("", "define adu", *schema, names).candidates.empty());
  // Internal names never show.
  CHECK_FALSE(Has(Complete("", "_", *schema, names), "__repl_expr"));
}

TEST_CASE("commands and their arguments") {
  auto schema = PatientSchema();
  SessionNames names;
  names.segments = {"FirstTimeSpanish", "Frail"};
  Completion c = Complete("", ".ex", *schema, names);
  CHECK(c.start == 0);
  CHECK(c.candidates == std::vector<std::string>{".exit", ".explain"});
  CHECK(Complete("", ".explain Fir", *schema, names).candidates == std::vector<std::string>{"FirstTimeSpanish"});
  CHECK(Complete("", ".why P0001 Fr", *schema, names).candidates == std::vector<std::string>{"Frail"});
  CHECK(Complete("", ".why P", *schema, names).candidates.empty());  // a key: nothing to offer
  CHECK(Complete("", ".engine j", *schema, names).candidates == std::vector<std::string>{"jit"});
  CHECK(Complete("", ".timer o", *schema, names).candidates == std::vector<std::string>{"off", "on"});
  CHECK(Has(Complete("", ".schema consent.", *schema, names), "consent.sms"));
  // .sample offers only non-sensitive single-valued fields, after a comma too.
  c = Complete("", ".sample Frail 5 language,sta", *schema, names);
  CHECK(c.candidates == std::vector<std::string>{"state"});
  CHECK_FALSE(Has(Complete("", ".sample Frail 5 ", *schema, names), "conditions"));
  CHECK_FALSE(Has(Complete("", ".sample Frail 5 ", *schema, names), "events"));
  CHECK(CommonPrefix({"consent.sms", "consent.smx"}) == "consent.sm");
}
