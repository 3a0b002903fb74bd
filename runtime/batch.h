// Columnar record batches in Arrow's memory layout: a validity bitmap per
// column (LSB first, 1 = present; absent buffer = all present), bit-packed
// booleans, int32 offsets + UTF-8 bytes for strings, int32 offsets + child
// columns for sets (one string child) and lists of records (one child per
// element field). Enums are uint8 codes. The C view (CohortColumn) is the ABI
// that JIT-compiled kernels read; Batch owns the buffers.
//
// Dictionary-encoded strings (Arrow's dictionary layout: int32 indices into a
// dictionary string array). Encoding policy, decided per column when a Batch
// is built from the schema (MakeColumn):
//   - the key field stays plain (unique per record, a dictionary only costs);
//   - every other string column, set element child and string field of a list
//     record starts dictionary-encoded;
//   - adaptively, a column whose dictionary grows past kMaxDictionaryEntries
//     entries converts itself to plain at once (codes materialized into
//     offsets + bytes) and stays plain: high-cardinality free text never pays
//     for a dictionary, and per-entry work (engines) stays bounded.
// Loaders only call ColumnData::AppendString; the encoding is internal. The
// dictionary holds each distinct string once, never null (a missing value is
// a validity bit with code 0), in first-appearance order. Dictionaries are
// per column and per batch: two batches may encode the same string with
// different codes, so engines resolve constants once per dictionary.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/schema.h"

