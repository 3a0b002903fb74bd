// Arrow data directories: the importer (CSV batches -> Arrow files) and the
// record reader over mapped Arrow files. The layout is described in
// arrow_data.h. Errors name file and column (and a record number), never a
// value.
#include "runtime/arrow/arrow_data.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <random>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "runtime/arrow/ipc.h"

namespace cohort {

namespace fs = std::filesystem;
using arrow::Array;
using arrow::DataType;
using arrow::TypeId;

namespace {

constexpr int64_t kImportBatchRows = 65536;  // a multiple of 8: slices keep bitmaps byte-aligned
constexpr size_t kMaxErrors = 20;
constexpr const char* kLayoutKey = "cohort.layout";
constexpr const char* kUnmatchedKey = "cohort.list_rows_unmatched";
constexpr const char* kFingerprintKey = "cohort.schema_fingerprint";

std::string FingerprintText(const Schema& s) { return fmt::format("{:016x}", s.Fingerprint()); }

/// The header name a column is read from.
std::string SourceName(const ColumnDef& def) { return def.source.empty() ? def.path : def.source; }
std::string SourceName(const FieldDef& f) { return f.source.empty() ? f.name : f.source; }

const ListSource* FindListSource(const Schema& schema, const std::string& field) {
  for (const ListSource& ls : schema.list_sources)
    if (ls.field == field) return &ls;
  return nullptr;
}

/// The Arrow file of list column `def` in `dir`.
std::string ListFilePath(const Schema& schema, const std::string& dir, const ColumnDef& def) {
  const ListSource* src = FindListSource(schema, def.path);
  return (fs::path(dir) / ArrowFileName(src ? src->file : def.path + ".csv")).string();
}

}  // namespace

std::string ArrowFileName(const std::string& csv_name) {
  fs::path p(csv_name);
  return p.replace_extension(".arrow").string();
}

bool IsArrowDataDir(const Schema& schema, const std::string& dir) {
  std::error_code ec;
  if (fs::exists(fs::path(dir) / ArrowFileName(schema.records_file), ec)) return true;
  // A directory with .arrow files but no records file is still meant as Arrow
  // data (the reader then reports the missing file).
  if (fs::exists(fs::path(dir) / schema.records_file, ec)) return false;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".arrow") return true;
  return false;
}

// ---- Writing (cohort import) ------------------------------------------------------

namespace {

/// String `i` of an owned string column, plain or dictionary-encoded.
std::string_view Str(const ColumnData& c, int64_t i) { return c.StringAt(i); }

/// A string dictionary built while writing: values in first-seen order.
struct StringDict {
  std::unordered_map<std::string, int32_t> index;
  std::vector<int32_t> offsets{0};
  std::string data;
  bool hashed = true;  ///< false: values appended as given (record keys, all distinct)
  bool too_large = false;

  int32_t Add(std::string_view s) {
    if (hashed) {
      auto it = index.find(std::string(s));
      if (it != index.end()) return it->second;
    }
    int32_t id = static_cast<int32_t>(offsets.size() - 1);
    if (data.size() + s.size() > size_t{INT32_MAX}) {
      too_large = true;
      return 0;
    }
    data.append(s);
    offsets.push_back(static_cast<int32_t>(data.size()));
    if (hashed) index.emplace(std::string(s), id);
    return id;
  }
  arrow::WriteArray Values() const {
    arrow::WriteArray a;
    a.length = static_cast<int64_t>(offsets.size() - 1);
    a.buffers = {{nullptr, 0}, {offsets.data(), offsets.size() * 4}, {data.data(), data.size()}};
    return a;
  }
};

/// Writes one table; owns the dictionaries of its fields.
class TableWriter {
 public:
  /// How one written field is encoded.
  struct Column {
    TypeKind kind = TypeKind::kError;
    const EnumDef* enum_def = nullptr;
    int dict = -1;        ///< dictionary (index into dicts_) of strings and enums
    int child_dict = -1;  ///< of a set's items
  };

  /// A field of `kind` named `name`; strings are dictionary-encoded unless `plain`.
  Column AddField(const std::string& name, const Type& type, bool optional, bool plain) {
    arrow::Field f;
    f.name = name;
    f.nullable = optional;
    Column c;
    c.kind = type.kind;
    c.enum_def = type.enum_def.get();
    switch (type.kind) {
      case TypeKind::kBool: f.type.id = TypeId::kBool; break;
      case TypeKind::kInt: f.type = {TypeId::kInt, 64, true}; break;
      case TypeKind::kDecimal: f.type.id = TypeId::kFloat; f.type.precision = 2; break;
      case TypeKind::kDate: f.type.id = TypeId::kDate; f.type.unit = 0; break;
      case TypeKind::kTimestamp:
        f.type.id = TypeId::kTimestamp;
        f.type.unit = static_cast<int>(arrow::TimeUnit::kMicro);
        f.type.timezone = "UTC";
        break;
      case TypeKind::kEnum: {
        f.type.id = TypeId::kUtf8;
        c.dict = NewDict(&f, c.enum_def && c.enum_def->labels.size() > 127 ? 16 : 8);
        StringDict& d = dicts_[c.dict];
        if (c.enum_def)
          for (const std::string& l : c.enum_def->labels) d.Add(l);
        break;
      }
      case TypeKind::kString:
        f.type.id = TypeId::kUtf8;
        if (!plain) c.dict = NewDict(&f, 32);
        break;
      case TypeKind::kStringSet: {
        f.type.id = TypeId::kList;
        arrow::Field item;
        item.name = "item";
        item.nullable = false;
        item.type.id = TypeId::kUtf8;
        c.child_dict = NewDict(&item, 32);
        f.children.push_back(std::move(item));
        break;
      }
      default: break;
    }
    fields_.push_back(std::move(f));
    columns_.push_back(c);
    return c;
  }
  /// A dictionary-encoded string field whose values are appended unhashed.
  int AddKeyDictField(const std::string& name) {
    arrow::Field f;
    f.name = name;
    f.nullable = false;
    f.type.id = TypeId::kUtf8;
    int d = NewDict(&f, 32);
    dicts_[d].hashed = false;
    fields_.push_back(std::move(f));
    Column c;
    c.kind = TypeKind::kString;
    c.dict = d;
    columns_.push_back(c);
    return d;
  }
  StringDict& dict(int i) { return dicts_[i]; }
  const std::vector<Column>& columns() const { return columns_; }

  bool Open(const std::string& path, std::string* error) {
    path_ = path;
    return writer_.Open(path, fields_, {}, error);
  }

  /// Encodes `c` into `out` (buffers point into `c` or into scratch storage).
  void Encode(const Column& col, const ColumnData& c, arrow::WriteArray* out) {
    const int64_t n = c.length;
    out->length = n;
    out->null_count = 0;
    out->buffers.clear();
    out->children.clear();
    if (c.has_nulls) {
      for (int64_t i = 0; i < n; ++i) out->null_count += GetBit(c.validity.data(), i) ? 0 : 1;
    }
    std::pair<const void*, size_t> validity{nullptr, 0};
    if (out->null_count > 0) validity = {c.validity.data(), static_cast<size_t>((n + 7) / 8)};
    out->buffers.push_back(validity);
    switch (col.kind) {
      case TypeKind::kBool: out->buffers.push_back({c.values.data(), static_cast<size_t>((n + 7) / 8)}); break;
      case TypeKind::kInt:
      case TypeKind::kTimestamp:
      case TypeKind::kDecimal:
      case TypeKind::kDate: out->buffers.push_back({c.values.data(), c.values.size()}); break;
      case TypeKind::kEnum:
        if (col.enum_def && col.enum_def->labels.size() > 127) {
          auto& wide = Scratch<int16_t>(static_cast<size_t>(n));
          for (int64_t i = 0; i < n; ++i) wide[i] = c.values[i];
          out->buffers.push_back({wide.data(), wide.size() * 2});
        } else {
          out->buffers.push_back({c.values.data(), c.values.size()});  // codes < 128: int8 as is
        }
        break;
      case TypeKind::kString:
        if (col.dict < 0) {
          out->buffers.push_back({c.offsets.data(), c.offsets.size() * 4});
          out->buffers.push_back({c.data.data(), c.data.size()});
        } else {
          out->buffers.push_back(DictIndices(dicts_[col.dict], c));
        }
        break;
      case TypeKind::kStringSet: {
        out->buffers.push_back({c.offsets.data(), c.offsets.size() * 4});
        arrow::WriteArray item;
        const ColumnData& child = c.children[0];
        item.length = child.length;
        item.buffers = {{nullptr, 0}, DictIndices(dicts_[col.child_dict], child)};
        out->children.push_back(std::move(item));
        break;
      }
      default: break;
    }
  }

