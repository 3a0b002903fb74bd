// The shared run pipeline: consent enforcement independent of the engine,
// holdout by the MD5 rule, campaign priority, outputs and summary.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <fstream>
#include <sstream>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "core/md5.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/loader.h"
#include "runtime/run/run.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

fs::path TempDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("cohort-run-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void Write(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kProgram = R"(use Patient
segment A "a"
  where language == "es"
  channel sms if consent
  channel email after 2 days if consent
  message "m-a" cta "c-a"
  purpose operations
segment B "b"
  where language == "es" or language == "en"
  channel sms if consent
  message "m-b" cta "c-b"
  holdout 50%
  purpose operations
campaign C
  priority A, B
)";

// P1 es sms=true email missing; P2 es sms=false; P3..P8 en with sms true,
// except P6 (missing) and P7 (false); P9 fr.
const char* kPatients =
    "id,birth_date,sex,language,telehealth_visits,in_person_visits,no_show_count,portal_active,conditions,consent.sms,consent.email"
    ",zip,state,payer_type,service_line,last_visit,next_appointment,next_appointment_kind,last_no_show_reason,device_access,discharged_on,discharge_type,care_gap_due,consent.phone,consent.portal,consent.mail\n"
    "P1,1980-01-01,female,es,0,1,0,true,,true,,,,,,,,,,,,,,,,\n"
    "P2,1980-01-01,male,es,0,1,0,false,,false,true,,,,,,,,,,,,,,,\n"
    "P3,1980-01-01,female,en,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n"
    "P4,1980-01-01,female,en,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n"
    "P5,1980-01-01,female,en,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n"
    "P6,1980-01-01,female,en,0,1,0,true,,,true,,,,,,,,,,,,,,,\n"
    "P7,1980-01-01,female,en,0,1,0,true,,false,true,,,,,,,,,,,,,,,\n"
    "P8,1980-01-01,female,en,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n"
    "P9,1980-01-01,female,fr,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n";

/// An engine that claims every channel condition is TRUE for every row: the
/// pipeline must still list only records whose consent flag is TRUE.
class LyingEngine : public Engine {
 public:
  explicit LyingEngine(std::unique_ptr<Engine> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return "lying"; }
  void Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const override {
    inner_->Evaluate(batch, ctx, out);
    for (auto& s : out->segments)
      for (auto& c : s.channels) std::fill(c.begin(), c.end(), 1);
  }

 private:
  std::unique_ptr<Engine> inner_;
};

std::vector<std::string> Keys(const std::string& csv) {
  std::vector<std::string> keys;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) keys.push_back(line.substr(0, line.find(',')));
  return keys;
}

}  // namespace

