// The JIT engine: codegen (compiler/codegen) -> new-pass-manager pipeline ->
// ORC LLJIT -> one native kernel per program, cached in process.
#include "runtime/jit/jit_engine.h"

#include <fmt/format.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <map>
#include <mutex>
#include <tuple>

#include "compiler/codegen/codegen.h"
#include "runtime/jit/kernel_abi.h"

namespace cohort {
namespace {

std::string ErrorText(llvm::Error err) { return llvm::toString(std::move(err)); }

void InitializeLlvmOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

/// Runs the standard per-module pipeline (O0-O3) with the host's target info,
/// so the vectorizers see the real vector widths.
void Optimize(llvm::Module& module, llvm::TargetMachine& tm, int opt_level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = opt_level >= 2;
  pto.SLPVectorization = opt_level >= 2;
  llvm::PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  switch (opt_level) {
    case 0: mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0); break;
    case 1: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O1); break;
    case 2: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2); break;
    default: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3); break;
  }
  mpm.run(module, mam);
}

llvm::CodeGenOptLevel CodeGenLevel(int opt_level) {
  switch (opt_level) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::Less;
    case 2: return llvm::CodeGenOptLevel::Default;
    default: return llvm::CodeGenOptLevel::Aggressive;
  }
}

/// A module lowered and optimized for the host, plus its context.
struct Lowered {
  std::unique_ptr<llvm::LLVMContext> ctx;
  std::unique_ptr<llvm::Module> module;
  std::optional<llvm::orc::JITTargetMachineBuilder> jtmb;
};

bool Lower(const ir::Program& program, int opt_level, Lowered* out, std::string* error) {
  InitializeLlvmOnce();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    *error = "JIT: cannot describe the host target: " + ErrorText(jtmb.takeError());
    return false;
  }
  jtmb->setCodeGenOptLevel(CodeGenLevel(opt_level));
  auto tm = jtmb->createTargetMachine();
  if (!tm) {
    *error = "JIT: cannot create a target machine: " + ErrorText(tm.takeError());
    return false;
  }
  out->ctx = std::make_unique<llvm::LLVMContext>();
  out->module = codegen::EmitProgram(program, *out->ctx, error);
  if (!out->module) {
    *error = "JIT: " + *error;
    return false;
  }
  out->module->setDataLayout((*tm)->createDataLayout());
  out->module->setTargetTriple((*tm)->getTargetTriple().str());
  Optimize(*out->module, **tm, opt_level);
  out->jtmb = std::move(*jtmb);
  return true;
}

/// A compiled program: the JIT instance owning the code, and the kernel.
struct CompiledKernel {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  jit::ProgramKernel fn = nullptr;
};

std::shared_ptr<CompiledKernel> Compile(const ir::Program& program, const JitOptions& options, std::string* error) {
  Lowered lowered;
  if (!Lower(program, options.opt_level, &lowered, error)) return nullptr;
  if (options.dump_ir) lowered.module->print(llvm::errs(), nullptr);

  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*lowered.jtmb))
                 // Kernels may only call what KernelSymbols() binds: no lookups
                 // in the process, no platform runtime.
                 .setLinkProcessSymbolsByDefault(false)
                 .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
                 .create();
  if (!jit) {
    *error = "JIT: cannot create LLJIT: " + ErrorText(jit.takeError());
    return nullptr;
  }
  llvm::orc::SymbolMap symbols;
  for (const jit::KernelSymbol& s : jit::KernelSymbols()) {
    symbols[(*jit)->mangleAndIntern(s.name)] = llvm::orc::ExecutorSymbolDef(
        llvm::orc::ExecutorAddr::fromPtr(s.address), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  }
  if (auto err = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    *error = "JIT: cannot bind runtime symbols: " + ErrorText(std::move(err));
    return nullptr;
  }
  if (auto err = (*jit)->addIRModule(llvm::orc::ThreadSafeModule(std::move(lowered.module), std::move(lowered.ctx)))) {
    *error = "JIT: cannot add the module: " + ErrorText(std::move(err));
    return nullptr;
  }
  auto addr = (*jit)->lookup(jit::kProgramKernelName);
  if (!addr) {
    *error = "JIT: cannot link the kernel: " + ErrorText(addr.takeError());
    return nullptr;
  }
  auto kernel = std::make_shared<CompiledKernel>();
  kernel->fn = addr->toPtr<jit::ProgramKernel>();
  kernel->jit = std::move(*jit);
  return kernel;
}

