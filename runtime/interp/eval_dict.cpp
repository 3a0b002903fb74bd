// Dictionary predicates (runtime/dict_plan.h): a bool node whose single
// string source is dictionary-encoded in this batch is evaluated once per
// dictionary entry, by the very same node code in a dictionary frame (so the
// semantics cannot drift from the per-row path), then answered per row by
// table[code]; a missing row is UNKNOWN (the predicate is strict). Tables are
// cached per (node, dictionary) for the batch: string constants, `in` lists
// and string functions are thus resolved once per dictionary, not per row.
#include "runtime/interp/eval.h"

namespace cohort::interp {

const CohortColumn* Evaluator::SourceColumn(const ir::Expr& leaf, const Frame& f) const {
  switch (leaf.kind) {
    case ir::ExprKind::kColumn:
      return leaf.column < batch_.num_columns ? &batch_.columns[leaf.column] : nullptr;
    case ir::ExprKind::kVarItem:
      return f.is_element() && f.list->num_children >= 1 ? &f.list->children[0] : nullptr;
    case ir::ExprKind::kVarField:
      return f.is_element() && leaf.index < f.list->num_children ? &f.list->children[leaf.index] : nullptr;
    default: return nullptr;
  }
}

bool Evaluator::TryDictionary(ir::ExprId id, const ir::Expr& e, const Frame& f, const Sel& sel, Vec* out) {
  const ir::Expr& leaf = p_.exprs[plan_.dict_source(id)];
  // A row-level source met in an element frame was redirected to the row
  // frame by Eval; an element source needs the element frame.
  const CohortColumn* col = SourceColumn(leaf, f);
  if (!col || !col->dictionary || (col->length > 0 && !col->values)) return false;
  const CohortColumn& dict = *col->dictionary;
  auto key = std::make_pair(id, &dict);
  auto it = dict_tables_.find(key);
  if (it == dict_tables_.end()) {
    Frame df;
    df.n = dict.length > 0 ? static_cast<size_t>(dict.length) : 0;
    df.dict = &dict;
    Sel entries(df.n);
    for (size_t k = 0; k < df.n; ++k) entries[k] = static_cast<uint32_t>(k);
    std::vector<uint8_t> table(df.n, kUnknown);
    if (df.n > 0) {
      Vec v = Dispatch(id, e, df, entries);
      for (uint32_t k : entries) table[k] = v.Truth(k);
    }
    it = dict_tables_.emplace(key, std::move(table)).first;
  }
  const std::vector<uint8_t>& table = it->second;
  *out = MakeVec(TypeKind::kBool, f.n);
  if (sel.empty() || !col->values) return true;
  // Branch-free per row: a missing source or a corrupt code (never read out
  // of bounds) is UNKNOWN, else the entry's truth.
  const uint32_t n = static_cast<uint32_t>(table.size());
  const uint8_t* t = table.data();
  const int32_t* codes = static_cast<const int32_t*>(col->values);
  uint8_t* __restrict ob = out->b.data();
  uint8_t* __restrict ov = out->valid.data();
  ExpandBits(col->validity, sel, f.n, ov);
  for (uint32_t p : sel) {
    const uint32_t code = static_cast<uint32_t>(codes[p]);
    const uint8_t truth = code < n ? t[code] : kUnknown;
    ob[p] = truth == kTrue;
    ov[p] &= static_cast<uint8_t>(truth != kUnknown);
  }
  return true;
}

}  // namespace cohort::interp
