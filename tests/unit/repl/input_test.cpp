// The REPL's rule for when a unit of input is complete.
#include <doctest/doctest.h>

#include "tools/repl/input.h"

using namespace cohort::repl;

TEST_CASE("units are classified by their first word") {
  CHECK(ClassifyUnit("") == UnitKind::kEmpty);
  CHECK(ClassifyUnit("   ") == UnitKind::kEmpty);
  CHECK(ClassifyUnit("# note") == UnitKind::kComment);
  CHECK(ClassifyUnit(".run X") == UnitKind::kCommand);
  CHECK(ClassifyUnit("  .help") == UnitKind::kCommand);
  CHECK(ClassifyUnit("define x = 1") == UnitKind::kDefine);
  CHECK(ClassifyUnit("const x = 1") == UnitKind::kConst);
  CHECK(ClassifyUnit("segment S") == UnitKind::kSegment);
  CHECK(ClassifyUnit("campaign C") == UnitKind::kCampaign);
  CHECK(ClassifyUnit("use Patient") == UnitKind::kUse);
  CHECK(ClassifyUnit("defined_thing and x") == UnitKind::kExpression);
  CHECK(ClassifyUnit("segments_seen > 1") == UnitKind::kExpression);
  CHECK(ClassifyUnit("in segment X") == UnitKind::kExpression);
}

TEST_CASE("expressions continue while brackets are open or an operator trails") {
  auto more = [](const char* s) { return NeedsMoreInput(s, UnitKind::kExpression); };
  CHECK_FALSE(more("age > 18"));
  CHECK(more("age > 18 and"));
  CHECK(more("age >"));
  CHECK(more("(age > 18"));
  CHECK(more("language in [\"es\","));
  CHECK(more("count(e in events where"));
  CHECK(more("x is"));
  CHECK(more("x is not"));
  CHECK(more("next_appointment within next"));
  CHECK(more("today -"));
  CHECK_FALSE(more("(age > 18)\n  and portal_active"));
  CHECK_FALSE(more("last_visit before 2026-01-01"));   // a date is one token, not a trailing `-`
  CHECK_FALSE(more("x == \"and\""));                    // keywords inside strings do not count
  CHECK_FALSE(more("age > 18 # and"));                  // nor inside comments
  CHECK_FALSE(more("x == \"open"));                     // an unterminated string is the parser's to report
  CHECK_FALSE(more("age > 18)"));                       // too many closers: let the parser report it
}

TEST_CASE("const and define need `= value`; campaigns their priority list") {
  CHECK(NeedsMoreInput("define x", UnitKind::kDefine));
  CHECK(NeedsMoreInput("define x =", UnitKind::kDefine));
  CHECK_FALSE(NeedsMoreInput("define x = 1", UnitKind::kDefine));
  CHECK(NeedsMoreInput("const xs = [\"a\",", UnitKind::kConst));
  CHECK_FALSE(NeedsMoreInput("const xs = [\"a\", \"b\"]", UnitKind::kConst));
  CHECK(NeedsMoreInput("campaign C", UnitKind::kCampaign));
  CHECK(NeedsMoreInput("campaign C priority A,", UnitKind::kCampaign));
  CHECK_FALSE(NeedsMoreInput("campaign C priority A, B", UnitKind::kCampaign));
}

TEST_CASE("segments end only at a blank line or a new unit") {
  CHECK(NeedsMoreInput("segment S where age > 18", UnitKind::kSegment));
  CHECK(NeedsMoreInput("segment S\n  where age > 18\n  channel sms if consent", UnitKind::kSegment));
  CHECK(StartsNewUnit(".run"));
  CHECK(StartsNewUnit("segment T"));
  CHECK(StartsNewUnit("define y = 2"));
  CHECK_FALSE(StartsNewUnit("  where x"));
  CHECK_FALSE(StartsNewUnit("exclude x"));
  CHECK_FALSE(StartsNewUnit("  segment T"));
  CHECK(IsBlank("  \t"));
  CHECK_FALSE(IsBlank(" x "));
}

TEST_CASE("commands and comments are single lines") {
  CHECK_FALSE(NeedsMoreInput(".run (", UnitKind::kCommand));
  CHECK_FALSE(NeedsMoreInput("# and", UnitKind::kComment));
}
