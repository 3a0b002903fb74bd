// Cell parsers and grid conversion of the CSV loader (runtime/load_cells.h).
#include "runtime/load_cells.h"

#include <fast_float/fast_float.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "core/dates.h"
#include "runtime/csv.h"

namespace cohort::load {

namespace {

bool ParseBoolCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  // By length first: one or two word compares instead of six string compares.
  if (cell.size() == 4 && (cell == "true" || cell == "TRUE" || cell == "True")) {
    col->AppendBool(true);
    return true;
  }
  if (cell.size() == 5 && (cell == "false" || cell == "FALSE" || cell == "False")) {
    col->AppendBool(false);
    return true;
  }
  return CellParser::Fail(col, message, "invalid boolean; expected `true` or `false`");
}

/// The common form of an integer cell (not empty): up to 18 digits with an
/// optional `-`, which cannot overflow.
inline bool FastInt(std::string_view cell, int64_t* out) {
  const char* p = cell.data();
  const size_t neg = p[0] == '-' ? 1 : 0;
  const size_t digits = cell.size() - neg;
  if (digits - 1 >= 18) return false;
  uint64_t v = 0;
  bool ok = true;
  for (size_t i = neg; i < cell.size(); ++i) {
    const uint32_t d = static_cast<uint32_t>(static_cast<unsigned char>(p[i])) - '0';
    ok &= d <= 9;
    v = v * 10 + d;
  }
  *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return ok;
}

bool ParseIntCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  // Up to 18 digits (with an optional `-`) cannot overflow: accumulated
  // directly; anything else (and every error) goes through from_chars.
  if (int64_t v; FastInt(cell, &v)) {
    col->AppendInt(v);
    return true;
  }
  int64_t v = 0;
  const char* first = cell.data();
  const char* last = first + cell.size();
  auto [end, ec] = std::from_chars(first, last, v);
  if (ec == std::errc::result_out_of_range) return CellParser::Fail(col, message, "integer out of range");
  if (ec != std::errc() || end != last) return CellParser::Fail(col, message, "invalid integer");
  col->AppendInt(v);
  return true;
}

bool ParseDecimalCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  double v = 0;
  const char* first = cell.data();
  const char* last = first + cell.size();
  auto [p, ec] = fast_float::from_chars(first, last, v);
  if (ec != std::errc() || p != last || !std::isfinite(v)) return CellParser::Fail(col, message, "invalid decimal number");
  col->AppendDecimal(v);
  return true;
}

bool ParseStringCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  if (const char* bad = CheckText(cell)) {
    col->AppendNull();
    *message = fmt::format("{} in a text cell", bad);
    return false;
  }
  col->AppendString(cell);
  return true;
}

bool ParseDateCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  int32_t days;
  if (!ParseDate10(cell, &days))
    return CellParser::Fail(col, message, "invalid date; expected YYYY-MM-DD");
  col->AppendDate(days);
  return true;
}

bool ParseTimestampCell(CellParser& parser, const FieldSpec&, std::string_view cell, ColumnData* col,
                        std::string* message) {
  int64_t micros;
  if (!parser.Timestamp20(cell, &micros)) {
    auto t = ParseTimestampGeneral(cell);  // other forms, and every error
    if (!t) return CellParser::Fail(col, message, "invalid timestamp; expected ISO 8601 in UTC such as 2026-11-20T14:03:00Z");
    micros = *t;
  }
  col->AppendInt(micros);
  return true;
}

bool ParseEnumCell(CellParser&, const FieldSpec& spec, std::string_view cell, ColumnData* col, std::string* message) {
  int code = spec.enum_lookup.Find(cell);
  if (code >= 0 && code <= 255) {
    col->AppendEnum(static_cast<uint8_t>(code));
    return true;
  }
  col->AppendNull();
  // The message lists the valid labels only: the cell may be PHI.
  std::string labels;
  if (spec.enum_def) {
    for (size_t i = 0; i < spec.enum_def->labels.size(); ++i) {
      if (i) labels += ", ";
      labels += spec.enum_def->labels[i];
    }
  }
  *message = fmt::format("unknown label; expected one of: {}", labels);
  return false;
}

