// Contact history and frequency caps (issue 12) in the shared run pipeline:
// `contacted` read from the ledger's contacts, caps enforced by Decide, a
// re-run not counting itself. Data is constructed; results are by hand.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/measure/contacts.h"
#include "runtime/run/decide.h"
#include "runtime/run/run.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

int32_t Day(const char* s) { return *ParseDate(s); }

fs::path TempDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("cohort-contacts-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Keys(const std::string& csv) {
  std::vector<std::string> keys;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) keys.push_back(line.substr(0, line.find(',')));
  return keys;
}

// P1..P6, language en, every consent true.
void WritePatients(const fs::path& dir) {
  std::string csv =
      "id,birth_date,sex,language,telehealth_visits,in_person_visits,no_show_count,portal_active,conditions,consent.sms,"
      "consent.email,zip,state,payer_type,service_line,last_visit,next_appointment,next_appointment_kind,"
      "last_no_show_reason,device_access,discharged_on,discharge_type,care_gap_due,consent.phone,consent.portal,"
      "consent.mail\n";
  for (int i = 1; i <= 6; ++i)
    csv += "P" + std::to_string(i) + ",1980-01-01,female,en,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n";
  std::ofstream(dir / "patients.csv", std::ios::binary) << csv;
}

struct Ran {
  RunReport report;
  fs::path out;
};

Ran RunWith(const std::string& program, const measure::ContactIndex* contacts, const std::string& name,
            int64_t batch_rows = 2) {
  CompileOptions co;
  co.today = Day("2026-11-23");
  CompileResult r = Compile(program, co);
  for (const auto& d : r.diags.all()) INFO(RenderText(d, *r.sources));
  REQUIRE(r.ok());
  fs::path data = TempDir(name + "-data");
  WritePatients(data);
  Ran ran;
  ran.out = TempDir(name + "-out");
  auto engine = MakeInterpreter(r.program);
  RunOptions ro;
  ro.data_dir = data.string();
  ro.out_dir = ran.out.string();
  ro.today = *co.today;
  ro.batch_rows = batch_rows;
  ro.contacts = contacts;
  RunStatus st = Run(*r.program, *engine, ro, &ran.report);
  REQUIRE(st.code == 0);
  return ran;
}

}  // namespace

TEST_CASE("contacts: the ledger's channel rows, not holdout rows, not the run's own") {
  measure::LedgerRun earlier{"aaaa", Day("2026-11-20"), {}};
  earlier.rows.push_back({"P1", "S", "sms", 1, Day("2026-11-20"), ""});
  earlier.rows.push_back({"P2", "S", "holdout", 0, Day("2026-11-20"), ""});
  measure::LedgerRun same{"bbbb", Day("2026-11-23"), {}};
  same.rows.push_back({"P3", "S", "email", 1, Day("2026-11-23"), ""});
  auto index = measure::ContactIndex::FromLedger({earlier, same}, "bbbb");
  REQUIRE(index.Find("P1"));
  CHECK(*index.Find("P1") == std::vector<measure::Contact>{{"sms", Day("2026-11-20")}});
  CHECK(index.Find("P2") == nullptr);  // holdout rows are not contacts
  CHECK(index.Find("P3") == nullptr);  // the run being re-made does not count itself
  auto all = measure::ContactIndex::FromLedger({earlier, same}, "");
  CHECK(all.Find("P3") != nullptr);
}

