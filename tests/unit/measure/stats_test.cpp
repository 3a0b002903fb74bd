// The outcome statistics against published and hand-computed values.
#include <doctest/doctest.h>

#include <cmath>

#include "runtime/measure/stats.h"

using namespace cohort::measure;

TEST_CASE("Wilson score interval: Newcombe (1998) Table I examples") {
  // 81/263: 0.2553 to 0.3662 (Newcombe 1998, "Two-sided confidence intervals
  // for the single proportion", method 3).
  Interval a = Wilson(81, 263);
  CHECK(a.low == doctest::Approx(0.2553).epsilon(0.0005));
  CHECK(a.high == doctest::Approx(0.3662).epsilon(0.0005));
  // 0/20: 0 to 0.1611.
  Interval b = Wilson(0, 20);
  CHECK(b.low == doctest::Approx(0.0));
  CHECK(b.high == doctest::Approx(0.1611).epsilon(0.0005));
}

TEST_CASE("Newcombe's hybrid score interval: the worked examples of Newcombe (1998), method 10") {
  // "Interval estimation for the difference between independent
  // proportions", Statistics in Medicine 17:873-890, Table II.
  struct Case {
    int64_t x1, n1, x2, n2;
    double low, high;
  };
  const Case cases[] = {
      {56, 70, 48, 80, 0.0524, 0.3339},
      {9, 10, 3, 10, 0.1705, 0.8090},
      {5, 56, 0, 29, -0.0381, 0.1926},
  };
  for (const Case& c : cases) {
    CAPTURE(c.x1);
    Comparison r = Compare(c.x1, c.n1, c.x2, c.n2);
    CHECK(r.ci.low == doctest::Approx(c.low).epsilon(0.0006));
    CHECK(r.ci.high == doctest::Approx(c.high).epsilon(0.0006));
  }
}

TEST_CASE("p-value, relative lift and MDE by hand") {
  // 120/1000 vs 100/1000: pooled p = 0.11, se = sqrt(0.11*0.89*0.002) =
  // 0.013993; z = 0.02/0.013993 = 1.4293; p = erfc(1.4293/sqrt 2) = 0.15293.
  Comparison r = Compare(120, 1000, 100, 1000);
  CHECK(r.lift == doctest::Approx(0.02));
  CHECK(r.relative_lift == doctest::Approx(0.2));
  CHECK(r.p_value == doctest::Approx(0.15293).epsilon(0.0005));
  // MDE = (1.95996 + 0.84162) * sqrt(0.1*0.9*0.002) = 2.80158 * 0.0134164 = 0.037587.
  CHECK(r.mde == doctest::Approx(0.037587).epsilon(0.0005));
  CHECK(TwoSidedP(1.959963984540054) == doctest::Approx(0.05));
  // No conversions anywhere: no variance, p = 1, relative lift undefined.
  Comparison z = Compare(0, 50, 0, 50);
  CHECK(z.p_value == 1.0);
  CHECK(std::isnan(z.relative_lift));
}

// ---- The contact ledger ---------------------------------------------------------
#include <filesystem>
#include <fstream>
#include <random>

#include "runtime/measure/ledger.h"

namespace {
struct LedgerDir {
  std::filesystem::path path;
  LedgerDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("cohort-ledger-test-" + std::to_string(rd()));
  }
  ~LedgerDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};
LedgerRun SampleRun(const std::string& id) {
  LedgerRun run;
  run.run_id = id;
  run.run_date = 20780;
  run.rows = {{"P2", "Spanish", "sms", 1, 20780, ""},
              {"P1", "Spanish", "sms", 1, 20780, ""},
              {"P3, \"x\"", "Spanish", "holdout", 0, 20780, ""},
              {"P1", "English", "email", 2, 20782, "A"}};
  return run;
}
}  // namespace

TEST_CASE("ledger: written once per run id, read back exactly, never overwritten") {
  LedgerDir dir;
  bool already = true;
  REQUIRE(WriteLedger(dir.path.string(), SampleRun("00aa"), &already).empty());
  CHECK(!already);
  // The same run again: recognised, nothing written.
  REQUIRE(WriteLedger(dir.path.string(), SampleRun("00aa"), &already).empty());
  CHECK(already);
  // Different rows under the same id: refused.
  LedgerRun other = SampleRun("00aa");
  other.rows.pop_back();
  CHECK(!WriteLedger(dir.path.string(), other, &already).empty());
  // A second run.
  REQUIRE(WriteLedger(dir.path.string(), SampleRun("00bb"), &already).empty());
  std::vector<LedgerRun> runs;
  REQUIRE(ReadLedger(dir.path.string(), &runs).empty());
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].run_id == "00aa");
  REQUIRE(runs[0].rows.size() == 4);
  // Sorted by segment, list, key; quoting round-trips.
  CHECK(runs[0].rows[0].segment == "English");
  CHECK(runs[0].rows[0].variant == "A");
  CHECK(runs[0].rows[0].send_on == 20782);
  CHECK(runs[0].rows[1].key == "P3, \"x\"");
  CHECK(runs[0].rows[1].list == "holdout");
  CHECK(runs[0].rows[2].key == "P1");
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.path().filename().string()[0] != '.';
  CHECK(files == 2);
}

TEST_CASE("ledger: run ids follow the inputs; bad files are located errors") {
  CHECK(LedgerRunId({"a", "b"}, 20780) == LedgerRunId({"a", "b"}, 20780));
  CHECK(LedgerRunId({"a", "b"}, 20780) != LedgerRunId({"a", "c"}, 20780));
  CHECK(LedgerRunId({"a", "b"}, 20780) != LedgerRunId({"a", "b"}, 20781));
  CHECK(LedgerRunId({}, 0).size() == 16);
  LedgerDir dir;
  std::filesystem::create_directories(dir.path);
  {
    std::ofstream out(dir.path / "run-2026-11-23-x.csv");
    out << "run_id,run_date,key,segment,list,step,send_on,variant\nx,2026-11-23,SECRETKEY,S,sms,1,2026-13-01,\n";
  }
  std::vector<LedgerRun> runs;
  std::string err = ReadLedger(dir.path.string(), &runs);
  CHECK(err.find("run-2026-11-23-x.csv:2:") != std::string::npos);
  CHECK(err.find("SECRETKEY") == std::string::npos);
  CHECK(!ReadLedger((dir.path / "nope").string(), &runs).empty());
}
