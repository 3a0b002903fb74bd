// The standard library: the registry (core/functions.h) and the C ABI of its
// implementations (stdlib/fn_impl.cpp), shared by the interpreter, the folder
// (through the interpreter) and JIT-compiled kernels. The prototypes are
// generated from core/functions.def, so a row and its implementation can never
// disagree silently: a definition with another signature does not compile.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/functions.h"

// Dates are days since 1970-01-01, timestamps micros. Strings are (pointer,
// byte length). String results are written into `out` (capacity at least the
// first argument's length) and return the byte length. Arguments are never
// missing: callers apply the row's null behaviour first.
#define COHORT_FN_UNPAREN(...) __VA_ARGS__
extern "C" {
#define FN(Id, Name, Result, Params, Null, Today, PerDict, Sym, CSig, Implicit, Doc) \
  std::type_identity_t<COHORT_FN_UNPAREN CSig> Sym;
#include "core/functions.def"
#undef FN
}
