// What a name in a document refers to (hover, definition, references,
// completion, semantic tokens), from the parsed tree and the schema. Works on
// half-typed files: only the AST is needed, the checked program is optional.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "compiler/ast/ast.h"
#include "core/schema.h"
#include "stdlib/functions.h"

namespace cohort::lsp {

/// Kinds of things a name can denote.
enum class SymKind { kNone, kField, kVar, kConst, kDefine, kSegment, kCampaign, kFunction, kChannel, kLabel };

/// A resolved name occurrence.
struct Symbol {
  SymKind kind = SymKind::kNone;
  std::string name;                  ///< as written (field: its dotted path)
  SourceRange range;                 ///< this occurrence
  const FieldDef* field = nullptr;   ///< kField
  const FunctionInfo* fn = nullptr;  ///< kFunction
  SourceRange decl;                  ///< declaration in the document (const, define, segment, var)
  std::shared_ptr<const RecordDef> record;  ///< kVar over a list: its element record
  bool is_decl = false;              ///< this occurrence declares the symbol
};

/// Resolves names of one module against a schema (may be null).
class SymbolIndex {
 public:
  SymbolIndex(const ast::Module& m, std::shared_ptr<const Schema> schema);
  /// Calls `fn` for every name occurrence, in source order of declarations.
  void ForEach(const std::function<void(const Symbol&)>& fn) const;
  /// The occurrence whose range contains `offset` (the innermost), if any.
  Symbol At(uint32_t offset) const;
  /// The record type that an identifier chain like `e` or `consent` denotes at
  /// `offset` (quantifier variables in scope there are considered), or null.
  std::shared_ptr<const RecordDef> RecordOfChain(const std::string& chain, uint32_t offset) const;
  /// The field a dotted chain like `e.kind` or `payer_type` denotes at `offset`.
  const FieldDef* FieldOfChain(const std::string& chain, uint32_t offset) const;
  /// Quantifier variables whose body contains `offset`.
  std::vector<Symbol> VarsAt(uint32_t offset) const;

 private:
  struct Scope;
  void WalkExpr(const ast::Expr* e, Scope& scope, const std::function<void(const Symbol&)>& fn) const;
  Symbol ResolveName(const ast::Expr& e, const Scope& scope) const;
  const FieldDef* ResolveField(const ast::Expr* e, const Scope& scope, std::shared_ptr<const RecordDef>* record) const;

  const ast::Module& m_;
  std::shared_ptr<const Schema> schema_;
};

}  // namespace cohort::lsp
