// The LLVM JIT engine: compiles a checked program to one native kernel and
// evaluates batches with it, filling BatchResult exactly like the interpreter.
// No LLVM header is visible from here.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/ir.h"
#include "runtime/engine.h"

namespace cohort {

/// How a cold compilation is split into tiers.
enum class JitTiering : uint8_t {
  kTiered,         ///< a quick kernel now, the optimized one swapped in when ready (default)
  kOptimizedOnly,  ///< compile the optimized kernel before returning (COHORT_JIT_TIERING=off)
  kQuickOnly,      ///< only the quick kernel (tests: pins the first tier)
};

/// The tiering of a default JitOptions: kTiered, or kOptimizedOnly when the
/// environment sets COHORT_JIT_TIERING=off (read once; benchmarks and users
/// who want the optimized kernel from the first batch).
JitTiering DefaultJitTiering();

/// Options of the JIT (part of the kernel cache key).
struct JitOptions {
  int opt_level = 2;     ///< 0-3: LLVM optimization pipeline and codegen level (0: the quick tier only)
  bool dump_ir = false;  ///< print the LLVM IR to stderr when compiling (compiles untiered)
  JitTiering tiering = DefaultJitTiering();
};

/// Compiles `program` (cached in process by IR fingerprint + schema
/// fingerprint + options) and returns an engine whose Evaluate is const and
/// thread-safe. Tiered (the default): a cold call compiles a quick kernel
/// (O0 pipeline, FastISel) and returns; once the quick kernel has run for
/// about 20 ms (JitCacheStats::tier_ups), the optimized kernel is compiled in
/// a background thread and replaces it atomically, between two kernel calls,
/// for every engine of that program. Both compute identical masks. Returns
/// nullptr with `error` set when the program uses a construct the JIT does not
/// support: callers fall back to the interpreter.
std::unique_ptr<Engine> MakeJitEngine(std::shared_ptr<const ir::Program> program, const JitOptions& options,
                                      std::string* error);

/// The kernel a JIT engine runs now: "quick" or "optimized" ("" for another engine).
std::string_view JitTierOf(const Engine& engine);
/// Blocks until no tier-up of a JIT engine is pending; true when it runs the
/// optimized kernel (false: not a JIT engine, kQuickOnly, or the optimized
/// compilation failed, `error` saying why, and the quick kernel stays).
bool WaitForOptimizedKernel(const Engine& engine, std::string* error = nullptr);

/// Stops the background tier-up thread: queued optimized compilations are
/// cancelled (their engines stay on the quick kernel) and the one in
/// progress is waited for. Call before the process exits, while LLVM's
/// statics are alive (main's return, not a static destructor); engines made
/// afterwards compile no optimized tier. Idempotent.
void StopJitBackground();
/// StopJitBackground without waiting for the compilation in progress: true
/// when one is still running (the process must then exit without static
/// destructors: std::_Exit), false when the worker has stopped.
bool StopJitBackgroundForExit();

/// The optimized LLVM IR of `program` (`cohort check --emit=llvm`); "" with
/// `error` set when it cannot be compiled.
std::string EmitLlvmIr(const ir::Program& program, std::string* error);

/// Kernel cache statistics (tests and benchmarks): compilations and hits.
struct JitCacheStats {
  uint64_t compiles = 0;
  uint64_t hits = 0;
  /// Optimized compilations requested by tiered kernels: a tiered kernel
  /// asks for its optimized tier only once the quick one has run for about
  /// 20 ms (summed over its engines and threads), or when a caller waits for
  /// it (WaitForOptimizedKernel); a short run never pays for the compile.
  uint64_t tier_ups = 0;
};
JitCacheStats GetJitCacheStats();
/// Drops every cached kernel not in use by a live engine (benchmarks: cold compiles).
void ClearJitCache();

}  // namespace cohort
