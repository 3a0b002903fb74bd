// The standard function registry (see functions.def) and the C ABI of the
// implementations shared by the interpreter and JIT-compiled kernels.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace cohort {

/// Function ids, in registry order (stored in ir::Expr::index of kCall).
enum class FnId : uint32_t {
#define FN(Id, Name, Result, Params, Sym, Implicit, Doc) k##Id,
#include "stdlib/functions.def"
#undef FN
};

/// A registry entry.
struct FunctionInfo {
  FnId id;
  std::string_view name;
  TypeKind result;
  std::vector<TypeKind> params;
  std::string_view c_symbol;
  std::string_view implicit_field;
  std::string_view doc;
  /// `name(param, ...) -> result` for hover, completion and errors.
  std::string Signature() const;
};

/// All functions, indexed by FnId.
const std::vector<FunctionInfo>& AllFunctions();
/// The function named `name`, or nullptr.
const FunctionInfo* FindFunction(std::string_view name);
inline const FunctionInfo& GetFunction(FnId id) { return AllFunctions()[static_cast<uint32_t>(id)]; }

}  // namespace cohort

// C ABI implementations. Dates are days since 1970-01-01, timestamps micros.
// Strings are (pointer, byte length). String results are written into `out`
// (capacity at least the input length, since lower/upper keep length) and
// return the byte length. Arguments are never missing: callers handle nulls.
extern "C" {
int64_t cohort_fn_age(int32_t birth, int32_t today);
int64_t cohort_fn_days_since(int32_t d, int32_t today);
int64_t cohort_fn_days_until(int32_t d, int32_t today);
int32_t cohort_fn_lower(const char* s, int32_t n, char* out);
int32_t cohort_fn_upper(const char* s, int32_t n, char* out);
bool cohort_fn_starts_with(const char* s, int32_t n, const char* p, int32_t m);
bool cohort_fn_ends_with(const char* s, int32_t n, const char* p, int32_t m);
bool cohort_fn_contains(const char* s, int32_t n, const char* p, int32_t m);
int64_t cohort_fn_length(const char* s, int32_t n);
int64_t cohort_fn_year(int32_t d);
int64_t cohort_fn_month(int32_t d);
int32_t cohort_fn_date_of(int64_t ts);
}