TEST_CASE("run pipeline: consent, holdout, campaign priority, outputs") {
  CompileOptions co;
  co.today = ParseDate("2026-11-23");
  CompileResult r = Compile(kProgram, co);
  for (const auto& d : r.diags.all()) INFO(RenderText(d, *r.sources));
  REQUIRE(r.ok());
  fs::path dir = TempDir("data");
  Write(dir / "patients.csv", kPatients);

  for (int lying = 0; lying < 2; ++lying) {
    CAPTURE(lying);
    fs::path out = TempDir(lying ? "out-lying" : "out");
    std::unique_ptr<Engine> engine = MakeInterpreter(r.program);
    if (lying) engine = std::make_unique<LyingEngine>(std::move(engine));
    RunOptions ro;
    ro.data_dir = dir.string();
    ro.out_dir = out.string();
    ro.today = *co.today;
    ro.batch_rows = 4;  // several batches
    RunReport report;
    RunStatus st = Run(*r.program, *engine, ro, &report);
    for (const auto& e : st.data_errors) INFO(e.ToString());
    REQUIRE(st.code == 0);

    // A: members P1, P2; sms only P1 (P2's is false); email only P2 (P1's is missing).
    CHECK(Read(out / "A" / "sms.csv") == "key,send_on,message,cta\nP1,2026-11-23,m-a,c-a\n");
    CHECK(Read(out / "A" / "email.csv") == "key,send_on,message,cta\nP2,2026-11-25,m-a,c-a\n");
    CHECK(Read(out / "A" / "holdout.csv") == "key\n");

    // B: members P1..P8 but P1, P2 taken by A; the rest split by MD5 holdout.
    std::vector<std::string> held, listed;
    for (std::string k : {"P3", "P4", "P5", "P6", "P7", "P8"}) {
      if (IsHeldOut(k, "B", 5000)) held.push_back(k);
      else if (k != "P6" && k != "P7") listed.push_back(k);
    }
    CHECK(Keys(Read(out / "B" / "holdout.csv")) == held);
    CHECK(Keys(Read(out / "B" / "sms.csv")) == listed);

    REQUIRE(report.segments.size() == 2);
    CHECK(report.records == 9);
    CHECK(report.segments[0].members == 2);
    CHECK(report.segments[1].members == 8);
    CHECK(report.segments[1].taken_by_campaign == 2);
    CHECK(report.segments[1].held_out == static_cast<int64_t>(held.size()));
    CHECK(report.segments[0].channels[0].lacked_consent == 1);
    CHECK(report.segments[0].channels[1].lacked_consent == 1);
    CHECK(report.segments[0].channels[1].listed == 1);
    REQUIRE(report.campaigns.size() == 1);
    CHECK(report.campaigns[0].taken.at({"A", "B"}) == 2);
    CHECK(fs::exists(out / "summary.json"));
  }
}

TEST_CASE("run pipeline: a data error writes nothing") {
  CompileResult r = Compile(kProgram, CompileOptions{});
  REQUIRE(r.ok());
  fs::path dir = TempDir("bad");
  Write(dir / "patients.csv", std::string(kPatients) + "P10,1980-02-30,female,fr,0,1,0,true,,true,true,,,,,,,,,,,,,,,\n");
  fs::path out = TempDir("bad-out") / "lists";
  auto engine = MakeInterpreter(r.program);
  RunOptions ro;
  ro.data_dir = dir.string();
  ro.out_dir = out.string();
  RunReport report;
  RunStatus st = Run(*r.program, *engine, ro, &report);
  CHECK(st.code == 3);
  REQUIRE(!st.data_errors.empty());
  CHECK(st.data_errors[0].line == 11);
  CHECK(st.data_errors[0].column == "birth_date");
  CHECK(st.data_errors[0].ToString().find("1980-02-30") == std::string::npos);
  CHECK(!fs::exists(out));
}

TEST_CASE("run pipeline: list rows are sorted by key bytes and written as CSV lines") {
  ListRows rows;
  rows.set_shared(",2026-11-23,m,\"c,1\"");
  rows.Add("P2", ",x");
  rows.Add("P10");  // sorts before P2 (bytes, not numbers)
  rows.Add("a,b", ",y");  // a key that needs quoting
  const std::string p2z("P2\0", 3);  // same 8-byte prefix as "P2" zero-padded: ordered by the full key
  rows.Add(p2z);
  rows.Add("P1");
  rows.Add("q\"", {}, true);  // a quote doubled
  rows.Sort();
  std::string out;
  rows.AppendLines(out);
  const std::string shared = ",2026-11-23,m,\"c,1\"";
  CHECK(out == "P1" + shared + "\nP10" + shared + "\nP2" + shared + ",x\n" + p2z + shared + "\n\"a,b\"" + shared +
                   ",y\n\"q\"\"\"" + shared + "\n");
  // Rows added after a Sort are sorted by the next one.
  rows.Add("P0");
  rows.Sort();
  out.clear();
  rows.AppendLines(out);
  CHECK(out.rfind("P0" + shared + "\nP1", 0) == 0);
}

