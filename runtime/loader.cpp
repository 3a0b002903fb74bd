// The CSV data loader (LANGUAGE.md §6). List files (events.csv) are read
// first into compact columnar staging storage and grouped by parent key; the
// records file (patients.csv) is then streamed batch by batch, each record
// picking up its group. Error messages name file, line and column but never
// the offending cell's value: the data is protected health information.
#include "runtime/loader.h"

#include <fast_float/fast_float.h>
#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <new>
#include <utility>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "core/dates.h"
#include "runtime/csv.h"

namespace cohort {

std::string DataError::ToString() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}", line);
  out += ": ";
  if (!column.empty()) {
    out += fmt::format("column `{}`", column);
    if (column_index > 0) out += fmt::format(" ({})", column_index);
    out += ": ";
  }
  return out + message;
}

namespace {

constexpr size_t kMaxErrors = 20;
constexpr int64_t kMaxReserveRows = 1 << 16;

/// A 64-bit hash of a short key (8-byte chunks, murmur finalizer).
inline uint64_t HashKey(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (s.size() * 0xC2B2AE3D27D4EB4FULL);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t k;
    std::memcpy(&k, s.data() + i, 8);
    h = (h ^ k) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    uint64_t k = 0;
    std::memcpy(&k, s.data() + i, s.size() - i);
    h = (h ^ k) * 0xFF51AFD7ED558CCDULL;
  }
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

/// Interns keys to dense ids with open addressing; keys live in one byte
/// arena, so millions of keys cost a few dozen bytes each. A slot also holds
/// the key's first 8 bytes, its length and 16 hash bits: keys of up to 8
/// bytes (`P0000001`) are compared without touching the arena, which keeps a
/// lookup to about one cache miss (list rows arrive in random key order).
class KeyTable {
 public:
  /// The id of `key`, inserting it if new (`*inserted` says which).
  uint32_t FindOrInsert(std::string_view key, bool* inserted) {
    if ((count_ + 1) * 10 > slots_.size() * 7) Grow();
    uint64_t h = HashKey(key);
    Slot probe = MakeSlot(key, h, 0);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id_plus_one == 0) {
        uint32_t id = static_cast<uint32_t>(count_++);
        probe.id_plus_one = id + 1;
        s = probe;
        bytes_.append(key);
        offsets_.push_back(bytes_.size());
        *inserted = true;
        return id;
      }
      if (s.tag == probe.tag && s.len == probe.len && s.prefix == probe.prefix &&
          (key.size() <= 8 || Key(s.id_plus_one - 1) == key)) {
        *inserted = false;
        return s.id_plus_one - 1;
      }
    }
  }
  size_t size() const { return count_; }

 private:
  struct Slot {
    uint64_t prefix = 0;       // first 8 bytes, zero padded
    uint32_t id_plus_one = 0;  // 0 = empty
    uint16_t tag = 0;          // high hash bits
    uint16_t len = 0;          // length, saturated
  };
  static Slot MakeSlot(std::string_view key, uint64_t h, uint32_t id_plus_one) {
    Slot s;
    if (key.size() >= 8) {
      std::memcpy(&s.prefix, key.data(), 8);  // constant size: no libc call
    } else {
      for (size_t i = 0; i < key.size(); ++i) s.prefix |= uint64_t{static_cast<uint8_t>(key[i])} << (8 * i);
    }
    s.id_plus_one = id_plus_one;
    s.tag = static_cast<uint16_t>(h >> 48);
    s.len = static_cast<uint16_t>(std::min<size_t>(key.size(), 0xFFFF));
    return s;
  }
  std::string_view Key(uint32_t id) const {
    return std::string_view(bytes_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  void Grow() {
    size_t n = slots_.empty() ? 1024 : slots_.size() * 2;
    slots_ = SlotArray(n);
    size_t mask = n - 1;
    // Ids in order read the arena sequentially.
    for (uint32_t id = 0; id < count_; ++id) {
      std::string_view key = Key(id);
      uint64_t h = HashKey(key);
      size_t i = h & mask;
      while (slots_[i].id_plus_one != 0) i = (i + 1) & mask;
      slots_[i] = MakeSlot(key, h, id + 1);
    }
  }

  /// Zeroed slots; large tables ask for huge pages, since every lookup is a
  /// random access and TLB misses would otherwise double its cost.
  class SlotArray {
   public:
    SlotArray() = default;
    explicit SlotArray(size_t n) : size_(n) {
      constexpr size_t kHuge = size_t{2} << 20;
      size_t bytes = n * sizeof(Slot);
      size_t align = bytes >= kHuge ? kHuge : alignof(Slot);
      bytes = (bytes + align - 1) / align * align;
      data_ = static_cast<Slot*>(std::aligned_alloc(align, bytes));
      if (!data_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
      if (align == kHuge) ::madvise(data_, bytes, MADV_HUGEPAGE);
#endif
      std::memset(static_cast<void*>(data_), 0, bytes);
    }
    SlotArray(SlotArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    SlotArray& operator=(SlotArray&& o) noexcept {
      std::swap(data_, o.data_);
      std::swap(size_, o.size_);
      return *this;
    }
    ~SlotArray() { std::free(data_); }
    Slot& operator[](size_t i) { return data_[i]; }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

   private:
    Slot* data_ = nullptr;
    size_t size_ = 0;
  };

  SlotArray slots_;
  std::vector<uint64_t> offsets_{0};
  std::string bytes_;
  size_t count_ = 0;
};

/// How to read one field from a CSV column.
struct FieldSpec {
  std::string name;        ///< header name (the source column)
  TypeKind kind = TypeKind::kError;
  bool optional = false;
  const EnumDef* enum_def = nullptr;
  ColumnId column = kNoColumn;  ///< batch column (records) or element index (lists)
  int header_index = -1;        ///< 0-based index in the header, -1 if absent
};

/// Parses CSV cells into columns. Keeps scratch space so a row allocates nothing.
class CellParser {
 public:
  /// Appends `cell` to `col`; on failure appends a null and sets `*message`.
  bool Append(const FieldSpec& spec, std::string_view cell, ColumnData* col, std::string* message) {
    if (spec.kind == TypeKind::kStringSet) {
      AppendSet(cell, col);
      return true;
    }
    if (cell.empty()) {
      col->AppendNull();
      if (spec.optional) return true;
      *message = "missing value for a required field";
      return false;
    }
    const char* first = cell.data();
    const char* last = cell.data() + cell.size();
    switch (spec.kind) {
      case TypeKind::kBool:
        if (cell == "true" || cell == "TRUE" || cell == "True") {
          col->AppendBool(true);
          return true;
        }
        if (cell == "false" || cell == "FALSE" || cell == "False") {
          col->AppendBool(false);
          return true;
        }
        return Fail(col, message, "invalid boolean; expected `true` or `false`");
      case TypeKind::kInt: {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(first, last, v);
        if (ec == std::errc::result_out_of_range) return Fail(col, message, "integer out of range");
        if (ec != std::errc() || p != last) return Fail(col, message, "invalid integer");
        col->AppendInt(v);
        return true;
      }
      case TypeKind::kDecimal: {
        double v = 0;
        auto [p, ec] = fast_float::from_chars(first, last, v);
        if (ec != std::errc() || p != last || !std::isfinite(v)) return Fail(col, message, "invalid decimal number");
        col->AppendDecimal(v);
        return true;
      }
      case TypeKind::kString: col->AppendString(cell); return true;
      case TypeKind::kDate: {
        auto d = ParseDate(cell);
        if (!d) return Fail(col, message, "invalid date; expected YYYY-MM-DD");
        col->AppendDate(*d);
        return true;
      }
      case TypeKind::kTimestamp: {
        auto t = ParseTimestamp(cell);
        if (!t) return Fail(col, message, "invalid timestamp; expected ISO 8601 in UTC such as 2026-11-20T14:03:00Z");
        col->AppendInt(*t);
        return true;
      }
      case TypeKind::kEnum: {
        int code = spec.enum_def ? spec.enum_def->Find(cell) : -1;
        if (code < 0 || code > 255) {
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
        col->AppendEnum(static_cast<uint8_t>(code));
        return true;
      }
      default:
        col->AppendNull();
        *message = fmt::format("fields of type `{}` cannot be read from a CSV cell", Type{spec.kind}.ToString());
        return false;
    }
  }

 private:
  static bool Fail(ColumnData* col, std::string* message, const char* what) {
    col->AppendNull();
    *message = what;
    return false;
  }

  /// `a;b;;a` -> {a, b}: split on `;`, untrimmed, empties dropped, duplicates
  /// collapsed; items are stored sorted so equal sets have equal layouts.
  void AppendSet(std::string_view cell, ColumnData* col) {
    items_.clear();
    size_t start = 0;
    while (start <= cell.size()) {
      size_t semi = cell.find(';', start);
      if (semi == std::string_view::npos) semi = cell.size();
      if (semi > start) items_.push_back(cell.substr(start, semi - start));
      start = semi + 1;
    }
    if (items_.size() > 1) {
      std::sort(items_.begin(), items_.end());
      items_.erase(std::unique(items_.begin(), items_.end()), items_.end());
    }
    ColumnData& child = col->children[0];
    for (std::string_view item : items_) child.AppendString(item);
    col->AppendListEnd(child.length);
  }

  std::vector<std::string_view> items_;
};

/// Copies element `i` of staging column `src` onto `dst`.
void CopyElement(const ColumnData& src, int64_t i, ColumnData* dst) {
  if (src.has_nulls && !GetBit(src.validity.data(), i)) {
    dst->AppendNull();
    return;
  }
  switch (src.kind) {
    case TypeKind::kBool: dst->AppendBool(GetBit(src.values.data(), i)); break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp: {
      int64_t v;
      std::memcpy(&v, src.values.data() + i * 8, 8);
      dst->AppendInt(v);
      break;
    }
    case TypeKind::kDecimal: {
      double v;
      std::memcpy(&v, src.values.data() + i * 8, 8);
      dst->AppendDecimal(v);
      break;
    }
    case TypeKind::kDate: {
      int32_t v;
      std::memcpy(&v, src.values.data() + i * 4, 4);
      dst->AppendDate(v);
      break;
    }
    case TypeKind::kEnum: dst->AppendEnum(src.values[i]); break;
    case TypeKind::kString:
      dst->AppendString(src.StringAt(i));
      break;
    case TypeKind::kStringSet: {
      const ColumnData& sc = src.children[0];
      ColumnData& dc = dst->children[0];
      for (int32_t j = src.offsets[i]; j < src.offsets[i + 1]; ++j) CopyElement(sc, j, &dc);
      dst->AppendListEnd(dc.length);
      break;
    }
    default: dst->AppendNull(); break;
  }
}

/// Copies elements `rows[0..n)` of `src` onto `dst` (one type dispatch per run).
void CopyElements(const ColumnData& src, const uint32_t* rows, size_t n, ColumnData* dst) {
  if (n == 0) return;
  if (src.has_nulls || src.kind == TypeKind::kStringSet) {
    for (size_t k = 0; k < n; ++k) CopyElement(src, rows[k], dst);
    return;
  }
  switch (src.kind) {
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
      for (size_t k = 0; k < n; ++k) {
        int64_t v;
        std::memcpy(&v, src.values.data() + size_t{rows[k]} * 8, 8);
        dst->AppendInt(v);
      }
      break;
    case TypeKind::kEnum:
      for (size_t k = 0; k < n; ++k) dst->AppendEnum(src.values[rows[k]]);
      break;
    default:
      for (size_t k = 0; k < n; ++k) CopyElement(src, rows[k], dst);
      break;
  }
}

/// Resets a column to empty, keeping its buffers' capacity.
void ClearColumn(ColumnData* c) {
  c->length = 0;
  c->has_nulls = false;
  c->validity.clear();
  c->values.clear();
  c->offsets.assign(1, 0);
  c->data.clear();
  for (ColumnData& child : c->children) ClearColumn(&child);
}

/// An empty staging column for an element field of type `t`.
ColumnData MakeStagingColumn(TypeKind kind) {
  ColumnData c;
  c.kind = kind;
  if (kind == TypeKind::kStringSet) {
    ColumnData child;
    child.kind = TypeKind::kString;
    c.children.push_back(std::move(child));
  }
  return c;
}

/// Is this kind readable from one CSV cell?
bool IsCellKind(TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
    case TypeKind::kInt:
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
    case TypeKind::kEnum:
    case TypeKind::kStringSet: return true;
    default: return false;
  }
}

/// Rows of one list field, stored column-wise in file order and grouped by
/// owner key id through a counting sort (`order` + `group_start`).
struct ListData {
  ColumnId column = kNoColumn;
  std::string path;                     ///< file as opened
  std::vector<FieldSpec> fields;        ///< element fields, in RecordDef order
  std::vector<ColumnData> staging;      ///< one per element field
  std::vector<uint32_t> row_key;        ///< owner key id per row (file order)
  std::vector<uint32_t> group_start;    ///< per key id: first index into `order`
  std::vector<uint32_t> order;          ///< row indices grouped by key id
  size_t num_groups = 0;                ///< key ids below this may own rows
};

class CsvRecordReader final : public RecordReader {
 public:
  explicit CsvRecordReader(std::shared_ptr<const Schema> schema) : schema_(std::move(schema)) {}

  /// Reads list files and the records header; false with errors() on failure.
  bool Open(const std::string& dir);

  bool Next(Batch* out, int64_t max_rows) override;
  const std::vector<DataError>& errors() const override { return errors_; }
  const LoadStats& stats() const override { return stats_; }

 private:
  bool AddError(const std::string& file, int64_t line, std::string column, int64_t column_index, std::string message) {
    if (errors_.size() < kMaxErrors)
      errors_.push_back(DataError{file, line, std::move(column), column_index, std::move(message)});
    return errors_.size() < kMaxErrors;
  }
  bool full() const { return errors_.size() >= kMaxErrors; }
  /// The header name of 1-based field `index` of `header`, for CSV errors.
  static std::string HeaderName(const std::vector<std::string>& header, size_t index) {
    return index >= 1 && index <= header.size() ? header[index - 1] : std::string();
  }
  bool ReadHeader(CsvReader& csv, const std::string& path, std::vector<std::string>* header);
  bool LoadList(const std::string& dir, const ColumnDef& def, ListData* list);
  void ProcessRecord(Batch* out);
  void Finish();

  std::shared_ptr<const Schema> schema_;
  std::vector<DataError> errors_;
  LoadStats stats_;
  KeyTable keys_;
  std::vector<uint8_t> seen_;  ///< per key id: already read as a record
  std::vector<ListData> lists_;
  std::vector<FieldSpec> fields_;  ///< record columns (not lists)
  FieldSpec key_spec_;
  std::vector<std::string> header_;
  std::string records_path_;
  CsvReader csv_;
  CellParser parser_;
  std::string message_;
  bool done_ = false;
};

bool CsvRecordReader::ReadHeader(CsvReader& csv, const std::string& path, std::vector<std::string>* header) {
  auto st = csv.Next();
  if (st == CsvReader::Status::kError) {
    AddError(path, csv.line(), HeaderName(*header, csv.error_field()), csv.error_field(), csv.error());
    return false;
  }
  if (st == CsvReader::Status::kEnd) {
    AddError(path, 0, "", 0, "empty file; expected a header row naming the columns");
    return false;
  }
  header->clear();
  for (std::string_view f : csv.fields()) header->emplace_back(f);
  return true;
}

/// Index of `name` in `header`; -2 if it appears more than once, -1 if absent.
int FindHeader(const std::vector<std::string>& header, std::string_view name, int* second) {
  int found = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] != name) continue;
    if (found >= 0) {
      *second = static_cast<int>(i);
      return -2;
    }
    found = static_cast<int>(i);
  }
  return found;
}

