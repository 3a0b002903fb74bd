// The optimized kernel's row loops run in chunks of Emitter::kRowChunk rows
// with every bitmap read at the row expanded to bytes once per chunk
// (runtime/jit/emitter.cpp RowLoop), and mask accesses carry scoped-noalias
// metadata. Differential against the interpreter over batch sizes around the
// bitmap byte (8 rows), the vector widths (32-128 rows) and the chunk (1024
// rows), with missing values pinned at the batch and chunk edges; plain and
// dictionary-encoded strings; selective and unselective clauses; fused
// segments, clause passes with expensive (per-row, branchy) parts, channels
// gated by members, `in segment` and a quantifier reading a row bitmap.
#include <doctest/doctest.h>

#include "compiler/driver/driver.h"
#include "jit_test_util.h"
#include "runtime/jit/jit_engine.h"

using namespace cohort;
using namespace cohort::jit_test;

namespace {

const char* const kPrograms[] = {
    // Fused when language is dictionary-encoded: where + exclude + channel,
    // validity and bool bitmaps (consent.sms).
    "use Patient\nsegment F \"\"\n  where telehealth_visits == 0 and language == \"es\"\n"
    "  exclude next_appointment within next 14 days\n  channel sms if consent\n",
    // Only bitmaps: bools or'ed, `is missing`, negation (unselective).
    "use Patient\nsegment B \"\"\n  where (consent.sms or consent.email) and not portal_active\n"
    "    or last_visit is missing\n  exclude consent.phone\n  channel email if consent\n",
    // Clause parts made only of bitmaps (emit_logic.cpp ChunkBitsOf): one
    // word-wise bitmap per part, Kleene and/or/not over nullable bools,
    // `is missing` / `is present`, a define, mixed with value compares.
    "use Patient\ndefine reachable = consent.sms or consent.email or portal_active\n"
    "segment W \"\"\n  where not (consent.sms and consent.email) and (portal_active or last_visit is present)\n"
    "    and (consent.phone or not consent.email or next_appointment is missing) and telehealth_visits < 3\n"
    "  exclude not consent.sms or consent.email\n  exclude not (consent.mail or consent.portal is missing)\n"
    "  channel email if consent and reachable\n  channel sms if consent\n"
    "segment R \"\"\n  where reachable and not consent.phone\n",
    // Selective and unselective conjuncts; dictionary lists; age range.
    "use Patient\nsegment L \"\"\n  where language in [\"en\", \"es\", \"vi\"] and zip in [\"02139\", \"10001\"]\n"
    "    and last_visit is missing and age >= 40 and age < 75\n"
    "segment U \"\"\n  where not (telehealth_visits == 4242) and state is present\n  exclude in segment L\n",
    // Expensive parts (a string function, a quantifier reading the row's
    // consent bitmap inside the element loop): clause passes.
    "use Patient\nsegment E \"\"\n  where portal_active and lower(language) == \"es\"\n"
    "  exclude any e in events where e.kind == email_opened and consent.sms\n"
    "  channel sms if consent and starts_with(lower(language), \"e\")\n",
    // Quantifiers whose bodies read only the element: counted per chunk
    // before the rows (emit_list.cpp), any / all / no / count, a body with
    // a missing field (e.channel) and one that is constant.
    "use Patient\nsegment Q \"\"\n  where any e in events where e.kind == email_opened and e.at within last 30 days\n"
    "  exclude all e in events where e.at within last 60 days\n"
    "  channel sms if consent and count(e in events where e.channel is present) >= 2\n"
    "segment N \"\"\n  where (no e in events where e.kind == booked or e.kind == opted_out)\n"
    "    and count(e in events) < 3 and count(e in events where date_of(e.at) before 2026-11-20) >= 1\n",
};

}  // namespace

TEST_CASE("row chunks: bitmap expansion at batch, byte, vector and chunk edges agrees with the interpreter") {
  const int64_t sizes[] = {1, 7, 8, 9, 63, 64, 65, 127, 129, 1023, 1024, 1025, 2047, 2048, 2049, 3001};
  const int32_t today = *ParseDate("2026-11-23");
  ExecContext ctx;
  ctx.today = today;
  ctx.now = int64_t{today} * kMicrosPerDay;
  size_t ones = 0;
  int failures = 0;
  for (const char* text : kPrograms) {
    CompileOptions options;
    options.today = today;
    options.warn_unused = false;
    CompileResult r = Compile(text, options);
    REQUIRE_MESSAGE(r.ok(), text);
    auto interp = MakeInterpreter(r.program);
    for (int opt : {0, 2}) {
      std::string error;
      auto jit = MakeJitEngine(r.program, JitOptions{.opt_level = opt, .tiering = JitTiering::kOptimizedOnly}, &error);
      REQUIRE_MESSAGE(jit, error);
      for (int64_t rows : sizes) {
        for (uint64_t seed = 0; seed < 4; ++seed) {
          std::mt19937_64 rng(static_cast<uint64_t>(rows) * 31 + seed);
          // Seed 0: missing at the first and last row of the batch and of
          // each chunk, and at bitmap byte edges; seed 3: lists of 0-150
          // elements (a row's elements span several 64-element words of the
          // precomputed quantifiers' bit counts); others: random only.
          auto edge = [&](int64_t i) {
            const int64_t in_chunk = i % 1024;
            return i == 0 || i == rows - 1 || in_chunk == 0 || in_chunk == 1023 || i % 8 == 7;
          };
          if (seed == 3 && rows > 1100) continue;  // long lists: enough elements by then
          auto batch = seed == 0   ? RandomBatch(*r.program->schema, rng, rows, today, edge)
                       : seed == 3 ? RandomBatch(*r.program->schema, rng, rows, today, nullptr, 150)
                                   : RandomBatch(*r.program->schema, rng, rows, today);
          BatchResult want, got;
          interp->Evaluate(batch->View(), ctx, &want);
          jit->Evaluate(batch->View(), ctx, &got);
          ones += CountOnes(want);
          const std::string diff = DiffResults(*r.program, want, got);
          if (!diff.empty() && ++failures <= 5)
            FAIL_CHECK("opt " << opt << ", " << rows << " rows, seed " << seed << ": " << diff << "\n" << text);
        }
      }
    }
  }
  CHECK(failures == 0);
  CHECK(ones > 1000);  // the programs select rows
}
