// Explain: each step's three-valued truth, the deciding step, the verdict
// (from Decide), channel outcomes, attrition (also by group, and equal to the
// run pipeline's own counts), clause text.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "compiler/driver/driver.h"
#include "core/conjuncts.h"
#include "core/dates.h"
#include "core/md5.h"
#include "runtime/loader.h"
#include "runtime/run/explain.h"
#include "runtime/run/run.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

const char* kProgram = R"(use Patient
segment A "a"
  where language == "es" and last_visit before today - 30 days
  exclude next_appointment within next 14 days   # booked soon
  channel sms if consent
  channel email after 2 days if consent and telehealth_visits == 0
  message "m-a" cta "c-a"
  purpose operations
segment B "b"
  where language == "es"
  channel sms if consent
  message "m-b" cta "c-b"
  holdout 50%
  purpose operations
campaign C
  priority A, B
)";

// P1 member of A (exclude UNKNOWN), sms listed, email consent missing.
// P2 removed by the exclude. P3 and P7..P10: last_visit missing (UNKNOWN).
// P4 not Spanish. P5 member: sms consent false, email condition FALSE.
// P6 member: listed on both channels.
const char* kPatients =
    "id,birth_date,sex,language,telehealth_visits,in_person_visits,no_show_count,portal_active,conditions,"
    "consent.sms,consent.email,last_visit,next_appointment\n"
    "P1,1980-01-01,female,es,0,1,0,true,,true,,2026-01-01,\n"
    "P2,1980-01-01,male,es,0,1,0,true,,true,true,2026-01-01,2026-11-25\n"
    "P3,1980-01-01,female,es,0,1,0,true,,true,true,,\n"
    "P4,1980-01-01,female,en,0,1,0,true,,true,true,2026-01-01,\n"
    "P5,1980-01-01,female,es,3,1,0,true,,false,true,2026-01-01,\n"
    "P6,1980-01-01,female,es,0,1,0,true,,true,true,2026-01-01,2027-06-01\n"
    "P7,1980-01-01,female,es,0,1,0,true,,true,true,,\n"
    "P8,1980-01-01,female,es,0,1,0,true,,true,true,,\n"
    "P9,1980-01-01,female,es,0,1,0,true,,true,true,,\n"
    "P10,1980-01-01,female,es,0,1,0,true,,true,true,,\n";

constexpr Truth T = Truth::kTrue, F = Truth::kFalse, U = Truth::kUnknown;

/// The program, one batch of kPatients, the interpreter's result and Decide.
struct Fixture {
  CompileResult compiled;
  std::unique_ptr<Batch> batch;
  std::unique_ptr<interp::Interpreter> interp;
  ExecContext ctx;
  BatchResult result;
  Decisions decisions;

  Fixture() {
    CompileOptions co;
    co.today = ParseDate("2026-11-23");
    compiled = Compile(kProgram, co);
    for (const auto& d : compiled.diags.all()) INFO(RenderText(d, *compiled.sources));
    REQUIRE(compiled.ok());
    fs::path dir = fs::temp_directory_path() / ("cohort-explain-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    // Every Patient column must be in the header (strict headers): the
    // optional ones this fixture does not use are appended empty.
    std::string patients = kPatients;
    const std::string extra = ",zip,state,payer_type,service_line,next_appointment_kind,last_no_show_reason,"
                              "device_access,discharged_on,discharge_type,care_gap_due,consent.phone,consent.portal,"
                              "consent.mail";
    const std::string empties(13, ',');
    std::string padded;
    for (size_t pos = 0, line = 0; pos < patients.size(); ++line) {
      size_t nl = patients.find('\n', pos);
      padded += patients.substr(pos, nl - pos) + (line == 0 ? extra : empties) + "\n";
      pos = nl + 1;
    }
    std::ofstream(dir / "patients.csv", std::ios::binary) << padded;
    std::vector<DataError> errors;
    auto reader = OpenRecordReader(compiled.program->schema, dir.string(), &errors);
    REQUIRE(reader);
    batch = std::make_unique<Batch>(*compiled.program->schema);
    REQUIRE(reader->Next(batch.get(), 1000));
    REQUIRE(reader->errors().empty());
    fs::remove_all(dir);
    ctx.today = *co.today;
    ctx.now = int64_t{ctx.today} * kMicrosPerDay;
    interp = std::make_unique<interp::Interpreter>(compiled.program);
    interp->Evaluate(batch->View(), ctx, &result);
    Decide(*compiled.program, batch->View(), result, &decisions, ctx.today);
  }
  const ir::Program& program() const { return *compiled.program; }
  SegmentExplanation Explain(uint32_t s) {
    interp::Session session(*interp, batch->View(), ctx);
    return ExplainSegment(program(), s, batch->View(), session, decisions, ctx.today);
  }
  int64_t Row(const std::string& key) const {
    const CohortColumn& keys = batch->View().columns[program().schema->key_column()];
    for (int64_t r = 0; r < batch->View().num_rows; ++r)
      if (StringAt(keys, r) == key) return r;
    FAIL("no row " << key);
    return -1;
  }
};

}  // namespace

