// Staging-column copies of the CSV loader (runtime/load_columns.h).
#include "runtime/load_columns.h"

#include <algorithm>
#include <cstring>

namespace cohort::load {

namespace {

/// Appends present string element `i` of `src` onto `dst`: code to code
/// through `map` when both are dictionary-encoded, else by bytes.
inline __attribute__((always_inline)) void AppendStringElement(const ColumnData& src, int64_t i, ColumnData* dst,
                                                              CodeMap* map) {
  if (src.encoding != StringEncoding::kDictionary || dst->encoding != StringEncoding::kDictionary) {
    dst->AppendString(src.StringAt(i));
    return;
  }
  int32_t code;
  std::memcpy(&code, src.values.data() + i * 4, 4);
  if (static_cast<size_t>(code) >= map->to.size()) map->to.resize(static_cast<size_t>(src.dictionary.size()), -1);
  int32_t& mapped = map->to[static_cast<size_t>(code)];
  if (mapped >= 0) {
    dst->AppendCode(mapped);
    return;
  }
  dst->AppendString(src.dictionary.at(code));
  // Still a dictionary (it may have just turned plain): remember the code.
  if (dst->encoding == StringEncoding::kDictionary) std::memcpy(&mapped, dst->values.data() + dst->values.size() - 4, 4);
}

/// Appends elements `row(0)..row(n-1)` of staging column `src` onto `dst`:
/// one type dispatch per call, not per element. `map` translates string codes
/// (of set elements for sets).
template <typename RowOf>
void CopyRows(const ColumnData& src, RowOf row, size_t n, ColumnData* dst, CodeMap* map) {
  const bool nulls = src.has_nulls;
  const uint8_t* valid = src.validity.data();
  const uint8_t* values = src.values.data();
  auto present = [&](int64_t i) {
    if (nulls && !GetBit(valid, i)) {
      dst->AppendNull();
      return false;
    }
    return true;
  };
  switch (src.kind) {
    case TypeKind::kBool:
      for (size_t k = 0; k < n; ++k)
        if (int64_t i = row(k); present(i)) dst->AppendBool(GetBit(values, i));
      return;
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
      for (size_t k = 0; k < n; ++k) {
        if (int64_t i = row(k); present(i)) {
          int64_t v;
          std::memcpy(&v, values + i * 8, 8);
          dst->AppendInt(v);
        }
      }
      return;
    case TypeKind::kDecimal:
      for (size_t k = 0; k < n; ++k) {
        if (int64_t i = row(k); present(i)) {
          double v;
          std::memcpy(&v, values + i * 8, 8);
          dst->AppendDecimal(v);
        }
      }
      return;
    case TypeKind::kDate:
      for (size_t k = 0; k < n; ++k) {
        if (int64_t i = row(k); present(i)) {
          int32_t v;
          std::memcpy(&v, values + i * 4, 4);
          dst->AppendDate(v);
        }
      }
      return;
    case TypeKind::kEnum:
      for (size_t k = 0; k < n; ++k)
        if (int64_t i = row(k); present(i)) dst->AppendEnum(values[i]);
      return;
    case TypeKind::kString:
      for (size_t k = 0; k < n; ++k)
        if (int64_t i = row(k); present(i)) AppendStringElement(src, i, dst, map);
      return;
    case TypeKind::kStringSet: {
      const ColumnData& sc = src.children[0];
      ColumnData& dc = dst->children[0];
      for (size_t k = 0; k < n; ++k) {
        const int64_t i = row(k);
        if (!present(i)) continue;
        for (int32_t j = src.offsets[i]; j < src.offsets[i + 1]; ++j) {
          if (sc.has_nulls && !GetBit(sc.validity.data(), j)) dc.AppendNull();
          else AppendStringElement(sc, j, &dc, map);
        }
        dst->AppendListEnd(dc.length);
      }
      return;
    }
    default:
      for (size_t k = 0; k < n; ++k) dst->AppendNull();
      return;
  }
}

}  // namespace

/// Copies elements `rows[0..n)` of `src` onto `dst`.
void CopyElements(const ColumnData& src, const uint32_t* rows, size_t n, ColumnData* dst, CodeMap* map) {
  CopyRows(src, [rows](size_t k) { return static_cast<int64_t>(rows[k]); }, n, dst, map);
}

/// Byte width of the fixed-width kinds a range copies with one memcpy (0 for others).
size_t FixedWidth(TypeKind kind) {
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDecimal: return 8;
    case TypeKind::kDate: return 4;
    case TypeKind::kEnum: return 1;
    default: return 0;
  }
}

