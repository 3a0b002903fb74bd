// Interpreter semantics from segment TEXT compiled through the driver
// (parse -> check -> fold), evaluated over hand-built Patient batches. Each
// expression is evaluated twice, with `today` folded by the compiler and with
// `today` read from ExecContext at run time; both must agree.
#include <doctest/doctest.h>

#include <climits>

#include "compiler/driver/driver.h"
#include "interp_test_util.h"
#include "runtime/interp/interpreter.h"

using namespace cohort;
using namespace cohort::interp_test;
using cohort::interp::Interpreter;
using cohort::interp::Session;

namespace {

constexpr Truth F = Truth::kFalse, T = Truth::kTrue, U = Truth::kUnknown;
constexpr const char* kToday = "2026-06-15";

std::shared_ptr<ir::Program> CompileOk(const std::string& text, const char* today, bool fold) {
  CompileOptions o;
  o.schema = PatientSchema();  // same column layout as MakeBatch
  o.fold = fold;
  if (fold) o.today = *ParseDate(today);
  o.warn_unused = false;
  CompileResult r = Compile("use Patient\n" + text, o);
  std::string msgs;
  for (const Diagnostic& d : r.diags.all()) msgs += RenderText(d, *r.sources) + "\n";
  INFO(text);
  REQUIRE_MESSAGE(r.ok(), msgs << r.internal_error);
  return r.program;
}

ir::ExprId DefineBody(const ir::Program& p, const std::string& name) {
  for (const ir::Define& d : p.defines)
    if (d.name == name) return d.body;
  FAIL("no define " << name);
  return ir::kNoExpr;
}

/// Truth per row of `define q = <expr>` (folded and unfolded must agree).
std::vector<Truth> Q(const std::string& expr, const std::vector<Row>& rows, const char* today = kToday,
                       const std::string& decls = "") {
  const std::string text = decls + "\ndefine q = " + expr + "\n";
  auto batch = MakeBatch(rows);
  std::vector<Truth> results[2];
  for (int fold = 0; fold < 2; ++fold) {
    auto p = CompileOk(text, today, fold == 1);
    Interpreter interp(p);
    results[fold] = interp.EvaluateTruth(DefineBody(*p, "q"), batch->View(), Ctx(today));
  }
  INFO(expr);
  CHECK(results[0] == results[1]);
  return results[1];
}

/// Values per row of `define q = <expr>` (folded and unfolded must agree).
std::vector<ir::Value> V(const std::string& expr, const std::vector<Row>& rows, const char* today = kToday) {
  const std::string text = "define q = " + expr + "\n";
  auto batch = MakeBatch(rows);
  std::vector<ir::Value> results[2];
  for (int fold = 0; fold < 2; ++fold) {
    auto p = CompileOk(text, today, fold == 1);
    Interpreter interp(p);
    results[fold] = interp.EvaluateValues(DefineBody(*p, "q"), batch->View(), Ctx(today));
  }
  INFO(expr);
  CHECK(results[0] == results[1]);
  return results[1];
}

/// Every segment's masks for `text` over `rows`.
BatchResult Run(const std::string& text, const std::vector<Row>& rows, const char* today = kToday) {
  auto p = CompileOk(text, today, true);
  auto engine = MakeInterpreter(p);
  auto batch = MakeBatch(rows);
  BatchResult out;
  engine->Evaluate(batch->View(), Ctx(today), &out);
  return out;
}

Row R(std::map<std::string, std::string> f, std::vector<Ev> events = {}) { return Row{std::move(f), std::move(events)}; }

int32_t Day(const char* s) { return *ParseDate(s); }

}  // namespace

TEST_CASE("text: Kleene logic with missing values") {
  std::vector<Row> rows = {R({{"consent.sms", "true"}, {"consent.email", ""}}),
                           R({{"consent.sms", "false"}, {"consent.email", ""}}),
                           R({{"consent.sms", ""}, {"consent.email", ""}})};
  CHECK(Q("consent.sms and consent.email", rows) == std::vector<Truth>{U, F, U});
  CHECK(Q("consent.sms or consent.email", rows) == std::vector<Truth>{T, U, U});
  CHECK(Q("not consent.email", rows) == std::vector<Truth>{U, U, U});
  CHECK(Q("not (consent.sms and consent.email)", rows) == std::vector<Truth>{U, T, U});
  // `is missing` / `is present` are never unknown.
  CHECK(Q("consent.email is missing", rows) == std::vector<Truth>{T, T, T});
  CHECK(Q("consent.sms is present", rows) == std::vector<Truth>{T, T, F});
}

