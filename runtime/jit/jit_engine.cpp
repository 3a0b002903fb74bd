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

#include <algorithm>
#include <chrono>
#include <cstdlib>
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

/// The function pipeline of opt_level 2 (the default). The kernel is one
/// function of straight-line block loops with no calls to inline, so the
/// full O2 module pipeline (inliner, CGSCC passes, loop rotation and
/// unswitching, ...) spent ~2/3 of its time on nothing; these passes keep what
/// the kernels need: clean-up, hoisting the per-batch column loads out of the
/// row loops (LICM, GVN), and both vectorizers with the host's vector widths.
constexpr const char* kKernelPipeline =
    "function(instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),gvn,loop-vectorize,slp-vectorizer,"
    "instcombine<no-verify-fixpoint>,simplifycfg)";

/// Optimizes `module` for the host (the vectorizers see the real vector
/// widths): O0, O1 and O3 are LLVM's standard pipelines, O2 is
/// kKernelPipeline. COHORT_JIT_PIPELINE (a `opt -passes=` string) replaces
/// it, for benchmarking pipelines.
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
  const char* custom = std::getenv("COHORT_JIT_PIPELINE");
  const char* text = custom && *custom ? custom : opt_level == 2 ? kKernelPipeline : nullptr;
  if (text) {
    if (auto err = pb.parsePassPipeline(mpm, text)) {
      // Only an environment override can be malformed: fall back to O2.
      llvm::consumeError(std::move(err));
      mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    }
  } else {
    switch (opt_level) {
      case 0: mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0); break;
      case 1: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O1); break;
      default: mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3); break;
    }
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
};

/// The host description, detected once (detectHost queries CPU features).
const llvm::orc::JITTargetMachineBuilder* HostMachine(std::string* error) {
  static std::string host_error;
  static const llvm::orc::JITTargetMachineBuilder* host = []() -> const llvm::orc::JITTargetMachineBuilder* {
    InitializeLlvmOnce();
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) {
      host_error = "JIT: cannot describe the host target: " + ErrorText(jtmb.takeError());
      return nullptr;
    }
    return new llvm::orc::JITTargetMachineBuilder(std::move(*jtmb));
  }();
  if (!host) *error = host_error;
  return host;
}

/// COHORT_JIT_TIMING=1: print the phases of every compilation to stderr.
bool TimingEnabled() {
  static const bool on = [] {
    const char* v = std::getenv("COHORT_JIT_TIMING");
    return v && *v && *v != '0';
  }();
  return on;
}

