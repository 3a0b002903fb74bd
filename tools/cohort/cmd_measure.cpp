// `cohort measure` (issue 12): each segment's goals for the patients the
// ledger recorded, treated against holdout (and variants against each
// other), from the current data. One implementation: runtime/measure/outcome.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/measure/ledger.h"
#include "runtime/measure/outcome/measure.h"
#include "runtime/suppress.h"
#include "runtime/testing/runner.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdMeasure(Args& args) {
  auto data = args.Value("--data");
  auto ledger_dir = args.Value("--ledger");
  auto today_s = args.Value("--today");
  auto format = args.Value("--format");
  auto min_cell_s = args.Value("--min-cell");
  auto out = args.Value("--out");
  auto segment = args.Value("--segment");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "measure");
  if (files.size() != 1) return UsageError("expected exactly one segment file", "measure");
  if (!data) return UsageError("missing --data DIR", "measure");
  if (!ledger_dir) return UsageError("missing --ledger DIR", "measure");
  std::string fmt_name = format.value_or("text");
  if (fmt_name != "text" && fmt_name != "json") return UsageError("--format must be `text` or `json`", "measure");
  int64_t min_cell = kDefaultMinCell;
  if (!ParseMinCell(min_cell_s, &min_cell)) return UsageError("--min-cell must be a number from 0", "measure");
  measure::MeasureOptions mo;
  mo.data_dir = *data;
  mo.today = TodayUtc();
  if (today_s) {
    auto t = ParseDay(*today_s);
    if (!t) return UsageError("--today must be a date `YYYY-MM-DD`", "measure");
    mo.today = *t;
  }
  if (segment) mo.segment = *segment;

  CompileResult r;
  if (int code = CompileForRun(files[0], mo.today, &r)) return code;
  if (segment && r.program->FindSegment(*segment) < 0)
    return UsageError("unknown segment `" + *segment + "`", "measure");
  std::vector<measure::LedgerRun> runs;
  std::string error = measure::ReadLedger(*ledger_dir, &runs);
  if (!error.empty()) {
    std::fprintf(stderr, "cohort measure: error: %s\n", error.c_str());
    return kExitData;
  }
  measure::Measurement m;
  measure::MeasureStatus st = measure::Measure(r.program, runs, mo, &m);
  for (const auto& w : st.data_warnings) std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
  if (st.code != 0) {
    for (const auto& e : st.data_errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "cohort measure: data errors; nothing was measured\n");
    return kExitData;
  }
  std::string text = fmt_name == "json" ? measure::MeasurementToJson(m, min_cell) : measure::MeasurementToText(m, min_cell);
  if (!out) {
    std::cout << text;
    return kExitOk;
  }
  error = testing::WriteFileAtomic(*out, text);
  if (!error.empty()) {
    std::fprintf(stderr, "cohort measure: error: %s\n", error.c_str());
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace cohort::cli