bool CsvRecordReader::LoadList(const std::string& dir, const ColumnDef& def, ListData* list) {
  const ListSource* src = nullptr;
  for (const ListSource& ls : schema_->list_sources)
    if (ls.field == def.path) src = &ls;
  list->path = (std::filesystem::path(dir) / (src ? src->file : def.path + ".csv")).string();
  if (!src) {
    AddError(list->path, 0, def.path, 0, "the schema names no source file and parent column for this list field");
    return false;
  }
  const RecordDef* elem = def.type.record_def.get();
  if (!elem) {
    AddError(list->path, 0, def.path, 0, "list field without an element record type");
    return false;
  }
  for (size_t i = 0; i < elem->fields.size(); ++i) {
    const FieldDef& f = elem->fields[i];
    FieldSpec spec;
    spec.name = f.source.empty() ? f.name : f.source;
    spec.kind = f.type.kind;
    spec.optional = f.optional;
    spec.enum_def = f.type.enum_def.get();
    spec.column = static_cast<ColumnId>(i);
    if (!IsCellKind(spec.kind)) {
      AddError(list->path, 0, spec.name, 0,
               fmt::format("element fields of type `{}` cannot be read from CSV", f.type.ToString()));
      return false;
    }
    list->fields.push_back(std::move(spec));
    list->staging.push_back(MakeStagingColumn(f.type.kind));
  }
  std::error_code ec;
  if (!std::filesystem::exists(list->path, ec)) return true;  // no file: every list is empty

  CsvReader csv;
  if (!csv.Open(list->path)) {
    AddError(list->path, 0, "", 0, csv.error());
    return false;
  }
  std::vector<std::string> header;
  if (!ReadHeader(csv, list->path, &header)) return false;
  bool ok = true;
  int second = -1;
  int parent_index = FindHeader(header, src->parent_column, &second);
  if (parent_index == -1) {
    AddError(list->path, 1, src->parent_column, 0, "parent key column is missing from the header");
    ok = false;
  } else if (parent_index == -2) {
    AddError(list->path, 1, src->parent_column, second + 1, "column appears more than once in the header");
    ok = false;
  }
  for (FieldSpec& spec : list->fields) {
    spec.header_index = FindHeader(header, spec.name, &second);
    if (spec.header_index == -2) {
      AddError(list->path, 1, spec.name, second + 1, "column appears more than once in the header");
      ok = false;
    } else if (spec.header_index == -1 && !spec.optional) {
      AddError(list->path, 1, spec.name, 0, "required column is missing from the header");
      ok = false;
    }
  }
  if (!ok) return false;

  const size_t width = header.size();
  for (;;) {
    auto st = csv.Next();
    if (st == CsvReader::Status::kEnd) break;
    if (st == CsvReader::Status::kError) {
      if (!AddError(list->path, csv.line(), HeaderName(header, csv.error_field()), csv.error_field(), csv.error()))
        break;
      continue;
    }
    if (csv.num_fields() != width) {
      if (!AddError(list->path, csv.line(), "", 0,
                    fmt::format("expected {} fields as in the header, found {}", width, csv.num_fields())))
        break;
      continue;
    }
    std::string_view parent = csv.field(static_cast<size_t>(parent_index));
    if (parent.empty()) {
      if (!AddError(list->path, csv.line(), src->parent_column, parent_index + 1, "missing parent key")) break;
      continue;
    }
    bool row_ok = true;
    for (size_t i = 0; i < list->fields.size(); ++i) {
      const FieldSpec& spec = list->fields[i];
      std::string_view cell = spec.header_index >= 0 ? csv.field(static_cast<size_t>(spec.header_index)) : "";
      if (!parser_.Append(spec, cell, &list->staging[i], &message_)) {
        row_ok = false;
        if (!AddError(list->path, csv.line(), spec.name, spec.header_index + 1, message_)) break;
      } else if (!list->staging[i].data.empty() && list->staging[i].data.size() > size_t{INT32_MAX} / 2) {
        AddError(list->path, csv.line(), spec.name, spec.header_index + 1, "list file too large to load");
        return false;
      }
    }
    if (full()) break;
    if (!row_ok) continue;  // staging now holds a null row; errors stop the run anyway
    if (list->row_key.size() >= UINT32_MAX - 1) {
      AddError(list->path, csv.line(), "", 0, "too many rows in list file");
      return false;
    }
    bool inserted;
    list->row_key.push_back(keys_.FindOrInsert(parent, &inserted));
  }
  if (!errors_.empty()) return false;
  stats_.list_rows += static_cast<int64_t>(list->row_key.size());

  // Counting sort of rows by owner key id.
  list->num_groups = keys_.size();
  list->group_start.assign(list->num_groups + 1, 0);
  for (uint32_t k : list->row_key) ++list->group_start[k + 1];
  for (size_t g = 0; g < list->num_groups; ++g) list->group_start[g + 1] += list->group_start[g];
  list->order.resize(list->row_key.size());
  std::vector<uint32_t> fill(list->group_start.begin(), list->group_start.end() - 1);
  for (uint32_t r = 0; r < list->row_key.size(); ++r) list->order[fill[list->row_key[r]]++] = r;
  std::vector<uint32_t>().swap(list->row_key);  // only the grouping is needed from here on
  return true;
}

