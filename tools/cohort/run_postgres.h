// `cohort run --source postgresql://...` (tools/cohort/run_postgres.cpp).
#pragma once

#include <optional>
#include <string>

#include "compiler/driver/driver.h"
#include "runtime/engine.h"
#include "runtime/run/run.h"

namespace cohort::cli {

/// Runs a compiled program over PostgreSQL tables: pulled into the normal
/// pipeline with `engine`, or with `pushdown` as SQL in the server. Returns
/// the exit code (3 for connection and table errors, nothing written).
/// `out_report` (may be null) receives the run's counters (for the audit log).
/// With `ledger_dir` (issue 12), contact history and caps read the ledger:
/// pulled runs use it like `--data` runs and are recorded in it; pushdown
/// uploads its contact history into the session's temporary `contacts`
/// table and does not record the run (it has no input files to identify it).
int RunPostgres(const CompileResult& r, const Engine& engine, RunOptions options, const std::string& conninfo,
                bool pushdown, bool quiet, const std::optional<std::string>& ledger_dir, RunReport* out_report = nullptr);

}  // namespace cohort::cli