bool ParseSetCell(CellParser& parser, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  if (const char* bad = CheckText(cell)) {
    col->AppendListEnd(col->children[0].length);
    *message = fmt::format("{} in a text cell", bad);
    return false;
  }
  parser.AppendSet(cell, col);
  return true;
}

bool ParseUnreadableCell(CellParser&, const FieldSpec& spec, std::string_view, ColumnData* col, std::string* message) {
  col->AppendNull();
  *message = fmt::format("fields of type `{}` cannot be read from a CSV cell", Type{spec.kind}.ToString());
  return false;
}

}  // namespace

CellParseFn CellParseFor(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return ParseBoolCell;
    case TypeKind::kInt: return ParseIntCell;
    case TypeKind::kDecimal: return ParseDecimalCell;
    case TypeKind::kString: return ParseStringCell;
    case TypeKind::kDate: return ParseDateCell;
    case TypeKind::kTimestamp: return ParseTimestampCell;
    case TypeKind::kEnum: return ParseEnumCell;
    case TypeKind::kStringSet: return ParseSetCell;
    default: return ParseUnreadableCell;
  }
}

namespace {

/// ORs the low `n` bits of `word` into bitmap `bits` at bit `at` (the bitmap
/// holds `at` bits, the unused ones zero), growing it.
void PutBits(std::vector<uint8_t>& bits, int64_t at, uint64_t word, size_t n) {
  if (n < 64) word &= (uint64_t{1} << n) - 1;
  const auto start = static_cast<size_t>(at);
  bits.resize((start + n + 7) / 8, 0);
  uint8_t* p = bits.data() + start / 8;
  const unsigned shift = start & 7;
  const size_t bytes = (shift + n + 7) / 8;
  const unsigned __int128 w = static_cast<unsigned __int128>(word) << shift;
  for (size_t i = 0; i < bytes; ++i) p[i] |= static_cast<uint8_t>(w >> (8 * i));
}

/// Runs `present(r, k)` for each row r of `g` (k: its bit in the current
/// 64-row word; true: the cell is a value, false: null) and writes `col`'s
/// validity a word at a time; `word_done(r0, n)` after each word.
template <typename Present, typename WordDone>
void ConvertRows(const GridColumn& g, ColumnData* col, Present present, WordDone word_done) {
  const int64_t base = col->length;
  bool nulls = false;
  for (size_t r0 = 0; r0 < g.rows; r0 += 64) {
    const size_t n = std::min<size_t>(64, g.rows - r0);
    uint64_t valid = 0;
    for (size_t k = 0; k < n; ++k) valid |= uint64_t{present(r0 + k, k)} << k;
    nulls |= valid != (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1);
    PutBits(col->validity, base + static_cast<int64_t>(r0), valid, n);
    word_done(r0, n);
  }
  col->length += static_cast<int64_t>(g.rows);
  col->has_nulls |= nulls;
}

/// A grid column's cells through a pointer and a stride held in locals: the
/// converters store bytes, which may alias anything, so reading cells
/// through the grid would reload its fields, width and index every row.
struct Cells {
  explicit Cells(const GridColumn& g) : first(g.grid.fields() + g.index), stride(g.grid.width()) {}
  std::string_view operator[](size_t r) const { return first[r * stride]; }
  const std::string_view* first;
  size_t stride;
};

/// A cell the fast converters do not take, through the column's cell parser
/// into `scratch` (cleared): true with its value there, or false with the
/// error recorded.
bool ParseSlow(const GridColumn& g, size_t r, std::string_view cell, ColumnData* scratch) {
  scratch->Clear();
  if (g.spec.parse(g.parser, g.spec, cell, scratch, g.message)) return true;
  g.Error(r, *g.message);
  return false;
}

/// Converts a grid column of fixed-width values of type T: `fast(cell, &v)`
/// takes the common form; every other present cell goes through the cell
/// parser (its value, or its error).
template <typename T, typename Fast>
void ConvertFixed(const GridColumn& g, ColumnData* col, ColumnData* scratch, Fast fast) {
  const auto base = static_cast<size_t>(col->length);
  col->values.resize((base + g.rows) * sizeof(T));
  uint8_t* out = col->values.data() + base * sizeof(T);
  const Cells cells(g);
  auto present = [&](size_t r, size_t) {
    const std::string_view cell = cells[r];
    T v{};
    bool ok = false;
    if (g.Missing(r, cell)) [[unlikely]] {
      // null
    } else if (fast(cell, &v)) [[likely]] {
      ok = true;
    } else if (ParseSlow(g, r, cell, scratch)) {
      std::memcpy(&v, scratch->values.data(), sizeof(T));
      ok = true;
    }
    std::memcpy(out + r * sizeof(T), &v, sizeof(T));
    return ok;
  };
  ConvertRows(g, col, present, [](size_t, size_t) {});
}

/// The first 4 bytes of `s` as a little-endian word (as memcpy loads them).
constexpr uint32_t Word4(const char* s) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[0])) | static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[2])) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(s[3])) << 24;
}