bool CsvRecordReader::Open(const std::string& dir) {
  const Schema& schema = *schema_;
  // Lists first: their groups must exist before records stream by.
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind != TypeKind::kList) continue;
    ListData list;
    list.column = id;
    if (!LoadList(dir, def, &list)) return false;
    lists_.push_back(std::move(list));
  }

  records_path_ = (std::filesystem::path(dir) / schema.records_file).string();
  if (!csv_.Open(records_path_)) {
    AddError(records_path_, 0, "", 0, csv_.error());
    return false;
  }
  if (!ReadHeader(csv_, records_path_, &header_)) return false;
  ColumnId key_col = schema.key_column();
  if (key_col == kNoColumn) {
    AddError(records_path_, 0, schema.key_field, 0, "the schema's key field is not a column");
    return false;
  }
  bool ok = true;
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind == TypeKind::kList) continue;
    FieldSpec spec;
    spec.name = def.source.empty() ? def.path : def.source;
    spec.kind = def.type.kind;
    spec.optional = def.optional && id != key_col;
    spec.enum_def = def.type.enum_def.get();
    spec.column = id;
    if (!IsCellKind(spec.kind)) {
      AddError(records_path_, 0, spec.name, 0,
               fmt::format("fields of type `{}` cannot be read from CSV", def.type.ToString()));
      ok = false;
      continue;
    }
    int second = -1;
    spec.header_index = FindHeader(header_, spec.name, &second);
    if (spec.header_index == -2) {
      AddError(records_path_, 1, spec.name, second + 1, "column appears more than once in the header");
      ok = false;
    } else if (spec.header_index == -1 && !spec.optional) {
      AddError(records_path_, 1, spec.name, 0,
               id == key_col ? "key column is missing from the header" : "required column is missing from the header");
      ok = false;
    }
    if (id == key_col) key_spec_ = spec;
    fields_.push_back(std::move(spec));
  }
  return ok;
}

