// Tiered compilation: the quick kernel and the optimized one compute the same
// masks, tier-up replaces the kernel under running evaluations, and the tiers
// can be pinned (kQuickOnly / kOptimizedOnly) or awaited
// (WaitForOptimizedKernel), so nothing here depends on timing.
#include <doctest/doctest.h>

#include <random>
#include <thread>

#include "compiler/driver/driver.h"
#include "jit_test_util.h"
#include "runtime/jit/jit_engine.h"

using namespace cohort;

namespace {

std::shared_ptr<const ir::Program> TenPredicates(int variant) {
  CompileOptions options;
  options.today = *ParseDate("2026-11-23");
  options.warn_unused = false;
  const std::string text =
      "use Patient\nsegment T \"\"\n  where age >= 18 and age < 90 and language in [\"en\", \"es\"] and state == \"MA\"\n"
      "    and telehealth_visits < 3 and no_show_count < " + std::to_string(variant) + " and portal_active\n"
      "    and last_visit after 2024-11-23 and (consent.sms or consent.email)\n"
      "    and next_appointment is missing\n  channel sms if consent and lower(language) == \"es\"\n";
  CompileResult r = Compile(text, options);
  REQUIRE(r.ok());
  return r.program;
}

BatchResult Run(const Engine& e, const CohortBatchView& v, const ExecContext& ctx) {
  BatchResult r;
  e.Evaluate(v, ctx, &r);
  return r;
}

}  // namespace

TEST_CASE("tiers: quick and optimized kernels agree with the interpreter; pinned tiers") {
  auto program = TenPredicates(5);
  ExecContext ctx;
  ctx.today = *ParseDate("2026-11-23");
  std::mt19937_64 rng(5);
  auto batch = jit_test::RandomBatch(*program->schema, rng, 500, ctx.today);
  const BatchResult ref = Run(*MakeInterpreter(program), batch->View(), ctx);

  std::string error;
  auto quick = MakeJitEngine(program, JitOptions{.tiering = JitTiering::kQuickOnly}, &error);
  REQUIRE_MESSAGE(quick, error);
  CHECK(JitTierOf(*quick) == "quick");
  CHECK_FALSE(WaitForOptimizedKernel(*quick));  // never tiers up
  CHECK(JitTierOf(*quick) == "quick");
  CHECK(jit_test::DiffResults(*program, ref, Run(*quick, batch->View(), ctx)) == "");

  auto optimized = MakeJitEngine(program, JitOptions{.tiering = JitTiering::kOptimizedOnly}, &error);
  REQUIRE_MESSAGE(optimized, error);
  CHECK(JitTierOf(*optimized) == "optimized");
  CHECK(jit_test::DiffResults(*program, ref, Run(*optimized, batch->View(), ctx)) == "");
  CHECK(JitTierOf(*MakeInterpreter(program)) == "");
}

TEST_CASE("tiers: tier-up swaps the kernel under concurrent evaluations") {
  auto program = TenPredicates(7);  // not compiled by another test: a cold compile
  ExecContext ctx;
  ctx.today = *ParseDate("2026-11-23");
  std::mt19937_64 rng(7);
  auto batch = jit_test::RandomBatch(*program->schema, rng, 300, ctx.today);
  const BatchResult ref = Run(*MakeInterpreter(program), batch->View(), ctx);

  const JitCacheStats before = GetJitCacheStats();
  std::string error;
  auto engine = MakeJitEngine(program, JitOptions{.tiering = JitTiering::kTiered}, &error);
  REQUIRE_MESSAGE(engine, error);
  CHECK(GetJitCacheStats().compiles == before.compiles + 1);
  const std::string_view first = JitTierOf(*engine);
  CHECK((first == "quick" || first == "optimized"));  // the worker may already have finished
  // Evaluations on two threads while the optimized kernel comes in: every
  // result is exact whichever kernel ran it.
  std::vector<std::string> diffs(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20 && diffs[t].empty(); ++k) diffs[t] = jit_test::DiffResults(*program, ref, Run(*engine, batch->View(), ctx));
    });
  std::string tier_up_error;
  CHECK_MESSAGE(WaitForOptimizedKernel(*engine, &tier_up_error), tier_up_error);
  for (auto& t : threads) t.join();
  CHECK(diffs[0] == "");
  CHECK(diffs[1] == "");
  CHECK(JitTierOf(*engine) == "optimized");
  CHECK(jit_test::DiffResults(*program, ref, Run(*engine, batch->View(), ctx)) == "");
  // A cache hit shares the (now optimized) kernels.
  auto again = MakeJitEngine(program, JitOptions{.tiering = JitTiering::kTiered}, &error);
  REQUIRE(again);
  CHECK(JitTierOf(*again) == "optimized");
  CHECK(GetJitCacheStats().hits == before.hits + 1);
}
