// The synthetic data generator: determinism, shape, and that the stdlib
// Patient schema loads its output without errors.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/dates.h"
#include "runtime/loader.h"
#include "test_util.h"

using namespace cohort;
using cohort::testing::ReadAll;
using cohort::testing::TempDir;

namespace {

std::shared_ptr<Schema> PatientSchema() {
  SourceManager sm;
  DiagnosticBag diags;
  auto s = LoadStdlibSchema("Patient", sm, diags);
  REQUIRE(s != nullptr);
  REQUIRE_FALSE(diags.has_errors());
  return s;
}

}  // namespace

TEST_CASE("gen: same seed gives the same bytes; another seed differs") {
  TempDir a, b, c;
  GenOptions o;
  o.patients = 3000;
  o.seed = 7;
  o.today = *ParseDate("2026-11-23");
  REQUIRE(GenerateData(o, a.path()) == "");
  REQUIRE(GenerateData(o, b.path()) == "");
  o.seed = 8;
  REQUIRE(GenerateData(o, c.path()) == "");
  std::string pa = ReadAll(a.File("patients.csv")), ea = ReadAll(a.File("events.csv"));
  CHECK(pa.size() > 100000);
  CHECK(ea.size() > 100000);
  CHECK(pa == ReadAll(b.File("patients.csv")));
  CHECK(ea == ReadAll(b.File("events.csv")));
  CHECK(pa != ReadAll(c.File("patients.csv")));
  CHECK(ea != ReadAll(c.File("events.csv")));
  CHECK(pa.rfind("id,birth_date,", 0) == 0);
  CHECK(pa.find("\nP0000001,") != std::string::npos);
  CHECK(pa.find("\nP0003000,") != std::string::npos);
  CHECK(pa.find("\nP0003001,") == std::string::npos);
  // No temporary files are left behind.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(a.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 2);
}

TEST_CASE("gen: output loads with the Patient schema; events are not grouped by patient") {
  auto schema = PatientSchema();
  TempDir dir;
  GenOptions o;
  o.patients = 5000;
  o.seed = 42;
  o.today = *ParseDate("2026-11-23");
  REQUIRE(GenerateData(o, dir.path()) == "");
  std::vector<DataError> errors;
  auto reader = OpenRecordReader(schema, dir.path(), &errors);
  std::string all;
  for (auto& e : errors) all += e.ToString() + "\n";
  INFO(all);
  REQUIRE(reader != nullptr);
  int64_t rows = 0, with_events = 0, es = 0, en = 0, ma = 0, recent_discharge = 0, empty_conditions = 0;
  std::set<std::string> languages;
  const ColumnId lang = schema->FindColumn("language"), state = schema->FindColumn("state"),
                 events = schema->FindColumn("events"), discharged = schema->FindColumn("discharged_on"),
                 conditions = schema->FindColumn("conditions");
  REQUIRE(lang != kNoColumn);
  REQUIRE(events != kNoColumn);
  for (;;) {
    Batch b(*schema);
    if (!reader->Next(&b, 1024)) break;
    const CohortBatchView& v = b.View();
    for (int64_t r = 0; r < v.num_rows; ++r) {
      std::string l(StringAt(v.columns[lang], r));
      languages.insert(l);
      es += l == "es";
      en += l == "en";
      ma += IsValid(v.columns[state], r) && StringAt(v.columns[state], r) == "MA";
      with_events += v.columns[events].offsets[r + 1] > v.columns[events].offsets[r];
      empty_conditions += v.columns[conditions].offsets[r + 1] == v.columns[conditions].offsets[r];
      if (IsValid(v.columns[discharged], r)) {
        int32_t d = static_cast<const int32_t*>(v.columns[discharged].values)[r];
        recent_discharge += d >= o.today - 3 && d <= o.today;
      }
    }
    rows += v.num_rows;
  }
  all.clear();
  for (auto& e : reader->errors()) all += e.ToString() + "\n";
  INFO(all);
  REQUIRE(reader->errors().empty());
  CHECK(rows == 5000);
  CHECK(reader->stats().records == 5000);
  CHECK(reader->stats().list_rows > 5000 * 2);
  CHECK(reader->stats().list_rows_unmatched == 0);
  CHECK(with_events > 5000 * 6 / 10);
  CHECK(with_events < 5000 * 9 / 10);
  CHECK(en > 5000 * 6 / 10);
  CHECK(es > 5000 * 12 / 100);
  CHECK(languages.size() >= 6);
  CHECK(ma > 5000 * 4 / 10);
  CHECK(recent_discharge > 20);
  CHECK(empty_conditions > 5000 / 4);
  CHECK(empty_conditions < 5000 * 9 / 10);

  // The first events of the file belong to many different patients, in time order.
  std::string ev = ReadAll(dir.File("events.csv"));
  size_t pos = ev.find('\n') + 1;
  std::set<std::string> owners;
  std::string prev_at;
  bool sorted = true;
  for (int i = 0; i < 50; ++i) {
    size_t nl = ev.find('\n', pos);
    std::string line = ev.substr(pos, nl - pos);
    owners.insert(line.substr(0, line.find(',')));
    size_t a = line.find(',', line.find(',') + 1) + 1;
    std::string at = line.substr(a, line.find(',', a) - a);
    sorted &= prev_at <= at;
    prev_at = at;
    pos = nl + 1;
  }
  CHECK(owners.size() > 40);
  CHECK(sorted);
}

TEST_CASE("gen: zero patients writes header-only files") {
  TempDir dir;
  GenOptions o;
  o.patients = 0;
  REQUIRE(GenerateData(o, dir.path() + "/sub/dir") == "");
  CHECK(ReadAll(dir.File("sub/dir/events.csv")) == "patient_id,kind,at,channel\n");
  CHECK(ReadAll(dir.File("sub/dir/patients.csv")).find("consent.mail\n") != std::string::npos);
}