TEST_CASE("run pipeline: list rows already in key order are read as added, long keys and tails kept") {
  ListRows rows;
  rows.set_shared(",s");
  const std::string long_key = "K" + std::string(70, 'k');  // past the one-byte key length
  const std::string long_tail = "," + std::string(70000, 't');  // past a chunk's first size
  rows.Add("A");
  rows.Add("A", ",second");  // equal keys keep their order
  rows.Add(long_key, long_tail);
  rows.Cut();
  rows.Add("L");
  rows.Add("M,", {}, true);
  rows.Sort();
  std::string out;
  rows.AppendLines(out);
  CHECK(out == "A,s\nA,s,second\n" + long_key + ",s" + long_tail + "\nL,s\n\"M,\",s\n");
  CHECK(rows.size() == 5);
  rows.Clear();
  CHECK(rows.size() == 0);
  out.clear();
  rows.AppendLines(out);
  CHECK(out.empty());
}

namespace {

/// examples/telehealth.cohort compiled (today 2026-11-23) and generated
/// data for it, as CSV and imported as Arrow.
struct Telehealth {
  CompileResult r;
  fs::path csv, arrow;
  Telehealth(const std::string& name, int64_t patients, uint64_t seed)
      : csv(TempDir(name + "-csv")), arrow(TempDir(name + "-arrow")) {
    CompileOptions co;
    co.today = ParseDate("2026-11-23");
    r = Compile(Read(fs::path(COHORT_SOURCE_DIR) / "examples" / "telehealth.cohort"), co);
    REQUIRE(r.ok());
    GenOptions g;
    g.patients = patients;
    g.seed = seed;
    g.today = *co.today;
    REQUIRE(GenerateData(g, csv.string()) == "");
    REQUIRE(ImportToArrow(r.program->schema, csv.string(), arrow.string()).code == 0);
  }
};

/// Options of a run (today 2026-11-23) over `data` into `out`.
RunOptions TestRunOptions(const fs::path& data, const fs::path& out, int threads, int64_t batch_rows) {
  RunOptions ro;
  ro.data_dir = data.string();
  ro.out_dir = out.string();
  ro.today = *ParseDate("2026-11-23");
  ro.batch_rows = batch_rows;
  ro.threads = threads;
  return ro;
}

/// Every file below `dir` by relative path.
std::map<std::string, std::string> FilesOf(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[e.path().lexically_relative(dir).string()] = Read(e.path());
  return files;
}

/// Runs compiled `r` (interpreter) over `data` into `out`; returns every
/// output file by relative path. `stream_rows` > 0: lists are streamed
/// (RunOptions::stream_rows); 0: an on_batch callback that does nothing
/// keeps them to be written after the run.
std::map<std::string, std::string> RunToFiles(const CompileResult& r, const fs::path& data, const fs::path& out,
                                              int threads, int64_t batch_rows, int64_t stream_rows = 16384) {
  auto engine = MakeInterpreter(r.program);
  RunOptions ro = TestRunOptions(data, out, threads, batch_rows);
  ro.stream_rows = stream_rows;
  if (stream_rows == 0) ro.on_batch = [](const CohortBatchView&, const BatchResult&, const Decisions&) {};
  RunReport report;
  RunStatus st = Run(*r.program, *engine, ro, &report);
  REQUIRE(st.code == 0);
  return FilesOf(out);
}

/// Writes `header` and `lines` as csv/patients.csv and imports `csv` into
/// `arrow`.
void WriteRecordsAndImport(const Telehealth& t, const std::string& header, const std::vector<std::string>& lines,
                           const fs::path& csv, const fs::path& arrow) {
  std::string text = header + "\n";
  for (const std::string& l : lines) text += l + "\n";
  Write(csv / "patients.csv", text);
  const ImportStatus imported = ImportToArrow(t.r.program->schema, csv.string(), arrow.string());
  std::string errors;
  for (const DataError& e : imported.data_errors) errors += e.ToString() + "\n";
  INFO(errors, imported.message);
  REQUIRE(imported.code == 0);
}

}  // namespace