TEST_CASE("truth names") {
  CHECK(std::string(TruthName(T)) == "TRUE");
  CHECK(std::string(TruthName(F)) == "FALSE");
  CHECK(std::string(TruthName(U)) == "UNKNOWN");
}

TEST_CASE("steps: where conjuncts, excludes, campaign, holdout in order") {
  Fixture f;
  std::vector<Step> a = SegmentSteps(f.program(), 0);
  REQUIRE(a.size() == 3);  // two conjuncts, one exclude; A is first in its campaign and has no holdout
  CHECK(a[0].kind == StepKind::kWhere);
  CHECK(a[1].kind == StepKind::kWhere);
  CHECK(a[1].index == 1);
  CHECK(a[2].kind == StepKind::kExclude);
  std::vector<Step> b = SegmentSteps(f.program(), 1);
  REQUIRE(b.size() == 3);
  CHECK(b[0].kind == StepKind::kWhere);
  CHECK(b[1].kind == StepKind::kCampaign);
  CHECK(b[2].kind == StepKind::kHoldout);
}

TEST_CASE("a record's verdict, deciding step and clause values") {
  Fixture f;
  SegmentExplanation a = f.Explain(0);

  RecordExplanation p1 = a.Record(f.Row("P1"));
  CHECK(p1.verdict == Verdict::kEligible);
  CHECK(p1.decided_by == -1);
  CHECK(p1.where == T);
  CHECK(p1.steps == std::vector<Truth>{T, T, U});  // the exclude is UNKNOWN: kept
  REQUIRE(p1.channels.size() == 2);
  CHECK(p1.channels[0].outcome == ChannelOutcome::kListed);
  CHECK(FormatDate(p1.channels[0].send_on) == "2026-11-23");
  CHECK(p1.channels[1].consent == U);  // missing consent is no consent
  CHECK(p1.channels[1].outcome == ChannelOutcome::kNoConsent);
  CHECK(FormatDate(p1.channels[1].send_on) == "2026-11-25");

  RecordExplanation p2 = a.Record(f.Row("P2"));
  CHECK(p2.verdict == Verdict::kNotMember);
  CHECK(p2.decided_by == 2);
  CHECK(p2.steps[2] == T);
  CHECK(p2.channels[0].outcome == ChannelOutcome::kNotEligible);

  RecordExplanation p3 = a.Record(f.Row("P3"));
  CHECK(p3.verdict == Verdict::kNotMember);
  CHECK(p3.decided_by == 1);
  CHECK(p3.where == U);
  CHECK(p3.steps[1] == U);

  RecordExplanation p4 = a.Record(f.Row("P4"));
  CHECK(p4.decided_by == 0);
  CHECK(p4.where == F);

  RecordExplanation p5 = a.Record(f.Row("P5"));
  CHECK(p5.verdict == Verdict::kEligible);
  CHECK(p5.channels[0].consent == F);
  CHECK(p5.channels[0].outcome == ChannelOutcome::kNoConsent);
  CHECK(p5.channels[1].consent == T);
  CHECK(p5.channels[1].condition == F);
  CHECK(p5.channels[1].outcome == ChannelOutcome::kConditionNotTrue);

  RecordExplanation p6 = a.Record(f.Row("P6"));
  CHECK(p6.steps == std::vector<Truth>{T, T, F});
  CHECK(p6.channels[1].outcome == ChannelOutcome::kListed);
  CHECK(a.Exclude(0, f.Row("P6")) == F);
}

TEST_CASE("campaign takes and holdout come from Decide") {
  Fixture f;
  SegmentExplanation b = f.Explain(1);
  for (std::string key : {"P1", "P5", "P6"}) {
    CAPTURE(key);
    RecordExplanation x = b.Record(f.Row(key));
    CHECK(x.verdict == Verdict::kTaken);
    CHECK(x.taken_by == 0);
    CHECK(x.steps[1] == T);
  }
  int held = 0, listed = 0;
  for (std::string key : {"P2", "P3", "P7", "P8", "P9", "P10"}) {
    CAPTURE(key);
    RecordExplanation x = b.Record(f.Row(key));
    CHECK(x.holdout_bucket == HoldoutBucket(key, "B"));
    if (IsHeldOut(key, "B", 5000)) {
      ++held;
      CHECK(x.verdict == Verdict::kHeldOut);
      CHECK(x.decided_by == 2);
    } else {
      ++listed;
      CHECK(x.verdict == Verdict::kEligible);
      CHECK(x.channels[0].outcome == ChannelOutcome::kListed);
    }
    CHECK(x.channels[0].outcome == (f.decisions.listed[1][0][f.Row(key)] ? ChannelOutcome::kListed
                                                                          : ChannelOutcome::kNotEligible));
  }
  CHECK(held + listed == 6);
  CHECK(b.Record(f.Row("P4")).verdict == Verdict::kNotMember);
}