void CsvRecordReader::ProcessRecord(Batch* out) {
  const int64_t line = csv_.line();
  if (csv_.num_fields() != header_.size()) {
    AddError(records_path_, line, "", 0,
             fmt::format("expected {} fields as in the header, found {}", header_.size(), csv_.num_fields()));
    return;
  }
  // The key first: duplicates and list groups depend on it.
  std::string_view key = csv_.field(static_cast<size_t>(key_spec_.header_index));
  uint32_t key_id = UINT32_MAX;
  if (key.empty()) {
    AddError(records_path_, line, key_spec_.name, key_spec_.header_index + 1, "missing record key");
  } else {
    bool inserted;
    key_id = keys_.FindOrInsert(key, &inserted);
    if (key_id >= seen_.size()) seen_.resize(std::max<size_t>(key_id + 1, seen_.size() * 2), 0);
    if (seen_[key_id]) {
      AddError(records_path_, line, key_spec_.name, key_spec_.header_index + 1,
               "duplicate record key; each record's key must be unique");
    }
    seen_[key_id] = 1;
  }
  for (const FieldSpec& spec : fields_) {
    ColumnData& col = out->column(spec.column);
    std::string_view cell = spec.header_index >= 0 ? csv_.field(static_cast<size_t>(spec.header_index)) : "";
    if (spec.column == key_spec_.column && cell.empty()) {
      col.AppendNull();  // already reported
      continue;
    }
    if (!parser_.Append(spec, cell, &col, &message_)) {
      if (!AddError(records_path_, line, spec.name, spec.header_index + 1, message_)) return;
    }
  }
  for (const ListData& list : lists_) {
    ColumnData& col = out->column(list.column);
    if (key_id != UINT32_MAX && key_id < list.num_groups) {
      const uint32_t* rows = list.order.data() + list.group_start[key_id];
      const size_t n = list.group_start[key_id + 1] - list.group_start[key_id];
      for (size_t f = 0; f < list.staging.size(); ++f) CopyElements(list.staging[f], rows, n, &col.children[f]);
    }
    col.AppendListEnd(col.children.empty() ? 0 : col.children[0].length);
  }
}