extern "C" {
/// One column as kernels see it. Which buffers are set depends on the type:
///   bool: values = bitmap; int/timestamp: values = int64[]; decimal: double[];
///   date: int32[]; enum: uint8[]; string: offsets (length+1) + data;
///   dictionary-encoded string: dictionary != NULL, values = int32 codes
///   (0 <= code < dictionary->length; 0 under a null), offsets = data = NULL;
///   the dictionary is a plain string column without validity;
///   set<string>/list<Record>: offsets (length+1) + children (child length =
///   offsets[length]).
/// ABI: fields are only ever appended (codegen addresses them by index and
/// static_asserts the offsets); `dictionary` is NULL for every other column.
typedef struct CohortColumn {
  const uint8_t* validity;
  const void* values;
  const int32_t* offsets;
  const uint8_t* data;
  const struct CohortColumn* children;
  uint32_t num_children;
  int64_t length;
  const struct CohortColumn* dictionary;
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
/// Bytes of string i of a plain string column.
inline std::string_view PlainStringAt(const CohortColumn& c, int64_t i) {
  return {reinterpret_cast<const char*>(c.data) + c.offsets[i], static_cast<size_t>(c.offsets[i + 1] - c.offsets[i])};
}
/// Dictionary code of row i of a dictionary-encoded string column.
inline int32_t CodeAt(const CohortColumn& c, int64_t i) { return static_cast<const int32_t*>(c.values)[i]; }
/// Bytes of string i of a string column, plain or dictionary-encoded.
inline std::string_view StringAt(const CohortColumn& c, int64_t i) {
  return c.dictionary ? PlainStringAt(*c.dictionary, CodeAt(c, i)) : PlainStringAt(c, i);
}

/// The code of `s` in dictionary column `dict` (a linear scan: call once per
/// dictionary, not per row), or -1.
inline int32_t DictionaryCode(const CohortColumn& dict, std::string_view s) {
  for (int64_t k = 0; k < dict.length; ++k)
    if (PlainStringAt(dict, k) == s) return static_cast<int32_t>(k);
  return -1;
}

/// Dictionary entries beyond which a string column converts itself to plain.
inline constexpr int32_t kMaxDictionaryEntries = 1 << 16;

/// How a string column stores its values.
enum class StringEncoding : uint8_t {
  kPlain,       ///< offsets + bytes per row
  kDictionary,  ///< int32 codes in `values` + a StringDictionary
};

/// The distinct strings of a dictionary-encoded column (a plain string array
/// plus a hash index for appends). The index is open addressing over codes
/// (no per-entry heap node; each code's hash is kept so growing never rehashes
/// bytes), and Intern remembers the last entry it returned, so a run of equal
/// values (sorted or grouped data) costs one compare per row.
struct StringDictionary {
  std::vector<int32_t> offsets{0};
  std::vector<uint8_t> data;
  int32_t size() const { return static_cast<int32_t>(offsets.size() - 1); }
  std::string_view at(int32_t code) const {
    return {reinterpret_cast<const char*>(data.data()) + offsets[code],
            static_cast<size_t>(offsets[code + 1] - offsets[code])};
  }
  /// The code of `s`, adding it when new.
  int32_t Intern(std::string_view s);
  /// The code of `s`, or -1.
  int32_t Find(std::string_view s) const;
  void Clear();

 private:
  /// Slot of `s` (hash `h`) in slots_: the one holding it, or the empty one
  /// where it would go.
  size_t Probe(std::string_view s, uint32_t h) const;
  void Grow();

  std::vector<int32_t> slots_;   ///< code + 1 per slot, 0 = empty; size a power of two (or 0)
  std::vector<uint32_t> hashes_;  ///< per code: its hash (low 32 bits)
  int32_t last_ = -1;             ///< the code Intern returned last
};

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
  /// Strings: the current encoding (plain unless the schema policy asked for
  /// a dictionary; a dictionary column may fall back to plain, never back).
  StringEncoding encoding = StringEncoding::kPlain;
  StringDictionary dictionary;  ///< kDictionary: the entries `values` codes index
  /// Not loaded: the program does not read this column (the CSV loader's
  /// column projection, runtime/loader.h). It stays empty whatever the batch's
  /// row count, and View() shows it as length 0 with no buffers; the run
  /// pipeline checks that no column the program reads is absent.
  bool absent = false;

  /// A string column that starts dictionary-encoded (call while empty).
  void UseDictionary();
  /// Converts a dictionary-encoded column to plain (no-op when plain).
  void MakePlain();
  /// Bytes of string row i, whatever the encoding (row must be present).
  std::string_view StringAt(int64_t i) const;
  /// Empties the column (and its children), keeping capacity and encoding.
  void Clear();

  void AppendNull();
  void AppendBool(bool v);
  void AppendInt(int64_t v);        ///< kInt, kTimestamp
  void AppendDecimal(double v);
  void AppendDate(int32_t v);
  void AppendEnum(uint8_t code);
  /// Strings in either encoding (dictionary columns intern, and fall back to
  /// plain past kMaxDictionaryEntries).
  void AppendString(std::string_view s);
  /// Dictionary-encoded strings: appends an existing code (for readers of
  /// encoded data such as Arrow dictionary arrays; 0 <= code < size()).
  void AppendCode(int32_t code);
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
  /// Was column `id` left unloaded (ColumnData::absent)?
  bool absent(ColumnId id) const { return id < columns_.size() && columns_[id].absent; }
  const ColumnData& column(ColumnId id) const { return columns_[id]; }
  size_t num_columns() const { return columns_.size(); }
  /// The C view (valid until the batch is modified or destroyed).
  const CohortBatchView& View();
  /// Makes column `id` a view of memory owned elsewhere (a mapped Arrow
  /// file): View() hands `view` to kernels as is, without copying. Its
  /// buffers (and children) must live as long as the batch: see KeepAlive.
  void SetExternal(ColumnId id, const CohortColumn& view);
  /// Makes column `id` owned again after SetExternal (its ColumnData is what
  /// View() shows): the run pipeline refills the contacts column this way.
  void ClearExternal(ColumnId id) {
    if (id < external_set_.size()) external_set_[id] = 0;
  }
  /// Keeps `owner` alive as long as the batch (what external views point into).
  void KeepAlive(std::shared_ptr<const void> owner) { owners_.push_back(std::move(owner)); }

 private:
  int64_t num_rows_ = 0;
  std::vector<ColumnData> columns_;
  // Views are rebuilt on demand; child views are stored flat.
  std::vector<CohortColumn> views_;
  std::vector<std::vector<CohortColumn>> child_views_;  ///< children and dictionaries
  CohortBatchView view_{};
  std::vector<CohortColumn> external_;      ///< per column; used where external_set_
  std::vector<uint8_t> external_set_;
  std::vector<std::shared_ptr<const void>> owners_;
};

}  // namespace cohort
