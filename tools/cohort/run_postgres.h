// `cohort run --source postgresql://...` (tools/cohort/run_postgres.cpp).
#pragma once

#include <string>

#include "compiler/driver/driver.h"
#include "runtime/engine.h"
#include "runtime/run/run.h"

namespace cohort::cli {

/// Runs a compiled program over PostgreSQL tables: pulled into the normal
/// pipeline with `engine`, or with `pushdown` as SQL in the server. Returns
/// the exit code (3 for connection and table errors, nothing written).
/// `out_report` (may be null) receives the run's counters (for the audit log).
int RunPostgres(const CompileResult& r, const Engine& engine, RunOptions options, const std::string& conninfo,
                bool pushdown, bool quiet, RunReport* out_report = nullptr);

}  // namespace cohort::cli
