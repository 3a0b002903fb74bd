// The JIT engine: codegen (runtime/jit/emit*.cpp) -> new-pass-manager pipeline ->
// ORC LLJIT -> one native kernel per program, cached in process.
#include "runtime/jit/jit_engine.h"

#include <fmt/format.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutorProcessControl.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/IRCompileLayer.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/TaskDispatch.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

#include "runtime/jit/codegen.h"
#include "abi/kernel_abi.h"

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
  // A target machine per thread and level (TargetMachine is not
  // thread-safe; creating one per compilation cost ~0.2 ms of each).
  thread_local std::unique_ptr<llvm::TargetMachine> machines[4];
  std::unique_ptr<llvm::TargetMachine>& tm = machines[std::clamp(opt_level, 0, 3)];
  if (!tm) {
    llvm::orc::JITTargetMachineBuilder jtmb = *host;
    jtmb.setCodeGenOptLevel(CodeGenLevel(opt_level));
    auto made = jtmb.createTargetMachine();
    if (!made) {
      *error = "JIT: cannot create a target machine: " + ErrorText(made.takeError());
      return false;
    }
    tm = std::move(*made);
  }
  const auto t1 = PhaseClock::now();
  out->ctx = std::make_unique<llvm::LLVMContext>();
  out->module = codegen::EmitProgram(program, *out->ctx, error, /*vectorize=*/opt_level >= 2);
  if (!out->module) {
    *error = "JIT: " + *error;
    return false;
  }
  out->module->setDataLayout(tm->createDataLayout());
  out->module->setTargetTriple(tm->getTargetTriple().str());
  const auto t2 = PhaseClock::now();
  Optimize(*out->module, *tm, opt_level);
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

/// The machine-code step of a shared LLJIT: like ORC's ConcurrentIRCompiler
/// (modules compile on several threads at once) but with one target machine
/// per thread and tier instead of a new one per module (creating it, with
/// its subtarget tables, was ~0.2 ms of every compile).
class ThreadLocalCompiler final : public llvm::orc::IRCompileLayer::IRCompiler {
 public:
  ThreadLocalCompiler(llvm::orc::JITTargetMachineBuilder jtmb, bool quick)
      : IRCompiler(llvm::orc::irManglingOptionsFromTargetOptions(jtmb.getOptions())),
        jtmb_(std::move(jtmb)),
        slot_(quick ? 1 : 0) {}

  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> operator()(llvm::Module& module) override {
    thread_local std::unique_ptr<llvm::TargetMachine> machines[2];
    std::unique_ptr<llvm::TargetMachine>& tm = machines[slot_];
    if (!tm) {
      llvm::orc::JITTargetMachineBuilder builder = jtmb_;  // once per thread and tier
      auto made = builder.createTargetMachine();
      if (!made) return made.takeError();
      tm = std::move(*made);
    }
    return llvm::orc::SimpleCompiler(*tm)(module);
  }

 private:
  const llvm::orc::JITTargetMachineBuilder jtmb_;
  const int slot_;
};