void CsvRecordReader::Finish() {
  done_ = true;
  if (!errors_.empty()) return;
  int64_t unmatched = 0;
  for (const ListData& list : lists_) {
    for (size_t g = 0; g < list.num_groups; ++g) {
      if (g < seen_.size() && seen_[g]) continue;
      unmatched += list.group_start[g + 1] - list.group_start[g];
    }
  }
  stats_.list_rows_unmatched = unmatched;
}

bool CsvRecordReader::Next(Batch* out, int64_t max_rows) {
  if (done_ || !errors_.empty() || max_rows <= 0) return false;
  if (out->num_columns() != schema_->columns.size()) *out = Batch(*schema_);
  for (size_t i = 0; i < out->num_columns(); ++i) {
    ColumnData& c = out->column(static_cast<ColumnId>(i));
    ClearColumn(&c);
    c.Reserve(std::min(max_rows, kMaxReserveRows));
  }
  int64_t rows = 0;
  while (rows < max_rows) {
    auto st = csv_.Next();
    if (st == CsvReader::Status::kEnd) {
      Finish();
      break;
    }
    if (st == CsvReader::Status::kError) {
      AddError(records_path_, csv_.line(), HeaderName(header_, csv_.error_field()), csv_.error_field(), csv_.error());
    } else {
      ProcessRecord(out);
      ++rows;
    }
    if (full()) {
      done_ = true;
      break;
    }
    // After an error, keep scanning (to report up to kMaxErrors at once) but
    // drop the rows: the batch is never handed out.
    if (!errors_.empty() && rows >= max_rows) {
      for (size_t i = 0; i < out->num_columns(); ++i) ClearColumn(&out->column(static_cast<ColumnId>(i)));
      rows = 0;
    }
  }
  if (!errors_.empty()) {
    done_ = true;
    out->set_num_rows(0);
    return false;
  }
  out->set_num_rows(rows);
  stats_.records += rows;
  return rows > 0;
}

}  // namespace

std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               std::vector<DataError>* errors) {
  auto reader = std::make_unique<CsvRecordReader>(std::move(schema));
  if (!reader->Open(dir)) {
    if (errors) *errors = reader->errors();
    return nullptr;
  }
  return reader;
}

}  // namespace cohort