// ---- In-process kernel cache ---------------------------------------------------

using CacheKey = std::tuple<uint64_t, uint64_t, int, uint32_t, size_t>;

struct Cache {
  std::mutex mu;
  std::map<CacheKey, std::shared_ptr<CompiledKernel>> kernels;
  JitCacheStats stats;
};

Cache& GetCache() {
  static Cache* cache = new Cache;  // never destroyed: engines may outlive statics
  return *cache;
}

constexpr size_t kMaxCachedKernels = 64;

class JitEngine final : public Engine {
 public:
  JitEngine(std::shared_ptr<const ir::Program> program, std::shared_ptr<CompiledKernel> kernel)
      : program_(std::move(program)), kernel_(std::move(kernel)) {}

  std::string_view name() const override { return "jit"; }

  void Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const override {
    out->Reset(*program_, batch.num_rows);
    if (batch.num_columns != program_->schema->columns.size()) {
      // A batch of another schema: the kernel would read the wrong columns.
      // The reference interpreter decides how to treat it.
      MakeInterpreter(program_)->Evaluate(batch, ctx, out);
      return;
    }
    std::vector<uint8_t*> masks;
    for (SegmentResult& s : out->segments) {
      masks.push_back(s.where.data());
      for (auto& x : s.excludes) masks.push_back(x.data());
      masks.push_back(s.member.data());
      for (auto& c : s.channels) masks.push_back(c.data());
    }
    jit::KernelRuntime rt;
    kernel_->fn(&batch, &ctx, masks.data(), &rt);
  }

 private:
  std::shared_ptr<const ir::Program> program_;
  std::shared_ptr<CompiledKernel> kernel_;
};

}  // namespace

std::unique_ptr<Engine> MakeJitEngine(std::shared_ptr<const ir::Program> program, const JitOptions& options,
                                      std::string* error) {
  std::string ignored;
  if (!error) error = &ignored;
  if (!program || !program->schema) {
    *error = "JIT: no program";
    return nullptr;
  }
  JitOptions opts = options;
  opts.opt_level = std::clamp(opts.opt_level, 0, 3);
  const CacheKey key{ir::Fingerprint(*program), program->schema->Fingerprint(), opts.opt_level,
                     jit::MaskBases(*program).back(), program->exprs.size()};
  Cache& cache = GetCache();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.kernels.find(key);
    if (it != cache.kernels.end() && !opts.dump_ir) {
      ++cache.stats.hits;
      return std::make_unique<JitEngine>(std::move(program), it->second);
    }
  }
  std::shared_ptr<CompiledKernel> kernel = Compile(*program, opts, error);
  if (!kernel) return nullptr;
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    ++cache.stats.compiles;
    if (cache.kernels.size() >= kMaxCachedKernels) cache.kernels.erase(cache.kernels.begin());
    cache.kernels[key] = kernel;
  }
  return std::make_unique<JitEngine>(std::move(program), std::move(kernel));
}

std::string EmitLlvmIr(const ir::Program& program, std::string* error) {
  std::string ignored;
  if (!error) error = &ignored;
  Lowered lowered;
  if (!Lower(program, 2, &lowered, error)) return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  lowered.module->print(os, nullptr);
  return os.str();
}

JitCacheStats GetJitCacheStats() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.stats;
}

void ClearJitCache() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.kernels.clear();
}

}  // namespace cohort