/// Creates the process-wide LLJIT of one tier.
SharedJit* CreateSharedJit(bool quick) {
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
    // The quick tier (see MakeJitEngine) uses None: FastISel, about half the
    // machine-code time, for the kernel that runs until the optimized one is in.
    jtmb.setCodeGenOptLevel(quick                ? llvm::CodeGenOptLevel::None
                            : cg && *cg          ? CodeGenLevel(std::clamp(std::atoi(cg), 0, 3))
                                                 : llvm::CodeGenOptLevel::Less);
    // Materialization (machine code + link) runs on the thread that looks the
    // kernel up: an in-place dispatcher. LLJIT's default for concurrent
    // compilation spawns a detached thread per module, which outlives the
    // lookup that waited for it (still freeing the module when the caller
    // returns, possibly at exit while statics are destroyed) and hides the
    // compile's CPU time from the thread that asked for it.
    auto epc = llvm::orc::SelfExecutorProcessControl::Create(std::make_shared<llvm::orc::SymbolStringPool>(),
                                                             std::make_unique<llvm::orc::InPlaceTaskDispatcher>());
    if (!epc) {
      s->error = "JIT: cannot create the executor process control: " + ErrorText(epc.takeError());
      return s;
    }
    auto jit = llvm::orc::LLJITBuilder()
                   .setExecutorProcessControl(std::move(*epc))
                   .setJITTargetMachineBuilder(std::move(jtmb))
                   // Kernels may only call what KernelSymbols() binds: no lookups
                   // in the process, no platform runtime.
                   .setLinkProcessSymbolsByDefault(false)
                   .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
                   // Programs are compiled from several threads at once (callers
                   // and the tier-up worker): a target machine per thread.
                   .setSupportConcurrentCompilation(true)
                   .setCompileFunctionCreator(
                       [quick](llvm::orc::JITTargetMachineBuilder builder)
                           -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                         return std::make_unique<ThreadLocalCompiler>(std::move(builder), quick);
                       })
                   .create();
    if (!jit) {
      s->error = "JIT: cannot create LLJIT: " + ErrorText(jit.takeError());
      return s;
    }
    // Every module has its own LLVMContext (Lower), so concurrent compiles
    // share nothing and need no clone into a fresh context (see Compile).
    (*jit)->getIRCompileLayer().setCloneToNewContextOnEmit(false);
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
}

