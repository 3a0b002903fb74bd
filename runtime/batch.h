// Columnar record batches in Arrow's memory layout: a validity bitmap per
// column (LSB first, 1 = present; absent buffer = all present), bit-packed
// booleans, int32 offsets + UTF-8 bytes for strings, int32 offsets + child
// columns for sets (one string child) and lists of records (one child per
// element field). Enums are uint8 codes. The C view (CohortColumn) is the ABI
// that JIT-compiled kernels read; Batch owns the buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/schema.h"

extern "C" {
/// One column as kernels see it. Which buffers are set depends on the type:
///   bool: values = bitmap; int/timestamp: values = int64[]; decimal: double[];
///   date: int32[]; enum: uint8[]; string: offsets (length+1) + data;
///   set<string>/list<Record>: offsets (length+1) + children (child length =
///   offsets[length]).
typedef struct CohortColumn {
  const uint8_t* validity;
  const void* values;
  const int32_t* offsets;
  const uint8_t* data;
  const struct CohortColumn* children;
  uint32_t num_children;
  int64_t length;
} CohortColumn;

/// A batch as kernels see it: columns indexed by ColumnId (Schema::columns).
typedef struct CohortBatchView {
  int64_t num_rows;
  const CohortColumn* columns;
  uint32_t num_columns;
} CohortBatchView;
}

namespace cohort {

/// Bit helpers for Arrow bitmaps.
inline bool GetBit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, int64_t i, bool v) {
  if (v) bits[i >> 3] |= uint8_t(1u << (i & 7));
  else bits[i >> 3] &= uint8_t(~(1u << (i & 7)));
}
/// Is row i of a column present (validity absent = all present)?
inline bool IsValid(const CohortColumn& c, int64_t i) { return !c.validity || GetBit(c.validity, i); }
/// Bytes of string i of a string column.
inline std::string_view StringAt(const CohortColumn& c, int64_t i) {
  return {reinterpret_cast<const char*>(c.data) + c.offsets[i], static_cast<size_t>(c.offsets[i + 1] - c.offsets[i])};
}

/// Owned storage of one column (and its children), appendable.
struct ColumnData {
  TypeKind kind = TypeKind::kError;
  int64_t length = 0;
  bool has_nulls = false;
  std::vector<uint8_t> validity;   ///< bitmap, kept in sync even without nulls
  std::vector<uint8_t> values;     ///< raw little-endian values (bitmap for bool)
  std::vector<int32_t> offsets{0}; ///< strings, sets, lists
  std::vector<uint8_t> data;       ///< string bytes
  std::vector<ColumnData> children;

  void AppendNull();
  void AppendBool(bool v);
  void AppendInt(int64_t v);        ///< kInt, kTimestamp
  void AppendDecimal(double v);
  void AppendDate(int32_t v);
  void AppendEnum(uint8_t code);
  void AppendString(std::string_view s);
  /// Sets/lists: call after appending the children's elements for this row;
  /// closes the row at the current child length.
  void AppendListEnd(int64_t child_length);
  void Reserve(int64_t rows);
};

/// A batch of records laid out per Schema::columns.
class Batch {
 public:
  Batch() = default;
  /// An empty batch with one ColumnData per schema column, children made for
  /// sets (one string child) and lists (one child per element field).
  explicit Batch(const Schema& schema);
  int64_t num_rows() const { return num_rows_; }
  void set_num_rows(int64_t n) { num_rows_ = n; }
  ColumnData& column(ColumnId id) { return columns_[id]; }
  const ColumnData& column(ColumnId id) const { return columns_[id]; }
  size_t num_columns() const { return columns_.size(); }
  /// The C view (valid until the batch is modified or destroyed).
  const CohortBatchView& View();
  /// Makes column `id` a view of memory owned elsewhere (a mapped Arrow
  /// file): View() hands `view` to kernels as is, without copying. Its
  /// buffers (and children) must live as long as the batch: see KeepAlive.
  void SetExternal(ColumnId id, const CohortColumn& view);
  /// Keeps `owner` alive as long as the batch (what external views point into).
  void KeepAlive(std::shared_ptr<const void> owner) { owners_.push_back(std::move(owner)); }

 private:
  int64_t num_rows_ = 0;
  std::vector<ColumnData> columns_;
  // Views are rebuilt on demand; child views are stored flat.
  std::vector<CohortColumn> views_;
  std::vector<std::vector<CohortColumn>> child_views_;
  CohortBatchView view_{};
  std::vector<CohortColumn> external_;      ///< per column; used where external_set_
  std::vector<uint8_t> external_set_;
  std::vector<std::shared_ptr<const void>> owners_;
};

}  // namespace cohort
