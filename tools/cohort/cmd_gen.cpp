// `cohort gen`: realistic, deterministic synthetic patients for the Patient schema.
#include <cstdio>

#include "core/dates.h"
#include "runtime/loader.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdGen(Args& args) {
  auto patients = args.Value("--patients");
  auto seed = args.Value("--seed");
  auto out = args.Value("--out");
  auto today_s = args.Value("--today");
  auto pos = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "gen");
  if (!pos.empty()) return UsageError("unexpected argument `" + pos[0] + "`", "gen");
  if (!out) return UsageError("missing --out DIR", "gen");
  GenOptions g;
  try {
    if (patients) {
      size_t p = 0;
      g.patients = std::stoll(*patients, &p);
      if (p != patients->size() || g.patients < 0 || g.patients > 100'000'000) throw 0;
    }
    if (seed) {
      size_t p = 0;
      g.seed = std::stoull(*seed, &p);
      if (p != seed->size()) throw 0;
    }
  } catch (...) {
    return UsageError("--patients must be 0..100000000 and --seed a non-negative number", "gen");
  }
  g.today = TodayUtc();
  if (today_s) {
    auto t = ParseDay(*today_s);
    if (!t) return UsageError("--today must be a date `YYYY-MM-DD`", "gen");
    g.today = *t;
  }
  std::string err = GenerateData(g, *out);
  if (!err.empty()) {
    std::fprintf(stderr, "cohort gen: error: %s\n", err.c_str());
    return kExitInternal;
  }
  std::fprintf(stderr, "wrote %lld patients to %s\n", static_cast<long long>(g.patients), out->c_str());
  return kExitOk;
}

}  // namespace cohort::cli