SharedJit* GetSharedJit(bool quick, std::string* error) {
  static SharedJit* const optimized = CreateSharedJit(false);
  static SharedJit* const fast = CreateSharedJit(true);
  SharedJit* shared = quick ? fast : optimized;
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

/// Compiles `program` at `opt_level` (0: the quick tier's pipeline and
/// instruction selection).
std::shared_ptr<CompiledKernel> Compile(const ir::Program& program, int opt_level, const JitOptions& options,
                                        std::string* error) {
  SharedJit* shared = GetSharedJit(opt_level == 0, error);
  if (!shared) return nullptr;
  Lowered lowered;
  if (!Lower(program, opt_level, &lowered, error)) return nullptr;
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
  // Straight into the compile layer (not LLJIT::addIRModule, whose first
  // layer clones every module into a new context on emit under concurrent
  // compilation: a bitcode write + parse that was ~30% of a quick-tier
  // compile). Each module already owns its context, so nothing is shared
  // between concurrent compiles; the skipped layers are the platform's
  // initializer helper (inactive platform) and an identity transform.
  if (auto err = shared->jit->getIRCompileLayer().add(*jd, llvm::orc::ThreadSafeModule(std::move(lowered.module),
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

// ---- Tiers -------------------------------------------------------------------
//
// A cold MakeJitEngine compiles a quick kernel (O0 pipeline, FastISel) and
// returns at once; the optimized kernel is compiled by one background worker
// and swapped in with one atomic store. Both kernels compute the same masks
// (the differential tests run both), they are pure functions of their
// arguments, and the quick one stays alive as long as its Kernels, so a call
// that loaded the old pointer finishes safely.

/// Quick-kernel time (summed over every engine and thread of one program)
/// after which the optimized compilation of a program without element loops
/// is started. Such a kernel is cheap even unoptimized (1M rows of
/// bench/e2e_spanish.cohort: ~14 ms), so a run over sooner never pays the
/// ~75 ms of CPU the optimized compile costs, nor waits for it at exit; a
/// longer one tiers up after spending at most this much more than it would
/// on the optimized kernel (the ski-rental rule, the compile on another
/// core). A program with quantifiers or aggregates over lists or sets tiers
/// up at once: its quick kernel's element loops are several times slower
/// (examples/telehealth.cohort: ~160 ns a row), and the compile overlaps
/// the loading of the list files.
constexpr int64_t kTierUpAfterNs = 20'000'000;

/// Does `program` loop over the elements of a list or set column?
bool HasElementLoops(const ir::Program& program) {
  for (const ir::Expr& e : program.exprs)
    if (e.kind == ir::ExprKind::kQuantifier || e.kind == ir::ExprKind::kAggregate) return true;
  return false;
}

/// The kernels of one program, shared by the cache and every engine on it.
struct Kernels {
  std::shared_ptr<CompiledKernel> quick;
  std::shared_ptr<CompiledKernel> optimized;  ///< set once (under mu) before `fn` points to it
  std::atomic<jit::ProgramKernel> fn{nullptr};  ///< the kernel to run: quick, then optimized
  std::mutex mu;
  std::condition_variable cv;
  bool settled = false;  ///< no tier-up pending (done, failed or never started)
  std::string tier_up_error;
  /// Tiered, optimized compile not requested yet: Evaluate adds the quick
  /// kernel's time to quick_ns and requests it past kTierUpAfterNs
  /// (RequestTierUp; WaitForOptimizedKernel requests it at once).
  std::atomic<bool> deferred{false};
  std::atomic<int64_t> quick_ns{0};
  std::shared_ptr<const ir::Program> deferred_program;  ///< under mu; moved out by the request
  JitOptions deferred_options;

  void Settle(std::shared_ptr<CompiledKernel> best, std::string error) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (best) {
        optimized = std::move(best);
        fn.store(optimized->fn, std::memory_order_release);
      }
      tier_up_error = std::move(error);
      settled = true;
    }
    cv.notify_all();
  }
};

void RequestTierUp(const std::shared_ptr<Kernels>& k);

/// One background thread compiling optimized kernels, in order. A job is
/// called with `cancelled` true instead of compiling when the worker stops
/// first (it then settles its kernels on the quick tier, so nothing waits
/// for it forever). Stop runs before the process exits (StopJitBackground,
/// from main; atexit as the last resort): LLVM's statics must not be
/// destroyed while a compilation runs on this thread, and the statics a
/// compilation constructs lazily are destroyed before an atexit handler
/// registered earlier runs.
class TierUpWorker {
 public:
  using Job = std::function<void(bool cancelled)>;

  static TierUpWorker& Get() {
    static TierUpWorker* worker = [] {
      auto* w = new TierUpWorker;  // never destroyed; the thread is joined by Stop
      std::atexit([] { TierUpWorker::Get().Stop(); });
      return w;
    }();
    return *worker;
  }

  void Post(Job job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    job(true);
  }

  /// Cancels the queued jobs and waits for the one in progress (unless
  /// `wait` is false and one is: then returns true, the thread still
  /// running). Later jobs are cancelled at once. Idempotent.
  bool Stop(bool wait = true) {
    std::deque<Job> dropped;
    bool running;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      dropped.swap(jobs_);
      running = running_;
    }
    cv_.notify_all();
    for (Job& job : dropped) job(true);
    if (running && !wait) return true;
    if (thread_.joinable()) thread_.join();
    return false;
  }

 private:
  void Run() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        running_ = true;
      }
      job(false);
      std::lock_guard<std::mutex> lock(mu_);
      running_ = false;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::thread thread_;
  bool stopping_ = false;
  bool running_ = false;  ///< a job is running (not a cancelled one)
};

// ---- In-process kernel cache ---------------------------------------------------

using CacheKey = std::tuple<uint64_t, uint64_t, int, int, uint32_t, size_t>;

struct Cache {
  std::mutex mu;
  std::map<CacheKey, std::shared_ptr<Kernels>> kernels;
  /// The last program object looked up and its key: a repeated lookup of the
  /// same (immutable) program skips fingerprinting.
  std::weak_ptr<const ir::Program> last_program;
  CacheKey last_key;
  int last_level = -1;
  int last_tiering = -1;
  JitCacheStats stats;
};

Cache& GetCache() {
  static Cache* cache = new Cache;  // never destroyed: engines may outlive statics
  return *cache;
}

constexpr size_t kMaxCachedKernels = 64;

class JitEngine final : public Engine {
 public:
  JitEngine(std::shared_ptr<const ir::Program> program, std::shared_ptr<Kernels> kernels)
      : program_(std::move(program)), kernels_(std::move(kernels)) {}

  std::string_view name() const override { return "jit"; }

  void Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const override {
    if (batch.num_columns != program_->schema->columns.size()) {
      out->Reset(*program_, batch.num_rows);
      // A batch of another schema: the kernel would read the wrong columns.
      // The reference interpreter decides how to treat it.
      MakeInterpreter(program_)->Evaluate(batch, ctx, out);
      return;
    }
    // Quantifiers may keep int32 running counts over a list column's
    // elements (codegen, emit_list.cpp): a batch with 2^28 or more elements
    // in one list or set column is left to the reference interpreter.
    for (ColumnId c = 0; c < batch.num_columns && batch.num_rows > 0; ++c) {
      const TypeKind k = program_->schema->columns[c].type.kind;
      const CohortColumn& col = batch.columns[c];
      if ((k == TypeKind::kList || k == TypeKind::kStringSet) && col.offsets &&
          int64_t{col.offsets[batch.num_rows]} - col.offsets[0] >= (int64_t{1} << 28)) {
        out->Reset(*program_, batch.num_rows);
        MakeInterpreter(program_)->Evaluate(batch, ctx, out);
        return;
      }
    }
    out->Resize(*program_, batch.num_rows);  // the kernel writes every mask byte
    if (batch.num_rows == 0) return;         // nothing to write (a list's offsets may be absent)
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
    if (!kernels_->deferred.load(std::memory_order_acquire)) {
      jit::CallKernel(kernels_->fn.load(std::memory_order_acquire), &batch, &ctx, masks.data(), &rt);
      return;
    }
    // The quick kernel, its optimized compile not started: time it.
    const auto t0 = std::chrono::steady_clock::now();
    jit::CallKernel(kernels_->fn.load(std::memory_order_acquire), &batch, &ctx, masks.data(), &rt);
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    if (kernels_->quick_ns.fetch_add(ns, std::memory_order_relaxed) + ns >= kTierUpAfterNs) RequestTierUp(kernels_);
  }

  const std::shared_ptr<Kernels>& kernels() const { return kernels_; }

 private:
  std::shared_ptr<const ir::Program> program_;
  std::shared_ptr<Kernels> kernels_;
};

/// Compiles the kernels of a cache miss: the quick one now (tiered), the
/// optimized one now or in the background.
std::shared_ptr<Kernels> CompileKernels(std::shared_ptr<const ir::Program> program, const JitOptions& opts,
                                        std::string* error) {
  auto k = std::make_shared<Kernels>();
  const bool tiered = opts.tiering == JitTiering::kTiered && opts.opt_level > 0 && !opts.dump_ir;
  const bool quick_only = opts.tiering == JitTiering::kQuickOnly || opts.opt_level == 0;
  if (quick_only || tiered) {
    k->quick = Compile(*program, 0, opts, error);
    if (!k->quick) return nullptr;
    k->fn.store(k->quick->fn, std::memory_order_release);
  }
  if (quick_only) {
    k->settled = true;
    return k;
  }
  if (!tiered) {
    std::shared_ptr<CompiledKernel> best = Compile(*program, opts.opt_level, opts, error);
    if (!best) return nullptr;
    k->Settle(std::move(best), "");
    return k;
  }
  // Tiered: the optimized compile waits until the quick kernel has run long
  // enough to make it worth its cost (kTierUpAfterNs, RequestTierUp), unless
  // the program has element loops.
  const bool now = HasElementLoops(*program);
  k->deferred_program = std::move(program);
  k->deferred_options = opts;
  k->deferred.store(true, std::memory_order_release);
  if (now) RequestTierUp(k);
  return k;
}

/// Posts the deferred optimized compilation of `k` to the tier-up worker
/// (once; no-op when it is not deferred).
void RequestTierUp(const std::shared_ptr<Kernels>& k) {
  std::shared_ptr<const ir::Program> program;
  {
    std::lock_guard<std::mutex> lock(k->mu);
    if (!k->deferred.load(std::memory_order_relaxed)) return;
    k->deferred.store(false, std::memory_order_relaxed);
    program = std::move(k->deferred_program);
  }
  {
    Cache& cache = GetCache();
    std::lock_guard<std::mutex> lock(cache.mu);
    ++cache.stats.tier_ups;
  }
  // The job owns the program it compiles; it holds the kernels weakly, so a
  // program dropped by every engine and the cache before its turn (the fuzz
  // and differential loops) costs no optimized compile.
  std::weak_ptr<Kernels> weak = k;
  TierUpWorker::Get().Post([weak, program = std::move(program), opts = k->deferred_options](bool cancelled) {
    std::shared_ptr<Kernels> kernels = weak.lock();
    if (!kernels) return;
    if (cancelled) {
      kernels->Settle(nullptr, "the optimized compilation was cancelled: the process is exiting");
      return;
    }
    std::string err;
    std::shared_ptr<CompiledKernel> best = Compile(*program, opts.opt_level, opts, &err);
    if (best) err.clear();
    kernels->Settle(std::move(best), std::move(err));
  });
}

}  // namespace