/// Booleans: value bits and validity bits a 64-row word at a time.
void ConvertBools(const GridColumn& g, ColumnData* col, ColumnData* scratch) {
  const int64_t base = col->length;
  uint64_t value = 0;
  const Cells cells(g);
  auto present = [&](size_t r, size_t k) {
    const std::string_view cell = cells[r];
    uint32_t w = 0;
    if (cell.size() == 4 || cell.size() == 5) std::memcpy(&w, cell.data(), 4);
    if (cell.size() == 4 && (w == Word4("true") || w == Word4("TRUE") || w == Word4("True"))) {
      value |= uint64_t{1} << k;
      return true;
    }
    if (cell.size() == 5 && ((w == Word4("fals") && cell[4] == 'e') || (w == Word4("FALS") && cell[4] == 'E') ||
                             (w == Word4("Fals") && cell[4] == 'e')))
      return true;
    if (g.Missing(r, cell) || !ParseSlow(g, r, cell, scratch)) return false;  // (every accepted form is above)
    value |= uint64_t{GetBit(scratch->values.data(), 0)} << k;
    return true;
  };
  auto word_done = [&](size_t r0, size_t n) {
    PutBits(col->values, base + static_cast<int64_t>(r0), value, n);
    value = 0;
  };
  ConvertRows(g, col, present, word_done);
}

/// Text cells of a string column, plain or dictionary-encoded (views into
/// the file until interned or copied): codes or bytes written per grid,
/// validity a word at a time. A dictionary that could reach
/// kMaxDictionaryEntries in this grid goes cell by cell (AppendString turns
/// it plain at the limit).
bool ConvertStrings(const GridColumn& g, ColumnData* col, ShortCodeCache* cache) {
  const bool dict = col->encoding == StringEncoding::kDictionary;
  if (dict && static_cast<size_t>(col->dictionary.size()) + g.rows > static_cast<size_t>(kMaxDictionaryEntries))
    return false;
  const auto base = static_cast<size_t>(col->length);
  size_t at = col->data.size();
  const Cells cells(g);
  if (dict) {
    col->values.resize((base + g.rows) * sizeof(int32_t));
  } else {
    size_t bytes = 0;
    for (size_t r = 0; r < g.rows; ++r) bytes += cells[r].size();
    col->data.resize(at + bytes);
    col->offsets.resize(base + 1 + g.rows);
  }
  auto present = [&](size_t r, size_t) {
    const std::string_view cell = cells[r];
    bool ok = false;
    int32_t code = 0;
    if (g.Missing(r, cell)) {
      // null
    } else if (dict && cache->Find(cell, &col->dictionary, &code)) {
      ok = true;  // the cache holds checked text only
    } else if (const char* bad = CheckText(cell)) {
      g.Error(r, fmt::format("{} in a text cell", bad));
    } else {
      ok = true;
      if (dict) code = cache->Intern(cell, &col->dictionary);
    }
    if (dict) {
      std::memcpy(col->values.data() + (base + r) * sizeof(int32_t), &code, sizeof code);
    } else {
      if (ok && !cell.empty()) std::memcpy(col->data.data() + at, cell.data(), cell.size());
      at += ok ? cell.size() : 0;
      col->offsets[base + 1 + r] = static_cast<int32_t>(at);
    }
    return ok;
  };
  ConvertRows(g, col, present, [](size_t, size_t) {});
  if (!dict) col->data.resize(at);  // null cells' bytes were counted
  return true;
}