using PhaseClock = std::chrono::steady_clock;
double Ms(PhaseClock::time_point a, PhaseClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool Lower(const ir::Program& program, int opt_level, Lowered* out, std::string* error) {
  const auto t0 = PhaseClock::now();
  const llvm::orc::JITTargetMachineBuilder* host = HostMachine(error);
  if (!host) return false;
  // A target machine per compilation: TargetMachine is not thread-safe.
  llvm::orc::JITTargetMachineBuilder jtmb = *host;
  jtmb.setCodeGenOptLevel(CodeGenLevel(opt_level));
  auto tm = jtmb.createTargetMachine();
  if (!tm) {
    *error = "JIT: cannot create a target machine: " + ErrorText(tm.takeError());
    return false;
  }
  const auto t1 = PhaseClock::now();
  out->ctx = std::make_unique<llvm::LLVMContext>();
  out->module = codegen::EmitProgram(program, *out->ctx, error);
  if (!out->module) {
    *error = "JIT: " + *error;
    return false;
  }
  out->module->setDataLayout((*tm)->createDataLayout());
  out->module->setTargetTriple((*tm)->getTargetTriple().str());
  const auto t2 = PhaseClock::now();
  Optimize(*out->module, **tm, opt_level);
  if (TimingEnabled()) {
    fmt::print(stderr, "jit: target machine {:.2f} ms, codegen {:.2f} ms, optimize (O{}) {:.2f} ms\n", Ms(t0, t1),
               Ms(t1, t2), opt_level, Ms(t2, PhaseClock::now()));
  }
  return true;
}

/// The one process-wide LLJIT (created lazily, once): every program gets its
/// own JITDylib in it, so a cold compile pays for codegen only, not for a new
/// execution session, target machine and object layer (that was most of the
/// 30-100 ms cold compile time).
struct SharedJit {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  llvm::orc::JITDylib* runtime = nullptr;  ///< KernelSymbols(), linked by every program
  std::mutex mu;                           ///< guards next_id
  uint64_t next_id = 0;
  std::string error;                       ///< why creation failed ("" if it did not)
};

SharedJit* GetSharedJit(std::string* error) {
  static SharedJit* shared = [] {
    auto* s = new SharedJit;  // never destroyed: kernels may outlive statics
    const llvm::orc::JITTargetMachineBuilder* host = HostMachine(&s->error);
    if (!host) return s;
    llvm::orc::JITTargetMachineBuilder jtmb = *host;
    // One machine-code level for every program: the shared LLJIT's compiler.
    // Less (-O1 instruction selection and scheduling) measured as fast as
    // Default on every benchmark filter and ~12% quicker to compile; None
    // (FastISel) halves compile time but loses up to 2x on the filters.
    // COHORT_JIT_CODEGEN_LEVEL (0-3) overrides it, for benchmarking.
    const char* cg = std::getenv("COHORT_JIT_CODEGEN_LEVEL");
    jtmb.setCodeGenOptLevel(cg && *cg ? CodeGenLevel(std::clamp(std::atoi(cg), 0, 3)) : llvm::CodeGenOptLevel::Less);
    auto jit = llvm::orc::LLJITBuilder()
                   .setJITTargetMachineBuilder(std::move(jtmb))
                   // Kernels may only call what KernelSymbols() binds: no lookups
                   // in the process, no platform runtime.
                   .setLinkProcessSymbolsByDefault(false)
                   .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
                   // Programs are compiled from several threads at once: one
                   // target machine per compilation.
                   .setSupportConcurrentCompilation(true)
                   .create();
    if (!jit) {
      s->error = "JIT: cannot create LLJIT: " + ErrorText(jit.takeError());
      return s;
    }
    auto rt = (*jit)->getExecutionSession().createJITDylib("cohort_runtime");
    if (!rt) {
      s->error = "JIT: cannot create the runtime library: " + ErrorText(rt.takeError());
      return s;
    }
    llvm::orc::SymbolMap symbols;
    for (const jit::KernelSymbol& k : jit::KernelSymbols()) {
      symbols[(*jit)->mangleAndIntern(k.name)] = llvm::orc::ExecutorSymbolDef(
          llvm::orc::ExecutorAddr::fromPtr(k.address), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
    }
    if (auto err = rt->define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
      s->error = "JIT: cannot bind runtime symbols: " + ErrorText(std::move(err));
      return s;
    }
    s->runtime = &*rt;
    s->jit = std::move(*jit);
    return s;
  }();
  if (!shared->jit) {
    *error = shared->error;
    return nullptr;
  }
  return shared;
}

/// A compiled program: its JITDylib in the shared LLJIT, and the kernel. The
/// dylib (and its code memory) is removed when the last engine and the cache
/// let go of the kernel, so memory stays bounded by the cache size.
struct CompiledKernel {
  SharedJit* shared = nullptr;
  llvm::orc::JITDylib* dylib = nullptr;
  jit::ProgramKernel fn = nullptr;
  CompiledKernel() = default;
  CompiledKernel(const CompiledKernel&) = delete;
  CompiledKernel& operator=(const CompiledKernel&) = delete;
  ~CompiledKernel() {
    if (dylib) llvm::consumeError(shared->jit->getExecutionSession().removeJITDylib(*dylib));
  }
};

std::shared_ptr<CompiledKernel> Compile(const ir::Program& program, const JitOptions& options, std::string* error) {
  SharedJit* shared = GetSharedJit(error);
  if (!shared) return nullptr;
  Lowered lowered;
  if (!Lower(program, options.opt_level, &lowered, error)) return nullptr;
  if (options.dump_ir) lowered.module->print(llvm::errs(), nullptr);

  const auto t_link = PhaseClock::now();
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(shared->mu);
    id = shared->next_id++;
  }
  auto kernel = std::make_shared<CompiledKernel>();
  kernel->shared = shared;
  llvm::orc::ExecutionSession& es = shared->jit->getExecutionSession();
  auto jd = es.createJITDylib(fmt::format("cohort_program_{}", id));
  if (!jd) {
    *error = "JIT: cannot create a JITDylib: " + ErrorText(jd.takeError());
    return nullptr;
  }
  kernel->dylib = &*jd;
  jd->addToLinkOrder(*shared->runtime);
  if (auto err = shared->jit->addIRModule(*jd, llvm::orc::ThreadSafeModule(std::move(lowered.module),
                                                                            std::move(lowered.ctx)))) {
    *error = "JIT: cannot add the module: " + ErrorText(std::move(err));
    return nullptr;
  }
  auto addr = shared->jit->lookup(*jd, jit::kProgramKernelName);
  if (!addr) {
    *error = "JIT: cannot link the kernel: " + ErrorText(addr.takeError());
    return nullptr;
  }
  kernel->fn = addr->toPtr<jit::ProgramKernel>();
  if (TimingEnabled()) fmt::print(stderr, "jit: add + machine code + link {:.2f} ms\n", Ms(t_link, PhaseClock::now()));
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
    // A program without segments has no masks to fill (its kernel must not
    // run: found by fuzz_compile on an empty file).
    if (masks.empty()) return;
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
