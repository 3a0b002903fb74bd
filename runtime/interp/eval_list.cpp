// Membership tests (`in [...]`, `in <set>`), quantifiers and min/max
// aggregates over list<Record> and set<string> columns.
//
// Quantifiers are two-valued: an element counts only when its body is TRUE
// (any: some TRUE; all: every TRUE, so TRUE on an empty list; no: not any;
// count: number of TRUE bodies). Bodies run in an element frame over every
// element of the selected rows at once; row-level parts of a body are
// evaluated per row and broadcast (Evaluator::Eval).
#include <algorithm>

#include "runtime/interp/eval.h"

namespace cohort::interp {

Vec Evaluator::EvalInList(ir::ExprId id, const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(TypeKind::kBool, f.n);
  Vec a = Eval(e.args[0], f, sel);
  const InListTable& t = plan_.in_list(id);
  const uint8_t hit = e.negated ? kFalse : kTrue;
  const uint8_t miss = e.negated ? kTrue : kFalse;
  for (uint32_t p : sel) {
    if (!a.Valid(p)) continue;  // missing operand: UNKNOWN
    size_t q = a.At(p);
    bool found = false;
    switch (StorageOf(a.kind)) {
      case Storage::kBool: found = t.bools.size() == 2 && t.bools[a.b[q]]; break;
      case Storage::kInt: found = std::binary_search(t.ints.begin(), t.ints.end(), a.i[q]); break;
      case Storage::kDouble: found = std::binary_search(t.dbls.begin(), t.dbls.end(), a.d[q]); break;
      case Storage::kString:
        found = std::binary_search(t.strs.begin(), t.strs.end(), a.s[q],
                                   [](std::string_view x, std::string_view y) { return x < y; });
        break;
      default: break;
    }
    out.SetTruth(p, found ? hit : miss);
  }
  return out;
}

Vec Evaluator::EvalInSet(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(TypeKind::kBool, f.n);
  Vec item = Eval(e.args[0], f, sel);
  Sel present = PresentIn(item, sel);
  if (present.empty()) return out;
  Vec set = Eval(e.args[1], f, present);
  const uint8_t hit = e.negated ? kFalse : kTrue;
  const uint8_t miss = e.negated ? kTrue : kFalse;
  const CohortColumn* c = set.col;
  const CohortColumn* items = c && c->num_children > 0 && c->offsets ? &c->children[0] : nullptr;
  if (items && items->dictionary && item.is_const && (items->values || items->length == 0)) {
    // A constant item against dictionary-encoded set items: its code, found
    // once per dictionary (absent: never in any set), then code compares.
    const int32_t code = DictionaryCode(*items->dictionary, item.s[0]);
    for (uint32_t p : present) {
      bool found = false;
      int64_t row = set.i[set.At(p)];
      if (code >= 0 && set.Valid(p) && IsValid(*c, row)) {
        for (int32_t k = c->offsets[row]; k < c->offsets[row + 1] && !found; ++k)
          found = IsValid(*items, k) && CodeAt(*items, k) == code;
      }
      out.SetTruth(p, found ? hit : miss);
    }
    return out;
  }
  for (uint32_t p : present) {
    std::string_view x = item.s[item.At(p)];
    bool found = false;
    if (items && set.Valid(p)) {  // a set is never missing; stay total anyway
      int64_t row = set.i[set.At(p)];
      if (IsValid(*c, row)) {
        for (int32_t k = c->offsets[row]; k < c->offsets[row + 1] && !found; ++k)
          found = IsValid(*items, k) && StringAt(*items, k) == x;
      }
    }
    out.SetTruth(p, found ? hit : miss);
  }
  return out;
}

Vec Evaluator::EvalQuantifier(const ir::Expr& e, const Frame& f, const Sel& sel) {
  // Quantifiers are row-level (level 0): `f` is the row frame here.
  std::vector<uint32_t> parent;
  Sel elems;
  Frame ef = ElementFrame(e.column, sel, &parent, &elems);
  std::vector<int64_t> trues(f.n, 0), totals(f.n, 0);
  if (!elems.empty()) {
    Vec body = Eval(e.args[0], ef, elems);
    for (uint32_t el : elems) {
      ++totals[parent[el]];
      if (body.Truth(el) == kTrue) ++trues[parent[el]];
    }
  }
  const bool count = e.quant == ir::Quant::kCount;
  Vec out = MakeVec(count ? TypeKind::kInt : TypeKind::kBool, f.n);
  for (uint32_t r : sel) {
    if (count) {
      out.i[r] = trues[r];
      out.valid[r] = 1;
      continue;
    }
    bool v = false;
    switch (e.quant) {
      case ir::Quant::kAny: v = trues[r] > 0; break;
      case ir::Quant::kAll: v = trues[r] == totals[r]; break;
      case ir::Quant::kNo: v = trues[r] == 0; break;
      default: break;
    }
    out.SetTruth(r, v ? kTrue : kFalse);
  }
  return out;
}

Vec Evaluator::EvalAggregate(const ir::Expr& e, const Frame& f, const Sel& sel) {
  std::vector<uint32_t> parent;
  Sel elems;
  Frame ef = ElementFrame(e.column, sel, &parent, &elems);
  Vec out = MakeVec(e.type.kind, f.n);
  if (elems.empty()) return out;  // no element: missing
  if (e.args.size() > 1 && e.args[1] != ir::kNoExpr) {
    Vec filter = Eval(e.args[1], ef, elems);
    Sel kept;
    kept.reserve(elems.size());
    for (uint32_t el : elems)
      if (filter.Truth(el) == kTrue) kept.push_back(el);
    elems.swap(kept);
    if (elems.empty()) return out;
  }
  Vec value = Eval(e.args[0], ef, elems);
  out.arenas = value.arenas;
  const bool is_min = e.quant == ir::Quant::kMin;
  // First present value wins ties; NaN never replaces a value (it fails `<`).
  for (uint32_t el : elems) {
    if (!value.Valid(el)) continue;
    const uint32_t r = parent[el];
    const size_t q = value.At(el);
    const bool first = !out.valid[r];
    switch (StorageOf(value.kind)) {
      case Storage::kInt: {
        int64_t x = value.i[q];
        if (first || (is_min ? x < out.i[r] : out.i[r] < x)) out.i[r] = x;
        break;
      }
      case Storage::kDouble: {
        double x = value.d[q];
        if (first || (is_min ? x < out.d[r] : out.d[r] < x)) out.d[r] = x;
        break;
      }
      case Storage::kString: {
        std::string_view x = value.s[q];
        if (first || (is_min ? x < out.s[r] : out.s[r] < x)) out.s[r] = x;
        break;
      }
      default: continue;
    }
    out.valid[r] = 1;
  }
  return out;
}

}  // namespace cohort::interp