  /// Dictionary indices (int32) of a string column.
  std::pair<const void*, size_t> DictIndices(StringDict& d, const ColumnData& c) {
    auto& idx = Scratch<int32_t>(static_cast<size_t>(c.length));
    for (int64_t i = 0; i < c.length; ++i) {
      bool valid = !c.has_nulls || GetBit(c.validity.data(), i);
      idx[i] = valid ? d.Add(Str(c, i)) : 0;
    }
    return {idx.data(), idx.size() * 4};
  }

  /// Scratch storage that lives until the next WriteBatch.
  template <typename T>
  std::vector<T>& Scratch(size_t n) {
    if constexpr (sizeof(T) == 2) return scratch16_.emplace_back(n);
    else return scratch32_.emplace_back(n);
  }

  bool WriteBatch(int64_t rows, const std::vector<arrow::WriteArray>& columns, std::string* error) {
    bool ok = writer_.WriteBatch(rows, columns, error);
    scratch16_.clear();
    scratch32_.clear();
    for (const StringDict& d : dicts_) {
      if (d.too_large) {
        *error = fmt::format("`{}`: a dictionary exceeds 2 GiB of strings", path_);
        return false;
      }
    }
    return ok;
  }

  bool Finish(std::vector<std::pair<std::string, std::string>> metadata, std::string* error) {
    std::vector<std::pair<int64_t, arrow::WriteArray>> dicts;
    for (size_t i = 0; i < dicts_.size(); ++i) dicts.push_back({static_cast<int64_t>(i), dicts_[i].Values()});
    writer_.SetMetadata(std::move(metadata));
    return writer_.Finish(dicts, error);
  }

 private:
  int NewDict(arrow::Field* f, int index_bits) {
    f->dictionary_encoded = true;
    f->dictionary_id = static_cast<int64_t>(dicts_.size());
    f->index_type = {TypeId::kInt, index_bits, true};
    dicts_.emplace_back();
    return static_cast<int>(dicts_.size() - 1);
  }

  std::string path_;
  std::vector<arrow::Field> fields_;
  std::vector<Column> columns_;
  std::deque<StringDict> dicts_;
  std::deque<std::vector<int16_t>> scratch16_;
  std::deque<std::vector<int32_t>> scratch32_;
  arrow::FileWriter writer_;
};

}  // namespace

ImportStatus ImportToArrow(const std::shared_ptr<const Schema>& schema_ptr, const std::string& data_dir,
                           const std::string& out_dir) {
  ImportStatus st;
  const Schema& schema = *schema_ptr;
  // Batches from Arrow data are views without owned columns: import reads CSV.
  if (IsArrowDataDir(schema, data_dir)) {
    st.data_errors.push_back(DataError{data_dir, 0, "", 0, "already Arrow data; `cohort import` reads a CSV data directory"});
    st.code = 3;
    return st;
  }
  auto reader = OpenRecordReader(schema_ptr, data_dir, &st.data_errors);
  if (!reader) {
    st.code = 3;
    return st;
  }
  std::error_code ec;
  fs::path out(out_dir);
  fs::create_directories(out, ec);
  if (ec) {
    st.code = 4;
    st.message = fmt::format("cannot create `{}`: {}", out.string(), ec.message());
    return st;
  }
  std::random_device rd;
  fs::path staging = out / fmt::format(".cohort-import-{}-{:08x}", ::getpid(), rd());
  fs::create_directories(staging, ec);
  if (ec) {
    st.code = 4;
    st.message = fmt::format("cannot create `{}`: {}", staging.string(), ec.message());
    return st;
  }
  auto fail = [&](int code) {
    fs::remove_all(staging, ec);
    st.code = code;
    return st;
  };

  // The records table: every non-list column.
  const ColumnId key_col = schema.key_column();
  TableWriter records;
  std::vector<ColumnId> record_cols;
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind == TypeKind::kList) continue;
    records.AddField(SourceName(def), def.type, def.optional && id != key_col, id == key_col);
    record_cols.push_back(id);
  }
  // One table per list field: the parent key, then the element fields.
  struct ListTable {
    ColumnId column;
    std::string file;
    std::unique_ptr<TableWriter> writer;
    int keys_dict = -1;
  };
  std::vector<ListTable> lists;
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind != TypeKind::kList || !def.type.record_def) continue;
    const ListSource* src = FindListSource(schema, def.path);
    ListTable lt;
    lt.column = id;
    lt.file = ArrowFileName(src ? src->file : def.path + ".csv");
    lt.writer = std::make_unique<TableWriter>();
    lt.keys_dict = lt.writer->AddKeyDictField(src ? src->parent_column : "parent");
    for (const FieldDef& f : def.type.record_def->fields) lt.writer->AddField(SourceName(f), f.type, f.optional, false);
    lists.push_back(std::move(lt));
  }
  const std::string records_file = ArrowFileName(schema.records_file);
  if (!records.Open((staging / records_file).string(), &st.message)) return fail(4);
  for (ListTable& lt : lists)
    if (!lt.writer->Open((staging / lt.file).string(), &st.message)) return fail(4);

  Batch batch(schema);
  std::vector<arrow::WriteArray> arrays;
  while (reader->Next(&batch, kImportBatchRows)) {
    const int64_t rows = batch.num_rows();
    arrays.assign(record_cols.size(), {});
    for (size_t i = 0; i < record_cols.size(); ++i)
      records.Encode(records.columns()[i], batch.column(record_cols[i]), &arrays[i]);
    const ColumnData& keys = batch.column(key_col);
    for (ListTable& lt : lists) {
      const ColumnData& list = batch.column(lt.column);
      const int64_t n = list.offsets.back() - list.offsets.front();
      std::vector<arrow::WriteArray> cols(1 + list.children.size());
      // Parent: the owning record's row number, indexing the dictionary of keys.
      auto& parent = lt.writer->Scratch<int32_t>(static_cast<size_t>(n));
      const int32_t base = static_cast<int32_t>(st.records);
      for (int64_t r = 0; r < rows; ++r)
        for (int32_t k = list.offsets[r]; k < list.offsets[r + 1]; ++k) parent[k - list.offsets[0]] = base + static_cast<int32_t>(r);
      cols[0].length = n;
      cols[0].buffers = {{nullptr, 0}, {parent.data(), parent.size() * 4}};
      for (size_t f = 0; f < list.children.size(); ++f)
        lt.writer->Encode(lt.writer->columns()[f + 1], list.children[f], &cols[f + 1]);
      for (int64_t r = 0; r < rows; ++r) lt.writer->dict(lt.keys_dict).Add(Str(keys, r));
      if (!lt.writer->WriteBatch(n, cols, &st.message)) return fail(4);
      st.list_rows += n;
    }
    if (!records.WriteBatch(rows, arrays, &st.message)) return fail(4);
    st.records += rows;
    if (st.records > INT32_MAX) {
      st.message = "too many records for one Arrow data directory (more than 2^31)";
      return fail(4);
    }
  }
  if (!reader->errors().empty()) {
    st.data_errors = reader->errors();
    return fail(3);
  }
  std::vector<std::pair<std::string, std::string>> meta = {{kFingerprintKey, FingerprintText(schema)},
                                                           {"cohort.schema", schema.name}};
  if (!records.Finish(meta, &st.message)) return fail(4);
  std::vector<std::pair<fs::path, fs::path>> moves = {{staging / records_file, out / records_file}};
  for (ListTable& lt : lists) {
    auto list_meta = meta;
    list_meta.push_back({kLayoutKey, "grouped"});
    list_meta.push_back({kUnmatchedKey, std::to_string(reader->stats().list_rows_unmatched)});
    if (!lt.writer->Finish(list_meta, &st.message)) return fail(4);
    moves.push_back({staging / lt.file, out / lt.file});
  }
  for (const auto& [from, to] : moves) {
    fs::rename(from, to, ec);
    if (ec) {
      st.message = fmt::format("cannot move `{}` into place: {}", to.string(), ec.message());
      return fail(4);
    }
    st.files.push_back(to.string());
  }
  fs::remove_all(staging, ec);
  return st;
}

// ---- Reading -----------------------------------------------------------------------

