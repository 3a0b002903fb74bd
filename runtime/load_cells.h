// Cell parsers of the CSV loader: how one field of a CSV column is read
// (FieldSpec, CellParser), and the column-at-a-time conversion of a grid of
// tokenized records (ConvertColumn). Internal to the loader's files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dates.h"
#include "core/hash.h"
#include "core/schema.h"
#include "runtime/batch.h"
#include "runtime/csv_scan.h"

namespace cohort::load {

/// EnumDef::Find for CSV cells without string compares: a label is keyed by
/// its length and two words that hold all its bytes when it has at most 16
/// (overlapping loads; its first and last 8 bytes when longer), a perfect
/// hash of the key picks the one table entry it can be, and the entry holds
/// the same key (labels over 16 bytes are then compared whole). Enums whose
/// labels collide under every seed tried (or repeat, or are empty) use
/// EnumDef::Find itself.
class EnumLookup {
 public:
  EnumLookup() = default;
  explicit EnumLookup(const EnumDef* def) : def_(def) {
    if (!def || def->labels.empty() || def->labels.size() > 255) return;
    for (const std::string& label : def->labels)
      if (label.empty() || label.size() > 0xFFFF) return;
    int bits = 4;
    while ((size_t{1} << bits) < 4 * def->labels.size()) ++bits;
    for (; bits <= 10 && !perfect_; ++bits) {
      for (uint64_t seed = 1; seed < 64 && !perfect_; ++seed) {
        table_.assign(size_t{1} << bits, Entry{});
        perfect_ = true;
        for (size_t i = 0; i < def->labels.size() && perfect_; ++i) {
          const std::string& label = def->labels[i];
          const Key k = KeyOf(label);
          Entry& e = table_[Slot(k, label.size(), seed, bits)];
          if (e.len != 0) perfect_ = false;  // a collision, or a repeated label: try another seed
          e = Entry{k.lo, k.hi, static_cast<uint16_t>(label.size()), static_cast<uint8_t>(i)};
        }
        seed_ = seed;
        bits_ = bits;
      }
    }
    if (!perfect_) table_.clear();
  }
  /// The label index of `s`, or -1.
  int Find(std::string_view s) const {
    if (!perfect_) return def_ ? def_->Find(s) : -1;
    if (s.empty()) return -1;
    const Key k = KeyOf(s);
    const Entry& e = table_[Slot(k, s.size(), seed_, bits_)];
    if (e.lo != k.lo || e.hi != k.hi || e.len != s.size()) return -1;
    if (s.size() > 16 && !EqualBytes(def_->labels[e.code], s)) return -1;
    return e.code;
  }