TEST_CASE("text: where keeps only TRUE, exclude removes only TRUE") {
  std::vector<Row> rows = {
      R({{"consent.sms", "true"}, {"consent.email", "false"}}),  // where T, exclude F -> member
      R({{"consent.sms", "true"}, {"consent.email", ""}}),       // where T, exclude U -> member
      R({{"consent.sms", "true"}, {"consent.email", "true"}}),   // where T, exclude T -> out
      R({{"consent.sms", ""}, {"consent.email", "false"}}),      // where U -> out
      R({{"consent.sms", "false"}, {"consent.email", "false"}}), // where F -> out
  };
  BatchResult r = Run("segment S where consent.sms exclude consent.email", rows);
  REQUIRE(r.segments.size() == 1);
  CHECK(r.segments[0].where == std::vector<uint8_t>{1, 1, 1, 0, 0});
  CHECK(r.segments[0].excludes[0] == std::vector<uint8_t>{0, 0, 1, 0, 0});
  CHECK(r.segments[0].member == std::vector<uint8_t>{1, 1, 0, 0, 0});
}

TEST_CASE("text: `within last/next` on dates has inclusive ends") {
  std::vector<Row> rows = {R({{"next_appointment", "2026-06-07"}}), R({{"next_appointment", "2026-06-08"}}),
                           R({{"next_appointment", "2026-06-15"}}), R({{"next_appointment", "2026-06-16"}}),
                           R({{"next_appointment", "2026-06-22"}}), R({{"next_appointment", "2026-06-23"}}),
                           R({{"next_appointment", ""}})};
  CHECK(Q("next_appointment within last 7 days", rows) == std::vector<Truth>{F, T, T, F, F, F, U});
  CHECK(Q("next_appointment within next 7 days", rows) == std::vector<Truth>{F, F, T, T, T, F, U});
  CHECK(Q("next_appointment within next 1 week", rows) == std::vector<Truth>{F, F, T, T, T, F, U});
  CHECK(Q("next_appointment before today", rows) == std::vector<Truth>{T, T, F, F, F, F, U});
  CHECK(Q("next_appointment after 2026-06-22", rows) == std::vector<Truth>{F, F, F, F, F, T, U});
}

TEST_CASE("text: `within` on timestamps covers whole UTC days, upper end exclusive") {
  auto one = [](const char* at) { return R({}, {Ev{"booked", at, ""}}); };
  std::vector<Row> rows = {one("2026-06-12T23:59:59.999999Z"), one("2026-06-13T00:00:00Z"),
                           one("2026-06-15T23:59:59.999999Z"), one("2026-06-16T00:00:00Z"),
                           one("2026-06-18T23:59:59Z"), one("2026-06-19T00:00:00Z"),
                           one("2026-06-14T23:59:59Z")};
  CHECK(Q("any e in events where e.at within last 2 days", rows) == std::vector<Truth>{F, T, T, F, F, F, T});
  CHECK(Q("any e in events where e.at within next 3 days", rows) == std::vector<Truth>{F, F, T, T, T, F, F});
  CHECK(Q("any e in events where e.at before now", rows) == std::vector<Truth>{T, T, F, F, F, F, T});
}

TEST_CASE("text: calendar arithmetic clamps month ends") {
  std::vector<Row> rows = {R({{"last_visit", "2026-03-31"}}), R({{"last_visit", "2024-02-29"}}),
                           R({{"last_visit", "2026-01-31"}}), R({{"last_visit", ""}})};
  auto minus = V("last_visit - 1 month", rows);
  CHECK(minus[0].i == Day("2026-02-28"));
  CHECK(minus[1].i == Day("2024-01-29"));
  CHECK(minus[2].i == Day("2025-12-31"));
  CHECK(minus[3].is_null);
  auto plus = V("last_visit + 1 year", rows);
  CHECK(plus[1].i == Day("2025-02-28"));
  auto plus_m = V("last_visit + 1 month", rows);
  CHECK(plus_m[2].i == Day("2026-02-28"));
  auto weeks = V("last_visit + 2 weeks", rows);
  CHECK(weeks[0].i == Day("2026-04-14"));
  // `before today - 1 month` with today = 2026-03-31: the bound is 2026-02-28.
  std::vector<Row> v2 = {R({{"last_visit", "2026-02-27"}}), R({{"last_visit", "2026-02-28"}})};
  CHECK(Q("last_visit before today - 1 month", v2, "2026-03-31") == std::vector<Truth>{T, F});
}