namespace {

/// An Arrow file mapped read-only and checked; arrays point into the mapping.
struct MappedFile {
  std::string path;
  const uint8_t* data = nullptr;
  size_t size = 0;
  arrow::File file;
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data) ::munmap(const_cast<uint8_t*>(data), size);
  }
  /// Drops the mapping's pages from this process (they stay in the page
  /// cache; a later read faults them back in). Reading streams through the
  /// files, so pages of finished batches need not count against the
  /// process's resident memory: called after the checks at open (which read
  /// every buffer) and after each record batch. Never changes what is read:
  /// the mapping is read-only.
  void Release() const {
    if (data) ::madvise(const_cast<uint8_t*>(data), size, MADV_DONTNEED);
  }
  /// Release() for the pages of record batch `b` only (walking the page
  /// tables of the whole mapping after every batch cost more than reading).
  void ReleaseBatch(size_t b) const {
    if (!data || b >= file.batches.size() || !file.batches[b].body) return;
    // From the page holding the body's start (the mapping starts on a page).
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uint8_t* body = file.batches[b].body;
    const uint8_t* lo = std::max(body - reinterpret_cast<uintptr_t>(body) % page, data);
    const uint8_t* hi = body + file.batches[b].body_length;
    if (hi > lo) ::madvise(const_cast<uint8_t*>(lo), static_cast<size_t>(hi - lo), MADV_DONTNEED);
  }
  /// Index of the field named `name`; -1 if absent, -2 if it appears twice.
  int FindField(const std::string& name) const {
    int found = -1;
    for (size_t i = 0; i < file.fields.size(); ++i) {
      if (file.fields[i].name != name) continue;
      if (found >= 0) return -2;
      found = static_cast<int>(i);
    }
    return found;
  }
};

std::shared_ptr<MappedFile> MapArrowFile(const std::string& path, std::string* error,
                                         const std::vector<std::string>* value_fields = nullptr) {
  auto m = std::make_shared<MappedFile>();
  m->path = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = fmt::format("cannot open: {}", std::strerror(errno));
    return nullptr;
  }
  struct stat sb;
  if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    ::close(fd);
    *error = "not a regular file";
    return nullptr;
  }
  if (sb.st_size == 0) {
    ::close(fd);
    *error = "empty file; expected an Arrow IPC file";
    return nullptr;
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(sb.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    *error = fmt::format("cannot map: {}", std::strerror(errno));
    return nullptr;
  }
  m->data = static_cast<const uint8_t*>(p);
  m->size = static_cast<size_t>(sb.st_size);
  *error = arrow::ReadArrowFile(m->data, m->size, &m->file, value_fields);
  if (!error->empty()) return nullptr;
  return m;
}

inline bool Bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline bool ArrayValid(const Array& a, int64_t i) { return !a.validity || Bit(a.validity, i); }

/// Reads strings of a utf8, large_utf8 or dictionary-of-those array.
class Strings {
 public:
  /// False when `f` holds no strings.
  bool Init(const arrow::Field& f, const Array& a) {
    a_ = &a;
    const TypeId t = f.type.id;
    if (t != TypeId::kUtf8 && t != TypeId::kLargeUtf8) return false;
    large_ = t == TypeId::kLargeUtf8;
    if (f.dictionary_encoded) {
      values_ = a.dictionary;
      width_ = f.index_type.bit_width / 8;
      signed_ = f.index_type.is_signed;
    } else {
      values_ = &a;
    }
    return values_ != nullptr;
  }
  bool dictionary() const { return width_ != 0; }
  const Array& values() const { return *values_; }
  int64_t Index(int64_t i) const {
    const uint8_t* p = a_->values;
    switch (width_) {
      case 1: return signed_ ? int64_t{reinterpret_cast<const int8_t*>(p)[i]} : int64_t{p[i]};
      case 2: return signed_ ? int64_t{reinterpret_cast<const int16_t*>(p)[i]} : int64_t{reinterpret_cast<const uint16_t*>(p)[i]};
      case 4: return signed_ ? int64_t{reinterpret_cast<const int32_t*>(p)[i]} : int64_t{reinterpret_cast<const uint32_t*>(p)[i]};
      default: return reinterpret_cast<const int64_t*>(p)[i];
    }
  }
  bool Valid(int64_t i) const {
    if (!ArrayValid(*a_, i)) return false;
    return !dictionary() || ArrayValid(*values_, Index(i));
  }
  std::string_view Value(int64_t j) const {
    const char* d = reinterpret_cast<const char*>(values_->data);
    if (large_) {
      auto* o = static_cast<const int64_t*>(values_->offsets);
      return {d + o[j], static_cast<size_t>(o[j + 1] - o[j])};
    }
    auto* o = static_cast<const int32_t*>(values_->offsets);
    return {d + o[j], static_cast<size_t>(o[j + 1] - o[j])};
  }
  std::string_view Get(int64_t i) const { return Value(dictionary() ? Index(i) : i); }

 private:
  const Array* a_ = nullptr;
  const Array* values_ = nullptr;
  int width_ = 0;
  bool signed_ = false;
  bool large_ = false;
};

bool IsStringType(const arrow::Field& f) { return f.type.id == TypeId::kUtf8 || f.type.id == TypeId::kLargeUtf8; }

/// Does Arrow field `f` fit a Cohort column of `kind`?
bool Fits(const arrow::Field& f, TypeKind kind) {
  const DataType& t = f.type;
  if (f.dictionary_encoded) return (kind == TypeKind::kString || kind == TypeKind::kEnum) && IsStringType(f);
  switch (kind) {
    case TypeKind::kBool: return t.id == TypeId::kBool || t.id == TypeId::kNull;
    case TypeKind::kInt: return t.id == TypeId::kInt || t.id == TypeId::kNull;
    case TypeKind::kDecimal:
      return (t.id == TypeId::kFloat && t.precision >= 1) || t.id == TypeId::kInt ||
             (t.id == TypeId::kDecimal && t.bit_width == 128) || t.id == TypeId::kNull;
    case TypeKind::kDate: return t.id == TypeId::kDate || t.id == TypeId::kNull;
    case TypeKind::kTimestamp: return t.id == TypeId::kTimestamp || t.id == TypeId::kNull;
    case TypeKind::kString:
    case TypeKind::kEnum: return IsStringType(f) || t.id == TypeId::kNull;
    case TypeKind::kStringSet:
      return (t.id == TypeId::kList || t.id == TypeId::kLargeList) && f.children.size() == 1 &&
             IsStringType(f.children[0]);
    default: return false;
  }
}

/// What a column of `kind` is read from, for type errors.
std::string Expected(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt: return "an integer (int64, or int8/16/32, uint8/16/32/64)";
    case TypeKind::kDecimal: return "float64 (or float32, decimal128, an integer)";
    case TypeKind::kDate: return "date32[day] (or date64)";
    case TypeKind::kTimestamp: return "timestamp (any unit, UTC)";
    case TypeKind::kString: return "utf8 (or large_utf8, dictionary<int, utf8>)";
    case TypeKind::kEnum: return "utf8 or dictionary<int, utf8> holding the labels";
    case TypeKind::kStringSet: return "list<utf8> (or list<dictionary<int, utf8>>)";
    case TypeKind::kList: return "list<struct<...>> of the element fields, or a separate table";
    default: return "a type Cohort reads";
  }
}

/// Converted columns of one record batch (or of one list table batch). Views
/// point into the mapped files or into `owned`.
struct Prepared {
  /// Per Arrow dictionary (owned by the reader, kept across batches): may
  /// kernels read it as it is (see UsableDictionary)?
  std::unordered_map<const Array*, bool>* dictionaries = nullptr;
  /// The file was written by `cohort import` for this schema: its sets are
  /// in normal form (per row sorted, unique, no empty items) already.
  bool trusted = false;
  std::vector<std::shared_ptr<const void>> keep;  ///< mapped files (and prepared list batches)
  std::deque<ColumnData> owned;
  std::deque<std::vector<CohortColumn>> kids;
  std::deque<std::vector<int32_t>> offsets;
  std::vector<CohortColumn> columns;
  int64_t length = 0;
  /// Runs when the last batch sliced from this is gone (while `keep` still
  /// holds the files): drops the record batch's mapped pages.
  std::function<void()> on_release;

  Prepared() = default;
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  ~Prepared() {
    if (on_release) on_release();
  }
};

/// The kernel view of an owned column (children views stored in `p`).
CohortColumn ViewOf(const ColumnData& c, Prepared* p) {
  CohortColumn v{};
  v.validity = c.has_nulls ? c.validity.data() : nullptr;
  v.values = c.values.empty() ? nullptr : c.values.data();
  const bool has_offsets = c.kind == TypeKind::kString || c.kind == TypeKind::kStringSet || c.kind == TypeKind::kList;
  v.offsets = has_offsets ? c.offsets.data() : nullptr;
  v.data = c.data.data();
  v.length = c.length;
  if (!c.children.empty()) {
    auto& kids = p->kids.emplace_back(c.children.size());
    for (size_t i = 0; i < c.children.size(); ++i) kids[i] = ViewOf(c.children[i], p);
    v.children = kids.data();
    v.num_children = static_cast<uint32_t>(kids.size());
  }
  return v;
}

ColumnData& NewOwned(Prepared* p, TypeKind kind) {
  ColumnData& c = p->owned.emplace_back();
  c.kind = kind;
  if (kind == TypeKind::kStringSet) {
    ColumnData child;
    child.kind = TypeKind::kString;
    c.children.push_back(std::move(child));
  }
  return c;
}

