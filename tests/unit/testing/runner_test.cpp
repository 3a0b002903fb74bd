// runtime/testing: fixture batches, RunCases (verdicts, failure messages
// from the shared explanation, engine tagging, mask disagreement), clause
// coverage, JUnit XML and atomic writes.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver/driver.h"
#include "compiler/sema/tests.h"
#include "core/dates.h"
#include "core/md5.h"
#include "runtime/testing/runner.h"

namespace fs = std::filesystem;
using namespace cohort;
using namespace cohort::testing;

namespace {

const char* kSource = R"(use Patient

segment Spanish "Spanish speakers"
  where language == "es"   # the comment a failure must not show
    and telehealth_visits == 0
  exclude next_appointment within next 14 days
  channel sms if consent
  channel email after 2 days if consent and portal_active
  message "m" cta "c"

segment Everyone "everyone else"
  where telehealth_visits == 0
  channel sms if consent
  holdout 50%
  message "e" cta "c"

campaign K
  priority Spanish, Everyone

test "passes" {
  today 2026-11-23
  given { consent: { sms: true, email: true } }
  record Es { language: "es", portal_active: true }
  record En { language: "en" }
  expect Es in Spanish
  expect Es in Spanish channel email on 2026-11-25
  expect En not in Spanish
  expect Spanish where for En is false
  expect Spanish exclude 1 for Es is unknown
  expect Spanish channel email for Es is true
  expect K assigns Es to Spanish
  expect Es not held out of Everyone
}

test "fails" {
  today 2026-11-23
  given { consent: { sms: true } }
  record En { language: "en" }
  record Es { language: "es", portal_active: true }
  expect En in Spanish
  expect Spanish where for En is true
  expect Es in Spanish channel email
  expect Es in Spanish channel sms on 2026-12-01
  expect K assigns Es to Everyone
}
)";

/// A compiled program with its checked tests.
struct Compiled {
  CompileResult r;
  std::vector<test::Case> cases;
  Compiled() {
    CompileOptions co;
    co.today = ParseDate("2026-11-23");
    r = Compile(kSource, co);
    for (const auto& d : r.diags.all()) INFO(RenderText(d, *r.sources));
    REQUIRE(r.ok());
    DiagnosticBag diags;
    cases = CheckTests(*r.ast, *r.program, *r.sources, diags);
    for (const auto& d : diags.all()) INFO(RenderText(d, *r.sources));
    REQUIRE(!diags.has_errors());
    REQUIRE(cases.size() == 2);
  }
  std::vector<TestResult> Run(const std::vector<EngineRef>& engines, Coverage* cov = nullptr) {
    return RunCases(r.program, engines, cases, *ParseDate("2026-11-23"), *r.sources, "t.cohort", cov);
  }
};

/// An engine that says every `where` is TRUE: its verdicts differ from the
/// interpreter's, and clause expectations must notice the disagreement.
class WhereAlwaysTrue : public Engine {
 public:
  explicit WhereAlwaysTrue(std::unique_ptr<Engine> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return "liar"; }
  void Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const override {
    inner_->Evaluate(batch, ctx, out);
    for (auto& s : out->segments) std::fill(s.where.begin(), s.where.end(), 1);
  }

 private:
  std::unique_ptr<Engine> inner_;
};

std::string Joined(const TestResult& t) {
  std::string s;
  for (const auto& f : t.failures) s += f + "\n";
  return s;
}

}  // namespace

TEST_CASE("fixture records become one columnar batch") {
  Compiled c;
  const test::Case& tc = c.cases[0];
  Batch b = BuildBatch(*c.r.program->schema, tc.records);
  const CohortBatchView& v = b.View();
  REQUIRE(v.num_rows == 2);
  const Schema& s = *c.r.program->schema;
  const CohortColumn& lang = v.columns[s.FindColumn("language")];
  CHECK(StringAt(lang, 0) == "es");
  CHECK(StringAt(lang, 1) == "en");
  CHECK(StringAt(v.columns[s.key_column()], 0) == "Es");
  const CohortColumn& next = v.columns[s.FindColumn("next_appointment")];
  CHECK_FALSE(IsValid(next, 0));  // optional fields default to missing
  const CohortColumn& sms = v.columns[s.FindColumn("consent.sms")];
  CHECK(IsValid(sms, 1));
  CHECK(GetBit(static_cast<const uint8_t*>(sms.values), 1));  // from `given`
}

