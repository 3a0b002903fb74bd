// Checked IR -> LLVM IR. One entry point: the whole program becomes one
// kernel function (see runtime/jit/kernel_abi.h for its C signature). Internal
// to the JIT library (cohort_jit): LLVM types never leave it.
#pragma once

#include <memory>
#include <string>

#include "core/ir.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace cohort::codegen {

/// Lowers `program` to an unoptimized LLVM module holding `cohort_program`.
/// Returns nullptr and sets `error` when a construct is not supported, so the
/// caller can fall back to the interpreter with that message.
std::unique_ptr<llvm::Module> EmitProgram(const ir::Program& program, llvm::LLVMContext& ctx, std::string* error);

}  // namespace cohort::codegen