TEST_CASE("contacts: `contacted within last N days` in where, exclude and channel conditions") {
  const std::string program = R"(use Patient
segment S "s"
  where language == "en"
  exclude contacted within last 7 days
  channel sms if consent and not contacted by sms within last 30 days
  channel email if consent
  purpose operations
)";
  measure::ContactIndex index;
  index.Add("P1", {"email", Day("2026-11-16")});  // exactly 7 days ago: excluded
  index.Add("P2", {"sms", Day("2026-11-15")});    // 8 days ago: kept, but sms within 30 days
  index.Add("P3", {"email", Day("2026-11-30")});  // scheduled later: counts, excluded
  index.Add("P4", {"sms", Day("2026-10-01")});    // long ago: listed everywhere
  Ran ran = RunWith(program, &index, "contacted");
  CHECK(Keys(Read(ran.out / "S" / "sms.csv")) == std::vector<std::string>{"P4", "P5", "P6"});
  CHECK(Keys(Read(ran.out / "S" / "email.csv")) == std::vector<std::string>{"P2", "P4", "P5", "P6"});
  CHECK(ran.report.segments[0].exclude_removed == std::vector<int64_t>{2});
  CHECK(ran.report.segments[0].channels[0].condition_false == 1);

  // No ledger rows at all: nobody was contacted.
  measure::ContactIndex empty;
  Ran none = RunWith(program, &empty, "contacted-empty", 16384);
  CHECK(Keys(Read(none.out / "S" / "sms.csv")).size() == 6);
}

TEST_CASE("contacts: the cap rule on windows") {
  const int32_t d = Day("2026-11-23");
  CHECK(CapAdmits({}, d, 1, 7));
  CHECK(!CapAdmits({d - 6}, d, 1, 7));  // the window [d-6, d] holds both
  CHECK(CapAdmits({d - 7}, d, 1, 7));
  CHECK(!CapAdmits({d + 6}, d, 1, 7));  // a later scheduled send counts too
  CHECK(CapAdmits({d + 7}, d, 1, 7));
  CHECK(CapAdmits({d - 6}, d, 2, 7));
  CHECK(CapAdmits({d - 6, d + 6}, d, 2, 7));   // no single 7-day window holds all three
  CHECK(!CapAdmits({d - 3, d + 3}, d, 2, 7));            // [d-3, d+3] holds all three
  CHECK(!CapAdmits({d}, d, 1, 1));
}

TEST_CASE("contacts: a campaign cap across segments, steps and earlier runs") {
  const std::string program = R"(use Patient
segment A "a"
  where language == "en" and id in ["P1", "P2"]
  channel sms if consent
  channel email after 2 days if consent
  purpose operations
segment B "b"
  where language == "en"
  channel sms if consent
  purpose operations
segment Free "not capped"
  where id == "P5"
  channel email after 1 days if consent
  purpose operations
campaign C
  priority A, B
  cap 1 message per 7 days
)";
  measure::ContactIndex index;
  index.Add("P3", {"sms", Day("2026-11-20")});  // within a week of today: B's sms is capped
  index.Add("P4", {"sms", Day("2026-11-10")});  // 13 days before: B's sms goes out
  Ran ran = RunWith(program, &index, "cap");
  // A: P1, P2 get the sms today; the email 2 days later would be a 2nd message in 7 days.
  CHECK(Keys(Read(ran.out / "A" / "sms.csv")) == std::vector<std::string>{"P1", "P2"});
  CHECK(Keys(Read(ran.out / "A" / "email.csv")).empty());
  // B: P1, P2 taken by A; P3 capped by the ledger; P5 capped by this run's uncapped `Free` email.
  CHECK(Keys(Read(ran.out / "B" / "sms.csv")) == std::vector<std::string>{"P4", "P6"});
  CHECK(Keys(Read(ran.out / "Free" / "email.csv")) == std::vector<std::string>{"P5"});
  CHECK(ran.report.segments[0].channels[1].capped == 2);
  CHECK(ran.report.segments[0].channels[1].condition_false == 0);
  CHECK(ran.report.segments[1].channels[0].capped == 2);
  CHECK(ran.report.segments[1].channels[0].listed == 2);
  CHECK(ran.report.caps);
  CHECK(FormatReportTable(ran.report).find("listed / no consent / capped") != std::string::npos);
  CHECK(ReportToJson(ran.report).find("\"capped\": 2") != std::string::npos);
}