TEST_CASE("run pipeline: Arrow data (dictionary columns read as they are mapped) gives the same outputs as its CSV") {
  Telehealth t("dict", 3000, 11);
  auto from_csv = RunToFiles(t.r, t.csv, TempDir("dict-out-csv"), 1, 256);
  auto from_arrow = RunToFiles(t.r, t.arrow, TempDir("dict-out-arrow"), 1, 256);
  CHECK(from_csv.size() > 5);
  size_t listed = 0;
  for (const auto& [name, text] : from_csv) listed += std::count(text.begin(), text.end(), '\n');
  CHECK(listed > 100);  // the comparison covers real lists
  CHECK(from_csv == from_arrow);
}

/// The lines of `rows` (after Sort), one string each, newline included.
std::vector<std::string> LinesOf(const ListRows& rows) {
  std::vector<std::string> lines;
  rows.ForEach([&](const ListRows::RowView& row) {
    lines.emplace_back(rows.LineSize(row), '\0');
    rows.WriteLine(row, lines.back().data());
  });
  return lines;
}

TEST_CASE("run pipeline: list rows spread over many arena chunks keep their bytes and sort stably") {
  // Enough rows (with tails of every length up to 300 bytes) for the arena
  // to fill several chunks, checked against a plain vector of lines.
  ListRows rows;
  rows.set_shared(",s");
  std::vector<std::pair<std::string, std::string>> expected;  // key, rest of line
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 60000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::string key = "K" + std::to_string(x % 5000);  // repeated keys: the sort must be stable
    std::string tail = "," + std::to_string(i) + std::string(x % 300, 'a' + static_cast<char>(i % 26));
    rows.Add(key, tail);
    if (i % 1000 == 999) rows.Cut();
    expected.push_back({key, ",s" + tail});
  }
  rows.Sort();
  std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  REQUIRE(rows.size() == expected.size());
  const std::vector<std::string> lines = LinesOf(rows);
  REQUIRE(lines.size() == expected.size());
  size_t wrong = 0;
  for (size_t i = 0; i < lines.size(); ++i) wrong += lines[i] != expected[i].first + expected[i].second + "\n";
  CHECK(wrong == 0);
}

TEST_CASE("run pipeline: outputs are identical at 1, 2 and 3 threads, written directly or through the page cache") {
  Telehealth t("threads", 5000, 5);
  // 200-row batches: many rounds of batches.
  auto run = [&](const fs::path& out, int threads) { return RunToFiles(t.r, t.arrow, out, threads, 200); };
  const auto one = run(TempDir("threads-1"), 1);
  size_t listed = 0;
  for (const auto& [name, text] : one) listed += std::count(text.begin(), text.end(), '\n');
  CHECK(listed > 200);
  CHECK(run(TempDir("threads-2"), 2) == one);
  CHECK(run(TempDir("threads-3"), 3) == one);
  // tmpfs has no O_DIRECT: the files go through the page cache there.
  std::error_code ec;
  if (fs::is_directory("/dev/shm", ec)) {
    fs::path shm = fs::path("/dev/shm") / ("cohort-run-test-shm-" + std::to_string(::getpid()));
    fs::remove_all(shm, ec);
    CHECK(run(shm, 2) == one);
    fs::remove_all(shm, ec);
  }
}