TEST_CASE("attrition: removed, unknown, remaining, channels") {
  Fixture f;
  SegmentExplanation a = f.Explain(0);
  Attrition t(a.steps.size(), a.channels.size());
  t.Add(a);
  CHECK(t.records == 10);
  CHECK(t.steps[0].removed == 1);  // P4
  CHECK(t.steps[0].unknown == 0);
  CHECK(t.steps[1].removed == 5);  // P3, P7..P10
  CHECK(t.steps[1].unknown == 5);
  CHECK(t.steps[2].removed == 1);  // P2
  CHECK(t.steps[2].unknown == 2);  // P1, P5 kept
  CHECK(t.Remaining(0) == 9);
  CHECK(t.Remaining(2) == 3);
  CHECK(t.members == 3);
  CHECK(t.channels[0].eligible == 3);
  CHECK(t.channels[0].listed == 2);
  CHECK(t.channels[0].no_consent == 1);
  CHECK(t.channels[1].listed == 1);
  CHECK(t.channels[1].no_consent == 1);
  CHECK(t.channels[1].condition_not_true == 1);
}

TEST_CASE("attrition by group sums to the whole") {
  Fixture f;
  for (uint32_t s = 0; s < 2; ++s) {
    SegmentExplanation e = f.Explain(s);
    Attrition all(e.steps.size(), e.channels.size());
    all.Add(e);
    std::vector<uint32_t> group(e.num_rows);
    for (int64_t r = 0; r < e.num_rows; ++r) group[r] = static_cast<uint32_t>(r % 3);
    std::vector<Attrition> by;
    AddByGroup(e, group, &by);
    REQUIRE(by.size() == 3);
    for (size_t i = 0; i < e.steps.size(); ++i) {
      int64_t removed = 0, unknown = 0;
      for (const Attrition& g : by) removed += g.steps[i].removed, unknown += g.steps[i].unknown;
      CHECK(removed == all.steps[i].removed);
      CHECK(unknown == all.steps[i].unknown);
    }
    int64_t records = 0, members = 0;
    for (const Attrition& g : by) records += g.records, members += g.members;
    CHECK(records == all.records);
    CHECK(members == all.members);
  }
}

TEST_CASE("attrition agrees with the run pipeline's counts") {
  Fixture f;
  RunReport report;
  ReportTally tally(f.program(), f.ctx.today, &report);
  tally.Add(f.batch->View(), f.result, f.decisions);
  for (uint32_t s = 0; s < 2; ++s) {
    CAPTURE(s);
    SegmentExplanation e = f.Explain(s);
    Attrition t(e.steps.size(), e.channels.size());
    t.Add(e);
    const SegmentStats& st = report.segments[s];
    int64_t where_removed = 0, taken = 0, held = 0;
    std::vector<int64_t> excluded;
    for (size_t i = 0; i < e.steps.size(); ++i) {
      switch (e.steps[i].kind) {
        case StepKind::kWhere: where_removed += t.steps[i].removed; break;
        case StepKind::kExclude: excluded.push_back(t.steps[i].removed); break;
        case StepKind::kCampaign: taken = t.steps[i].removed; break;
        case StepKind::kHoldout: held = t.steps[i].removed; break;
      }
    }
    CHECK(t.records - where_removed == st.where_matched);
    CHECK(excluded == st.exclude_removed);
    CHECK(t.members == st.members);
    CHECK(taken == st.taken_by_campaign);
    CHECK(held == st.held_out);
    for (size_t c = 0; c < st.channels.size(); ++c) {
      CHECK(t.channels[c].eligible == st.channels[c].eligible);
      CHECK(t.channels[c].listed == st.channels[c].listed);
      CHECK(t.channels[c].no_consent == st.channels[c].lacked_consent);
      CHECK(t.channels[c].condition_not_true == st.channels[c].condition_false);
    }
  }
}

TEST_CASE("clause text: one line, comments dropped, strings kept") {
  SourceManager sm;
  std::string text = "where a == \"x # y\"  and\n    b   # a comment\n  and c";
  FileId id = sm.Add("t.cohort", text);
  CHECK(ClauseText(sm, SourceRange{id, 6, static_cast<uint32_t>(text.size())}) == "a == \"x # y\" and b and c");
  CHECK(ClauseText(sm, SourceRange{id, 0, 5}) == "where");
  CHECK(ClauseText(sm, SourceRange{}) == "(expression)");
  CHECK(ClauseText(sm, SourceRange{id, 4, 999}) == "(expression)");
  CHECK(ClauseText(sm, SourceRange{7, 0, 1}) == "(expression)");
  CHECK(Shorten("abcdefgh", 8) == "abcdefgh");
  CHECK(Shorten("abcdefghi", 8) == "abcde...");
}

TEST_CASE("the clause text of a compiled clause skips its comment") {
  Fixture f;
  const ir::Segment& a = f.program().segments[0];
  CHECK(ClauseText(*f.compiled.sources, f.program().expr(a.excludes[0]).range) ==
        "next_appointment within next 14 days");
  std::vector<ir::ExprId> conj;
  ir::Conjuncts(f.program(), a.where, &conj);
  REQUIRE(conj.size() == 2);
  CHECK(ClauseText(*f.compiled.sources, f.program().expr(conj[1]).range) == "last_visit before today - 30 days");
}