 private:
  struct Key {
    uint64_t lo = 0, hi = 0;
  };
  struct Entry {
    uint64_t lo = 0, hi = 0;
    uint16_t len = 0;  ///< 0: empty
    uint8_t code = 0;
  };
  /// Bytes of `s` (not empty), read only inside it; for up to 16 bytes,
  /// with the length, different strings give different keys.
  static Key KeyOf(std::string_view s) {
    const char* p = s.data();
    const size_t n = s.size();
    Key k;
    if (n >= 8) {
      std::memcpy(&k.lo, p, 8);
      std::memcpy(&k.hi, p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      k.lo = uint64_t{a} | uint64_t{b} << 32;
    } else {
      const auto byte = [p](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
      k.lo = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
    }
    return k;
  }
  static size_t Slot(const Key& k, size_t len, uint64_t seed, int bits) {
    const uint64_t x = (k.lo ^ (k.hi * 0x9E3779B97F4A7C15ULL) ^ (uint64_t{len} << 48)) * (0xD6E8FEB86659FD93ULL + 2 * seed);
    return static_cast<size_t>(x >> (64 - bits));
  }

  const EnumDef* def_ = nullptr;
  bool perfect_ = false;
  uint64_t seed_ = 0;
  int bits_ = 0;
  std::vector<Entry> table_;
};

struct FieldSpec;
class CellParser;
/// Converts one present cell (not empty, not the null token; sets: possibly
/// empty) of a column's kind and appends it; on failure appends a null and
/// sets `*message`. Chosen once per column (CellParseFor), so a row does not
/// switch on each field's type.
using CellParseFn = bool (*)(CellParser& parser, const FieldSpec& spec, std::string_view cell, ColumnData* col,
                             std::string* message);
CellParseFn CellParseFor(TypeKind kind);

/// How to read one field from a CSV column.
struct FieldSpec {
  std::string name;        ///< header name (the source column)
  TypeKind kind = TypeKind::kError;
  bool optional = false;
  bool may_be_absent = false;   ///< `if present`: the header may lack the column
  const EnumDef* enum_def = nullptr;
  EnumLookup enum_lookup;  ///< built from enum_def once
  ColumnId column = kNoColumn;  ///< batch column (records) or element index (lists)
  int header_index = -1;        ///< 0-based index in the header, -1 if absent
  bool projected = true;        ///< the program reads it: convert and validate its cells (else only tokenized)
  CellParseFn parse = nullptr;  ///< CellParseFor(kind)
};

/// Sets the kind and enum of `spec`, choosing its cell parser and building
/// its label lookup.
inline void SetKind(FieldSpec* spec, TypeKind kind, const EnumDef* def) {
  spec->kind = kind;
  spec->parse = CellParseFor(kind);
  spec->enum_def = def;
  spec->enum_lookup = EnumLookup(def);
}

/// Parses CSV cells into columns. Keeps scratch space so a row allocates nothing.
class CellParser {
 public:
  /// A cell equal to this (besides the empty cell) is missing (`null "NULL"`).
  std::string_view null_token;

  /// Appends `cell` to `col`; on failure appends a null and sets `*message`.
  bool Append(const FieldSpec& spec, std::string_view cell, ColumnData* col, std::string* message) {
    const bool is_null = cell.empty() || (!null_token.empty() && cell == null_token);
    if (is_null) {
      if (spec.kind == TypeKind::kStringSet) return spec.parse(*this, spec, {}, col, message);  // the empty set
      col->AppendNull();
      if (spec.optional) return true;
      *message = "missing value for a required field";
      return false;
    }
    return spec.parse(*this, spec, cell, col, message);
  }

  /// ParseTimestamp20, remembering the last date it read: list files are
  /// often in time order, so a cell mostly repeats the previous cell's day
  /// and only its time of day is left to check.
  bool Timestamp20(std::string_view cell, int64_t* micros) {
    if (cell.size() != 20) return false;
    uint64_t lo;
    uint16_t hi;
    std::memcpy(&lo, cell.data(), 8);
    std::memcpy(&hi, cell.data() + 8, 2);
    if (lo == day_lo_ && hi == day_hi_) {
      uint32_t seconds;
      if (cell[10] != 'T' || cell[19] != 'Z' || !ParseTimeOfDay8(cell.data() + 11, &seconds)) return false;
      *micros = day_micros_ + int64_t{seconds} * 1'000'000;
      return true;
    }
    if (!ParseTimestamp20(cell, micros)) return false;
    day_lo_ = lo;
    day_hi_ = hi;
    day_micros_ = int64_t{DayOfTimestamp(*micros)} * kMicrosPerDay;
    return true;
  }

  static bool Fail(ColumnData* col, std::string* message, const char* what) {
    col->AppendNull();
    *message = what;
    return false;
  }

  /// The elements of set cell `cell` into `*items` (replaced): split on
  /// `;`, untrimmed, empties dropped, sorted, duplicates collapsed.
  static void SplitSet(std::string_view cell, std::vector<std::string_view>* items) {
    items->clear();
    size_t start = 0;
    while (start <= cell.size()) {
      size_t semi = cell.find(';', start);
      if (semi == std::string_view::npos) semi = cell.size();
      if (semi > start) items->push_back(cell.substr(start, semi - start));
      start = semi + 1;
    }
    if (items->size() > 1) {
      std::sort(items->begin(), items->end());
      items->erase(std::unique(items->begin(), items->end()), items->end());
    }
  }

  /// `a;b;;a` -> {a, b}: split on `;`, untrimmed, empties dropped, duplicates
  /// collapsed; items are stored sorted so equal sets have equal layouts.
  void AppendSet(std::string_view cell, ColumnData* col) {
    SplitSet(cell, &items_);
    ColumnData& child = col->children[0];
    for (std::string_view item : items_) child.AppendString(item);
    col->AppendListEnd(child.length);
  }

 private:
  std::vector<std::string_view> items_;
  // The date bytes of the last timestamp ParseTimestamp20 accepted and the
  // micros of its midnight; at first 1970-01-01 (always a true pair).
  uint64_t day_lo_ = Bytes<uint64_t>("1970-01-");
  uint16_t day_hi_ = Bytes<uint16_t>("01");
  int64_t day_micros_ = 0;
  template <typename T>
  static T Bytes(const char* s) {
    T v;
    std::memcpy(&v, s, sizeof v);
    return v;
  }
};

/// A located problem found by a chunk worker; the line is relative to the
/// chunk until the chunk is accepted.
struct ChunkError {
  int64_t line = 0;
  std::string column;
  int64_t column_index = 0;
  std::string message;
};

// ---- Column-at-a-time conversion of a record grid ----------------------------
// A grid of tokenized records (CsvRecordBatch) is converted one column at a
// time: fixed-width values are written straight into the column's buffer
// (sized once per grid, no per-cell append or capacity check) and validity
// bits a 64-row word at a time. Cells the fast parsers do not take go
// through the column's cell parser (the same values and messages).

/// One column of a grid: where its cells are and where errors go.
struct GridColumn {
  const CsvRecordBatch& grid;
  size_t rows;
  size_t index;          ///< field index in each row (the header index)
  const int64_t* lines;  ///< per row: line relative to the chunk
  const FieldSpec& spec;
  CellParser& parser;
  std::vector<ChunkError>* errors;
  std::string* message;  ///< scratch for the cell parser's messages
  std::string_view cell(size_t r) const { return grid.fields()[r * grid.width() + index]; }
  void Error(size_t r, std::string what) const {
    errors->push_back({lines[r], spec.name, spec.header_index + 1, std::move(what)});
  }
  /// Whether the cell of row r is missing (empty or the null token); an
  /// error when the field is required.
  bool Missing(size_t r, std::string_view cell) const {
    if (!cell.empty() && (parser.null_token.empty() || cell != parser.null_token)) return false;
    if (!spec.optional) Error(r, "missing value for a required field");
    return true;
  }
};

/// Dictionary codes of short strings (up to 16 bytes: language, state, zip
/// codes, service lines) interned into one column's dictionary, by their
/// bytes, so a repeated value costs a compare instead of a hash and a probe.
/// Two entries per set (one cache line), the one used last first. The
/// entries outlive a batch: Reset for each new batch's dictionary makes
/// their codes stale, not their bytes, so a value seen in an earlier batch
/// is interned again without its text being checked again (Find).
class ShortCodeCache {
 public:
  /// A new batch (a new, empty dictionary).
  void Reset() {
    if (entries_.empty() || ++epoch_ == 0) {
      entries_.assign(2 * kSets, Entry{});
      epoch_ = 1;
    }
  }
  /// Interns `s` into `dict` (through the cache when it is short).
  int32_t Intern(std::string_view s, StringDictionary* dict) {
    if (s.size() > 16 || entries_.empty()) return dict->Intern(s);
    const Key k = KeyOf(s);
    Entry* set = Set(k);
    if (Match(set[0], k)) return Current(&set[0], s, dict);
    if (Match(set[1], k)) {
      std::swap(set[0], set[1]);
      return Current(&set[0], s, dict);
    }
    set[1] = set[0];
    set[0] = Entry{k.lo, k.hi, k.tag, epoch_, dict->Intern(s)};
    return set[0].code;
  }
  /// Whether `s` went through Intern before (with any batch); then its code
  /// in `dict` (the current batch's) in `*code`. A caller that only interns
  /// checked text may skip checking a found one again.
  bool Find(std::string_view s, StringDictionary* dict, int32_t* code) {
    if (s.size() > 16 || entries_.empty()) return false;
    const Key k = KeyOf(s);
    Entry* set = Set(k);
    if (Match(set[0], k)) {
      *code = Current(&set[0], s, dict);
      return true;
    }
    if (Match(set[1], k)) {
      std::swap(set[0], set[1]);
      *code = Current(&set[0], s, dict);
      return true;
    }
    return false;
  }

 private:
  static constexpr int kBits = 11;
  static constexpr size_t kSets = size_t{1} << kBits;
  struct Key {
    uint64_t lo = 0, hi = 0;
    uint32_t tag = 0;  ///< length + 1
  };
  struct alignas(32) Entry {
    uint64_t lo = 0, hi = 0;
    uint32_t tag = 0;    ///< length + 1; 0: empty
    uint32_t epoch = 0;  ///< the batch `code` belongs to
    int32_t code = 0;
  };
  /// For 1 to 16 bytes with the length, different strings give different
  /// keys (overlapping loads when longer than 8).
  static Key KeyOf(std::string_view s) {
    Key k;
    const size_t n = s.size();
    if (n > 8) {
      std::memcpy(&k.lo, s.data(), 8);
      std::memcpy(&k.hi, s.data() + n - 8, 8);
    } else {
      std::memcpy(&k.lo, s.data(), n);
    }
    k.tag = static_cast<uint32_t>(n) + 1;
    return k;
  }
  Entry* Set(const Key& k) {
    const uint64_t h = (k.lo ^ (k.hi * 0xD6E8FEB86659FD93ULL) ^ k.tag) * 0x9E3779B97F4A7C15ULL;
    return &entries_[2 * (h >> (64 - kBits))];
  }
  static bool Match(const Entry& e, const Key& k) { return e.lo == k.lo && e.hi == k.hi && e.tag == k.tag; }
  /// The entry's code in the current batch (interned again when stale).
  int32_t Current(Entry* e, std::string_view s, StringDictionary* dict) {
    if (e->epoch != epoch_) {
      e->code = dict->Intern(s);
      e->epoch = epoch_;
    }
    return e->code;
  }

  uint32_t epoch_ = 0;
  std::vector<Entry> entries_;
};

/// Converts grid column `g` into `col` (a projected record column); `cache`:
/// the column's, reset with each new batch.
void ConvertColumn(const GridColumn& g, ColumnData* col, ColumnData* scratch, ShortCodeCache* cache);


}  // namespace cohort::load
