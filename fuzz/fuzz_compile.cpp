// Fuzz target: segment source -> Compile (parse, check, fold, verify). When a
// program checks, it runs on a small fixed batch of generated patients on the
// interpreter and (when built) the JIT, and the two must agree on every mask.
#include <cstring>
#include <vector>

#include "compiler/driver/driver.h"
#include "fuzz/fuzz_util.h"
#include "runtime/engine.h"
#include "runtime/loader.h"
#ifdef COHORT_HAVE_JIT
#include "runtime/jit/jit_engine.h"
#endif

namespace {

using namespace cohort;

/// 64 generated patients (events included), read through the CSV loader once.
Batch& FixedBatch() {
  static Batch batch = [] {
    auto dir = fuzz::ScratchDir() / "batch";
    GenOptions g;
    g.patients = 64;
    g.seed = 7;
    g.today = 20000;
    if (std::string err = GenerateData(g, dir.string()); !err.empty()) fuzz::Fail("generate: " + err);
    std::vector<DataError> errors;
    auto reader = OpenRecordReader(fuzz::PatientSchema(), dir.string(), &errors);
    if (reader == nullptr) fuzz::Fail("cannot open the generated data");
    Batch b(*fuzz::PatientSchema());
    if (!reader->Next(&b, 64)) fuzz::Fail("no generated batch");
    return b;
  }();
  return batch;
}

void CompareResults(const BatchResult& a, const BatchResult& b, const std::string& text) {
  auto same = [](const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) { return x == y; };
  bool ok = a.segments.size() == b.segments.size();
  for (size_t s = 0; ok && s < a.segments.size(); ++s) {
    const SegmentResult& x = a.segments[s];
    const SegmentResult& y = b.segments[s];
    ok = same(x.where, y.where) && same(x.member, y.member) && x.excludes == y.excludes && x.channels == y.channels;
  }
  if (!ok) fuzz::Fail("the interpreter and the JIT disagree on:\n" + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;
#ifdef COHORT_HAVE_JIT
  // The in-process kernel cache grows with every distinct program; clear it
  // now and then, while no engine is alive.
  static int calls = 0;
  if (++calls % 64 == 0) ClearJitCache();
#endif  // longer sources add time, not new paths
  std::string text(reinterpret_cast<const char*>(data), size);
  CompileOptions options;
  options.file_name = "fuzz.cohort";
  options.schema = fuzz::PatientSchema();  // `use` never reads files named by the input
  options.today = (size % 2 == 0) ? std::optional<int32_t>(20000) : std::nullopt;
  CompileResult r = Compile(text, options);
  for (const Diagnostic& d : r.diags.all()) {
    // Every diagnostic renders (ranges inside the text, arguments formatted).
    (void)RenderText(d, *r.sources);
  }
  if (!r.internal_error.empty()) fuzz::Fail("internal error: " + r.internal_error + "\n" + text);
  if (!r.ok()) return 0;
  if (r.program->segments.size() > 64) return 0;

  Batch& batch = FixedBatch();
  ExecContext ctx;
  ctx.today = 20000;
  ctx.now = int64_t{20000} * 86400 * 1000000 + 3600LL * 1000000;
  BatchResult interp_result;
  MakeInterpreter(r.program)->Evaluate(batch.View(), ctx, &interp_result);
#ifdef COHORT_HAVE_JIT
  std::string error;
  JitOptions jo;
  jo.opt_level = 1;
  if (auto jit = MakeJitEngine(r.program, jo, &error)) {
    BatchResult jit_result;
    jit->Evaluate(batch.View(), ctx, &jit_result);
    CompareResults(interp_result, jit_result, text);
  }
#endif
  return 0;
}