/// Appends a missing value (a set: the empty set) to `dst`.
void AppendMissing(TypeKind kind, ColumnData* dst) {
  if (kind == TypeKind::kStringSet) dst->AppendListEnd(dst->children[0].length);
  else dst->AppendNull();
}

/// The valid labels, for unknown-label errors (never the cell).
std::string LabelList(const EnumDef* e) {
  std::string labels;
  if (!e) return labels;
  for (size_t i = 0; i < e->labels.size(); ++i) labels += (i ? ", " : "") + e->labels[i];
  return labels;
}

template <typename T>
T LoadAt(const uint8_t* p, int64_t i) {
  T v;
  std::memcpy(&v, p + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return v;
}

/// An integer of any width as int64 (false: a uint64 above INT64_MAX).
bool IntAt(const DataType& t, const uint8_t* p, int64_t i, int64_t* out) {
  switch (t.bit_width) {
    case 8: *out = t.is_signed ? LoadAt<int8_t>(p, i) : LoadAt<uint8_t>(p, i); return true;
    case 16: *out = t.is_signed ? LoadAt<int16_t>(p, i) : LoadAt<uint16_t>(p, i); return true;
    case 32: *out = t.is_signed ? int64_t{LoadAt<int32_t>(p, i)} : int64_t{LoadAt<uint32_t>(p, i)}; return true;
    default: {
      uint64_t u = LoadAt<uint64_t>(p, i);
      if (!t.is_signed && u > uint64_t{INT64_MAX}) return false;
      *out = static_cast<int64_t>(u);
      return true;
    }
  }
}

/// Builds an owned column of `kind` from `a`: nulls stay null, `append(i, c)`
/// appends valid row i to c and returns "" or an error.
template <typename Append>
std::string BuildOwned(const Array& a, TypeKind kind, Prepared* p, CohortColumn* out, Append&& append) {
  ColumnData& c = NewOwned(p, kind);
  c.Reserve(a.length);
  for (int64_t i = 0; i < a.length; ++i) {
    if (!ArrayValid(a, i)) {
      c.AppendNull();
      continue;
    }
    if (std::string e = append(i, c); !e.empty()) return e;
  }
  *out = ViewOf(c, p);
  return {};
}

/// Can the engines read Arrow dictionary `d` (utf8 values) as a dictionary
/// column as it is? Its entries must be present and distinct (the engines'
/// `x == "c"` finds the one entry equal to "c") and few enough that per-entry
/// work stays bounded (kMaxDictionaryEntries, as for loaded columns). The
/// verdict is computed once per dictionary and kept in `p->dictionaries`.
bool UsableDictionary(const Array& d, Prepared* p) {
  if (d.null_count > 0 || d.length > kMaxDictionaryEntries) return false;
  if (p->dictionaries) {
    if (auto it = p->dictionaries->find(&d); it != p->dictionaries->end()) return it->second;
  }
  auto* off = static_cast<const int32_t*>(d.offsets);
  std::unordered_set<std::string_view> seen;
  seen.reserve(static_cast<size_t>(d.length));
  bool distinct = true;
  for (int64_t k = 0; k < d.length && distinct; ++k)
    distinct = seen.emplace(reinterpret_cast<const char*>(d.data) + off[k], static_cast<size_t>(off[k + 1] - off[k])).second;
  if (p->dictionaries) p->dictionaries->emplace(&d, distinct);
  return distinct;
}

/// A dictionary<int, utf8> column in the engines' dictionary layout
/// (runtime/batch.h), which is Arrow's: the dictionary entries and int32
/// indices stay in the mapped file. Other index widths, and null rows whose
/// index is neither 0 nor inside the dictionary (engines read table[code]
/// under nulls too), get owned int32 codes (0 under a null).
void DictionaryView(const arrow::Field& f, const Array& a, Prepared* p, CohortColumn* out) {
  const Array& d = *a.dictionary;
  auto& dict = p->kids.emplace_back(1);
  dict[0].offsets = static_cast<const int32_t*>(d.offsets);
  dict[0].data = d.data;
  dict[0].length = d.length;
  out->dictionary = dict.data();
  out->validity = a.validity;
  const int64_t n = a.length;
  bool direct = f.index_type.bit_width == 32 && f.index_type.is_signed;
  if (direct && a.validity) {
    // Usually every index, null rows' too, is inside the dictionary: one
    // branch-free pass (it vectorizes) settles it; else the exact loop.
    const int32_t* idx = reinterpret_cast<const int32_t*>(a.values);
    const uint32_t size = static_cast<uint32_t>(std::min<int64_t>(d.length, INT32_MAX));
    bool inside = true;
    for (int64_t i = 0; i < n; ++i) inside &= static_cast<uint32_t>(idx[i]) < size;
    for (int64_t i = 0; i < n && direct && !inside; ++i)
      direct = ArrayValid(a, i) || idx[i] == 0 || (idx[i] > 0 && idx[i] < d.length);
  }
  if (direct) {
    out->values = a.values;
    return;
  }
  Strings s;
  s.Init(f, a);
  auto& codes = p->offsets.emplace_back(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) codes[i] = ArrayValid(a, i) ? static_cast<int32_t>(s.Index(i)) : 0;
  out->values = codes.data();
}

/// Converts column `a` (field `f`) to a kernel view of `kind`. `first_row`
/// (0-based, in the file) only numbers records in messages. "" or an error.
std::string Convert(const arrow::Field& f, const Array& a, TypeKind kind, const EnumDef* enum_def, bool optional,
                    int64_t first_row, Prepared* p, CohortColumn* out) {
  const int64_t n = a.length;
  *out = CohortColumn{};
  out->length = n;
  if (!optional && a.null_count > 0) {
    int64_t i = 0;
    while (i < n && ArrayValid(a, i)) ++i;
    return fmt::format("record {}: missing value for a required field", first_row + i + 1);
  }
  if (f.type.id == TypeId::kNull) {
    ColumnData& c = NewOwned(p, kind);
    for (int64_t i = 0; i < n; ++i) AppendMissing(kind, &c);
    *out = ViewOf(c, p);
    return {};
  }
  const DataType& t = f.type;
  auto zero_copy = [&] {
    out->validity = a.validity;
    out->values = a.values;
    return std::string();
  };
  switch (kind) {
    case TypeKind::kBool: return zero_copy();
    case TypeKind::kInt:
      if (t.bit_width == 64 && t.is_signed) return zero_copy();
      return BuildOwned(a, kind, p, out, [&](int64_t i, ColumnData& c) -> std::string {
        int64_t v = 0;
        if (!IntAt(t, a.values, i, &v)) return fmt::format("record {}: integer out of range", first_row + i + 1);
        c.AppendInt(v);
        return {};
      });
    case TypeKind::kDecimal: {
      if (t.id == TypeId::kFloat && t.precision == 2) return zero_copy();
      const double scale = t.id == TypeId::kDecimal ? std::pow(10.0, t.scale) : 1.0;
      return BuildOwned(a, kind, p, out, [&](int64_t i, ColumnData& c) -> std::string {
        double v = 0;
        if (t.id == TypeId::kFloat) {
          v = t.precision == 1 ? double{LoadAt<float>(a.values, i)} : LoadAt<double>(a.values, i);
        } else if (t.id == TypeId::kInt) {
          int64_t x = 0;
          if (!IntAt(t, a.values, i, &x)) x = INT64_MAX;
          v = static_cast<double>(x);
        } else {  // decimal128: little-endian two's complement
          __int128 x;
          std::memcpy(&x, a.values + i * 16, 16);
          v = static_cast<double>(x) / scale;
        }
        if (!std::isfinite(v)) return fmt::format("record {}: invalid decimal number", first_row + i + 1);
        c.AppendDecimal(v);
        return {};
      });
    }
    case TypeKind::kDate:
      if (t.unit == 0) return zero_copy();
      return BuildOwned(a, kind, p, out, [&](int64_t i, ColumnData& c) -> std::string {
        const int64_t ms = LoadAt<int64_t>(a.values, i);
        const int64_t days = ms / 86400000 - (ms % 86400000 < 0 ? 1 : 0);
        if (days < INT32_MIN || days > INT32_MAX) return fmt::format("record {}: date out of range", first_row + i + 1);
        c.AppendDate(static_cast<int32_t>(days));
        return {};
      });
    case TypeKind::kTimestamp: {
      const auto unit = static_cast<arrow::TimeUnit>(t.unit);
      if (unit == arrow::TimeUnit::kMicro) return zero_copy();
      return BuildOwned(a, kind, p, out, [&](int64_t i, ColumnData& c) -> std::string {
        const int64_t v = LoadAt<int64_t>(a.values, i);
        int64_t us = 0;
        if (unit == arrow::TimeUnit::kNano) {
          us = v / 1000 - (v % 1000 < 0 ? 1 : 0);
        } else if (__builtin_mul_overflow(v, unit == arrow::TimeUnit::kSecond ? 1000000 : 1000, &us)) {
          return fmt::format("record {}: timestamp out of range", first_row + i + 1);
        }
        c.AppendInt(us);
        return {};
      });
    }
    case TypeKind::kString: {
      if (!f.dictionary_encoded && t.id == TypeId::kUtf8) {
        out->validity = a.validity;
        out->offsets = static_cast<const int32_t*>(a.offsets);
        out->data = a.data;
        return {};
      }
      if (f.dictionary_encoded && t.id == TypeId::kUtf8 && a.dictionary && UsableDictionary(*a.dictionary, p)) {
        DictionaryView(f, a, p, out);
        return {};
      }
      // Other dictionaries (nulls or duplicates among the entries, too many
      // entries, large_utf8 values) and large strings become plain strings:
      // offsets first, then one copy per value.
      Strings s;
      if (!s.Init(f, a)) return "not a string column";
      ColumnData& c = NewOwned(p, kind);
      c.length = n;
      c.offsets.resize(static_cast<size_t>(n) + 1);
      c.validity.assign(static_cast<size_t>((n + 7) / 8), 0xFF);
      int64_t total = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (s.Valid(i)) {
          total += static_cast<int64_t>(s.Get(i).size());
        } else {
          SetBit(c.validity.data(), i, false);
          c.has_nulls = true;
        }
        if (total > INT32_MAX / 2) return "column too large to load (more than 1 GiB of strings in a batch)";
        c.offsets[i + 1] = static_cast<int32_t>(total);
      }
      c.data.resize(static_cast<size_t>(total));
      for (int64_t i = 0; i < n; ++i) {
        if (c.offsets[i + 1] == c.offsets[i]) continue;
        std::string_view v = s.Get(i);
        std::memcpy(c.data.data() + c.offsets[i], v.data(), v.size());
      }
      *out = ViewOf(c, p);
      return {};
    }
    case TypeKind::kEnum: {
      Strings s;
      if (!s.Init(f, a)) return "not a string column";
      const size_t labels = enum_def ? enum_def->labels.size() : 0;
      std::vector<int> codes;
      if (s.dictionary()) {
        // Map each dictionary entry to its code once; identical order and
        // 8-bit indices are the engines' codes already.
        codes.resize(static_cast<size_t>(s.values().length));
        bool identity = f.index_type.bit_width == 8 && s.values().null_count == 0;
        for (int64_t j = 0; j < s.values().length; ++j) {
          codes[j] = enum_def && ArrayValid(s.values(), j) ? enum_def->Find(s.Value(j)) : -1;
          if (codes[j] != j) identity = false;
        }
        if (identity && static_cast<size_t>(s.values().length) <= labels) return zero_copy();
      }
      // Each valid label (dictionary entry or string) becomes its code.
      return BuildOwned(a, kind, p, out, [&](int64_t i, ColumnData& c) -> std::string {
        if (!s.Valid(i)) {  // a null dictionary entry
          c.AppendNull();
          return {};
        }
        const int code = s.dictionary() ? codes[s.Index(i)] : enum_def ? enum_def->Find(s.Get(i)) : -1;
        if (code < 0 || code > 255)
          return fmt::format("record {}: unknown label; expected one of: {}", first_row + i + 1, LabelList(enum_def));
        c.AppendEnum(static_cast<uint8_t>(code));
        return {};
      });
    }
    case TypeKind::kStringSet: {
      const arrow::Field& item_field = f.children[0];
      const Array& items = a.children[0];
      Strings s;
      if (!s.Init(item_field, items)) return "not a list of strings";
      const bool large = t.id == TypeId::kLargeList;
      auto off = [&](int64_t i) -> int64_t {
        return large ? static_cast<const int64_t*>(a.offsets)[i] : static_cast<const int32_t*>(a.offsets)[i];
      };
      // Sets are stored as CSV loads them: per row sorted, unique, no empty
      // items, and a missing set is the empty set. Files in that shape are
      // used as they are; others are normalized.
      bool normal = !large;
      for (int64_t i = 0; i < n && normal && !p->trusted; ++i) {
        if (!ArrayValid(a, i)) {
          normal = off(i) == off(i + 1);
          continue;
        }
        for (int64_t k = off(i); k < off(i + 1) && normal; ++k) {
          normal = s.Valid(k) && !s.Get(k).empty() && (k == off(i) || s.Get(k - 1) < s.Get(k));
        }
      }
      if (normal) {
        CohortColumn child;
        if (std::string e = Convert(item_field, items, TypeKind::kString, nullptr, true, 0, p, &child); !e.empty())
          return e;
        auto& kids = p->kids.emplace_back(1, child);
        out->offsets = static_cast<const int32_t*>(a.offsets);
        out->children = kids.data();
        out->num_children = 1;
        return {};
      }
      ColumnData& c = NewOwned(p, kind);
      ColumnData& child = c.children[0];
      std::vector<std::string_view> row;
      for (int64_t i = 0; i < n; ++i) {
        row.clear();
        if (ArrayValid(a, i)) {
          for (int64_t k = off(i); k < off(i + 1); ++k)
            if (s.Valid(k) && !s.Get(k).empty()) row.push_back(s.Get(k));
        }
        std::sort(row.begin(), row.end());
        row.erase(std::unique(row.begin(), row.end()), row.end());
        for (std::string_view item : row) child.AppendString(item);
        if (child.data.size() > size_t{INT32_MAX} / 2) return "column too large to load";
        c.AppendListEnd(child.length);
      }
      *out = ViewOf(c, p);
      return {};
    }
    default: return "unsupported column type";
  }
}

