// The registry table, generated from functions.def. The C implementations
// are in stdlib/fn_impl.cpp.
#include "core/functions.h"

#include <fmt/format.h>

namespace cohort {

static std::string_view KindSpelling(TypeKind k) {
  switch (k) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt: return "int";
    case TypeKind::kDecimal: return "decimal";
    case TypeKind::kString: return "string";
    case TypeKind::kDate: return "date";
    case TypeKind::kTimestamp: return "timestamp";
    default: return "?";
  }
}

std::string FunctionInfo::Signature() const {
  std::vector<std::string_view> ps;
  for (TypeKind k : params) ps.push_back(KindSpelling(k));
  return fmt::format("{}({}) -> {}", name, fmt::join(ps, ", "), KindSpelling(result));
}

const std::vector<FunctionInfo>& AllFunctions() {
  using enum TypeKind;
  using enum NullBehavior;
  static const std::vector<FunctionInfo> fns = {
#define FN(Id, Name, Result, Params, Null, Today, PerDict, Sym, CSig, Implicit, Doc) \
  FunctionInfo{FnId::k##Id, Name, Result, std::vector<TypeKind> Params, Null, Today, PerDict, #Sym, Implicit, Doc},  // NOLINT(bugprone-macro-parentheses): Params is a parenthesized braced list
#include "core/functions.def"
#undef FN
  };
  return fns;
}

const FunctionInfo* FindFunction(std::string_view name) {
  for (const auto& f : AllFunctions())
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace cohort
