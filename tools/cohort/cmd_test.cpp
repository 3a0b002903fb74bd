// `cohort test [PATHS]`: runs the `test` blocks of segment files (and of
// `X_test.cohort` files beside `X.cohort`) on every engine that is built.
// Prints failures with expected and actual values, then `N passed, N failed`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cohort/cohort.h"
#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/interp/interpreter.h"
#include "runtime/testing/runner.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

namespace fs = std::filesystem;

namespace {

/// Segment files to test, in sorted order; `errors` gets unusable paths.
std::vector<std::string> Collect(const std::vector<std::string>& paths, std::vector<std::string>* errors) {
  std::set<std::string> out;
  auto add = [&](const fs::path& p) {
    std::string s = p.lexically_normal().string();
    if (IsTestFileName(s)) {
      std::string subject = SubjectOfTestFile(s);
      if (!fs::exists(subject)) {
        errors->push_back(fmt::format("`{}` has no segment file `{}` beside it", s, subject));
        return;
      }
      out.insert(subject);
    } else {
      out.insert(s);
    }
  };
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const fs::path& f = it->path();
        std::string name = f.filename().string();
        if (it->is_directory() && !name.empty() && name[0] == '.') {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && f.extension() == ".cohort") add(f);
      }
    } else if (fs::exists(p, ec)) {
      add(fs::path(p));
    } else {
      errors->push_back(fmt::format("cannot read `{}`: no such file or directory", p));
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace

int CmdTest(Args& args) {
  auto junit = args.Value("--junit");
  auto today_s = args.Value("--today");
  auto min_cov_s = args.Value("--min-coverage");
  bool coverage_flag = args.Flag("--coverage");
  std::vector<std::string> paths = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "test");
  if (paths.empty()) paths.push_back(".");
  int32_t default_today = TodayUtc();
  if (today_s) {
    auto d = ParseDay(*today_s);
    if (!d) return UsageError("--today must be a date `YYYY-MM-DD`", "test");
    default_today = *d;
  }
  std::optional<double> min_cov;
  if (min_cov_s) {
    char* end = nullptr;
    double v = std::strtod(min_cov_s->c_str(), &end);
    if (end == min_cov_s->c_str() || *end != '\0' || !(v >= 0 && v <= 100))
      return UsageError("--min-coverage takes a percentage between 0 and 100", "test");
    min_cov = v;
  }
  bool want_coverage = coverage_flag || min_cov.has_value();

  std::vector<std::string> errors;
  std::vector<std::string> files = Collect(paths, &errors);
  for (const auto& e : errors) std::fprintf(stderr, "cohort test: error: %s\n", e.c_str());
  bool color = UseColor();
  bool compile_errors = !errors.empty();
  std::vector<testing::TestResult> all;
  struct FileCoverage {
    std::string file;
    testing::Coverage cov;
  };
  std::vector<FileCoverage> coverages;

  for (const auto& file : files) {
    CompileOptions options;
    options.warn_unused = false;  // tests are not the place for lint noise; `cohort check` reports them
    options.companion_tests = true;  // `X_test.cohort` beside the file
    CompileResult r = CompileFile(file, options);
    std::vector<test::Case>& cases = r.tests;
    for (const auto& d : r.diags.all()) {
      if (d.severity == Severity::Error) {
        std::fputs(RenderText(d, *r.sources, color).c_str(), stderr);
        compile_errors = true;
      }
    }
    if (!r.internal_error.empty()) {
      std::fprintf(stderr, "cohort: internal error: %s\n", r.internal_error.c_str());
      return kExitInternal;
    }
    if (!r.ok() || r.diags.has_errors() || cases.empty()) continue;

    // Every engine that is built runs every test.
    std::vector<std::unique_ptr<Engine>> owned;
    std::vector<testing::EngineRef> engines;
    owned.push_back(MakeInterpreter(r.program));
    engines.push_back({"interp", owned.back().get()});
    if (HasJit()) {
      std::string note;
      auto jit = MakeBestEngine(r.program, &note);
      if (note.empty()) {
        owned.push_back(std::move(jit));
        engines.push_back({"jit", owned.back().get()});
      } else {
        std::fprintf(stderr, "cohort test: note: `%s` runs on the interpreter only; the JIT cannot compile it: %s\n",
                     file.c_str(), note.c_str());
      }
    }
    testing::Coverage cov;
    auto results = testing::RunCases(r.program, engines, cases, default_today, *r.sources, file,
                                     want_coverage ? &cov : nullptr);
    if (want_coverage) coverages.push_back({file, std::move(cov)});
    for (auto& t : results) all.push_back(std::move(t));
  }

  size_t passed = 0, failed = 0;
  for (const auto& t : all) {
    if (t.passed()) {
      ++passed;
      continue;
    }
    ++failed;
    std::printf("FAIL %s: \"%s\"\n", t.file.c_str(), t.name.c_str());
    for (const auto& f : t.failures) std::printf("  %s\n", f.c_str());
  }
  bool coverage_failed = false;
  if (want_coverage) {
    size_t covered = 0, total = 0;
    for (const auto& fc : coverages) {
      covered += fc.cov.covered();
      total += fc.cov.total();
    }
    double pct = total ? 100.0 * static_cast<double>(covered) / static_cast<double>(total) : 100.0;
    if (coverage_flag) {
      std::printf("clause coverage (TRUE and FALSE seen at least once):\n");
      for (const auto& fc : coverages) {
        for (const auto& c : fc.cov.clauses) {
          std::printf("  %-28s %-8s %-14s TRUE %-3s FALSE %s\n", fc.file.c_str(), c.segment.c_str(), c.clause.c_str(),
                      c.seen_true ? "yes" : "no", c.seen_false ? "yes" : "no");
        }
      }
      std::printf("coverage: %zu/%zu clause outcomes (%.1f%%)\n", covered, total, pct);
    }
    if (min_cov && pct + 1e-9 < *min_cov) {
      std::fprintf(stderr, "cohort test: error: clause coverage %.1f%% is below --min-coverage %g%%\n", pct, *min_cov);
      coverage_failed = true;
    }
  }
  if (junit) {
    std::string err = testing::WriteFileAtomic(*junit, testing::JUnitXml(all));
    if (!err.empty()) {
      std::fprintf(stderr, "cohort test: error: %s\n", err.c_str());
      std::printf("%zu passed, %zu failed\n", passed, failed);
      return kExitInternal;
    }
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return (failed || compile_errors || coverage_failed) ? kExitDiagnostics : kExitOk;
}

}  // namespace cohort::cli