TEST_CASE("text: age counts a 29 February birthday on 28 February") {
  std::vector<Row> rows = {R({{"birth_date", "2008-02-29"}})};
  CHECK(V("age", rows, "2026-02-28")[0].i == 18);
  CHECK(V("age", rows, "2026-02-27")[0].i == 17);
  CHECK(V("age(birth_date)", rows, "2028-02-28")[0].i == 19);
  CHECK(V("age", rows, "2028-02-29")[0].i == 20);
  CHECK(Q("age >= 18", rows, "2026-02-28") == std::vector<Truth>{T});
  CHECK(Q("age >= 18", rows, "2026-02-27") == std::vector<Truth>{F});
}

TEST_CASE("text: days_since, days_until, year, month") {
  std::vector<Row> rows = {R({{"last_visit", "2026-06-10"}}), R({{"last_visit", ""}})};
  auto since = V("days_since(last_visit)", rows);
  CHECK(since[0].i == 5);
  CHECK(since[1].is_null);
  CHECK(V("days_until(last_visit)", rows)[0].i == -5);
  CHECK(V("year(last_visit)", rows)[0].i == 2026);
  CHECK(V("month(last_visit)", rows)[0].i == 6);
}

TEST_CASE("text: quantifiers over empty lists and bodies with unknown") {
  std::vector<Row> rows = {
      R({}),                                                                   // no events
      R({}, {Ev{"booked", "2026-06-01T00:00:00Z", ""}}),                       // body unknown
      R({}, {Ev{"booked", "2026-06-01T00:00:00Z", "sms"}, Ev{"booked", "2026-06-02T00:00:00Z", ""}}),
      R({}, {Ev{"booked", "2026-06-01T00:00:00Z", "sms"}}),
  };
  CHECK(Q("any e in events where e.channel == \"sms\"", rows) == std::vector<Truth>{F, F, T, T});
  CHECK(Q("all e in events where e.channel == \"sms\"", rows) == std::vector<Truth>{T, F, F, T});
  CHECK(Q("no e in events where e.channel == \"sms\"", rows) == std::vector<Truth>{T, T, F, F});
  auto c = V("count(e in events where e.channel == \"sms\")", rows);
  CHECK(c[0].i == 0);
  CHECK(c[1].i == 0);
  CHECK(c[2].i == 1);
  CHECK(c[3].i == 1);
  for (const auto& v : c) CHECK_FALSE(v.is_null);
  auto all = V("count(e in events)", rows);
  CHECK(all[2].i == 2);
  // Negated unknown bodies still do not count.
  CHECK(Q("any e in events where not (e.channel == \"sms\")", rows) == std::vector<Truth>{F, F, F, F});
}

TEST_CASE("text: min/max over lists; empty or all-filtered gives missing") {
  std::vector<Row> rows = {
      R({}),
      R({}, {Ev{"opted_out", "2026-06-01T00:00:00Z", ""}}),
      R({}, {Ev{"booked", "2026-06-03T00:00:00Z", ""}, Ev{"booked", "2026-06-01T08:00:00Z", ""},
             Ev{"email_opened", "2026-06-09T00:00:00Z", ""}}),
  };
  auto mx = V("max(e.at for e in events where e.kind == booked)", rows);
  CHECK(mx[0].is_null);
  CHECK(mx[1].is_null);
  CHECK(mx[2].i == *ParseTimestamp("2026-06-03T00:00:00Z"));
  auto mn = V("min(e.at for e in events)", rows);
  CHECK(mn[0].is_null);
  CHECK(mn[1].i == *ParseTimestamp("2026-06-01T00:00:00Z"));
  CHECK(mn[2].i == *ParseTimestamp("2026-06-01T08:00:00Z"));
  // Missing values do not take part: min over channels present only.
  std::vector<Row> ch = {R({}, {Ev{"booked", "2026-06-01T00:00:00Z", ""}, Ev{"booked", "2026-06-01T00:00:00Z", "sms"},
                                Ev{"booked", "2026-06-01T00:00:00Z", "email"}})};
  CHECK(V("min(e.channel for e in events)", ch)[0].s == "email");
  CHECK(V("max(e.channel for e in events)", ch)[0].s == "sms");
  // A comparison with a missing aggregate is unknown.
  CHECK(Q("max(e.at for e in events where e.kind == booked) before now", rows) == std::vector<Truth>{U, U, T});
}

