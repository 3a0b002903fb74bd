// The LLVM JIT engine: compiles a checked program to one native kernel and
// evaluates batches with it, filling BatchResult exactly like the interpreter.
// No LLVM header is visible from here.
#pragma once

#include <memory>
#include <string>

#include "core/ir.h"
#include "runtime/engine.h"

namespace cohort {

/// Options of the JIT (part of the kernel cache key).
struct JitOptions {
  int opt_level = 2;     ///< 0-3: LLVM optimization pipeline and codegen level
  bool dump_ir = false;  ///< print the optimized LLVM IR to stderr when compiling
};

/// Compiles `program` (cached in process by IR fingerprint + schema
/// fingerprint + options) and returns an engine whose Evaluate is const and
/// thread-safe. Returns nullptr with `error` set when the program uses a
/// construct the JIT does not support: callers fall back to the interpreter.
std::unique_ptr<Engine> MakeJitEngine(std::shared_ptr<const ir::Program> program, const JitOptions& options,
                                      std::string* error);

/// The optimized LLVM IR of `program` (`cohort check --emit=llvm`); "" with
/// `error` set when it cannot be compiled.
std::string EmitLlvmIr(const ir::Program& program, std::string* error);

/// Kernel cache statistics (tests and benchmarks): compilations and hits.
struct JitCacheStats {
  uint64_t compiles = 0;
  uint64_t hits = 0;
};
JitCacheStats GetJitCacheStats();
/// Drops every cached kernel not in use by a live engine (benchmarks: cold compiles).
void ClearJitCache();

}  // namespace cohort
