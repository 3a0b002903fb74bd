// Column projection end to end: the columns a checked program reads
// (core/used_columns.h), and `cohort run` loading only those
// (RunOptions::project_columns) writes byte-identical outputs to a run that
// loads every column, while a bad value in a column the program does not read
// fails only the full load.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "core/used_columns.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/loader.h"
#include "runtime/run/run.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

fs::path Dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("cohort-projection-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kSmall = R"(use Patient
segment A "a"
  where language == "es" and any e in events where e.kind == booked
  channel sms if consent
  message "m" cta "c"
  purpose operations
)";

CompileResult CompileText(const std::string& text) {
  CompileOptions co;
  co.today = ParseDate("2026-11-23");
  CompileResult r = Compile(text, co);
  REQUIRE(r.ok());
  return r;
}

struct Outcome {
  int code = 0;
  std::string errors;
  std::map<std::string, std::string> files;
};

Outcome RunDir(const CompileResult& r, const fs::path& data, bool project, int threads, const std::string& name) {
  fs::path out = Dir(name);
  auto engine = MakeInterpreter(r.program);
  RunOptions ro;
  ro.data_dir = data.string();
  ro.out_dir = out.string();
  ro.today = *ParseDate("2026-11-23");
  ro.batch_rows = 300;
  ro.threads = threads;
  ro.project_columns = project;
  RunReport report;
  RunStatus st = Run(*r.program, *engine, ro, &report);
  Outcome o;
  o.code = st.code;
  for (const DataError& e : st.data_errors) o.errors += e.ToString() + "\n";
  for (const auto& e : fs::recursive_directory_iterator(out))
    if (e.is_regular_file()) o.files[e.path().lexically_relative(out).string()] = ReadFile(e.path());
  fs::remove_all(out);
  return o;
}

}  // namespace

TEST_CASE("used columns: the key, the expressions' columns, consents and the list fields read") {
  CompileResult r = CompileText(kSmall);
  const Schema& sc = *r.program->schema;
  const ir::UsedColumns used = ir::FindUsedColumns(*r.program);
  for (const char* c : {"id", "language", "events", "consent.sms"}) {
    CAPTURE(c);
    CHECK(used.column(sc.FindColumn(c)));
  }
  for (const char* c : {"zip", "birth_date", "consent.email", "conditions"}) {
    CAPTURE(c);
    CHECK_FALSE(used.column(sc.FindColumn(c)));
  }
  const ColumnId ev = sc.FindColumn("events");
  CHECK(used.element(ev, 0));        // kind
  CHECK_FALSE(used.element(ev, 1));  // at
  CHECK_FALSE(used.element(ev, 2));  // channel
}

TEST_CASE("projection: the example programs write byte-identical outputs reading few columns or all") {
  fs::path data = Dir("data");
  GenOptions g;
  g.patients = 2500;
  g.seed = 3;
  g.today = *ParseDate("2026-11-23");
  REQUIRE(GenerateData(g, data.string()) == "");
  for (const char* example : {"telehealth.cohort", "primary_care.cohort"}) {
    CAPTURE(example);
    CompileResult r = CompileText(ReadFile(fs::path(COHORT_SOURCE_DIR) / "examples" / example));
    const Outcome all = RunDir(r, data, false, 1, "all");
    REQUIRE(all.code == 0);
    size_t lines = 0;
    for (const auto& [name, text] : all.files) lines += std::count(text.begin(), text.end(), '\n');
    CHECK(lines > 50);  // the comparison covers real lists
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      const Outcome few = RunDir(r, data, true, threads, "few");
      CHECK(few.code == 0);
      CHECK(few.files == all.files);
    }
  }
  fs::remove_all(data);
}