TEST_CASE("run pipeline: ListRows::Gather interleaves parts' rows in run order, moving their chunks") {
  // Three parts filled with rows whose tails span several arena chunks; runs
  // interleave them (as batches decided by three threads do). The gathered
  // list must read exactly like one list filled in run order, also with rows
  // already in the target and rows added after the gather. Parts are Cut
  // after most runs (as the pipeline does per batch), not after some, so a
  // run also ends inside a span. Keys rise in run order except where `down`
  // says, so whether the gathered rows are sorted depends on the run order.
  for (const bool down : {false, true}) {
    CAPTURE(down);
    std::vector<ListRows> parts(3);
    std::vector<ListRows::Run> runs;
    std::vector<std::pair<std::string, std::string>> expected;  // key, tail in run order
    ListRows out;
    out.set_shared(",s");
    out.Add("A-before", ",t0");
    expected.push_back({"A-before", ",t0"});
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int batch = 0; batch < 300; ++batch) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const uint32_t part = static_cast<uint32_t>(x % 3);
      const uint32_t rows = static_cast<uint32_t>((x >> 8) % 40);  // 0-row runs too
      for (uint32_t i = 0; i < rows; ++i) {
        const int rank = down && batch == 150 ? 999 - static_cast<int>(i) : 1000 + batch;
        std::string key = "K" + std::to_string(rank) + "-" + std::to_string(100 + i);
        std::string tail = "," + std::string((x >> (i % 40)) % 700, static_cast<char>('a' + i % 26));
        parts[part].Add(key, tail);
        expected.push_back({key, tail});
      }
      if ((x >> 20) % 4 != 0) parts[part].Cut();
      runs.push_back({part, rows});
    }
    std::vector<ListRows*> ptrs{&parts[0], &parts[1], &parts[2]};
    ListRows::Gather(ptrs, runs, &out);
    for (const ListRows& p : parts) CHECK(p.size() == 0);
    out.Add("Z-after");
    expected.push_back({"Z-after", ""});
    REQUIRE(out.size() == expected.size());
    std::vector<std::string> keys;
    out.ForEach([&](const ListRows::RowView& row) { keys.emplace_back(row.key); });
    REQUIRE(keys.size() == expected.size());
    size_t wrong = 0;
    for (size_t i = 0; i < keys.size(); ++i) wrong += keys[i] != expected[i].first;
    CHECK(wrong == 0);
    out.Sort();  // keys are unique, so the order is the keys'
    std::sort(expected.begin(), expected.end());
    CHECK(std::is_sorted(keys.begin(), keys.end()) == !down);
    const std::vector<std::string> lines = LinesOf(out);
    REQUIRE(lines.size() == expected.size());
    for (size_t i = 0; i < lines.size(); ++i) wrong += lines[i] != expected[i].first + ",s" + expected[i].second + "\n";
    CHECK(wrong == 0);
  }
}

TEST_CASE("run pipeline: records in no key order, many small batches: the same outputs at 1, 2 and 3 threads") {
  // Lists are filled per thread and gathered in batch order, then sorted by
  // key: with the records reversed, every list needs the sort.
  Telehealth t("reversed", 4000, 9);
  fs::path csv = TempDir("rev-in-csv"), arrow = TempDir("rev-in-arrow");  // not Telehealth's dirs
  for (const auto& e : fs::directory_iterator(t.csv)) fs::copy(e.path(), csv / e.path().filename());
  std::string text = Read(t.csv / "patients.csv");
  std::istringstream in(text);
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::reverse(lines.begin(), lines.end());
  WriteRecordsAndImport(t, header, lines, csv, arrow);
  const auto sorted = RunToFiles(t.r, t.arrow, TempDir("reversed-sorted"), 1, 64);
  size_t listed = 0;
  for (const auto& [name, body] : sorted) listed += std::count(body.begin(), body.end(), '\n');
  CHECK(listed > 200);
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    CHECK(RunToFiles(t.r, arrow, TempDir("reversed-arrow-out"), threads, 64) == sorted);
    CHECK(RunToFiles(t.r, csv, TempDir("reversed-csv-out"), threads, 48) == sorted);
  }
}

namespace {

/// The first CSV field of `line` (a list's key), unquoted.
std::string FirstField(const std::string& line) {
  if (line.empty() || line[0] != '"') return line.substr(0, line.find(','));
  std::string field;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      field.push_back('"');
      ++i;
    } else if (line[i] == '"') {
      break;
    } else {
      field.push_back(line[i]);
    }
  }
  return field;
}

}  // namespace

