// The embeddable Cohort library: compile segment files, run them over data,
// evaluate expressions. This header set includes no ANTLR and no LLVM header
// (tests/unit/api checks it), so embedding Cohort adds neither to a build.
//
//   #include <cohort/cohort.h>
//
//   cohort::CompileOptions options;
//   options.today = cohort::ParseDate("2026-11-23");
//   cohort::CompileResult r = cohort::CompileFile("telehealth.cohort", options);
//   for (const auto& d : r.diags.all()) std::cerr << cohort::RenderText(d, *r.sources);
//   if (!r.ok()) return 1;
//   auto engine = cohort::MakeBestEngine(r.program);      // JIT when built, else the interpreter
//   cohort::RunOptions run{.data_dir = "data", .out_dir = "out", .today = *options.today};
//   cohort::RunReport report;
//   cohort::RunStatus status = cohort::Run(*r.program, *engine, run, &report);
//
// Link with the CMake target `cohort::cohort`.
#pragma once

#include <memory>
#include <string>

#include "compiler/driver/driver.h"   // Compile, CompileFile, CompileResult, DiagnosticsToJson
#include "core/dates.h"               // ParseDate, FormatDate, TodayUtc
#include "core/diagnostic.h"          // Diagnostic, RenderText, AllDiagInfos
#include "core/ir.h"                  // the checked program
#include "core/schema.h"              // Schema, ParseSchema, LoadStdlibSchema
#include "runtime/batch.h"            // Arrow-layout batches and their C view
#include "runtime/engine.h"           // Engine, BatchResult, MakeInterpreter
#include "runtime/loader.h"           // OpenRecordReader, GenerateData, DataError
#include "runtime/run/decide.h"       // the shared contact rules
#include "runtime/run/run.h"          // Run, RunReport, ReportToJson

namespace cohort {

/// The fastest engine this build has for `program`: the LLVM JIT when it was
/// built and can compile the program, else the interpreter. `note` (if not
/// null) receives why the JIT was not used.
std::unique_ptr<Engine> MakeBestEngine(std::shared_ptr<const ir::Program> program, std::string* note = nullptr);

/// True when this build includes the LLVM JIT.
bool HasJit();

/// Ends the engines' background work (the JIT's optimized compilations:
/// queued ones are cancelled, the one in progress is waited for). Call once
/// before the process exits (e.g. as main returns); engines keep working,
/// on the kernels they have.
void StopBackgroundWork();

/// StopBackgroundWork for a process about to exit: the same, except that a
/// compilation in progress is not waited for (its kernel could no longer be
/// used). Returns true when one is still running: the caller must then leave
/// at once with std::_Exit (stdio flushed first, every output closed), since
/// static destructors would race the compilation.
bool StopBackgroundWorkForExit();

}  // namespace cohort