TEST_CASE("projection: a bad value in a column the program does not read fails only a full load") {
  fs::path data = Dir("bad");
  GenOptions g;
  g.patients = 300;
  g.today = *ParseDate("2026-11-23");
  REQUIRE(GenerateData(g, data.string()) == "");
  // Row 2's birth_date (not read by kSmall) becomes an invalid date.
  std::string text = ReadFile(data / "patients.csv");
  const size_t header_end = text.find('\n');
  const std::string header = text.substr(0, header_end);
  size_t column = 0;
  for (size_t i = 0, start = 0; i <= header.size(); ++i)
    if (i == header.size() || header[i] == ',') {
      if (header.substr(start, i - start) == "birth_date") break;
      ++column, start = i + 1;
    }
  size_t at = header_end + 1;
  for (size_t k = 0; k < column; ++k) at = text.find(',', at) + 1;
  const size_t end = text.find_first_of(",\n", at);
  text.replace(at, end - at, "1980-13-45");
  std::ofstream(data / "patients.csv", std::ios::binary) << text;

  CompileResult r = CompileText(kSmall);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    const Outcome few = RunDir(r, data, true, threads, "bad-few");
    CHECK(few.code == 0);
    const Outcome all = RunDir(r, data, false, threads, "bad-all");
    CHECK(all.code == 3);
    CHECK(all.errors.find("patients.csv:2: column `birth_date`") != std::string::npos);
  }
  fs::remove_all(data);
}

TEST_CASE("projection: an Arrow directory converts only the columns (and list fields) the program reads") {
  fs::path csv = Dir("arrow-csv"), arrow = Dir("arrow");
  GenOptions g;
  g.patients = 1500;
  g.seed = 4;
  g.today = *ParseDate("2026-11-23");
  REQUIRE(GenerateData(g, csv.string()) == "");
  CompileResult r = CompileText(kSmall);
  REQUIRE(ImportToArrow(r.program->schema, csv.string(), arrow.string()).code == 0);
  const Schema& sc = *r.program->schema;
  auto first_batch = [&](bool project, Batch* b) {
    LoadOptions lo;
    if (project) lo.projection = std::make_shared<const ir::UsedColumns>(ir::FindUsedColumns(*r.program));
    std::vector<DataError> errors;
    auto reader = OpenDataReader(r.program->schema, arrow.string(), lo, &errors, nullptr);
    REQUIRE(reader);
    *b = Batch(sc);
    REQUIRE(reader->Next(b, 128));
  };
  Batch few, all;
  first_batch(true, &few);
  first_batch(false, &all);
  const ColumnId ev = sc.FindColumn("events");
  for (const char* c : {"zip", "birth_date", "consent.email", "conditions"}) {
    CAPTURE(c);
    CHECK(few.absent(sc.FindColumn(c)));
    CHECK_FALSE(all.absent(sc.FindColumn(c)));
    CHECK(few.View().columns[sc.FindColumn(c)].length == 0);
  }
  for (const char* c : {"id", "language", "events", "consent.sms"}) {
    CAPTURE(c);
    CHECK_FALSE(few.absent(sc.FindColumn(c)));
    CHECK(few.View().columns[sc.FindColumn(c)].length == 128);
  }
  // events.kind is read, events.at is not converted (no rows).
  const CohortColumn& events = few.View().columns[ev];
  REQUIRE(events.num_children >= 2);
  CHECK(events.children[0].length > 0);
  CHECK(events.children[1].length == 0);
  CHECK(all.View().columns[ev].children[1].length == all.View().columns[ev].children[0].length);
  // And the outputs are the full load's, at 1 and 2 threads.
  for (const char* example : {"telehealth.cohort", "primary_care.cohort"}) {
    CAPTURE(example);
    CompileResult ex = CompileText(ReadFile(fs::path(COHORT_SOURCE_DIR) / "examples" / example));
    const Outcome full = RunDir(ex, arrow, false, 1, "arrow-all");
    REQUIRE(full.code == 0);
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      const Outcome part = RunDir(ex, arrow, true, threads, "arrow-few");
      CHECK(part.code == 0);
      CHECK(part.files == full.files);
    }
  }
  fs::remove_all(csv);
  fs::remove_all(arrow);
}
