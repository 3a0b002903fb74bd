// Typed column vectors of the interpreter: construction, copies, broadcast,
// and reading Arrow-layout batch columns.
#include "runtime/interp/vec.h"

#include <cstring>

namespace cohort::interp {

Storage StorageOf(TypeKind k) {
  switch (k) {
    case TypeKind::kBool: return Storage::kBool;
    case TypeKind::kInt:
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
    case TypeKind::kEnum: return Storage::kInt;
    case TypeKind::kDecimal: return Storage::kDouble;
    case TypeKind::kString: return Storage::kString;
    case TypeKind::kStringSet:
    case TypeKind::kList: return Storage::kRows;
    default: return Storage::kNone;
  }
}

Vec MakeVec(TypeKind kind, size_t n) {
  Vec v;
  v.kind = kind;
  switch (StorageOf(kind)) {
    case Storage::kBool: v.b.assign(n, 0); break;
    case Storage::kInt: v.i.assign(n, 0); break;
    case Storage::kDouble: v.d.assign(n, 0.0); break;
    case Storage::kString: v.s.assign(n, {}); break;
    case Storage::kRows:
      v.i.assign(n, 0);
      v.valid.assign(n, 1);
      return v;
    case Storage::kNone: break;
  }
  v.valid.assign(n, 0);
  return v;
}

Vec MakeConst(const ir::Value& value) {
  Vec v = MakeVec(value.kind, 1);
  v.is_const = true;
  if (value.is_null) return v;
  v.valid[0] = 1;
  switch (StorageOf(value.kind)) {
    case Storage::kBool: v.b[0] = value.i != 0; break;
    case Storage::kInt: v.i[0] = value.i; break;
    case Storage::kDouble: v.d[0] = value.d; break;
    // Views the program's literal: the program outlives every evaluation.
    case Storage::kString: v.s[0] = value.s; break;
    case Storage::kRows:
    case Storage::kNone: v.valid[0] = 0; break;
  }
  return v;
}

Vec MakeMissingConst(TypeKind kind) {
  Vec v = MakeVec(kind, 1);
  v.is_const = true;
  v.valid[0] = 0;
  return v;
}

static void ShareArenas(const Vec& src, Vec* dst) {
  if (src.arenas.empty()) return;
  for (const auto& a : src.arenas) {
    bool have = false;
    for (const auto& b : dst->arenas) have |= a.get() == b.get();
    if (!have) dst->arenas.push_back(a);
  }
}

void CopyAt(const Vec& src, Vec* dst, const Sel& sel) {
  ShareArenas(src, dst);
  if (!dst->col) dst->col = src.col;
  switch (StorageOf(dst->kind)) {
    case Storage::kBool:
      for (uint32_t p : sel) dst->b[p] = src.b[src.At(p)];
      break;
    case Storage::kInt:
    case Storage::kRows:
      for (uint32_t p : sel) dst->i[p] = src.i[src.At(p)];
      break;
    case Storage::kDouble:
      for (uint32_t p : sel) dst->d[p] = src.d[src.At(p)];
      break;
    case Storage::kString:
      for (uint32_t p : sel) dst->s[p] = src.s[src.At(p)];
      break;
    case Storage::kNone: break;
  }
  for (uint32_t p : sel) dst->valid[p] = src.valid[src.At(p)];
}

void CopyOne(const Vec& src, size_t p, Vec* dst) {
  size_t q = src.At(p);
  switch (StorageOf(dst->kind)) {
    case Storage::kBool: dst->b[p] = src.b[q]; break;
    case Storage::kInt:
    case Storage::kRows: dst->i[p] = src.i[q]; break;
    case Storage::kDouble: dst->d[p] = src.d[q]; break;
    case Storage::kString: dst->s[p] = src.s[q]; break;
    case Storage::kNone: break;
  }
  dst->valid[p] = src.valid[q];
}

Vec Gather(const Vec& rows, const std::vector<uint32_t>& parent, const Sel& esel, size_t n) {
  if (rows.is_const) return rows;
  Vec out = MakeVec(rows.kind, n);
  out.col = rows.col;
  out.arenas = rows.arenas;
  switch (StorageOf(rows.kind)) {
    case Storage::kBool:
      for (uint32_t e : esel) out.b[e] = rows.b[parent[e]];
      break;
    case Storage::kInt:
    case Storage::kRows:
      for (uint32_t e : esel) out.i[e] = rows.i[parent[e]];
      break;
    case Storage::kDouble:
      for (uint32_t e : esel) out.d[e] = rows.d[parent[e]];
      break;
    case Storage::kString:
      for (uint32_t e : esel) out.s[e] = rows.s[parent[e]];
      break;
    case Storage::kNone: break;
  }
  for (uint32_t e : esel) out.valid[e] = rows.valid[parent[e]];
  return out;
}

template <typename T>
static T Load(const void* values, size_t p) {
  T v;
  std::memcpy(&v, static_cast<const uint8_t*>(values) + p * sizeof(T), sizeof(T));
  return v;
}

Vec ReadColumn(const CohortColumn& c, TypeKind kind, const Sel& sel, size_t n) {
  Vec out = MakeVec(kind, n);
  Storage st = StorageOf(kind);
  if (st == Storage::kRows) {
    out.col = &c;
    for (uint32_t p : sel) out.i[p] = p;
    return out;
  }
  if (kind == TypeKind::kString && c.dictionary) {
    // Dictionary-encoded: views into the dictionary entries (dictionary
    // predicates never get here; see eval_dict.cpp).
    if (!c.values) return out;
    const CohortColumn& d = *c.dictionary;
    for (uint32_t p : sel) {
      if (!(out.valid[p] = IsValid(c, p))) continue;
      int32_t code = CodeAt(c, p);
      if (code >= 0 && code < d.length) out.s[p] = PlainStringAt(d, code);
      else out.valid[p] = 0;  // a corrupt code reads as missing, never out of bounds
    }
    return out;
  }
  // A column without a values buffer (no rows, or all missing with a lazy
  // writer) reads as missing rather than crashing.
  bool has_values = st == Storage::kString ? (c.offsets != nullptr) : (c.values != nullptr);
  if (!has_values) return out;
  ExpandBits(c.validity, sel, n, out.valid.data());
  switch (kind) {
    case TypeKind::kBool:
      ExpandBits(static_cast<const uint8_t*>(c.values), sel, n, out.b.data());
      break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp: {
      const auto* v = static_cast<const int64_t*>(c.values);
      for (uint32_t p : sel) out.i[p] = v[p];
      break;
    }
    case TypeKind::kDate: {
      const auto* v = static_cast<const int32_t*>(c.values);
      for (uint32_t p : sel) out.i[p] = v[p];
      break;
    }
    case TypeKind::kEnum: {
      const auto* v = static_cast<const uint8_t*>(c.values);
      for (uint32_t p : sel) out.i[p] = v[p];
      break;
    }
    case TypeKind::kDecimal: {
      const auto* v = static_cast<const double*>(c.values);
      for (uint32_t p : sel) out.d[p] = v[p];
      break;
    }
    case TypeKind::kString:
      for (uint32_t p : sel) {
        int32_t len = c.offsets[p + 1] - c.offsets[p];
        out.s[p] = len > 0 ? PlainStringAt(c, p) : std::string_view();
      }
      break;
    default: break;
  }
  return out;
}

Sel PresentIn(const Vec& v, const Sel& sel) {
  if (v.is_const) return v.valid[0] ? sel : Sel();
  return Compact(sel, v.valid.data());
}

namespace {

/// kSpread[x]: the eight bits of x as eight bytes 0/1 (little-endian order).
struct SpreadTable {
  uint64_t t[256];
  constexpr SpreadTable() : t() {
    for (int x = 0; x < 256; ++x) {
      uint64_t v = 0;
      for (int k = 0; k < 8; ++k) v |= static_cast<uint64_t>((x >> k) & 1) << (8 * k);
      t[x] = v;
    }
  }
};
constexpr SpreadTable kSpread;

}  // namespace

void ExpandBits(const uint8_t* bits, const Sel& sel, size_t n, uint8_t* out) {
  if (!bits) {
    if (!IsDense(sel, n)) {
      for (uint32_t p : sel) out[p] = 1;
    } else if (n > 0) {  // (memset: never a null pointer, even for 0 bytes)
      std::memset(out, 1, n);
    }
    return;
  }
  if (!IsDense(sel, n)) {
    for (uint32_t p : sel) out[p] = GetBit(bits, p);
    return;
  }
  const size_t whole = n / 8;
  for (size_t k = 0; k < whole; ++k) std::memcpy(out + 8 * k, &kSpread.t[bits[k]], 8);
  for (size_t p = whole * 8; p < n; ++p) out[p] = GetBit(bits, static_cast<int64_t>(p));
}

Sel Compact(const Sel& sel, const uint8_t* keep) {
  Sel out(sel.size());
  size_t k = 0;
  for (uint32_t p : sel) {
    out[k] = p;
    k += keep[p] != 0;
  }
  out.resize(k);
  return out;
}

ir::Value ToValue(const Vec& v, size_t p) {
  ir::Value out;
  out.kind = v.kind;
  size_t q = v.At(p);
  if (!v.valid[q]) {
    out.is_null = true;
    return out;
  }
  switch (StorageOf(v.kind)) {
    case Storage::kBool: out.i = v.b[q]; break;
    case Storage::kInt: out.i = v.i[q]; break;
    case Storage::kDouble: out.d = v.d[q]; break;
    case Storage::kString: out.s = std::string(v.s[q]); break;
    case Storage::kRows: {
      if (!v.col || !v.col->offsets) break;
      int64_t row = v.i[q];
      if (v.kind == TypeKind::kStringSet && v.col->num_children > 0) {
        const CohortColumn& items = v.col->children[0];
        for (int32_t k = v.col->offsets[row]; k < v.col->offsets[row + 1]; ++k) {
          if (!out.s.empty()) out.s += ';';
          out.s += StringAt(items, k);
        }
      } else {
        out.i = v.col->offsets[row + 1] - v.col->offsets[row];  // lists: element count
      }
      break;
    }
    case Storage::kNone: out.is_null = true; break;
  }
  return out;
}

}  // namespace cohort::interp