TEST_CASE("passing and failing tests, with explanations") {
  Compiled c;
  auto interp = MakeInterpreter(c.r.program);
  std::vector<TestResult> results = c.Run({{"interp", interp.get()}});
  REQUIRE(results.size() == 2);
  CHECK(results[0].name == "passes");
  CHECK(results[0].file == "t.cohort");
  INFO(Joined(results[0]));
  CHECK(results[0].passed());
  const TestResult& f = results[1];
  CHECK_FALSE(f.passed());
  REQUIRE(f.failures.size() == 5);
  const std::string all = Joined(f);
  INFO(all);
  // Membership: the deciding clause, on one line, without its comment.
  CHECK(all.find("<input>:40:3: [interp] expect En in Spanish\n    expected: En in `Spanish`\n"
                 "    actual:   En not in `Spanish` (`where` is FALSE: language == \"es\" and telehealth_visits == 0)") !=
        std::string::npos);
  CHECK(all.find("comment") == std::string::npos);
  CHECK(all.find("expected: `where` of `Spanish` is TRUE for En\n    actual:   FALSE (language == \"es\" and "
                 "telehealth_visits == 0)") != std::string::npos);
  // A channel condition that is not TRUE although consent is.
  CHECK(all.find("expected: Es on the `email` list of `Spanish`\n    actual:   not listed: `channel email` condition is "
                 "UNKNOWN (consent must be TRUE): consent and portal_active") != std::string::npos);
  // Listed, but on another date.
  CHECK(all.find("expected: Es on the `sms` list of `Spanish` sent on 2026-12-01\n    actual:   listed, sent on "
                 "2026-11-23") != std::string::npos);
  // Campaign assignment names the segment that took the record.
  CHECK(all.find("expected: `K` assigns Es to `Everyone`\n    actual:   assigned to `Spanish`") != std::string::npos);
}

TEST_CASE("failures shared by engines are reported once, tagged with each engine") {
  Compiled c;
  auto a = MakeInterpreter(c.r.program);
  auto b = MakeInterpreter(c.r.program);
  std::vector<TestResult> results = c.Run({{"interp", a.get()}, {"twin", b.get()}});
  REQUIRE(results.size() == 2);
  CHECK(results[1].failures.size() == 5);
  for (const auto& f : results[1].failures) CHECK(f.find("[interp, twin]") != std::string::npos);
}

TEST_CASE("an engine whose masks disagree with the interpreter fails clause expectations") {
  Compiled c;
  auto liar = std::make_unique<WhereAlwaysTrue>(MakeInterpreter(c.r.program));
  std::vector<TestResult> results = c.Run({{"liar", liar.get()}});
  REQUIRE(results.size() == 2);
  const std::string passes = Joined(results[0]);
  INFO(passes);
  CHECK_FALSE(results[0].passed());
  CHECK(passes.find("[liar] expect Spanish where for En is false") != std::string::npos);
  CHECK(passes.find("FALSE in the interpreter but the engine's mask says TRUE") != std::string::npos);
}

TEST_CASE("clause coverage counts TRUE and FALSE per clause") {
  Compiled c;
  auto interp = MakeInterpreter(c.r.program);
  Coverage cov;
  c.Run({{"interp", interp.get()}}, &cov);
  // Spanish: where, exclude 1, channel sms, channel email; Everyone: where, channel sms.
  REQUIRE(cov.clauses.size() == 6);
  CHECK(cov.total() == 12);
  CHECK(cov.clauses[0].segment == "Spanish");
  CHECK(cov.clauses[0].clause == "where");
  CHECK(cov.clauses[0].seen_true);
  CHECK(cov.clauses[0].seen_false);
  CHECK(cov.clauses[1].clause == "exclude 1");
  CHECK_FALSE(cov.clauses[1].seen_true);  // next_appointment is always missing: UNKNOWN only
  CHECK_FALSE(cov.clauses[1].seen_false);
  CHECK(cov.clauses[3].clause == "channel email");
  CHECK(cov.clauses[3].seen_true);
  CHECK(cov.clauses[4].segment == "Everyone");
  size_t covered = 0;
  for (const auto& cl : cov.clauses) covered += cl.seen_true + cl.seen_false;
  CHECK(cov.covered() == covered);
  CHECK(cov.covered() < cov.total());
}

TEST_CASE("JUnit XML: suites per file, counts, escaping") {
  TestResult ok;
  ok.name = "fine";
  ok.file = "a.cohort";
  TestResult bad;
  bad.name = "quotes \" & <tags>";
  bad.file = "a.cohort";
  bad.failures = {"expected: x\n    actual: y & z", "second"};
  TestResult other;
  other.name = "other";
  other.file = "b.cohort";
  std::string xml = JUnitXml({ok, bad, other});
  INFO(xml);
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  CHECK(xml.find("<testsuites name=\"cohort test\" tests=\"3\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"a.cohort\" tests=\"2\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"b.cohort\" tests=\"1\" failures=\"0\"") != std::string::npos);
  CHECK(xml.find("name=\"quotes &quot; &amp; &lt;tags&gt;\"") != std::string::npos);
  CHECK(xml.find("<failure message=\"2 expectations failed\" type=\"assertion\">") != std::string::npos);
  CHECK(xml.find("actual: y &amp; z") != std::string::npos);
  CHECK(xml.find("<testcase name=\"fine\" classname=\"a.cohort\"") != std::string::npos);
  CHECK(xml.find("& z") == std::string::npos);
}

TEST_CASE("atomic writes replace the file whole or report an error") {
  fs::path dir = fs::temp_directory_path() / ("cohort-testing-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path file = dir / "report.xml";
  CHECK(WriteFileAtomic(file.string(), "first") == "");
  CHECK(WriteFileAtomic(file.string(), "second") == "");
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == "second");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  CHECK(entries == 1);  // no temporary file left behind
  std::string error = WriteFileAtomic((dir / "missing" / "x.xml").string(), "x");
  CHECK(error.find("cannot write") != std::string::npos);
  fs::remove_all(dir);
}
