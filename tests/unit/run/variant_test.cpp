// Variants (issue 12): the documented MD5 rule, the split within ±1 % of each
// share on 100k keys, independence from the holdout, and the lists of a run
// (variant column, the variant's message and cta; held-out rows have none).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver/driver.h"
#include "core/md5.h"
#include "runtime/run/decide.h"
#include "runtime/run/run.h"

namespace fs = std::filesystem;
using namespace cohort;

namespace {

ir::Segment ThreeWay() {
  ir::Segment seg;
  seg.name = "Onboarding";
  for (auto [name, bp] : {std::pair{"A", 5000u}, {"B", 3000u}, {"C", 2000u}}) {
    ir::Variant v;
    v.name = name;
    v.share_bp = bp;
    seg.variants.push_back(v);
  }
  return seg;
}

}  // namespace

TEST_CASE("variants: the bucket is MD5(key:segment:variant), independent of the holdout's") {
  // The first 8 hex digits of MD5("P1:Onboarding:variant") as a u32, mod 10000.
  const std::string hex = Md5Hex("P1:Onboarding:variant");
  const uint32_t expected = static_cast<uint32_t>(std::stoul(hex.substr(0, 8), nullptr, 16) % 10000);
  CHECK(VariantBucket("P1", "Onboarding") == expected);
  CHECK(HoldoutBucket("P1", "Onboarding") == std::stoul(Md5Hex("P1:Onboarding").substr(0, 8), nullptr, 16) % 10000);
  // Assigned in the order written: A takes [0, 5000), B [5000, 8000), C the rest.
  ir::Segment seg = ThreeWay();
  for (int i = 0; i < 200; ++i) {
    std::string key = "K" + std::to_string(i);
    uint32_t b = VariantBucket(key, seg.name);
    int want = b < 5000 ? 0 : b < 8000 ? 1 : 2;
    CHECK(VariantIndex(seg, key) == want);
  }
  ir::Segment none;
  none.name = "X";
  CHECK(VariantIndex(none, "K1") == -1);
}

TEST_CASE("variants: 100k keys split within ±1% of each share, also among the held-out and the rest") {
  ir::Segment seg = ThreeWay();
  const int n = 100000;
  int counts[3] = {0, 0, 0}, not_held[3] = {0, 0, 0}, not_held_total = 0;
  for (int i = 0; i < n; ++i) {
    std::string key = "P" + std::to_string(1000000 + i);
    int v = VariantIndex(seg, key);
    REQUIRE(v >= 0);
    REQUIRE(v < 3);
    ++counts[v];
    if (!IsHeldOut(key, seg.name, 1000)) {
      ++not_held[v];
      ++not_held_total;
    }
  }
  const double shares[3] = {0.5, 0.3, 0.2};
  for (int v = 0; v < 3; ++v) {
    CAPTURE(v);
    CHECK(std::fabs(counts[v] / double(n) - shares[v]) <= 0.01);
    // The holdout's bucket is another hash: the split among those not held
    // out keeps the shares too.
    CHECK(std::fabs(not_held[v] / double(not_held_total) - shares[v]) <= 0.01);
  }
}

TEST_CASE("variants: run lists carry the variant, its message and cta; held-out members are in no variant") {
  fs::path dir = fs::temp_directory_path() / ("cohort-variant-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  const char* program = R"(use Patient
segment S "s"
  where telehealth_visits == 0
  channel sms if consent
  message "base" cta "base-cta"
  holdout 20%
  variant A 60% message "m-a"
  variant B 40% message "m-b" cta "c-b"
)";
  std::ofstream(dir / "s.cohort") << program;
  std::string patients =
      "id,birth_date,sex,language,telehealth_visits,in_person_visits,no_show_count,portal_active,conditions,consent.sms,"
      "consent.email,zip,state,payer_type,service_line,last_visit,next_appointment,next_appointment_kind,last_no_show_"
      "reason,device_access,discharged_on,discharge_type,care_gap_due,consent.phone,consent.portal,consent.mail\n";
  for (int i = 0; i < 200; ++i) patients += "Q" + std::to_string(i) + ",1980-01-01,female,en,0,1,0,true,,true,,,,,,,,,,,,,,,,\n";
  std::ofstream(dir / "data" / "patients.csv") << patients;
  std::ofstream(dir / "data" / "events.csv") << "patient_id,kind,at,channel\n";
  CompileOptions co;
  co.today = 20780;
  CompileResult r = CompileFile((dir / "s.cohort").string(), co);
  REQUIRE(r.ok());
  auto engine = MakeInterpreter(r.program);
  RunOptions ro;
  ro.data_dir = (dir / "data").string();
  ro.out_dir = (dir / "out").string();
  ro.today = 20780;
  RunReport report;
  REQUIRE(Run(*r.program, *engine, ro, &report).code == 0);
  std::ifstream in(dir / "out" / "S" / "sms.csv");
  std::string line;
  std::getline(in, line);
  CHECK(line == "key,send_on,message,cta,variant");
  const ir::Segment& seg = r.program->segments[0];
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    std::string key = line.substr(0, line.find(','));
    CHECK_FALSE(IsHeldOut(key, "S", 2000));
    int v = VariantIndex(seg, key);
    REQUIRE(v >= 0);
    std::string tail = line.substr(line.find(',', line.find(',') + 1) + 1);  // after key,send_on
    CHECK(tail == (v == 0 ? "m-a,base-cta,A" : "m-b,c-b,B"));
  }
  CHECK(rows == report.segments[0].channels[0].listed);
  CHECK(rows + report.segments[0].held_out == 200);
  fs::remove_all(dir);
}
