// The name-resolution side table a compilation returns: every name
// occurrence of a module (definitions and references, with ranges) and what
// it denotes. Editors use it for hover, definition, references, completion and
// semantic tokens. It is built from the tree and the schema in the checker's
// lookup order (quantifier variable, define, const, schema field, function,
// enum label), so it also exists for files that do not check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "core/schema.h"
#include "stdlib/functions.h"

namespace cohort {

/// Kinds of things a name can denote.
enum class SymKind { kNone, kField, kVar, kConst, kDefine, kSegment, kCampaign, kFunction, kChannel, kLabel };

/// One name occurrence.
struct Symbol {
  SymKind kind = SymKind::kNone;
  std::string name;                  ///< as written (field: its dotted path)
  SourceRange range;                 ///< this occurrence
  const FieldDef* field = nullptr;   ///< kField
  const FunctionInfo* fn = nullptr;  ///< kFunction
  SourceRange decl;                  ///< the declaration (const, define, segment, campaign, var)
  std::shared_ptr<const RecordDef> record;  ///< kVar over a list: its element record
  bool is_decl = false;              ///< this occurrence declares the symbol
};

/// A quantifier variable and the expression it is in scope in.
struct VarScope {
  std::string name;
  SourceRange decl;
  SourceRange scope;
  std::shared_ptr<const RecordDef> record;  ///< element record of a list; null for a set item
};

/// Every name occurrence of one module, in source order of declarations.
class NameTable {
 public:
  NameTable() = default;
  /// Resolves `m` against `schema` (may be null). `subject` (may be null) is
  /// the module a `X_test.cohort` file tests: its segments, campaigns and
  /// channels are what the test's expectations name.
  NameTable(const ast::Module& m, std::shared_ptr<const Schema> schema, const ast::Module* subject = nullptr);

  const std::vector<Symbol>& symbols() const { return symbols_; }
  /// The schema names were resolved against (also for files that do not check).
  const std::shared_ptr<const Schema>& schema() const { return schema_; }
  /// The innermost occurrence whose range contains `offset`, if any.
  Symbol At(uint32_t offset) const;
  /// Quantifier variables in scope at `offset`.
  std::vector<VarScope> VarsAt(uint32_t offset) const;
  /// The record type an identifier chain like `e` or `consent` denotes at `offset`, or null.
  std::shared_ptr<const RecordDef> RecordOfChain(const std::string& chain, uint32_t offset) const;
  /// The field a dotted chain like `e.kind` or `payer_type` denotes at `offset`.
  const FieldDef* FieldOfChain(const std::string& chain, uint32_t offset) const;

 private:
  std::shared_ptr<const Schema> schema_;
  std::vector<Symbol> symbols_;
  std::vector<VarScope> vars_;
};

}  // namespace cohort