/// Appends element `i` of view `v` (of `kind`) to `dst`.
void AppendFromView(const CohortColumn& v, TypeKind kind, int64_t i, ColumnData* dst) {
  if (!IsValid(v, i)) {
    AppendMissing(kind, dst);
    return;
  }
  switch (kind) {
    case TypeKind::kBool: dst->AppendBool(GetBit(static_cast<const uint8_t*>(v.values), i)); break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp: dst->AppendInt(static_cast<const int64_t*>(v.values)[i]); break;
    case TypeKind::kDecimal: dst->AppendDecimal(static_cast<const double*>(v.values)[i]); break;
    case TypeKind::kDate: dst->AppendDate(static_cast<const int32_t*>(v.values)[i]); break;
    case TypeKind::kEnum: dst->AppendEnum(static_cast<const uint8_t*>(v.values)[i]); break;
    case TypeKind::kString: dst->AppendString(StringAt(v, i)); break;
    case TypeKind::kStringSet: {
      ColumnData& child = dst->children[0];
      for (int32_t k = v.offsets[i]; k < v.offsets[i + 1]; ++k) child.AppendString(StringAt(v.children[0], k));
      dst->AppendListEnd(child.length);
      break;
    }
    default: dst->AppendNull(); break;
  }
}

/// The view of rows [s, s + n) of `v` (s a multiple of 8: bitmaps stay byte-aligned).
CohortColumn Slice(const CohortColumn& v, TypeKind kind, int64_t s, int64_t n) {
  CohortColumn c = v;
  c.length = n;
  if (c.validity) c.validity += s / 8;
  auto shift = [&](int64_t width) {
    if (c.values) c.values = static_cast<const uint8_t*>(c.values) + s * width;
  };
  switch (kind) {
    case TypeKind::kBool:
      if (c.values) c.values = static_cast<const uint8_t*>(c.values) + s / 8;
      break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDecimal: shift(8); break;
    case TypeKind::kDate: shift(4); break;
    case TypeKind::kEnum: shift(1); break;
    case TypeKind::kString:  // plain: offsets; dictionary-encoded: int32 codes
      if (c.offsets) c.offsets += s;
      shift(4);
      break;
    case TypeKind::kStringSet:
    case TypeKind::kList:
      if (c.offsets) c.offsets += s;
      break;
    default: break;
  }
  return c;
}

/// A schema column (or list element field) bound to a field of a file.
struct Binding {
  ColumnId column = kNoColumn;
  std::string name;   ///< header name
  TypeKind kind = TypeKind::kError;
  const EnumDef* enum_def = nullptr;
  bool optional = false;
  int field = -1;     ///< index into the file's fields (or struct children); -1 absent
};

/// How a list<Record> column is loaded.
struct ListPlan {
  ColumnId column = kNoColumn;
  std::string name;
  std::vector<Binding> elems;
  int inline_field = -1;                 ///< list<struct> field of the records file
  std::shared_ptr<MappedFile> file;      ///< separate table (null: every list is empty)
  int parent_field = -1;
  bool grouped = false;                  ///< record batch i holds the rows of record batch i
  // Joined by key (other layouts): list rows ordered by owning record.
  std::vector<uint32_t> start;           ///< per record row (+1): first index into `order`
  std::vector<uint64_t> order;           ///< (list batch << 32) | row
  std::vector<std::shared_ptr<Prepared>> list_batches;  ///< element columns, converted lazily
};

