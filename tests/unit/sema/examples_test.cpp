// The shared examples check cleanly, verify, dump and fingerprint deterministically.
#include <fstream>
#include <sstream>

#include "compiler/opt/fold.h"
#include "sema_test_util.h"

namespace cohort {
namespace {

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(COHORT_SOURCE_DIR) + "/examples/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("the shared examples check with no diagnostics") {
  for (const char* name : {"telehealth.cohort", "primary_care.cohort"}) {
    CAPTURE(name);
    std::string text = ReadExample(name);
    REQUIRE(!text.empty());
    for (bool fold : {false, true}) {
      auto r = test::CompileText(text, fold);
      INFO(test::Rendered(r));
      CHECK(r.diags.all().empty());
      REQUIRE(r.program != nullptr);
      CHECK(ir::Verify(*r.program) == "");
    }
  }
}

TEST_CASE("dumps and fingerprints are deterministic") {
  std::string text = ReadExample("telehealth.cohort");
  auto a = test::CompileText(text, true);
  auto b = test::CompileText(text, true);
  REQUIRE(a.program);
  REQUIRE(b.program);
  CHECK(ir::Dump(*a.program) == ir::Dump(*b.program));
  CHECK(ir::Fingerprint(*a.program) == ir::Fingerprint(*b.program));
  // Whitespace and comments are not semantics.
  auto c = test::CompileText("# a comment\n\n" + text, true);
  REQUIRE(c.program);
  CHECK(ir::Fingerprint(*a.program) == ir::Fingerprint(*c.program));
  // A different run date changes folded bounds, hence the fingerprint.
  CompileOptions o;
  o.today = *ParseDate("2026-01-01");
  auto d = Compile(text, o);
  REQUIRE(d.program);
  CHECK(ir::Fingerprint(*a.program) != ir::Fingerprint(*d.program));
}

TEST_CASE("telehealth: order, campaigns, steps, holdout") {
  auto r = test::CompileText(ReadExample("telehealth.cohort"));
  REQUIRE(r.program);
  const ir::Program& p = *r.program;
  REQUIRE(p.segments.size() == 7);
  int tech = p.FindSegment("NoShowTechBarrier");
  int sched = p.FindSegment("NoShowScheduling");
  REQUIRE(tech >= 0);
  REQUIRE(sched >= 0);
  CHECK(p.segments[sched].depends_on == std::vector<uint32_t>{static_cast<uint32_t>(tech)});
  // Declaration order, except that dependencies come first (already the case here).
  CHECK(p.segment_order == std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6});
  REQUIRE(p.campaigns.size() == 1);
  CHECK(p.campaigns[0].segments == std::vector<uint32_t>{0, 1, 2, 3, 4});
  CHECK(p.segments[0].campaign == 0);
  CHECK(p.segments[3].campaign == 0);
  CHECK(p.segments[5].campaign == -1);
  const ir::Segment& fts = p.segments[1];
  CHECK(fts.holdout_bp == 1000);
  CHECK(fts.purpose == ir::Purpose::kMarketing);
  REQUIRE(fts.channels.size() == 3);
  CHECK(fts.channels[2].name == "phone");
  CHECK(fts.channels[2].step == 3);
  CHECK(fts.channels[2].after.days == 5);
  CHECK(fts.channels[2].consent_column == p.schema->FindColumn("consent.phone"));
  CHECK(p.segments[5].purpose == ir::Purpose::kTreatment);
  CHECK(p.consts.size() == 2);
  CHECK(p.defines.size() == 3);
}

}  // namespace
}  // namespace cohort
