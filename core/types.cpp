#include "core/types.h"

#include <fmt/format.h>

namespace cohort {

int EnumDef::Find(std::string_view label) const {
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == label) return static_cast<int>(i);
  return -1;
}

int RecordDef::Find(std::string_view n) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

bool Type::operator==(const Type& o) const {
  if (kind != o.kind) return false;
  if (kind == TypeKind::kEnum) return enum_def == o.enum_def;
  if (kind == TypeKind::kRecord || kind == TypeKind::kList) return record_def == o.record_def;
  return true;
}

std::string Type::ToString() const {
  switch (kind) {
    case TypeKind::kError: return "<error>";
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt: return "int";
    case TypeKind::kDecimal: return "decimal";
    case TypeKind::kString: return "string";
    case TypeKind::kDate: return "date";
    case TypeKind::kTimestamp: return "timestamp";
    case TypeKind::kDuration: return "duration";
    case TypeKind::kEnum: {
      if (!enum_def) return "enum";
      if (!enum_def->name.empty()) return enum_def->name;
      return fmt::format("enum({})", fmt::join(enum_def->labels, ", "));
    }
    case TypeKind::kStringSet: return "set<string>";
    case TypeKind::kRecord: return record_def ? record_def->name : "record";
    case TypeKind::kList: return fmt::format("list<{}>", record_def ? record_def->name : "?");
  }
  return "?";
}

}  // namespace cohort