/// Set cells: an empty (or null) cell is the empty set; other text is split
/// on `;` (empty items dropped), sorted and made unique as the cell parser
/// does, each element's code through `cache` (the element dictionary's); a
/// cell that is one element the cache already holds is not checked again.
/// Bad text goes through the cell parser (its error).
void ConvertSets(const GridColumn& g, ColumnData* col, ShortCodeCache* cache) {
  const std::string_view null_token = g.parser.null_token;
  ColumnData& child = col->children[0];
  std::vector<std::string_view> items;
  auto append = [&](std::string_view item) {
    // As AppendString: interned while the dictionary has room.
    if (child.encoding == StringEncoding::kDictionary && child.dictionary.size() < kMaxDictionaryEntries)
      child.AppendCode(cache->Intern(item, &child.dictionary));
    else
      child.AppendString(item);
  };
  const Cells cells(g);
  for (size_t r = 0; r < g.rows; ++r) {
    const std::string_view cell = cells[r];
    int32_t code = 0;
    if (cell.empty() || (!null_token.empty() && cell == null_token)) {
      col->AppendListEnd(child.length);
    } else if (child.encoding == StringEncoding::kDictionary && child.dictionary.size() < kMaxDictionaryEntries &&
               cache->Find(cell, &child.dictionary, &code)) {
      child.AppendCode(code);  // one element, checked before (an element never holds `;`)
      col->AppendListEnd(child.length);
    } else if (!CheckText(cell)) {
      CellParser::SplitSet(cell, &items);
      for (std::string_view item : items) append(item);
      col->AppendListEnd(child.length);
    } else if (!g.spec.parse(g.parser, g.spec, cell, col, g.message)) {
      g.Error(r, *g.message);
    }
  }
}

}  // namespace

/// Converts grid column `g` into `col` (a projected record column); `cache`:
/// the column's, reset with each new batch.
void ConvertColumn(const GridColumn& g, ColumnData* col, ColumnData* scratch, ShortCodeCache* cache) {
  const FieldSpec& spec = g.spec;
  scratch->kind = spec.kind;
  switch (spec.kind) {
    case TypeKind::kInt:  // (a lambda, not the function's address: inlined)
      return ConvertFixed<int64_t>(g, col, scratch, [](std::string_view c, int64_t* v) { return FastInt(c, v); });
    case TypeKind::kDate:
      return ConvertFixed<int32_t>(g, col, scratch, [](std::string_view c, int32_t* v) { return ParseDate10(c, v); });
    case TypeKind::kTimestamp:
      return ConvertFixed<int64_t>(g, col, scratch,
                                    [&g](std::string_view c, int64_t* v) { return g.parser.Timestamp20(c, v); });
    case TypeKind::kEnum:
      return ConvertFixed<uint8_t>(g, col, scratch, [&spec](std::string_view c, uint8_t* v) {
        const int code = spec.enum_lookup.Find(c);
        *v = static_cast<uint8_t>(code);
        return code >= 0 && code <= 255;
      });
    case TypeKind::kBool: return ConvertBools(g, col, scratch);
    case TypeKind::kString:
      if (ConvertStrings(g, col, cache)) return;
      break;
    case TypeKind::kStringSet: return ConvertSets(g, col, cache);
    default: break;
  }
  // Every other kind (decimals), and a dictionary near its limit: cell by cell.
  for (size_t r = 0; r < g.rows; ++r)
    if (!g.parser.Append(spec, g.cell(r), col, g.message)) g.Error(r, *g.message);
}


}  // namespace cohort::load
