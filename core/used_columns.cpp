// Column projection of a checked program (core/used_columns.h).
#include "core/used_columns.h"

namespace cohort::ir {

namespace {

bool IsListColumn(const Schema& sc, ColumnId c) { return c < sc.columns.size() && sc.columns[c].type.kind == TypeKind::kList; }

/// Marks the element fields of `list` that the level-1 nodes under `root`
/// read, without entering nested quantifiers (their elements are their own);
/// `seen` records every kVarField reached.
void MarkElements(const Program& p, ExprId root, ColumnId list, UsedColumns* used, std::vector<uint8_t>* seen) {
  std::vector<ExprId> stack{root};
  while (!stack.empty()) {
    const ExprId id = stack.back();
    stack.pop_back();
    if (id >= p.exprs.size()) continue;
    const Expr& e = p.exprs[id];
    if (e.kind == ExprKind::kVarField) {
      (*seen)[id] = 1;
      if (list < used->elements.size() && e.index < used->elements[list].size()) used->elements[list][e.index] = 1;
      continue;
    }
    if ((e.kind == ExprKind::kQuantifier || e.kind == ExprKind::kAggregate) && id != root) continue;
    for (ExprId a : e.args) stack.push_back(a);
  }
}

}  // namespace

UsedColumns FindUsedColumns(const Program& p) {
  UsedColumns used;
  if (!p.schema) return used;
  const Schema& sc = *p.schema;
  used.columns.assign(sc.columns.size(), 0);
  used.elements.resize(sc.columns.size());
  for (ColumnId c = 0; c < sc.columns.size(); ++c) {
    const ColumnDef& def = sc.columns[c];
    if (def.type.kind == TypeKind::kList && def.type.record_def)
      used.elements[c].assign(def.type.record_def->fields.size(), 0);
  }
  auto mark = [&](ColumnId c) {
    if (c < used.columns.size()) used.columns[c] = 1;
  };
  mark(sc.key_column());
  mark(p.contacts_column);
  std::vector<uint8_t> seen(p.exprs.size(), 0);
  for (ExprId id = 0; id < p.exprs.size(); ++id) {
    const Expr& e = p.exprs[id];
    if (e.column == kNoColumn) continue;
    mark(e.column);
    if ((e.kind == ExprKind::kQuantifier || e.kind == ExprKind::kAggregate) && IsListColumn(sc, e.column))
      MarkElements(p, id, e.column, &used, &seen);
  }
  for (const Segment& seg : p.segments) {
    for (const Channel& ch : seg.channels) mark(ch.consent_column);
    for (ColumnId c : seg.exports) mark(c);
    for (const Goal& g : seg.goals) {
      mark(g.events);
      if (IsListColumn(sc, g.events)) {
        MarkElements(p, g.quantifier, g.events, &used, &seen);
        MarkElements(p, g.at, g.events, &used, &seen);
      }
    }
  }
  // A field read through a frame the walk above did not reach: read them all.
  for (ExprId id = 0; id < p.exprs.size(); ++id) {
    if (p.exprs[id].kind != ExprKind::kVarField || seen[id]) continue;
    for (std::vector<uint8_t>& fields : used.elements) fields.assign(fields.size(), 1);
    break;
  }
  return used;
}

}  // namespace cohort::ir