TEST_CASE("text: sets: quantifiers over items and `in`") {
  std::vector<Row> rows = {R({{"conditions", "E11.9;I10"}, {"state", "I10"}}), R({{"conditions", "E119"}}),
                           R({{"conditions", ""}}), R({{"conditions", "J45;E1"}, {"state", "E1"}})};
  CHECK(Q("any c in conditions where starts_with(c, \"E11\")", rows) == std::vector<Truth>{T, T, F, F});
  CHECK(Q("all c in conditions where starts_with(c, \"E11\")", rows) == std::vector<Truth>{F, T, T, F});
  CHECK(Q("\"I10\" in conditions", rows) == std::vector<Truth>{T, F, F, F});
  CHECK(Q("\"I10\" not in conditions", rows) == std::vector<Truth>{F, T, T, T});
  CHECK(V("count(c in conditions)", rows)[0].i == 2);
  // A missing item is unknown, whatever the set.
  CHECK(Q("state in conditions", rows) == std::vector<Truth>{T, U, U, T});
  CHECK(Q("conditions is missing", rows) == std::vector<Truth>{F, F, F, F});
}

TEST_CASE("text: in-list with enums and strings; not in with missing") {
  std::vector<Row> rows = {R({{"payer_type", "medicare"}, {"language", "es"}}),
                           R({{"payer_type", "commercial"}, {"language", "ES"}}),
                           R({{"payer_type", ""}, {"language", "en"}})};
  CHECK(Q("payer_type in [medicare, medicaid]", rows) == std::vector<Truth>{T, F, U});
  CHECK(Q("payer_type not in [medicare, medicaid]", rows) == std::vector<Truth>{F, T, U});
  CHECK(Q("language in [\"es\", \"en\"]", rows) == std::vector<Truth>{T, F, T});
  CHECK(Q("language not in [\"es\"]", rows) == std::vector<Truth>{F, T, T});
  CHECK(Q("payer_type == medicare", rows) == std::vector<Truth>{T, F, U});
  CHECK(Q("payer_type != medicare", rows) == std::vector<Truth>{F, T, U});
  CHECK(Q("language in langs", rows, kToday, "const langs = [\"en\", \"vi\"]") == std::vector<Truth>{F, F, T});
}

TEST_CASE("text: coalesce takes the first present value") {
  std::vector<Row> rows = {R({{"state", "MA"}, {"zip", "02139"}}), R({{"state", ""}, {"zip", "10001"}}),
                           R({{"state", ""}, {"zip", ""}})};
  auto c = V("coalesce(state, zip)", rows);
  CHECK(c[0].s == "MA");
  CHECK(c[1].s == "10001");
  CHECK(c[2].is_null);
  CHECK(Q("coalesce(state, zip, \"none\") == \"none\"", rows) == std::vector<Truth>{F, F, T});
  CHECK(Q("coalesce(consent.sms, false)", {R({{"consent.sms", ""}}), R({{"consent.sms", "true"}})}) ==
        std::vector<Truth>{F, T});
}

TEST_CASE("text: arithmetic: `/` is decimal, division by zero and overflow give missing") {
  std::vector<Row> rows = {R({{"no_show_count", "3"}, {"telehealth_visits", "2"}}),
                           R({{"no_show_count", "3"}, {"telehealth_visits", "0"}}),
                           R({{"no_show_count", std::to_string(INT64_MAX)}, {"telehealth_visits", "1"}})};
  auto q = V("no_show_count / telehealth_visits", rows);
  CHECK(q[0].kind == TypeKind::kDecimal);
  CHECK(q[0].d == doctest::Approx(1.5));
  CHECK(q[1].is_null);
  auto s = V("no_show_count + telehealth_visits", rows);
  CHECK(s[0].i == 5);
  CHECK(s[2].is_null);
  CHECK(Q("no_show_count * 2 > 0", rows) == std::vector<Truth>{T, T, U});
  CHECK(Q("(no_show_count + telehealth_visits) is missing", rows) == std::vector<Truth>{F, F, T});
  CHECK(Q("no_show_count / telehealth_visits > 1", rows) == std::vector<Truth>{T, U, T});
  CHECK(Q("no_show_count > 2.5", rows) == std::vector<Truth>{T, T, T});
  auto neg = V("-no_show_count", rows);
  CHECK(neg[0].i == -3);
}