JitTiering DefaultJitTiering() {
  static const JitTiering tiering = [] {
    const char* v = std::getenv("COHORT_JIT_TIERING");
    return v && std::string_view(v) == "off" ? JitTiering::kOptimizedOnly : JitTiering::kTiered;
  }();
  return tiering;
}

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
  Cache& cache = GetCache();
  CacheKey key;
  bool have_key = false;
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    if (cache.last_program.lock() == program && cache.last_level == opts.opt_level &&
        cache.last_tiering == static_cast<int>(opts.tiering)) {
      key = cache.last_key;
      have_key = true;
    }
  }
  if (!have_key)
    key = CacheKey{ir::Fingerprint(*program),           program->schema->Fingerprint(),
                   opts.opt_level,                      static_cast<int>(opts.tiering),
                   jit::MaskBases(*program).back(),     program->exprs.size()};
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    cache.last_program = program;
    cache.last_key = key;
    cache.last_level = opts.opt_level;
    cache.last_tiering = static_cast<int>(opts.tiering);
    auto it = cache.kernels.find(key);
    if (it != cache.kernels.end() && !opts.dump_ir) {
      ++cache.stats.hits;
      return std::make_unique<JitEngine>(std::move(program), it->second);
    }
  }
  std::shared_ptr<Kernels> kernels = CompileKernels(program, opts, error);
  if (!kernels) return nullptr;
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    ++cache.stats.compiles;
    if (cache.kernels.size() >= kMaxCachedKernels) cache.kernels.erase(cache.kernels.begin());
    cache.kernels[key] = kernels;
  }
  return std::make_unique<JitEngine>(std::move(program), std::move(kernels));
}

std::string_view JitTierOf(const Engine& engine) {
  const auto* jit = dynamic_cast<const JitEngine*>(&engine);
  if (!jit) return "";
  const Kernels& k = *jit->kernels();
  jit::ProgramKernel fn = k.fn.load(std::memory_order_acquire);
  return k.quick && fn == k.quick->fn ? "quick" : "optimized";
}

void StopJitBackground() { TierUpWorker::Get().Stop(); }

bool StopJitBackgroundForExit() { return TierUpWorker::Get().Stop(/*wait=*/false); }

bool WaitForOptimizedKernel(const Engine& engine, std::string* error) {
  const auto* jit = dynamic_cast<const JitEngine*>(&engine);
  if (!jit) return false;
  RequestTierUp(jit->kernels());  // a caller waiting for it wants it now
  Kernels& k = *jit->kernels();
  std::unique_lock<std::mutex> lock(k.mu);
  k.cv.wait(lock, [&] { return k.settled; });
  if (error) *error = k.tier_up_error;
  return k.optimized != nullptr;
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
  cache.last_program.reset();
}

}  // namespace cohort