class ArrowRecordReader final : public RecordReader {
 public:
  ArrowRecordReader(std::shared_ptr<const Schema> schema, const LoadOptions& options)
      : schema_(std::move(schema)), options_(options) {}
  bool Open(const std::string& dir);
  bool Next(Batch* out, int64_t max_rows) override;
  const std::vector<DataError>& errors() const override { return errors_; }
  const std::vector<DataError>& warnings() const override { return warnings_; }  ///< none: Arrow columns are typed
  const LoadStats& stats() const override { return stats_; }

 private:
  void AddError(const std::string& file, const std::string& column, std::string message) {
    if (errors_.size() < kMaxErrors) errors_.push_back(DataError{file, 0, column, 0, std::move(message)});
  }
  bool Bind(const MappedFile& file, const std::vector<arrow::Field>& fields, Binding* b, bool is_key);
  bool BuildKeyIndex();
  bool PlanList(const std::string& dir, const ColumnDef& def, ColumnId id, ListPlan* plan);
  bool CheckGrouped(ListPlan* plan);
  void ReleaseFiles();
  bool JoinList(ListPlan* plan);
  std::shared_ptr<Prepared> Prepare(size_t b);
  bool PrepareList(ListPlan& plan, size_t b, int64_t base, Prepared* p, CohortColumn* out);
  std::shared_ptr<Prepared> ListBatch(ListPlan& plan, size_t lb);

  /// Column projection (LoadOptions::projection): is column `id` (element
  /// field `field` of list `id`) converted? The key always is.
  bool Reads(ColumnId id) const {
    return options_.Converts(id, schema_->key_column());
  }
  bool ReadsElement(ColumnId id, size_t field) const { return options_.ConvertsElement(id, field); }

  std::shared_ptr<const Schema> schema_;
  LoadOptions options_;  ///< projection (null: every column), threads
  /// With threads: list files being mapped and checked (by path) while the
  /// records file is (Open); PlanList takes them.
  std::map<std::string, std::future<std::pair<std::shared_ptr<MappedFile>, std::string>>> early_;
  /// With a projection: per list file, the fields whose values Open checks.
  std::map<std::string, std::vector<std::string>> list_values_;
  std::vector<DataError> errors_;
  std::vector<DataError> warnings_;
  LoadStats stats_;
  std::shared_ptr<MappedFile> records_;
  std::vector<Binding> bindings_;
  std::vector<ListPlan> lists_;
  std::vector<int64_t> batch_start_;  ///< first record row of each record batch
  std::unordered_map<std::string_view, uint32_t> key_rows_;
  std::unordered_map<const Array*, bool> dictionaries_;  ///< UsableDictionary verdicts
  bool trusted_ = false;              ///< written by `cohort import` for this schema
  std::shared_ptr<Prepared> current_;
  size_t next_batch_ = 0;
  int64_t pos_ = 0;
  bool done_ = false;
};

bool ArrowRecordReader::Bind(const MappedFile& file, const std::vector<arrow::Field>& fields, Binding* b, bool is_key) {
  int found = -1;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name != b->name) continue;
    if (found >= 0) {
      AddError(file.path, b->name, "column appears more than once in the file");
      return false;
    }
    found = static_cast<int>(i);
  }
  b->field = found;
  if (found < 0) {
    if (b->optional) return true;
    AddError(file.path, b->name,
             is_key ? "key column is missing from the file" : "required column is missing from the file");
    return false;
  }
  const arrow::Field& f = fields[found];
  if (!Fits(f, b->kind)) {
    AddError(file.path, b->name,
             fmt::format("expected {}, found Arrow type {}", Expected(b->kind), f.TypeString()));
    return false;
  }
  return true;
}

bool ArrowRecordReader::Open(const std::string& dir) {
  const Schema& schema = *schema_;
  const std::string path = (fs::path(dir) / ArrowFileName(schema.records_file)).string();
  // With a projection, values (dictionary indices, offsets) are checked at
  // open only in the fields the program reads (and the keys joining lists);
  // the others are checked for structure and never read.
  std::vector<std::string> record_values;
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (Reads(id)) record_values.push_back(SourceName(def));
    const ListSource* src = def.type.kind == TypeKind::kList ? FindListSource(schema, def.path) : nullptr;
    if (!src) continue;
    std::vector<std::string>& names = list_values_[ListFilePath(schema, dir, def)];
    names.push_back(src->parent_column);
    if (const RecordDef* elem = def.type.record_def.get())
      for (size_t f = 0; f < elem->fields.size(); ++f)
        if (Reads(id) && ReadsElement(id, f)) names.push_back(SourceName(elem->fields[f]));
  }
  if (options_.threads > 1) {
    std::error_code ec;
    for (const auto& [list_path, names] : list_values_) {
      if (!fs::exists(list_path, ec)) continue;
      const std::vector<std::string>* values = options_.projection ? &names : nullptr;
      early_[list_path] = std::async(std::launch::async, [list_path, values] {
        std::string error;
        auto file = MapArrowFile(list_path, &error, values);
        return std::make_pair(std::move(file), std::move(error));
      });
    }
  }
  std::string error;
  records_ = MapArrowFile(path, &error, options_.projection ? &record_values : nullptr);
  if (!records_) {
    AddError(path, "", error);
    return false;
  }
  const arrow::File& file = records_->file;
  const std::string* fp = file.Metadata(kFingerprintKey);
  trusted_ = fp && *fp == FingerprintText(schema);
  int64_t rows = 0;
  for (const auto& b : file.batches) {
    batch_start_.push_back(rows);
    rows += b.length;
  }
  if (rows > UINT32_MAX - 1) {
    AddError(path, "", "too many records in one file");
    return false;
  }
  const ColumnId key_col = schema.key_column();
  if (key_col == kNoColumn) {
    AddError(path, schema.key_field, "the schema's key field is not a column");
    return false;
  }
  bool ok = true;
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind == TypeKind::kList) {
      ListPlan plan;
      if (!PlanList(dir, def, id, &plan)) ok = false;
      lists_.push_back(std::move(plan));
      continue;
    }
    Binding b;
    b.column = id;
    b.name = SourceName(def);
    b.kind = def.type.kind;
    b.enum_def = def.type.enum_def.get();
    b.optional = def.optional && id != key_col;
    if (!Bind(*records_, file.fields, &b, id == key_col)) ok = false;
    bindings_.push_back(std::move(b));
  }
  if (!ok) return false;
  bool need_keys = !trusted_;
  for (ListPlan& plan : lists_) {
    if (!plan.file) continue;
    plan.grouped = CheckGrouped(&plan);
    if (!plan.grouped) need_keys = true;
  }
  if (need_keys && !BuildKeyIndex()) return false;
  for (ListPlan& plan : lists_) {
    if (plan.file && !plan.grouped && !JoinList(&plan)) return false;
  }
  key_rows_.clear();
  // The checks read every checked buffer. With a projection those are the
  // buffers of the columns read, whose pages each batch drops once it is
  // done (Prepared::on_release): dropping them here too would only make the
  // batches fault them back in. Without one (every column checked), drop
  // them now.
  if (!options_.projection) ReleaseFiles();
  return errors_.empty();
}

void ArrowRecordReader::ReleaseFiles() {
  records_->Release();
  for (const ListPlan& plan : lists_)
    if (plan.file) plan.file->Release();
}

/// Maps every record key to its row; reports missing and duplicate keys.
bool ArrowRecordReader::BuildKeyIndex() {
  const ColumnId key_col = schema_->key_column();
  const Binding* kb = nullptr;
  for (const Binding& b : bindings_)
    if (b.column == key_col) kb = &b;
  if (!kb || kb->field < 0) return false;
  const arrow::Field& f = records_->file.fields[kb->field];
  key_rows_.reserve(static_cast<size_t>(batch_start_.empty() ? 0 : batch_start_.back() + records_->file.batches.back().length));
  for (size_t b = 0; b < records_->file.batches.size(); ++b) {
    const Array& a = records_->file.batches[b].columns[kb->field];
    Strings s;
    if (!s.Init(f, a)) return false;
    for (int64_t i = 0; i < a.length; ++i) {
      const int64_t row = batch_start_[b] + i;
      if (!s.Valid(i) || s.Get(i).empty()) {
        AddError(records_->path, kb->name, fmt::format("record {}: missing record key", row + 1));
        return false;
      }
      if (!key_rows_.emplace(s.Get(i), static_cast<uint32_t>(row)).second) {
        AddError(records_->path, kb->name,
                 fmt::format("record {}: duplicate record key; each record's key must be unique", row + 1));
        return false;
      }
    }
  }
  return true;
}