TEST_CASE("run pipeline: keys that need CSV quoting, shuffled records, small batches: same lists at 1, 2 and 3 threads") {
  // Some keys get a comma or a quote (quoted in the lists, found per batch
  // or per key), the records are shuffled (every list needs the sort); the
  // lists of one big batch are the reference, and they are checked on
  // their own: keys in byte order, quoted keys read back.
  Telehealth t("quoted", 3000, 17);
  fs::path csv = TempDir("quoted-in-csv"), arrow = TempDir("quoted-in-arrow");
  for (const auto& e : fs::directory_iterator(t.csv)) fs::copy(e.path(), csv / e.path().filename());
  std::istringstream in(Read(t.csv / "patients.csv"));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> lines;
  std::set<std::string> keys;  // every patient key, as the lists show it unquoted
  while (std::getline(in, line)) {
    const size_t comma = line.find(',');
    std::string key = line.substr(0, comma);
    const size_t i = lines.size();
    if (i % 7 == 3) key += ",q";                  // the field is written "P..,q"
    if (i % 11 == 5) key += "\"z";                // the field is written "P..""z"
    if (i >= 1200 && i < 1400) key = "b" + key;  // keys sorting after every `P...` key
    keys.insert(key);
    std::string field = key;
    if (key.find_first_of(",\"") != std::string::npos) {
      field = "\"";
      for (char c : key) field += c == '"' ? std::string("\"\"") : std::string(1, c);
      field += "\"";
    }
    lines.push_back(field + line.substr(comma));
  }
  std::mt19937 rng(3);
  std::shuffle(lines.begin() + 200, lines.end(), rng);  // the first 200 stay in key order: sorted batches too
  WriteRecordsAndImport(t, header, lines, csv, arrow);
  const auto reference = RunToFiles(t.r, csv, TempDir("quoted-ref"), 1, 1 << 20);
  size_t listed = 0, quoted = 0;
  for (const auto& [name, body] : reference) {
    if (name == "summary.json") continue;
    CAPTURE(name);
    std::istringstream list(body);
    std::getline(list, line);  // header
    std::string previous;
    size_t unsorted = 0, unknown = 0;
    while (std::getline(list, line)) {
      const std::string key = FirstField(line);
      unsorted += key < previous;
      unknown += keys.count(key) == 0;
      quoted += line[0] == '"';
      previous = key;
      ++listed;
    }
    CHECK(unsorted == 0);
    CHECK(unknown == 0);
  }
  CHECK(listed > 200);
  CHECK(quoted > 20);
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    CHECK(RunToFiles(t.r, csv, TempDir("quoted-csv-out"), threads, 48) == reference);
    CHECK(RunToFiles(t.r, arrow, TempDir("quoted-arrow-out"), threads, 64) == reference);
  }
}

namespace {

/// The lines of telehealth patients (`t`'s CSV) and its header.
std::vector<std::string> PatientLines(const Telehealth& t, std::string* header) {
  std::istringstream in(Read(t.csv / "patients.csv"));
  std::getline(in, *header);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

/// Copies `t`'s CSV directory (events and all) to `dir`.
void CopyCsv(const Telehealth& t, const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(t.csv)) fs::copy(e.path(), dir / e.path().filename());
}

}  // namespace

TEST_CASE("run pipeline: lists streamed while the run goes on are the lists written after it") {
  // Lists are written while batches are evaluated (a list's rows once
  // stream_rows wait: 1 here, so after almost every batch) as long as they
  // come in key order; the reference keeps every list until the end
  // (on_batch). Three inputs: in key order (streamed whole), reversed
  // (never in order), and in order but for 300 records moved to the end
  // (lists written in part, then dropped and written again, sorted).
  Telehealth t("stream", 4000, 23);
  std::string header;
  const std::vector<std::string> lines = PatientLines(t, &header);
  std::vector<std::string> reversed(lines.rbegin(), lines.rend());
  std::vector<std::string> late(lines.begin() + 300, lines.end());
  late.insert(late.end(), lines.begin(), lines.begin() + 300);
  struct Input {
    std::string name;
    fs::path dir;
  };
  std::vector<Input> inputs = {{"sorted", t.arrow}};
  for (const auto& [name, records] : {std::pair{"reversed", &reversed}, std::pair{"late", &late}}) {
    fs::path csv = TempDir(std::string("stream-") + name + "-csv"), arrow = TempDir(std::string("stream-") + name + "-arrow");
    CopyCsv(t, csv);
    WriteRecordsAndImport(t, header, *records, csv, arrow);
    inputs.push_back({name, arrow});
    inputs.push_back({std::string(name) + "-csv", csv});
  }
  for (const Input& in : inputs) {
    CAPTURE(in.name);
    const auto reference = RunToFiles(t.r, in.dir, TempDir("stream-ref"), 1, 64, 0);
    size_t listed = 0, lists = 0;
    for (const auto& [name, body] : reference) {
      listed += std::count(body.begin(), body.end(), '\n');
      lists += name != "summary.json";
    }
    CHECK(listed > 400);
    CHECK(lists > 10);
    for (int threads : {1, 2, 3}) {
      CAPTURE(threads);
      CHECK(RunToFiles(t.r, in.dir, TempDir("stream-out"), threads, 64, 1) == reference);
      CHECK(RunToFiles(t.r, in.dir, TempDir("stream-out"), threads, 48, 100) == reference);
    }
  }
}

