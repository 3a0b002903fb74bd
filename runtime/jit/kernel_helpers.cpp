// The C helpers JIT-compiled kernels call, and the table binding every symbol
// a kernel may reference to its address.
#include <cstring>

#include "abi/kernel_abi.h"
#include "core/dates.h"
#include "runtime/jit/codegen.h"
#include "stdlib/functions.h"

namespace cohort::jit {

std::vector<uint32_t> MaskBases(const ir::Program& program) {
  std::vector<uint32_t> bases;
  uint32_t next = 0;
  for (const ir::Segment& s : program.segments) {
    bases.push_back(next);
    next += 2 + static_cast<uint32_t>(s.excludes.size() + s.channels.size());
  }
  bases.push_back(next);
  return bases;
}

const std::vector<KernelSymbol>& KernelSymbols() {
  static const std::vector<KernelSymbol> symbols = {
#define FN(Id, Name, Result, Params, Null, Today, PerDict, Sym, CSig, Implicit, Doc) \
  {#Sym, reinterpret_cast<const void*>(&Sym)},
#include "core/functions.def"
#undef FN
      {"cohort_jit_add_duration_date", reinterpret_cast<const void*>(&cohort_jit_add_duration_date)},
      {"cohort_jit_add_duration_ts", reinterpret_cast<const void*>(&cohort_jit_add_duration_ts)},
      {"cohort_jit_strcmp", reinterpret_cast<const void*>(&cohort_jit_strcmp)},
      {"cohort_jit_scratch", reinterpret_cast<const void*>(&cohort_jit_scratch)},
      {"memcmp", reinterpret_cast<const void*>(static_cast<int (*)(const void*, const void*, size_t)>(&std::memcmp))},
      {"bcmp", reinterpret_cast<const void*>(static_cast<int (*)(const void*, const void*, size_t)>(&std::memcmp))},
      {"memcpy", reinterpret_cast<const void*>(static_cast<void* (*)(void*, const void*, size_t)>(&std::memcpy))},
      {"memmove", reinterpret_cast<const void*>(static_cast<void* (*)(void*, const void*, size_t)>(&std::memmove))},
      {"memset", reinterpret_cast<const void*>(static_cast<void* (*)(void*, int, size_t)>(&std::memset))},
  };
  return symbols;
}

}  // namespace cohort::jit

extern "C" {

int32_t cohort_jit_add_duration_date(int32_t date, int32_t months, int32_t days, int32_t sign) {
  return cohort::AddDuration(date, cohort::ir::Duration{months, days, 0}, sign);
}

int64_t cohort_jit_add_duration_ts(int64_t ts, int32_t months, int32_t days, int64_t micros, int32_t sign) {
  return cohort::AddDuration(ts, cohort::ir::Duration{months, days, micros}, sign);
}

int32_t cohort_jit_strcmp(const uint8_t* a, int32_t na, const uint8_t* b, int32_t nb) {
  int32_t n = na < nb ? na : nb;
  int c = n > 0 ? std::memcmp(a, b, static_cast<size_t>(n)) : 0;
  if (c != 0) return c < 0 ? -1 : 1;
  return na < nb ? -1 : (na > nb ? 1 : 0);
}

uint8_t* cohort_jit_scratch(cohort::jit::KernelRuntime* rt, int32_t slot, int32_t n) {
  if (rt->scratch.size() <= static_cast<size_t>(slot)) rt->scratch.resize(static_cast<size_t>(slot) + 1);
  std::vector<uint8_t>& buf = rt->scratch[static_cast<size_t>(slot)];
  // +1 so that even an empty result has a valid, non-null address.
  if (buf.size() < static_cast<size_t>(n) + 1) buf.resize(static_cast<size_t>(n) + 1);
  return buf.data();
}

}  // extern "C"
