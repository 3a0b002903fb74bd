// The shipped examples compiled through the driver and run by the JIT and the
// interpreter over random batches: every mask must agree. Also the engine's
// plumbing: the kernel cache, `--emit=llvm`, multi-threaded use.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "compiler/driver/driver.h"
#include "jit_test_util.h"
#include "runtime/jit/jit_engine.h"

using namespace cohort;
using namespace cohort::jit_test;

namespace {

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const char* dir : {"/work/shared/examples", COHORT_SOURCE_DIR "/examples"}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
      if (entry.path().extension() == ".cohort") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::shared_ptr<const ir::Program> CompileOk(const std::string& path, std::optional<int32_t> today) {
  CompileOptions options;
  options.today = today;
  options.fold = today.has_value();  // unfolded: `today`/`now` read from the run context
  CompileResult r = CompileFile(path, options);
  if (!r.ok()) {
    for (const Diagnostic& d : r.diags.all())
      if (d.severity == Severity::Error) MESSAGE(path << ": " << d.code() << " " << d.message);
    if (!r.internal_error.empty()) MESSAGE(path << ": " << r.internal_error);
    return nullptr;
  }
  return r.program;
}

}  // namespace

TEST_CASE("examples: JIT and interpreter agree on random batches (today folded and not)") {
  const int32_t today = *ParseDate("2026-11-23");
  auto files = ExampleFiles();
  REQUIRE(files.size() >= 2);
  int compiled = 0;
  for (const std::string& file : files) {
    for (bool fold : {true, false}) {
      auto program = CompileOk(file, fold ? std::optional<int32_t>(today) : std::nullopt);
      if (!program) continue;  // e.g. an example over another schema without its data
      if (program->schema->name != "Patient") continue;
      ++compiled;
      CAPTURE(file);
      CAPTURE(fold);
      std::string error;
      auto jit = MakeJitEngine(program, JitOptions{}, &error);
      REQUIRE_MESSAGE(jit != nullptr, error);
      auto interp = MakeInterpreter(program);
      for (uint64_t seed = 1; seed <= 5; ++seed) {
        std::mt19937_64 rng(seed);
        auto batch = RandomBatch(*program->schema, rng, 1 + static_cast<int64_t>(rng() % 3000), today);
        ExecContext ctx;
        ctx.today = today;
        ctx.now = int64_t{today} * kMicrosPerDay + (fold ? 0 : 13 * 3600LL * 1000000);
        BatchResult a, b;
        interp->Evaluate(batch->View(), ctx, &a);
        jit->Evaluate(batch->View(), ctx, &b);
        std::string diff = DiffResults(*program, a, b);
        CHECK_MESSAGE(diff.empty(), "seed " << seed << ": " << diff);
      }
    }
  }
  CHECK(compiled >= 8);
}

TEST_CASE("kernel cache: the same program compiles once; options are part of the key") {
  auto files = ExampleFiles();
  REQUIRE(!files.empty());
  auto p1 = CompileOk(files.front(), std::nullopt);
  auto p2 = CompileOk(files.front(), std::nullopt);
  REQUIRE(p1);
  REQUIRE(p2);
  std::string error;
  JitCacheStats before = GetJitCacheStats();
  auto e1 = MakeJitEngine(p1, JitOptions{}, &error);
  REQUIRE_MESSAGE(e1, error);
  auto e2 = MakeJitEngine(p2, JitOptions{}, &error);
  REQUIRE_MESSAGE(e2, error);
  JitCacheStats mid = GetJitCacheStats();
  CHECK(mid.hits >= before.hits + 1);
  JitOptions o1;
  o1.opt_level = 1;
  auto e3 = MakeJitEngine(p1, o1, &error);
  REQUIRE_MESSAGE(e3, error);
  CHECK(GetJitCacheStats().compiles == mid.compiles + 1);
}

TEST_CASE("--emit=llvm prints the kernel") {
  auto files = ExampleFiles();
  auto p = CompileOk(files.front(), std::nullopt);
  REQUIRE(p);
  std::string error;
  std::string ir = EmitLlvmIr(*p, &error);
  CHECK_MESSAGE(error.empty(), error);
  CHECK(ir.find("define void @cohort_program") != std::string::npos);
}

TEST_CASE("one engine evaluated from several threads at once") {
  const int32_t today = *ParseDate("2026-11-23");
  std::string tele;
  for (const auto& f : ExampleFiles())
    if (f.find("telehealth") != std::string::npos) tele = f;
  REQUIRE(!tele.empty());
  auto program = CompileOk(tele, std::nullopt);
  REQUIRE(program);
  std::string error;
  auto jit = MakeJitEngine(program, JitOptions{}, &error);
  REQUIRE_MESSAGE(jit, error);
  auto interp = MakeInterpreter(program);
  std::vector<std::unique_ptr<Batch>> batches;
  std::vector<BatchResult> expected(4), got(4);
  ExecContext ctx;
  ctx.today = today;
  ctx.now = int64_t{today} * kMicrosPerDay;
  for (int k = 0; k < 4; ++k) {
    std::mt19937_64 rng(100 + k);
    batches.push_back(RandomBatch(*program->schema, rng, 5000, today));
    interp->Evaluate(batches.back()->View(), ctx, &expected[k]);
  }
  std::vector<CohortBatchView> views;
  for (auto& b : batches) views.push_back(b->View());
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) threads.emplace_back([&, k] { jit->Evaluate(views[k], ctx, &got[k]); });
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) CHECK(DiffResults(*program, expected[k], got[k]).empty());
}