TEST_CASE("text: string functions and comparisons on non-ASCII text") {
  std::vector<Row> rows = {R({{"language", "José"}}), R({{"language", "日本語"}}), R({{"language", "ÉCOLE straße"}}),
                           R({{"language", ""}, {"state", ""}})};
  auto len = V("length(language)", rows);
  CHECK(len[0].i == 4);
  CHECK(len[1].i == 3);
  CHECK(len[2].i == 12);
  CHECK(len[3].is_null);  // a missing string (test rows may leave any field missing)
  auto low = V("lower(language)", rows);
  CHECK(low[0].s == "josé");
  CHECK(low[2].s == "École straße");  // ASCII-only case mapping
  CHECK(V("upper(language)", rows)[2].s == "ÉCOLE STRAßE");
  CHECK(Q("starts_with(language, \"Jo\")", rows) == std::vector<Truth>{T, F, F, U});
  CHECK(Q("ends_with(language, \"本語\")", rows) == std::vector<Truth>{F, T, F, U});
  CHECK(Q("contains(language, \"é\")", rows) == std::vector<Truth>{T, F, F, U});
  CHECK(Q("contains(language, \"\")", rows) == std::vector<Truth>{T, T, T, U});
  CHECK(Q("contains(state, \"M\")", rows) == std::vector<Truth>{U, U, U, U});
  CHECK(Q("length(state) > 0", rows) == std::vector<Truth>{U, U, U, U});
  // Bytewise, case-sensitive: "É" (0xC3 0x89) sorts after every ASCII letter.
  CHECK(Q("language > \"z\"", rows) == std::vector<Truth>{F, T, T, U});
  CHECK(Q("language == \"josé\"", rows) == std::vector<Truth>{F, F, F, U});
  CHECK(Q("lower(language) == \"josé\"", rows) == std::vector<Truth>{T, F, F, U});
}

TEST_CASE("text: `in segment` tests membership, which ignores holdout") {
  std::vector<Row> rows;
  for (int i = 0; i < 40; ++i)
    rows.push_back(R({{"id", "p" + std::to_string(i)}, {"no_show_count", std::to_string(i % 3)}}));
  BatchResult r = Run(R"(
segment Held where no_show_count >= 1
  holdout 99%
segment Follow where in segment Held
segment NotHeld where no_show_count >= 0 exclude in segment Held
)",
                      rows);
  REQUIRE(r.segments.size() == 3);
  CHECK(r.segments[1].member == r.segments[0].member);
  for (int i = 0; i < 40; ++i) {
    CHECK(r.segments[0].member[i] == (i % 3 >= 1 ? 1 : 0));
    CHECK(r.segments[2].member[i] == (i % 3 == 0 ? 1 : 0));
  }
}

TEST_CASE("text: a channel admits only TRUE; missing consent is no consent") {
  std::vector<Row> rows = {
      R({{"consent.sms", "true"}, {"portal_active", "true"}}),
      R({{"consent.sms", "true"}, {"portal_active", "false"}}),
      R({{"consent.sms", ""}, {"portal_active", "true"}}),
      R({{"consent.sms", "false"}, {"portal_active", "true"}}),
  };
  BatchResult r = Run(R"(
segment S where no_show_count >= 0
  channel sms if consent and portal_active
  channel email after 1 day if consent
)",
                      rows);
  REQUIRE(r.segments[0].channels.size() == 2);
  CHECK(r.segments[0].member == std::vector<uint8_t>{1, 1, 1, 1});
  CHECK(r.segments[0].channels[0] == std::vector<uint8_t>{1, 0, 0, 0});
  CHECK(r.segments[0].channels[1] == std::vector<uint8_t>{0, 0, 0, 0});  // consent.email missing everywhere
}

TEST_CASE("text: define values are shared across clauses and segments") {
  std::vector<Row> rows = {R({{"telehealth_visits", "0"}, {"language", "es"}}),
                           R({{"telehealth_visits", "0"}, {"language", "en"}}),
                           R({{"telehealth_visits", "2"}, {"language", "es"}})};
  BatchResult r = Run(R"(
define first_timer = telehealth_visits == 0
segment A where first_timer and language == "es"
segment B where first_timer exclude in segment A
)",
                      rows);
  CHECK(r.segments[0].member == std::vector<uint8_t>{1, 0, 0});
  CHECK(r.segments[1].member == std::vector<uint8_t>{0, 1, 0});
}
