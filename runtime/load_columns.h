// Staging columns of the CSV loader: list rows are kept column-wise
// (dictionary-encoded like batch columns) and copied into batches by ranges
// or gathered by row ids. Internal to the loader's files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/batch.h"

namespace cohort::load {

/// Translates the dictionary codes of one source string column (or set
/// elements) to those of a destination column: entry -1 until the code is
/// first copied, so each distinct value is hashed once per destination
/// dictionary instead of once per element. Reset it whenever the destination
/// dictionary changes (a new batch).
struct CodeMap {
  std::vector<int32_t> to;
  void Reset() { std::fill(to.begin(), to.end(), -1); }
};

/// Copies elements `rows[0..n)` of `src` onto `dst`.
void CopyElements(const ColumnData& src, const uint32_t* rows, size_t n, ColumnData* dst, CodeMap* map);

/// Byte width of the fixed-width kinds a range copies with one memcpy (0 for others).
size_t FixedWidth(TypeKind kind);

/// Appends validity bits [begin, begin + n) of `src` to `dst` and grows its
/// length (values are the caller's).
void AppendValidityRange(const ColumnData& src, int64_t begin, int64_t n, ColumnData* dst);

/// Appends elements [begin, end) of staging column `src` onto `dst`.
void CopyRange(const ColumnData& src, int64_t begin, int64_t end, ColumnData* dst, CodeMap* map);

/// Bytes of string data a column holds (its own, its dictionary's, its
/// children's): int32 offsets address them.
size_t StringBytes(const ColumnData& c);

/// An empty staging column for an element field of type `t`; strings (and set
/// elements) dictionary-encoded like batch columns, so rows move as codes.
ColumnData MakeStagingColumn(TypeKind kind);

/// Staging column `src` reordered: row k is `src`'s row `rows[k]`.
/// Fixed-width values and dictionary codes (the dictionary moves along
/// unchanged) are gathered straight into the new buffers.
ColumnData Gather(ColumnData src, const uint32_t* rows, size_t n);


}  // namespace cohort::load
