// Private to core/schema.cpp and core/schema_parser.cpp: the validation step
// of Schema::Finalize, with the source ranges the parser knows, so errors in
// a schema file point at the offending token rather than at the file header.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"

namespace cohort::detail {

/// Where the parts of a parsed schema were declared.
struct SchemaRanges {
  SourceRange fallback;  ///< the schema name in the header (or empty)
  SourceRange key;       ///< the field name after `key`
  std::map<std::string, SourceRange> channels;  ///< channel name -> its consent path
  /// The name of a field (owner record + index, stable once parsing is over).
  struct FieldRange {
    std::shared_ptr<RecordDef> owner;
    size_t index;
    SourceRange range;
  };
  std::vector<FieldRange> field_ranges;
  std::map<const RecordDef*, SourceRange> records;  ///< named record -> its name

  /// The range of a field's name, or `fallback`.
  SourceRange ForField(const FieldDef* f) const;
  /// The range of a channel's consent path, or `fallback`.
  SourceRange ForChannel(const std::string& name) const;
};

/// Flattens and validates `schema` (Schema::Finalize), reporting at `ranges`.
bool FinalizeSchema(Schema& schema, DiagnosticBag& diags, const SchemaRanges& ranges);

}  // namespace cohort::detail
