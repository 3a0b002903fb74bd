// The C ABI between JIT-compiled kernels and the process: the kernel entry
// signature, the per-call runtime state, and the small helpers kernels call
// for calendar arithmetic, string ordering and scratch buffers. Codegen emits
// calls to these by name; the engine binds every name to its address as an
// absolute symbol (no process symbol lookup), so a missing binding is a link
// error at engine creation, never a silent lookup of an unrelated symbol.
//
// A leaf of the layer order (scripts/layers.txt): it includes no project
// header, so the batch and context types appear as declarations only (their
// definitions, runtime/batch.h and runtime/engine.h, are the data layout).
#pragma once

#include <cstdint>
#include <vector>

struct CohortBatchView;  // runtime/batch.h (a C struct)
namespace cohort {
struct ExecContext;  // runtime/engine.h
}  // namespace cohort

namespace cohort::jit {

/// Per-Evaluate state handed to the kernel: scratch buffers for string
/// functions that produce strings (lower/upper), one per call site, so nested
/// calls never overwrite each other's result. Owned by one call: thread-safe.
struct KernelRuntime {
  /// Heap buffers (never std::string: a short string's bytes live inside the
  /// object and would move when this vector grows).
  std::vector<std::vector<uint8_t>> scratch;
};

/// The program kernel. `masks` holds, per segment in Program::segments order,
/// where, excludes..., member, channels... (num_rows bytes each, 0/1).
using ProgramKernel = void (*)(const CohortBatchView* batch, const ExecContext* ctx, uint8_t* const* masks,
                               KernelRuntime* rt);

/// Calls a JIT-compiled kernel. The one place the process calls generated
/// code, exempt from clang's -fsanitize=function (part of
/// -fsanitize=undefined): that check loads a type signature from the 8 bytes
/// before the callee, and JIT code may begin at the first byte of a mapping
/// whose preceding page is unmapped, so the check itself faulted
/// (SEGV in Evaluate, depending on where the mapping landed: the
/// fuzz_compile crash tests/fuzz/regressions/compile/tiered_race, first
/// blamed on tiering; it happens with either tier).
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
inline void CallKernel(ProgramKernel kernel, const CohortBatchView* batch, const ExecContext* ctx,
                       uint8_t* const* masks, KernelRuntime* rt) {
  kernel(batch, ctx, masks, rt);
}

/// Name of the single exported kernel of a compiled program.
inline constexpr const char* kProgramKernelName = "cohort_program";

/// A C symbol generated kernels may call, with its address in this process.
struct KernelSymbol {
  const char* name;
  const void* address;
};
/// Every symbol kernels may reference: the stdlib functions, the helpers
/// below, and the C library routines LLVM may emit (memcmp, bcmp, memcpy...).
const std::vector<KernelSymbol>& KernelSymbols();

}  // namespace cohort::jit

extern "C" {
/// date + sign × (months, days) with month-end clamping (core/dates.h).
int32_t cohort_jit_add_duration_date(int32_t date, int32_t months, int32_t days, int32_t sign);
/// timestamp + sign × (months, days, micros) (core/dates.h).
int64_t cohort_jit_add_duration_ts(int64_t ts, int32_t months, int32_t days, int64_t micros, int32_t sign);
/// Bytewise three-way comparison of two strings (like std::string_view::compare).
int32_t cohort_jit_strcmp(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb);
/// A scratch buffer of at least `n` bytes for call site `slot` (valid until the
/// same slot is requested again within the call).
uint8_t* cohort_jit_scratch(cohort::jit::KernelRuntime* rt, int32_t slot, int32_t n);
}
