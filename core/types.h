// The Cohort type system, shared by schemas, the checker, the IR and engines.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cohort {

/// The kinds of value a Cohort expression or field can have.
enum class TypeKind : uint8_t {
  kError,      ///< result of a failed check; suppresses cascading errors
  kBool,
  kInt,        ///< 64-bit signed
  kDecimal,    ///< IEEE double
  kString,     ///< UTF-8
  kDate,       ///< civil day: days since 1970-01-01 (int32, Arrow date32)
  kTimestamp,  ///< UTC instant: microseconds since the epoch (int64)
  kDuration,   ///< literals and consts only: months + days + micros
  kEnum,       ///< a label of an EnumDef, stored as a uint8 code
  kStringSet,  ///< set<string>: never missing; empty cell = empty set
  kRecord,     ///< a nested record (flattened to columns in batches)
  kList,       ///< list<Record>: nested event lists
};

/// An enum's labels, in declaration order; a value is its label's index.
struct EnumDef {
  std::string name;                 ///< display name (`enum(a, b)` or a named type)
  std::vector<std::string> labels;  ///< at most 255 labels
  int Find(std::string_view label) const;
};

struct RecordDef;

/// A type: a kind plus, for enums, records and lists, the shared definition.
/// Optionality is not part of Type; fields and IR nodes carry it separately.
struct Type {
  TypeKind kind = TypeKind::kError;
  std::shared_ptr<const EnumDef> enum_def;      ///< kEnum
  std::shared_ptr<const RecordDef> record_def;  ///< kRecord, or element of kList

  static Type Error() { return Type{TypeKind::kError}; }
  static Type Bool() { return Type{TypeKind::kBool}; }
  static Type Int() { return Type{TypeKind::kInt}; }
  static Type Decimal() { return Type{TypeKind::kDecimal}; }
  static Type String() { return Type{TypeKind::kString}; }
  static Type Date() { return Type{TypeKind::kDate}; }
  static Type Timestamp() { return Type{TypeKind::kTimestamp}; }
  static Type Duration() { return Type{TypeKind::kDuration}; }
  static Type StringSet() { return Type{TypeKind::kStringSet}; }
  static Type Enum(std::shared_ptr<const EnumDef> e) { return Type{TypeKind::kEnum, std::move(e), nullptr}; }
  static Type Record(std::shared_ptr<const RecordDef> r) { return Type{TypeKind::kRecord, nullptr, std::move(r)}; }
  static Type List(std::shared_ptr<const RecordDef> r) { return Type{TypeKind::kList, nullptr, std::move(r)}; }

  bool is_error() const { return kind == TypeKind::kError; }
  bool is_numeric() const { return kind == TypeKind::kInt || kind == TypeKind::kDecimal; }
  bool is_scalar() const { return kind != TypeKind::kRecord && kind != TypeKind::kList && kind != TypeKind::kStringSet; }
  /// Same type: same kind and, for enums/records, the same definition.
  bool operator==(const Type& o) const;
  bool operator!=(const Type& o) const { return !(*this == o); }
  /// User-facing spelling: `int`, `date`, `enum(a, b)`, `set<string>`, `list<Event>`.
  std::string ToString() const;
};

/// A field of a record. Record fields nest; leaves become batch columns.
struct FieldDef {
  std::string name;
  Type type;
  bool optional = false;    ///< `T?`: the value may be missing
  bool sensitive = false;   ///< governance: diagnoses, behavioural health, ...
  std::string source;       ///< source column name if it differs (`from "col"`)
  std::string description;  ///< for hover and docs
  bool may_be_absent = false;  ///< `if present`: the CSV column may be missing from the header
  uint32_t line = 0;        ///< 1-based line in the schema file (go-to-definition)
};

/// A record type: a name and ordered fields.
struct RecordDef {
  std::string name;
  std::vector<FieldDef> fields;
  /// Index of the field named `name`, or -1.
  int Find(std::string_view name) const;
};

}  // namespace cohort
