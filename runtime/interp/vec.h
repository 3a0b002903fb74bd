// Internal to the interpreter: typed column vectors (values + validity) and
// selection vectors. A Vec holds one value per position of a frame (a row of
// the batch, or an element of a quantified list/set); only the positions of
// the selection it was computed for are meaningful. A constant Vec (literals,
// `today`) stores a single value at index 0 and stands for every position.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ir.h"
#include "core/truth.h"
#include "runtime/batch.h"

namespace cohort::interp {

/// Ascending positions to evaluate (DuckDB-style selection vector).
using Sel = std::vector<uint32_t>;

/// Truth values (core/truth.h) as bytes, as stored in truth vectors.
inline constexpr uint8_t kFalse = static_cast<uint8_t>(cohort::Truth::kFalse);
inline constexpr uint8_t kTrue = static_cast<uint8_t>(cohort::Truth::kTrue);
inline constexpr uint8_t kUnknown = static_cast<uint8_t>(cohort::Truth::kUnknown);

/// Which buffer of a Vec holds the values of a type kind.
enum class Storage : uint8_t {
  kBool,    ///< b: 0/1
  kInt,     ///< i: int, date (days), timestamp (micros), enum code
  kDouble,  ///< d: decimal
  kString,  ///< s: views into the batch, the program's literals or `arenas`
  kRows,    ///< i: row index into `col` (set<string>, list<Record>); never missing
  kNone,    ///< durations, records, errors: nothing to hold
};
/// The storage of values of kind `k`.
Storage StorageOf(TypeKind k);

/// One typed column vector.
struct Vec {
  TypeKind kind = TypeKind::kError;
  bool is_const = false;
  std::vector<uint8_t> valid;  ///< 1 = present (for bools: known)
  std::vector<uint8_t> b;
  std::vector<int64_t> i;
  std::vector<double> d;
  std::vector<std::string_view> s;
  /// Owners of computed strings (lower/upper) viewed by `s`; shared on copy.
  std::vector<std::shared_ptr<const std::string>> arenas;
  const CohortColumn* col = nullptr;  ///< kRows: the set/list column

  size_t At(size_t p) const { return is_const ? 0 : p; }
  bool Valid(size_t p) const { return valid[At(p)] != 0; }
  /// Truth of a bool vector at position p: kFalse, kTrue or kUnknown.
  uint8_t Truth(size_t p) const {
    size_t q = At(p);
    return valid[q] ? b[q] : kUnknown;
  }
  /// Stores a truth value at position p of a (non-constant) bool vector.
  void SetTruth(size_t p, uint8_t t) {
    valid[p] = t != kUnknown;
    b[p] = t == kTrue;
  }
};

/// A vector of `n` missing values of `kind` (kRows: `n` positions, present).
Vec MakeVec(TypeKind kind, size_t n);
/// A constant vector holding `v`.
Vec MakeConst(const ir::Value& v);
/// A vector of `n` missing values of `kind`, as a constant.
Vec MakeMissingConst(TypeKind kind);
/// dst[p] = src[p] for p in sel; dst must be non-constant and long enough.
void CopyAt(const Vec& src, Vec* dst, const Sel& sel);
/// dst[p] = src[p] for a single position (same rules as CopyAt).
void CopyOne(const Vec& src, size_t p, Vec* dst);
/// Broadcast of a row-level vector to elements: out[e] = rows[parent[e]] for
/// e in esel, in a vector of `n` positions.
Vec Gather(const Vec& rows, const std::vector<uint32_t>& parent, const Sel& esel, size_t n);
/// Reads positions `sel` of a batch column (or list child) of kind `kind`
/// into a vector of `n` positions.
Vec ReadColumn(const CohortColumn& c, TypeKind kind, const Sel& sel, size_t n);
/// Positions of `sel` where `v` is present.
Sel PresentIn(const Vec& v, const Sel& sel);
/// Does `sel` cover every position of a frame of `n` (then it is 0..n-1)?
inline bool IsDense(const Sel& sel, size_t n) { return sel.size() == n; }
/// out[p] = bit p of the Arrow bitmap `bits` (nullptr: all 1) for p in sel,
/// a byte per position; a dense selection expands the bitmap a byte (eight
/// positions) at a time.
void ExpandBits(const uint8_t* bits, const Sel& sel, size_t n, uint8_t* out);
/// The positions p of `sel` with keep[p] != 0, in order (branch-free).
Sel Compact(const Sel& sel, const uint8_t* keep);
/// The value at position p as an ir::Value of `type` (sets: items joined by ';').
ir::Value ToValue(const Vec& v, size_t p);

}  // namespace cohort::interp