/// Appends validity bits [begin, begin + n) of `src` to `dst` and grows its
/// length (values are the caller's).
void AppendValidityRange(const ColumnData& src, int64_t begin, int64_t n, ColumnData* dst) {
  const int64_t at = dst->length;
  dst->validity.resize(static_cast<size_t>((at + n + 7) / 8), 0);
  uint8_t* bits = dst->validity.data();
  if (!src.has_nulls) {
    // All present: the bits up to a byte boundary, then whole bytes.
    int64_t k = 0;
    for (; k < n && ((at + k) & 7) != 0; ++k) bits[(at + k) >> 3] |= uint8_t(1u << ((at + k) & 7));
    const int64_t bytes = (n - k) / 8;
    std::memset(bits + ((at + k) >> 3), 0xFF, static_cast<size_t>(bytes));
    for (k += bytes * 8; k < n; ++k) bits[(at + k) >> 3] |= uint8_t(1u << ((at + k) & 7));
    dst->length = at + n;
    return;
  }
  const uint8_t* from = src.validity.data();
  for (int64_t k = 0; k < n; ++k) {
    if (!GetBit(from, begin + k)) {
      dst->has_nulls = true;
      continue;
    }
    bits[(at + k) >> 3] |= uint8_t(1u << ((at + k) & 7));
  }
  dst->length = at + n;
}

/// Appends elements [begin, end) of staging column `src` onto `dst`.
void CopyRange(const ColumnData& src, int64_t begin, int64_t end, ColumnData* dst, CodeMap* map) {
  if (begin >= end) return;
  const int64_t n = end - begin;
  if (const size_t w = FixedWidth(src.kind); w != 0) {
    // A null's value bytes are zero in both columns, so one copy is exact.
    // Ranges are a few elements: fixed-size copies, not a memmove call.
    const size_t at = dst->values.size();
    dst->values.resize(at + static_cast<size_t>(n) * w);
    uint8_t* to = dst->values.data() + at;
    const uint8_t* from = src.values.data() + static_cast<size_t>(begin) * w;
    switch (w) {
      case 8: for (int64_t k = 0; k < n; ++k) std::memcpy(to + k * 8, from + k * 8, 8); break;
      case 4: for (int64_t k = 0; k < n; ++k) std::memcpy(to + k * 4, from + k * 4, 4); break;
      default: for (int64_t k = 0; k < n; ++k) to[k] = from[k]; break;
    }
    AppendValidityRange(src, begin, n, dst);
    return;
  }
  CopyRows(src, [begin](size_t k) { return begin + static_cast<int64_t>(k); }, static_cast<size_t>(n), dst, map);
}

/// Bytes of string data a column holds (its own, its dictionary's, its
/// children's): int32 offsets address them.
size_t StringBytes(const ColumnData& c) {
  size_t n = c.data.size() + c.dictionary.data.size();
  for (const ColumnData& child : c.children) n = std::max(n, StringBytes(child));
  return n;
}

/// An empty staging column for an element field of type `t`; strings (and set
/// elements) dictionary-encoded like batch columns, so rows move as codes.
ColumnData MakeStagingColumn(TypeKind kind) {
  ColumnData c;
  c.kind = kind;
  if (kind == TypeKind::kString) c.UseDictionary();
  if (kind == TypeKind::kStringSet) {
    ColumnData child;
    child.kind = TypeKind::kString;
    child.UseDictionary();
    c.children.push_back(std::move(child));
  }
  return c;
}

/// Staging column `src` reordered: row k is `src`'s row `rows[k]`.
/// Fixed-width values and dictionary codes (the dictionary moves along
/// unchanged) are gathered straight into the new buffers.
ColumnData Gather(ColumnData src, const uint32_t* rows, size_t n) {
  const bool codes = src.kind == TypeKind::kString && src.encoding == StringEncoding::kDictionary;
  const size_t w = codes ? 4 : FixedWidth(src.kind);
  ColumnData out = MakeStagingColumn(src.kind);
  if (w == 0) {
    out.Reserve(static_cast<int64_t>(n));
    CodeMap map;
    CopyElements(src, rows, n, &out, &map);
    return out;
  }
  out.values.resize(n * w);
  uint8_t* to = out.values.data();
  const uint8_t* from = src.values.data();
  switch (w) {
    case 8: for (size_t k = 0; k < n; ++k) std::memcpy(to + k * 8, from + size_t{rows[k]} * 8, 8); break;
    case 4: for (size_t k = 0; k < n; ++k) std::memcpy(to + k * 4, from + size_t{rows[k]} * 4, 4); break;
    default: for (size_t k = 0; k < n; ++k) to[k] = from[rows[k]]; break;
  }
  out.validity.assign((n + 7) / 8, 0);
  for (size_t k = 0; k < n; ++k) {
    if (src.has_nulls && !GetBit(src.validity.data(), rows[k])) out.has_nulls = true;
    else SetBit(out.validity.data(), static_cast<int64_t>(k), true);
  }
  out.length = static_cast<int64_t>(n);
  if (codes) out.dictionary = std::move(src.dictionary);
  return out;
}


}  // namespace cohort::load