TEST_CASE("run pipeline: a data error in a late batch leaves the previous outputs and no staging tree") {
  // The lists of the batches before the bad one are already being written
  // (streamed into the staging tree, whose files start as hard links to
  // the previous outputs) when the error is found.
  Telehealth t("stream-error", 3000, 29);
  fs::path parent = TempDir("stream-error-out");
  const fs::path out = parent / "lists";
  const auto before = RunToFiles(t.r, t.arrow, out, 2, 64, 1);
  std::string header;
  std::vector<std::string> lines = PatientLines(t, &header);
  std::string& bad = lines[2500];
  const size_t birth = bad.find(',') + 1;
  bad.replace(birth, 10, "1980-02-30");  // birth_date is the second column
  fs::path csv = TempDir("stream-error-csv");
  CopyCsv(t, csv);
  std::string text = header + "\n";
  for (const std::string& l : lines) text += l + "\n";
  Write(csv / "patients.csv", text);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    auto engine = MakeInterpreter(t.r.program);
    RunOptions ro = TestRunOptions(csv, out, threads, 64);
    ro.stream_rows = 1;
    ro.load_chunk_bytes = 4096;  // the bad row is parsed long after the first batches are handed out
    RunReport report;
    RunStatus st = Run(*t.r.program, *engine, ro, &report);
    CHECK(st.code == 3);
    REQUIRE(!st.data_errors.empty());
    CHECK(st.data_errors[0].column == "birth_date");
    CHECK(FilesOf(out) == before);
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(parent)) left.push_back(e.path().filename().string());
    CHECK(left == std::vector<std::string>{"lists"});
  }
}

TEST_CASE("run pipeline: ForEachSet visits exactly the nonzero bytes of a mask, in order") {
  // Every length to 70 (words and a tail), densities from empty to full,
  // nonzero bytes of every kind (1, 0x80 alone, 0xff, others).
  std::mt19937 rng(7);
  size_t masks = 0, visited = 0;
  for (int64_t n = 0; n <= 70; ++n) {
    for (int density : {0, 1, 3, 5, 8}) {
      std::vector<uint8_t> mask(static_cast<size_t>(n));
      for (uint8_t& b : mask) {
        const uint32_t x = rng();
        b = x % 8 < static_cast<uint32_t>(density) ? static_cast<uint8_t>(std::array<int, 4>{1, 0x80, 0xff, 0x41}[(x >> 8) % 4]) : 0;
      }
      std::vector<int64_t> expected, got;
      for (int64_t r = 0; r < n; ++r)
        if (mask[static_cast<size_t>(r)] != 0) expected.push_back(r);
      ForEachSet(mask.data(), n, [&](int64_t r) { got.push_back(r); });
      CAPTURE(n);
      CAPTURE(density);
      CHECK(got == expected);
      ++masks;
      visited += got.size();
    }
  }
  CHECK(masks == 71 * 5);
  CHECK(visited > 500);
}
