// Runs checked tests (core/test_ir.h) on every engine: fixture records become
// one columnar batch per test, each engine evaluates it through the Engine
// interface, and the contact rules (campaign priority, holdout, consent) are
// applied per record exactly as runtime/run does. The interpreter also gives
// each clause's three-valued truth (clause expectations, failure
// explanations and clause coverage).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/ir.h"
#include "core/test_ir.h"
#include "runtime/batch.h"
#include "runtime/engine.h"

namespace cohort::testing {

/// An engine to run tests on, with the name failures are tagged with.
struct EngineRef {
  std::string name;
  const Engine* engine = nullptr;
};

/// The outcome of one test.
struct TestResult {
  std::string name;
  std::string file;                   ///< display path of the file declaring it
  SourceRange range;
  std::vector<std::string> failures;  ///< one multi-line message per failed expectation
  double seconds = 0;
  bool passed() const { return failures.empty(); }
};

/// Whether tests made one clause TRUE and FALSE at least once.
struct ClauseCoverage {
  std::string segment;
  std::string clause;       ///< `where`, `exclude 2`, `channel sms`
  SourceRange range;
  bool seen_true = false;
  bool seen_false = false;
};

/// Clause coverage over every test of a program.
struct Coverage {
  std::vector<ClauseCoverage> clauses;
  /// Outcomes seen (TRUE and FALSE count separately) over outcomes possible.
  size_t covered() const;
  size_t total() const { return clauses.size() * 2; }
};

/// Makes one batch (rows in `records` order) laid out for `schema`.
Batch BuildBatch(const Schema& schema, const std::vector<test::Record>& records);

/// Runs `cases` (checked against `program`) on `engines`. `default_today`
/// applies to tests without `today`; `now` is midnight UTC of the test's day.
/// `coverage`, when set, is initialised from the program (if empty) and
/// updated from the interpreter's clause values. `sm` renders clause text.
std::vector<TestResult> RunCases(std::shared_ptr<const ir::Program> program, const std::vector<EngineRef>& engines,
                                 const std::vector<test::Case>& cases, int32_t default_today, const SourceManager& sm,
                                 const std::string& file, Coverage* coverage);

/// JUnit XML (one testsuite per file, in first-seen order) for CI reports.
std::string JUnitXml(const std::vector<TestResult>& results);

/// Writes `content` to `path` atomically (temporary file in the same
/// directory, fsync, rename). Returns "" or an error message.
std::string WriteFileAtomic(const std::string& path, const std::string& content);

}  // namespace cohort::testing
