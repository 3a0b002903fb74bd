// Checked IR -> LLVM IR. One entry point: the whole program becomes one
// kernel function (see abi/kernel_abi.h for its C signature). Internal
// to the JIT library (cohort_jit): LLVM types never leave it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/ir.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace cohort::jit {

/// Index of each segment's first mask in the kernel's `masks` array (size =
/// segments + 1; the last entry is the total number of masks).
std::vector<uint32_t> MaskBases(const ir::Program& program);

}  // namespace cohort::jit

namespace cohort::codegen {

/// Lowers `program` to an unoptimized LLVM module holding `cohort_program`.
/// Returns nullptr and sets `error` when a construct is not supported, so the
/// caller can fall back to the interpreter with that message. `vectorize`:
/// the module will be vectorized, so row loops are shaped for it (chunks with
/// bitmaps expanded to bytes, Emitter::RowLoop); otherwise plain row loops
/// (less code for the quick tier).
std::unique_ptr<llvm::Module> EmitProgram(const ir::Program& program, llvm::LLVMContext& ctx, std::string* error,
                                          bool vectorize = true);

}  // namespace cohort::codegen