bool ArrowRecordReader::PlanList(const std::string& dir, const ColumnDef& def, ColumnId id, ListPlan* plan) {
  plan->column = id;
  plan->name = SourceName(def);
  const RecordDef* elem = def.type.record_def.get();
  if (!elem) {
    AddError(records_->path, def.path, "list field without an element record type");
    return false;
  }
  for (const FieldDef& fd : elem->fields) {
    Binding b;
    b.name = SourceName(fd);
    b.kind = fd.type.kind;
    b.enum_def = fd.type.enum_def.get();
    b.optional = fd.optional;
    plan->elems.push_back(std::move(b));
  }
  if (def.synthetic) return true;  // filled by the run pipeline (core/contacts.h): empty here
  // Inline: a list<struct> field named like the list field.
  int inline_field = records_->FindField(plan->name);
  if (inline_field == -2) {
    AddError(records_->path, plan->name, "column appears more than once in the file");
    return false;
  }
  if (inline_field >= 0) {
    const arrow::Field& f = records_->file.fields[inline_field];
    if (f.dictionary_encoded || f.type.id != TypeId::kList || f.children.size() != 1 ||
        f.children[0].type.id != TypeId::kStruct || f.children[0].dictionary_encoded) {
      AddError(records_->path, plan->name,
               fmt::format("expected {}, found Arrow type {}", Expected(TypeKind::kList), f.TypeString()));
      return false;
    }
    plan->inline_field = inline_field;
    for (const auto& batch : records_->file.batches) {
      const Array& list = batch.columns[inline_field];
      auto* off = static_cast<const int32_t*>(list.offsets);
      stats_.list_rows += off[list.length] - off[0];
    }
    bool ok = true;
    for (Binding& b : plan->elems)
      if (!Bind(*records_, f.children[0].children, &b, false)) ok = false;
    return ok;
  }
  const ListSource* src = FindListSource(*schema_, def.path);
  const std::string path = ListFilePath(*schema_, dir, def);
  if (!src) {
    AddError(path, def.path, "the schema names no source file and parent column for this list field");
    return false;
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;  // no file: every list is empty (as with CSV)
  std::string error;
  if (auto it = early_.find(path); it != early_.end()) {
    std::tie(plan->file, error) = it->second.get();
    early_.erase(it);
  } else {
    auto values = list_values_.find(path);
    plan->file = MapArrowFile(path, &error, options_.projection && values != list_values_.end() ? &values->second : nullptr);
  }
  if (!plan->file) {
    AddError(path, "", error);
    return false;
  }
  Binding parent;
  parent.name = src->parent_column;
  parent.kind = TypeKind::kString;
  if (!Bind(*plan->file, plan->file->file.fields, &parent, false)) return false;
  plan->parent_field = parent.field;
  bool ok = true;
  for (Binding& b : plan->elems)
    if (!Bind(*plan->file, plan->file->file.fields, &b, false)) ok = false;
  return ok;
}

/// Fast path of CheckGrouped: do plain utf8 `keys` (no nulls) equal the
/// utf8 `dict` entries from `first` on? Compares the offset steps, then the
/// bytes with one memcmp. False also when the fast path does not apply.
bool SameStrings(const arrow::Field& kf, const Array& keys, const arrow::Field& df, const Array& dict, int64_t first) {
  if (kf.dictionary_encoded || kf.type.id != TypeId::kUtf8 || df.type.id != TypeId::kUtf8 || keys.null_count > 0 ||
      dict.null_count > 0 || first + keys.length > dict.length)
    return false;
  const auto* ko = static_cast<const int32_t*>(keys.offsets);
  const auto* d = static_cast<const int32_t*>(dict.offsets) + first;
  const int64_t n = keys.length;
  bool same = true;
  for (int64_t i = 0; i < n; ++i) same &= ko[i + 1] - ko[i] == d[i + 1] - d[i];
  const size_t bytes = static_cast<size_t>(ko[n] - ko[0]);
  return same && (bytes == 0 || std::memcmp(keys.data + ko[0], dict.data + d[0], bytes) == 0);
}

/// Is the list table in the layout `cohort import` writes, for these records?
bool ArrowRecordReader::CheckGrouped(ListPlan* plan) {
  const arrow::File& lf = plan->file->file;
  const std::string* layout = lf.Metadata(kLayoutKey);
  if (!layout || *layout != "grouped" || lf.batches.size() != records_->file.batches.size()) return false;
  const arrow::Field& pf = lf.fields[plan->parent_field];
  if (!pf.dictionary_encoded || pf.index_type.bit_width != 32 || !pf.index_type.is_signed) return false;
  // The parent dictionary must be the record keys, in order.
  const ColumnId key_col = schema_->key_column();
  int key_field = -1;
  for (const Binding& b : bindings_)
    if (b.column == key_col) key_field = b.field;
  if (key_field < 0) return false;
  const arrow::Field& kf = records_->file.fields[key_field];
  for (size_t b = 0; b < lf.batches.size(); ++b) {
    const Array& parent = lf.batches[b].columns[plan->parent_field];
    const Array& keys = records_->file.batches[b].columns[key_field];
    Strings dict, key;
    if (!dict.Init(pf, parent) || !key.Init(kf, keys)) return false;
    if (dict.values().length != batch_start_.back() + records_->file.batches.back().length) return false;
    if (parent.null_count > 0) return false;
    if (!SameStrings(kf, keys, pf, dict.values(), batch_start_[b])) {
      for (int64_t i = 0; i < keys.length; ++i)
        if (!key.Valid(i) || dict.Value(batch_start_[b] + i) != key.Get(i)) return false;
    }
    // Indices: the rows of this batch, non-decreasing.
    const int32_t* idx = reinterpret_cast<const int32_t*>(parent.values);
    const int64_t lo = batch_start_[b], hi = lo + keys.length;
    for (int64_t k = 0; k < parent.length; ++k)
      if (idx[k] < lo || idx[k] >= hi || (k > 0 && idx[k] < idx[k - 1])) return false;
  }
  int64_t unmatched = 0;
  if (const std::string* u = lf.Metadata(kUnmatchedKey)) {
    auto [p, e] = std::from_chars(u->data(), u->data() + u->size(), unmatched);
    if (e != std::errc() || unmatched < 0) unmatched = 0;
  }
  int64_t rows = 0;
  for (const auto& b : lf.batches) rows += b.length;
  stats_.list_rows += rows + unmatched;
  stats_.list_rows_unmatched += unmatched;
  return true;
}

/// Groups the list table's rows by owning record through the key index.
bool ArrowRecordReader::JoinList(ListPlan* plan) {
  const arrow::File& lf = plan->file->file;
  const arrow::Field& pf = lf.fields[plan->parent_field];
  const int64_t records = batch_start_.empty() ? 0 : batch_start_.back() + records_->file.batches.back().length;
  std::vector<uint32_t> owner;  // per list row in file order; UINT32_MAX: unmatched
  std::vector<uint64_t> where;
  for (size_t b = 0; b < lf.batches.size(); ++b) {
    const Array& a = lf.batches[b].columns[plan->parent_field];
    Strings s;
    if (!s.Init(pf, a)) return false;
    for (int64_t i = 0; i < a.length; ++i) {
      if (!s.Valid(i) || s.Get(i).empty()) {
        AddError(plan->file->path, pf.name, fmt::format("record {}: missing parent key", (int64_t)where.size() + 1));
        return false;
      }
      auto it = key_rows_.find(s.Get(i));
      owner.push_back(it == key_rows_.end() ? UINT32_MAX : it->second);
      where.push_back((uint64_t{b} << 32) | static_cast<uint64_t>(i));
    }
  }
  plan->start.assign(static_cast<size_t>(records) + 1, 0);
  int64_t unmatched = 0;
  for (uint32_t o : owner) {
    if (o == UINT32_MAX) ++unmatched;
    else ++plan->start[o + 1];
  }
  for (int64_t r = 0; r < records; ++r) plan->start[r + 1] += plan->start[r];
  plan->order.resize(owner.size() - static_cast<size_t>(unmatched));
  std::vector<uint32_t> fill(plan->start.begin(), plan->start.end() - 1);
  for (size_t k = 0; k < owner.size(); ++k)
    if (owner[k] != UINT32_MAX) plan->order[fill[owner[k]]++] = where[k];
  plan->list_batches.resize(lf.batches.size());
  stats_.list_rows += static_cast<int64_t>(owner.size());
  stats_.list_rows_unmatched += unmatched;
  return true;
}

/// The element columns of list batch `lb`, converted (cached).
std::shared_ptr<Prepared> ArrowRecordReader::ListBatch(ListPlan& plan, size_t lb) {
  if (lb < plan.list_batches.size() && plan.list_batches[lb]) return plan.list_batches[lb];
  auto p = std::make_shared<Prepared>();
  p->dictionaries = &dictionaries_;
  p->trusted = trusted_;
  const auto& batch = plan.file->file.batches[lb];
  p->length = batch.length;
  p->columns.resize(plan.elems.size());
  for (size_t f = 0; f < plan.elems.size(); ++f) {
    const Binding& b = plan.elems[f];
    if (!ReadsElement(plan.column, f)) continue;  // not converted: no rows (the program never reads it)
    if (b.field < 0) {
      ColumnData& c = NewOwned(p.get(), b.kind);
      for (int64_t i = 0; i < batch.length; ++i) AppendMissing(b.kind, &c);
      p->columns[f] = ViewOf(c, p.get());
      continue;
    }
    int64_t first = 0;
    for (size_t k = 0; k < lb; ++k) first += plan.file->file.batches[k].length;
    if (std::string e = Convert(plan.file->file.fields[b.field], batch.columns[b.field], b.kind, b.enum_def, b.optional,
                                first, p.get(), &p->columns[f]);
        !e.empty()) {
      AddError(plan.file->path, b.name, e);
      return nullptr;
    }
  }
  // Joined lists gather from any batch at any time; grouped ones use each once.
  if (!plan.grouped) plan.list_batches[lb] = p;
  return p;
}

/// Builds the list column of record batch `b` (rows from `base`).
bool ArrowRecordReader::PrepareList(ListPlan& plan, size_t b, int64_t base, Prepared* p, CohortColumn* out) {
  const int64_t n = records_->file.batches[b].length;
  *out = CohortColumn{};
  out->length = n;
  auto& kids = p->kids.emplace_back(plan.elems.size());
  out->children = kids.data();
  out->num_children = static_cast<uint32_t>(kids.size());
  auto& offsets = p->offsets.emplace_back(static_cast<size_t>(n) + 1, 0);
  out->offsets = offsets.data();
  if (plan.inline_field >= 0) {
    const arrow::Field& f = records_->file.fields[plan.inline_field];
    const Array& list = records_->file.batches[b].columns[plan.inline_field];
    const Array& items = list.children[0];
    if (items.null_count > 0) {
      AddError(records_->path, plan.name, "list elements must not be null");
      return false;
    }
    const int32_t* off = static_cast<const int32_t*>(list.offsets);
    for (int64_t i = 0; i < n; ++i) {
      if (!ArrayValid(list, i) && off[i] != off[i + 1]) {
        AddError(records_->path, plan.name, fmt::format("record {}: a missing list has elements", base + i + 1));
        return false;
      }
    }
    out->offsets = off;
    for (size_t k = 0; k < plan.elems.size(); ++k) {
      const Binding& e = plan.elems[k];
      if (!ReadsElement(plan.column, k)) continue;  // not converted (kids[k] has no rows)
      if (e.field < 0) {
        ColumnData& c = NewOwned(p, e.kind);
        for (int64_t i = 0; i < items.length; ++i) AppendMissing(e.kind, &c);
        kids[k] = ViewOf(c, p);
        continue;
      }
      if (std::string err = Convert(f.children[0].children[e.field], items.children[e.field], e.kind, e.enum_def,
                                    e.optional, 0, p, &kids[k]);
          !err.empty()) {
        AddError(records_->path, plan.name + "." + e.name, err);
        return false;
      }
    }
    return true;
  }
  if (!plan.file) {  // no list table: every list is empty
    for (size_t k = 0; k < plan.elems.size(); ++k) {
      ColumnData& c = NewOwned(p, plan.elems[k].kind);
      kids[k] = ViewOf(c, p);
    }
    return true;
  }
  if (plan.grouped) {
    auto lp = ListBatch(plan, b);
    if (!lp) return false;
    p->keep.push_back(lp);
    const Array& parent = plan.file->file.batches[b].columns[plan.parent_field];
    const int32_t* idx = reinterpret_cast<const int32_t*>(parent.values);
    for (int64_t k = 0; k < parent.length; ++k) ++offsets[idx[k] - base + 1];
    for (int64_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
    for (size_t k = 0; k < plan.elems.size(); ++k) kids[k] = lp->columns[k];
    return true;
  }
  // Joined: gather this batch's list rows in record order.
  std::vector<ColumnData*> cols;
  for (const Binding& e : plan.elems) cols.push_back(&NewOwned(p, e.kind));
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t from = plan.start[base + i], to = plan.start[base + i + 1];
    for (uint32_t k = from; k < to; ++k) {
      const size_t lb = plan.order[k] >> 32;
      const int64_t row = static_cast<int64_t>(plan.order[k] & 0xFFFFFFFFu);
      auto lp = ListBatch(plan, lb);
      if (!lp) return false;
      for (size_t f = 0; f < cols.size(); ++f)
        if (ReadsElement(plan.column, f)) AppendFromView(lp->columns[f], plan.elems[f].kind, row, cols[f]);
    }
    offsets[i + 1] = static_cast<int32_t>(to - plan.start[base]);
  }
  for (size_t k = 0; k < cols.size(); ++k) kids[k] = ViewOf(*cols[k], p);
  return true;
}

std::shared_ptr<Prepared> ArrowRecordReader::Prepare(size_t b) {
  auto p = std::make_shared<Prepared>();
  p->dictionaries = &dictionaries_;
  p->trusted = trusted_;
  const auto& batch = records_->file.batches[b];
  const int64_t base = batch_start_[b];
  p->keep.push_back(records_);
  for (const ListPlan& plan : lists_)
    if (plan.file) p->keep.push_back(plan.file);
  p->length = batch.length;
  p->columns.resize(schema_->columns.size());
  for (const Binding& bd : bindings_) {
    if (!Reads(bd.column)) continue;  // absent in the batch (Next)
    if (bd.field < 0) {
      ColumnData& c = NewOwned(p.get(), bd.kind);
      for (int64_t i = 0; i < batch.length; ++i) AppendMissing(bd.kind, &c);
      p->columns[bd.column] = ViewOf(c, p.get());
      continue;
    }
    if (std::string e = Convert(records_->file.fields[bd.field], batch.columns[bd.field], bd.kind, bd.enum_def,
                                bd.optional, base, p.get(), &p->columns[bd.column]);
        !e.empty()) {
      AddError(records_->path, bd.name, e);
      return nullptr;
    }
  }
  for (ListPlan& plan : lists_)
    if (Reads(plan.column) && !PrepareList(plan, b, base, p.get(), &p->columns[plan.column])) return nullptr;
  // Grouped and inline lists read each record batch's rows once; joined
  // lists gather from any list batch at any time (their pages stay). The
  // pages go when the last batch sliced from this one does (batches may be
  // read ahead of the ones being evaluated).
  bool streamed = true;
  for (const ListPlan& plan : lists_) streamed = streamed && (!plan.file || plan.grouped);
  if (streamed) {
    std::vector<std::shared_ptr<MappedFile>> files{records_};
    for (const ListPlan& plan : lists_)
      if (plan.file) files.push_back(plan.file);
    p->on_release = [files = std::move(files), b] {
      for (const auto& f : files) f->ReleaseBatch(b);
    };
  }
  return p;
}

bool ArrowRecordReader::Next(Batch* out, int64_t max_rows) {
  if (done_ || !errors_.empty() || max_rows <= 0) return false;
  while (!current_ || pos_ >= current_->length) {
    current_.reset();
    if (next_batch_ >= records_->file.batches.size()) {
      done_ = true;
      return false;
    }
    current_ = Prepare(next_batch_++);
    if (!current_) {
      done_ = true;
      return false;
    }
    pos_ = 0;
  }
  // Slices start at multiples of 8 rows so validity bitmaps stay byte-aligned.
  const int64_t step = std::max<int64_t>(8, max_rows & ~int64_t{7});
  const int64_t n = std::min(step, current_->length - pos_);
  *out = Batch(*schema_);
  for (ColumnId id = 0; id < schema_->columns.size(); ++id) {
    if (Reads(id)) out->SetExternal(id, Slice(current_->columns[id], schema_->columns[id].type.kind, pos_, n));
    else out->column(id).absent = true;
  }
  out->KeepAlive(current_);
  out->set_num_rows(n);
  pos_ += n;
  stats_.records += n;
  return true;
}

}  // namespace

std::unique_ptr<RecordReader> OpenDataReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                             std::vector<DataError>* errors) {
  return OpenDataReader(std::move(schema), dir, LoadOptions{}, errors, nullptr);
}

std::unique_ptr<RecordReader> OpenDataReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                             const LoadOptions& options, std::vector<DataError>* errors,
                                             std::vector<DataError>* warnings) {
  if (!IsArrowDataDir(*schema, dir)) return OpenRecordReader(std::move(schema), dir, options, errors, warnings);
  auto reader = std::make_unique<ArrowRecordReader>(std::move(schema), options);
  if (!reader->Open(dir)) {
    if (errors) *errors = reader->errors();
    return nullptr;
  }
  return reader;
}

}  // namespace cohort
