// The standard function registry (core/functions.def): the one table the
// checker, the verifier, both engines, the folder and the SQL backend read.
// The C implementations are in stdlib/ (stdlib/functions.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace cohort {

/// Function ids, in registry order (stored in ir::Expr::index of kCall).
enum class FnId : uint32_t {
#define FN(Id, Name, Result, Params, Null, Today, PerDict, Sym, CSig, Implicit, Doc) k##Id,
#include "core/functions.def"
#undef FN
};

/// How a function treats missing arguments (Gandiva's NullableBehavior).
enum class NullBehavior : uint8_t {
  kNullIfAnyNull,  ///< any missing argument gives a missing result; the C function sees present values only
};

/// A registry entry.
struct FunctionInfo {
  FnId id;
  std::string_view name;
  TypeKind result;
  std::vector<TypeKind> params;
  NullBehavior null_behavior;
  bool needs_today;     ///< the C function takes the run date as a last int32_t
  bool per_dictionary;  ///< evaluable once per dictionary entry of its first (string) argument
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
