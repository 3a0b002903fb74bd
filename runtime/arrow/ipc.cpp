// Arrow IPC file reading and writing (see ipc.h). The reader trusts nothing:
// every flatbuffer goes through the Verifier, every length is checked with
// overflow-safe arithmetic before a pointer is formed, offsets are checked to
// be non-decreasing and inside their data, dictionary indices inside their
// dictionary.
#include "runtime/arrow/ipc.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "arrow_format_generated.h"

namespace cohort::arrow {

namespace fb = org::apache::arrow::flatbuf;

namespace {

constexpr char kMagic[6] = {'A', 'R', 'R', 'O', 'W', '1'};
constexpr uint32_t kContinuation = 0xFFFFFFFFu;
constexpr int kMaxDepth = 32;
/// Far above any real column (2^40 rows), low enough that length * 16 cannot overflow.
constexpr int64_t kMaxLength = int64_t{1} << 40;

/// `p` itself when 8-byte aligned, else an aligned copy of its `n` bytes kept
/// in `file` (flatbuffer accessors read scalars in place).
const uint8_t* Aligned(File* file, const uint8_t* p, size_t n) {
  if (reinterpret_cast<uintptr_t>(p) % 8 == 0) return p;
  auto copy = std::make_unique<uint64_t[]>((n + 7) / 8);
  std::memcpy(copy.get(), p, n);
  const uint8_t* out = reinterpret_cast<const uint8_t*>(copy.get());
  file->copies.push_back(std::move(copy));
  return out;
}

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// A copy of a flatbuffer struct (Block, FieldNode, Buffer) of a verified
/// buffer. The verifier checks a struct vector's length prefix for 4-byte
/// alignment only, so in a damaged file an 8-byte struct may sit on a 4-byte
/// boundary: its fields are read through memcpy, never in place.
template <typename S>
S Copy(const S* p) {
  return Load<S>(reinterpret_cast<const uint8_t*>(p));
}

}  // namespace

std::string DataType::ToString() const {
  static const char* const kUnits[] = {"s", "ms", "us", "ns"};
  const char* unit_name = unit >= 0 && unit < 4 ? kUnits[unit] : "?";
  switch (id) {
    case TypeId::kNull: return "null";
    case TypeId::kInt: return fmt::format("{}int{}", is_signed ? "" : "u", bit_width);
    case TypeId::kFloat: return precision == 0 ? "float16" : precision == 1 ? "float32" : "float64";
    case TypeId::kBinary: return "binary";
    case TypeId::kUtf8: return "utf8";
    case TypeId::kBool: return "bool";
    case TypeId::kDecimal: return fmt::format("decimal{}({}, {})", bit_width, precision, scale);
    case TypeId::kDate: return unit == 0 ? "date32[day]" : "date64[ms]";
    case TypeId::kTime: return fmt::format("time{}[{}]", bit_width, unit_name);
    case TypeId::kTimestamp:
      return timezone.empty() ? fmt::format("timestamp[{}]", unit_name)
                              : fmt::format("timestamp[{}, tz={}]", unit_name, timezone);
    case TypeId::kInterval: return "interval";
    case TypeId::kList: return "list";
    case TypeId::kStruct: return "struct";
    case TypeId::kUnion: return "union";
    case TypeId::kFixedSizeBinary: return "fixed_size_binary";
    case TypeId::kFixedSizeList: return "fixed_size_list";
    case TypeId::kMap: return "map";
    case TypeId::kDuration: return fmt::format("duration[{}]", unit_name);
    case TypeId::kLargeBinary: return "large_binary";
    case TypeId::kLargeUtf8: return "large_utf8";
    case TypeId::kLargeList: return "large_list";
    case TypeId::kRunEndEncoded: return "run_end_encoded";
    case TypeId::kBinaryView: return "binary_view";
    case TypeId::kUtf8View: return "utf8_view";
    case TypeId::kListView: return "list_view";
    case TypeId::kLargeListView: return "large_list_view";
    default: return "unknown";
  }
}

std::string Field::TypeString() const {
  std::string value = type.ToString();
  if ((type.id == TypeId::kList || type.id == TypeId::kLargeList) && children.size() == 1)
    value = fmt::format("{}<{}>", value, children[0].TypeString());
  if (type.id == TypeId::kStruct) {
    value += "<";
    for (size_t i = 0; i < children.size(); ++i)
      value += fmt::format("{}{}: {}", i ? ", " : "", children[i].name, children[i].TypeString());
    value += ">";
  }
  if (dictionary_encoded) return fmt::format("dictionary<{}, {}>", index_type.ToString(), value);
  return value;
}

const std::string* File::Metadata(std::string_view key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return &v;
  return nullptr;
}

// ---- Reading -------------------------------------------------------------------

namespace {

/// Reads a schema Field (recursively) into `out`.
std::string ParseField(const fb::Field* f, int depth, Field* out) {
  if (depth > kMaxDepth) return "schema nested too deeply";
  if (!f) return "schema has an empty field";
  out->name = f->name() ? f->name()->str() : std::string();
  out->nullable = f->nullable();
  DataType& t = out->type;
  t.id = static_cast<TypeId>(f->type_type());
  if (f->type_type() > fb::Type_MAX) t.id = TypeId::kNone;
  switch (f->type_type()) {
    case fb::Type_Int:
      if (auto* x = f->type_as_Int()) {
        t.bit_width = x->bitWidth();
        t.is_signed = x->is_signed();
      }
      break;
    case fb::Type_FloatingPoint:
      if (auto* x = f->type_as_FloatingPoint()) t.precision = x->precision();
      break;
    case fb::Type_Decimal:
      if (auto* x = f->type_as_Decimal()) {
        t.precision = x->precision();
        t.scale = x->scale();
        t.bit_width = x->bitWidth();
      }
      break;
    case fb::Type_Date:
      if (auto* x = f->type_as_Date()) t.unit = x->unit();
      break;
    case fb::Type_Time:
      if (auto* x = f->type_as_Time()) {
        t.unit = x->unit();
        t.bit_width = x->bitWidth();
      }
      break;
    case fb::Type_Timestamp:
      if (auto* x = f->type_as_Timestamp()) {
        t.unit = x->unit();
        if (x->timezone()) t.timezone = x->timezone()->str();
      }
      break;
    case fb::Type_Duration:
      if (auto* x = f->type_as_Duration()) t.unit = x->unit();
      break;
    default: break;
  }
  if (t.id != TypeId::kNone && f->type() == nullptr) return fmt::format("field `{}` has no type parameters", out->name);
  if (auto* d = f->dictionary()) {
    out->dictionary_encoded = true;
    out->dictionary_id = d->id();
    out->index_type.id = TypeId::kInt;
    out->index_type.bit_width = 32;
    out->index_type.is_signed = true;
    if (auto* it = d->indexType()) {
      out->index_type.bit_width = it->bitWidth();
      out->index_type.is_signed = it->is_signed();
    }
  }
  if (auto* kids = f->children()) {
    for (const fb::Field* k : *kids) {
      Field child;
      if (std::string e = ParseField(k, depth + 1, &child); !e.empty()) return e;
      out->children.push_back(std::move(child));
    }
  }
  return {};
}

/// Walks the nodes and buffers of one record batch message.
class BatchReader {
 public:
  BatchReader(File* file, const fb::RecordBatch* rb, const uint8_t* body, int64_t body_length)
      : file_(file), rb_(rb), body_(body), body_length_(body_length) {}

  /// Whether the next Read checks values (indices, offsets) or structure only.
  void set_check_values(bool on) { check_values_ = on; }

  std::string Read(const Field& f, const std::string& path, int depth, Array* a) {
    if (depth > kMaxDepth) return fmt::format("column `{}`: nested too deeply", path);
    const auto* nodes = rb_->nodes();
    if (!nodes || next_node_ >= nodes->size())
      return fmt::format("column `{}`: the record batch has fewer field nodes than the schema needs", path);
    const fb::FieldNode node = Copy(nodes->Get(next_node_++));
    a->length = node.length();
    a->null_count = node.null_count();
    if (a->length < 0 || a->length > kMaxLength) return fmt::format("column `{}`: length out of range", path);
    if (a->null_count < 0 || a->null_count > a->length)
      return fmt::format("column `{}`: null count out of range", path);
    const int64_t n = a->length;
    if (f.dictionary_encoded) {
      const int width = f.index_type.bit_width / 8;
      if (f.index_type.id != TypeId::kInt || (width != 1 && width != 2 && width != 4 && width != 8))
        return fmt::format("column `{}`: dictionary index type must be an 8, 16, 32 or 64-bit integer", path);
      if (std::string e = Validity(path, a); !e.empty()) return e;
      if (std::string e = Buffer(path, n * width, width, &a->values); !e.empty()) return e;
      const Array* dict = nullptr;
      for (const auto& [id, arr] : file_->dictionaries)
        if (id == f.dictionary_id) dict = arr.get();
      if (!dict) return fmt::format("column `{}`: its dictionary (id {}) is missing", path, f.dictionary_id);
      a->dictionary = dict;
      if (!check_values_) return {};
      return CheckIndices(path, *a, width, f.index_type.is_signed, dict->length);
    }
    switch (f.type.id) {
      case TypeId::kNull:
        a->null_count = n;
        return {};
      case TypeId::kBool:
        if (std::string e = Validity(path, a); !e.empty()) return e;
        return Buffer(path, (n + 7) / 8, 1, &a->values);
      case TypeId::kInt:
      case TypeId::kFloat:
      case TypeId::kDecimal:
      case TypeId::kDate:
      case TypeId::kTime:
      case TypeId::kTimestamp:
      case TypeId::kDuration: {
        int width = FixedWidth(f.type);
        if (width == 0) return fmt::format("column `{}`: unsupported {} width", path, f.type.ToString());
        if (std::string e = Validity(path, a); !e.empty()) return e;
        return Buffer(path, n * width, std::min(width, 8), &a->values);
      }
      case TypeId::kUtf8:
      case TypeId::kBinary:
      case TypeId::kLargeUtf8:
      case TypeId::kLargeBinary: {
        const bool large = f.type.id == TypeId::kLargeUtf8 || f.type.id == TypeId::kLargeBinary;
        if (std::string e = Validity(path, a); !e.empty()) return e;
        if (std::string e = Offsets(path, large, a); !e.empty()) return e;
        const auto* buffers = rb_->buffers();
        if (!buffers || next_buffer_ >= buffers->size())
          return fmt::format("column `{}`: the record batch has fewer buffers than the schema needs", path);
        const fb::Buffer b = Copy(buffers->Get(next_buffer_));
        if (std::string e = Buffer(path, 0, 1, &a->data); !e.empty()) return e;
        a->data_size = b.length();
        if (!check_values_) return {};
        return CheckOffsets(path, large, *a, a->data_size);
      }
      case TypeId::kList:
      case TypeId::kLargeList:
      case TypeId::kMap: {
        const bool large = f.type.id == TypeId::kLargeList;
        if (f.children.size() != 1) return fmt::format("column `{}`: a list needs exactly one child field", path);
        if (std::string e = Validity(path, a); !e.empty()) return e;
        if (std::string e = Offsets(path, large, a); !e.empty()) return e;
        a->children.resize(1);
        std::string child_path = path + "." + (f.children[0].name.empty() ? "item" : f.children[0].name);
        if (std::string e = Read(f.children[0], child_path, depth + 1, &a->children[0]); !e.empty()) return e;
        if (!check_values_) return {};
        return CheckOffsets(path, large, *a, a->children[0].length);
      }
      case TypeId::kStruct: {
        if (std::string e = Validity(path, a); !e.empty()) return e;
        a->children.resize(f.children.size());
        for (size_t i = 0; i < f.children.size(); ++i) {
          if (std::string e = Read(f.children[i], path + "." + f.children[i].name, depth + 1, &a->children[i]);
              !e.empty())
            return e;
          if (a->children[i].length < n)
            return fmt::format("column `{}`: a struct child is shorter than the struct", path);
        }
        return {};
      }
      default:
        return fmt::format("column `{}` has Arrow type {}, which Cohort cannot read", path, f.TypeString());
    }
  }

  /// Width in bytes of one value of a fixed-width type (0: unsupported).
  static int FixedWidth(const DataType& t) {
    switch (t.id) {
      case TypeId::kInt:
        return t.bit_width == 8 || t.bit_width == 16 || t.bit_width == 32 || t.bit_width == 64 ? t.bit_width / 8 : 0;
      case TypeId::kFloat: return t.precision == 0 ? 2 : t.precision == 1 ? 4 : t.precision == 2 ? 8 : 0;
      case TypeId::kDecimal: return t.bit_width == 128 || t.bit_width == 256 ? t.bit_width / 8 : 0;
      case TypeId::kDate: return t.unit == 0 ? 4 : t.unit == 1 ? 8 : 0;
      case TypeId::kTime: return t.bit_width == 32 || t.bit_width == 64 ? t.bit_width / 8 : 0;
      case TypeId::kTimestamp:
      case TypeId::kDuration: return t.unit >= 0 && t.unit <= 3 ? 8 : 0;
      default: return 0;
    }
  }

 private:
  /// The next buffer, which must hold at least `min_size` bytes; aligned to
  /// `align` (copied when the writer left it misaligned). Null when empty.
  std::string Buffer(const std::string& path, int64_t min_size, int align, const uint8_t** out) {
    const auto* buffers = rb_->buffers();
    if (!buffers || next_buffer_ >= buffers->size())
      return fmt::format("column `{}`: the record batch has fewer buffers than the schema needs", path);
    const fb::Buffer b = Copy(buffers->Get(next_buffer_++));
    const int64_t offset = b.offset();
    const int64_t length = b.length();
    if (offset < 0 || length < 0 || offset > body_length_ || length > body_length_ - offset)
      return fmt::format("column `{}`: a buffer lies outside its message body", path);
    if (length < min_size) return fmt::format("column `{}`: a buffer is shorter than the column needs", path);
    *out = nullptr;
    if (length == 0) return {};
    const uint8_t* p = body_ + offset;
    if (reinterpret_cast<uintptr_t>(p) % static_cast<uintptr_t>(align) != 0) {
      auto copy = std::make_unique<uint64_t[]>(static_cast<size_t>((length + 7) / 8));
      std::memcpy(copy.get(), p, static_cast<size_t>(length));
      p = reinterpret_cast<const uint8_t*>(copy.get());
      file_->copies.push_back(std::move(copy));
    }
    *out = p;
    return {};
  }

  /// The validity buffer: required when there are nulls, ignored otherwise.
  std::string Validity(const std::string& path, Array* a) {
    const uint8_t* v = nullptr;
    if (std::string e = Buffer(path, a->null_count > 0 ? (a->length + 7) / 8 : 0, 1, &v); !e.empty()) return e;
    a->validity = a->null_count > 0 ? v : nullptr;
    return {};
  }

  std::string Offsets(const std::string& path, bool large, Array* a) {
    const int width = large ? 8 : 4;
    const uint8_t* p = nullptr;
    if (std::string e = Buffer(path, a->length == 0 ? 0 : (a->length + 1) * width, width, &p); !e.empty()) return e;
    // Zero-length arrays may omit their offsets (or hold a single 0).
    static const int64_t kZero = 0;
    a->offsets = a->length > 0 ? static_cast<const void*>(p) : static_cast<const void*>(&kZero);
    return {};
  }

  /// Offsets must start at or after 0, never decrease, and end inside `limit`.
  static std::string CheckOffsets(const std::string& path, bool large, const Array& a, int64_t limit) {
    auto check = [&](auto* off) -> std::string {
      // A branch-free pass first (it vectorizes); the exact message after.
      bool bad = off[0] < 0 || static_cast<int64_t>(off[a.length]) > limit;
      for (int64_t i = 0; i < a.length; ++i) bad |= off[i + 1] < off[i];
      if (!bad) return {};
      if (off[0] < 0) return fmt::format("column `{}`: offsets out of range", path);
      for (int64_t i = 0; i < a.length; ++i)
        if (off[i + 1] < off[i]) return fmt::format("column `{}`: offsets decrease", path);
      if (static_cast<int64_t>(off[a.length]) > limit) return fmt::format("column `{}`: offsets out of range", path);
      return {};
    };
    if (large) return check(static_cast<const int64_t*>(a.offsets));
    return check(static_cast<const int32_t*>(a.offsets));
  }

  static std::string CheckIndices(const std::string& path, const Array& a, int width, bool is_signed, int64_t size) {
    auto check = [&](auto* idx) -> std::string {
      // A branch-free pass over every index, null rows' too (it vectorizes;
      // 32-bit compares where the index fits, which SSE2 has): when all are
      // in range, so are the valid ones. Only a file with an index out of
      // range (perhaps under a null) takes the exact loop below.
      using T = std::remove_cv_t<std::remove_pointer_t<decltype(idx)>>;
      bool bad = false;
      if constexpr (sizeof(T) <= 4) {
        if (size <= INT32_MAX) {
          const int32_t limit = static_cast<int32_t>(size);
          for (int64_t i = 0; i < a.length; ++i) {
            if constexpr (std::is_same_v<T, uint32_t>) {
              bad |= idx[i] >= static_cast<uint32_t>(limit);
            } else {
              const int32_t v = static_cast<int32_t>(idx[i]);  // NOLINT(bugprone-signed-char-misuse): int8 indices are signed
              bad |= (v < 0) | (v >= limit);
            }
          }
        } else {
          bad = true;  // the exact loop decides
        }
      } else {
        for (int64_t i = 0; i < a.length; ++i)
          bad |= static_cast<uint64_t>(static_cast<int64_t>(idx[i])) >= static_cast<uint64_t>(size);
      }
      if (!bad) return {};
      for (int64_t i = 0; i < a.length; ++i) {
        if (a.validity && !((a.validity[i >> 3] >> (i & 7)) & 1)) continue;
        auto v = idx[i];
        if (v < 0 || static_cast<uint64_t>(v) >= static_cast<uint64_t>(size))
          return fmt::format("column `{}`: dictionary index out of range", path);
      }
      return {};
    };
    const uint8_t* p = a.values;
    if (a.length == 0) return {};
    switch (width) {
      case 1: return is_signed ? check(reinterpret_cast<const int8_t*>(p)) : check(p);
      case 2:
        return is_signed ? check(reinterpret_cast<const int16_t*>(p)) : check(reinterpret_cast<const uint16_t*>(p));
      case 4:
        return is_signed ? check(reinterpret_cast<const int32_t*>(p)) : check(reinterpret_cast<const uint32_t*>(p));
      default:
        return is_signed ? check(reinterpret_cast<const int64_t*>(p)) : check(reinterpret_cast<const uint64_t*>(p));
    }
  }

  File* file_;
  const fb::RecordBatch* rb_;
  const uint8_t* body_;
  int64_t body_length_;
  bool check_values_ = true;
  flatbuffers::uoffset_t next_node_ = 0;
  flatbuffers::uoffset_t next_buffer_ = 0;
};

/// Locates and verifies the message of `block`; sets its body.
std::string ReadMessage(File* file, const uint8_t* data, size_t limit, const fb::Block* at, const char* what,
                        const fb::Message** message, const uint8_t** body, int64_t* body_length) {
  const fb::Block block = Copy(at);
  const int64_t offset = block.offset();
  const int64_t meta = block.metaDataLength();
  const int64_t len = block.bodyLength();
  const int64_t lim = static_cast<int64_t>(limit);
  if (offset < 8 || meta < 8 || len < 0 || offset > lim || meta > lim - offset || len > lim - offset - meta)
    return fmt::format("a {} block lies outside the file", what);
  const uint8_t* p = data + offset;
  int64_t prefix = 4;
  int64_t fb_size = Load<int32_t>(p);
  if (Load<uint32_t>(p) == kContinuation) {
    prefix = 8;
    fb_size = Load<int32_t>(p + 4);
  }
  if (fb_size <= 0 || fb_size > meta - prefix) return fmt::format("a {} message has an invalid length", what);
  const uint8_t* bytes = Aligned(file, p + prefix, static_cast<size_t>(fb_size));
  flatbuffers::Verifier verifier(bytes, static_cast<size_t>(fb_size), kMaxDepth * 2, 1000000);
  if (!verifier.VerifyBuffer<fb::Message>(nullptr)) return fmt::format("corrupt {} message (invalid flatbuffer)", what);
  *message = flatbuffers::GetRoot<fb::Message>(bytes);
  *body = p + meta;
  *body_length = len;
  return {};
}

/// Collects the dictionary-encoded fields (id -> value field) of a tree.
void CollectDictionaries(const Field& f, std::vector<std::pair<int64_t, const Field*>>* out) {
  if (f.dictionary_encoded) out->push_back({f.dictionary_id, &f});
  for (const Field& c : f.children) CollectDictionaries(c, out);
}

}  // namespace

std::string ReadArrowFile(const uint8_t* data, size_t size, File* out, const std::vector<std::string>* value_fields) {
  *out = File{};
  if (size < 6 + 2 + 4 + 6 || std::memcmp(data, kMagic, 6) != 0)
    return "not an Arrow IPC file (it does not start with `ARROW1`)";
  if (std::memcmp(data + size - 6, kMagic, 6) != 0)
    return "truncated Arrow IPC file (it does not end with `ARROW1`)";
  const int64_t footer_length = Load<int32_t>(data + size - 10);
  if (footer_length <= 0 || footer_length > static_cast<int64_t>(size) - 18) return "footer length out of range";
  const size_t footer_at = size - 10 - static_cast<size_t>(footer_length);
  const uint8_t* footer_bytes = Aligned(out, data + footer_at, static_cast<size_t>(footer_length));
  flatbuffers::Verifier verifier(footer_bytes, static_cast<size_t>(footer_length), kMaxDepth * 2, 1000000);
  if (!verifier.VerifyBuffer<fb::Footer>(nullptr)) return "corrupt footer (invalid flatbuffer)";
  const fb::Footer* footer = flatbuffers::GetRoot<fb::Footer>(footer_bytes);
  const fb::Schema* schema = footer->schema();
  if (!schema) return "the footer has no schema";
  if (schema->endianness() != fb::Endianness_Little) return "big-endian Arrow files are not supported";
  if (schema->fields()) {
    for (const fb::Field* f : *schema->fields()) {
      Field field;
      if (std::string e = ParseField(f, 0, &field); !e.empty()) return e;
      out->fields.push_back(std::move(field));
    }
  }
  if (auto* md = schema->custom_metadata()) {
    for (const fb::KeyValue* kv : *md) {
      if (!kv) continue;
      out->metadata.push_back({kv->key() ? kv->key()->str() : "", kv->value() ? kv->value()->str() : ""});
    }
  }

  std::vector<bool> check_values(out->fields.size(), true);
  if (value_fields)
    for (size_t i = 0; i < out->fields.size(); ++i)
      check_values[i] = std::find(value_fields->begin(), value_fields->end(), out->fields[i].name) != value_fields->end();
  std::vector<std::pair<int64_t, const Field*>> dict_fields;
  for (const Field& f : out->fields) CollectDictionaries(f, &dict_fields);
  if (auto* blocks = footer->dictionaries()) {
    for (const fb::Block* block : *blocks) {
      const fb::Message* m = nullptr;
      const uint8_t* body = nullptr;
      int64_t body_length = 0;
      if (std::string e = ReadMessage(out, data, footer_at, block, "dictionary", &m, &body, &body_length); !e.empty())
        return e;
      const fb::DictionaryBatch* db = m->header_as_DictionaryBatch();
      if (!db || !db->data()) return "a dictionary block does not hold a dictionary batch";
      if (db->data()->compression()) return "compressed Arrow files are not supported; write them uncompressed";
      if (db->isDelta()) return "delta dictionaries are not supported";
      const Field* value_field = nullptr;
      for (const auto& [id, f] : dict_fields)
        if (id == db->id()) value_field = f;
      if (!value_field) return fmt::format("a dictionary batch has id {}, which no field uses", db->id());
      for (const auto& d : out->dictionaries)
        if (d.first == db->id()) return fmt::format("dictionary {} appears twice (replacement is not supported)", db->id());
      Field plain = *value_field;
      plain.dictionary_encoded = false;
      auto arr = std::make_unique<Array>();
      BatchReader reader(out, db->data(), body, body_length);
      if (std::string e = reader.Read(plain, plain.name + " (dictionary)", 0, arr.get()); !e.empty()) return e;
      out->dictionaries.push_back({db->id(), std::move(arr)});
    }
  }
  if (auto* blocks = footer->recordBatches()) {
    for (const fb::Block* block : *blocks) {
      const fb::Message* m = nullptr;
      const uint8_t* body = nullptr;
      int64_t body_length = 0;
      if (std::string e = ReadMessage(out, data, footer_at, block, "record batch", &m, &body, &body_length); !e.empty())
        return e;
      const fb::RecordBatch* rb = m->header_as_RecordBatch();
      if (!rb) return "a record batch block does not hold a record batch";
      if (rb->compression()) return "compressed Arrow files are not supported; write them uncompressed";
      File::Batch batch;
      batch.length = rb->length();
      batch.body = body;
      batch.body_length = body_length;
      if (batch.length < 0 || batch.length > kMaxLength) return "record batch length out of range";
      BatchReader reader(out, rb, body, body_length);
      batch.columns.resize(out->fields.size());
      for (size_t i = 0; i < out->fields.size(); ++i) {
        reader.set_check_values(check_values[i]);
        if (std::string e = reader.Read(out->fields[i], out->fields[i].name, 0, &batch.columns[i]); !e.empty())
          return e;
        if (batch.columns[i].length != batch.length)
          return fmt::format("column `{}`: length differs from its record batch", out->fields[i].name);
      }
      out->batches.push_back(std::move(batch));
    }
  }
  return {};
}

// ---- Writing -------------------------------------------------------------------

namespace {

fb::MetadataVersion kVersion = fb::MetadataVersion_V5;

flatbuffers::Offset<void> BuildType(flatbuffers::FlatBufferBuilder& b, const DataType& t) {
  switch (t.id) {
    case TypeId::kInt: return fb::CreateInt(b, t.bit_width, t.is_signed).Union();
    case TypeId::kFloat: return fb::CreateFloatingPoint(b, static_cast<fb::Precision>(t.precision)).Union();
    case TypeId::kUtf8: return fb::CreateUtf8(b).Union();
    case TypeId::kBool: return fb::CreateBool(b).Union();
    case TypeId::kDate: return fb::CreateDate(b, static_cast<fb::DateUnit>(t.unit)).Union();
    case TypeId::kTimestamp:
      return fb::CreateTimestamp(b, static_cast<fb::TimeUnit>(t.unit), t.timezone.empty() ? 0 : b.CreateString(t.timezone))
          .Union();
    case TypeId::kList: return fb::CreateList(b).Union();
    case TypeId::kStruct: return fb::CreateStruct_(b).Union();
    default: return fb::CreateNull(b).Union();
  }
}

flatbuffers::Offset<fb::Field> BuildField(flatbuffers::FlatBufferBuilder& b, const Field& f) {
  std::vector<flatbuffers::Offset<fb::Field>> kids;
  for (const Field& c : f.children) kids.push_back(BuildField(b, c));
  auto name = b.CreateString(f.name);
  auto type = BuildType(b, f.type);
  flatbuffers::Offset<fb::DictionaryEncoding> dict = 0;
  if (f.dictionary_encoded) {
    auto index = fb::CreateInt(b, f.index_type.bit_width, f.index_type.is_signed);
    dict = fb::CreateDictionaryEncoding(b, f.dictionary_id, index, false);
  }
  return fb::CreateField(b, name, f.nullable, static_cast<fb::Type>(f.type.id), type, dict, b.CreateVector(kids));
}

flatbuffers::Offset<fb::Schema> BuildSchema(flatbuffers::FlatBufferBuilder& b, const std::vector<Field>& fields,
                                            const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::vector<flatbuffers::Offset<fb::Field>> fs;
  for (const Field& f : fields) fs.push_back(BuildField(b, f));
  std::vector<flatbuffers::Offset<fb::KeyValue>> kvs;
  for (const auto& [k, v] : metadata) kvs.push_back(fb::CreateKeyValue(b, b.CreateString(k), b.CreateString(v)));
  return fb::CreateSchema(b, fb::Endianness_Little, b.CreateVector(fs), kvs.empty() ? 0 : b.CreateVector(kvs));
}

void Pad8(std::string* s) { s->append((8 - s->size() % 8) % 8, '\0'); }

/// Lays out the body of `arrays` (pre-order) and the matching nodes/buffers.
void LayOut(const WriteArray& a, std::vector<fb::FieldNode>* nodes, std::vector<fb::Buffer>* buffers, std::string* body) {
  nodes->emplace_back(a.length, a.null_count);
  for (const auto& [ptr, size] : a.buffers) {
    buffers->emplace_back(static_cast<int64_t>(body->size()), static_cast<int64_t>(size));
    if (size) body->append(static_cast<const char*>(ptr), size);
    Pad8(body);
  }
  for (const WriteArray& c : a.children) LayOut(c, nodes, buffers, body);
}

/// An encapsulated message: continuation, length, flatbuffer padded to 8.
std::string Encapsulate(flatbuffers::FlatBufferBuilder& b) {
  std::string out(8, '\0');
  out.append(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  Pad8(&out);
  uint32_t cont = kContinuation;
  int32_t len = static_cast<int32_t>(out.size() - 8);
  std::memcpy(out.data(), &cont, 4);
  std::memcpy(out.data() + 4, &len, 4);
  return out;
}

/// Metadata + body of a record batch (or, with `dict_id` >= 0, a dictionary batch).
std::string BatchMessage(int64_t rows, const std::vector<WriteArray>& columns, int64_t dict_id, int32_t* meta_length,
                         int64_t* body_length) {
  std::vector<fb::FieldNode> nodes;
  std::vector<fb::Buffer> buffers;
  std::string body;
  for (const WriteArray& c : columns) LayOut(c, &nodes, &buffers, &body);
  flatbuffers::FlatBufferBuilder b;
  auto rb = fb::CreateRecordBatch(b, rows, b.CreateVectorOfStructs(nodes), b.CreateVectorOfStructs(buffers));
  flatbuffers::Offset<fb::Message> msg;
  if (dict_id >= 0) {
    auto db = fb::CreateDictionaryBatch(b, dict_id, rb, false);
    msg = fb::CreateMessage(b, kVersion, fb::MessageHeader_DictionaryBatch, db.Union(), static_cast<int64_t>(body.size()));
  } else {
    msg = fb::CreateMessage(b, kVersion, fb::MessageHeader_RecordBatch, rb.Union(), static_cast<int64_t>(body.size()));
  }
  b.Finish(msg);
  std::string out = Encapsulate(b);
  *meta_length = static_cast<int32_t>(out.size());
  *body_length = static_cast<int64_t>(body.size());
  out += body;
  return out;
}

bool WriteAll(int fd, const void* data, size_t n, const std::string& path, std::string* error) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      *error = fmt::format("cannot write `{}`: {}", path, std::strerror(errno));
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

FileWriter::~FileWriter() {
  if (body_fd_ >= 0) {
    ::close(body_fd_);
    ::unlink(body_path_.c_str());
  }
}

bool FileWriter::Open(const std::string& path, std::vector<Field> fields,
                      std::vector<std::pair<std::string, std::string>> metadata, std::string* error) {
  path_ = path;
  body_path_ = path + ".body";
  fields_ = std::move(fields);
  metadata_ = std::move(metadata);
  body_fd_ = ::open(body_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (body_fd_ < 0) {
    *error = fmt::format("cannot create `{}`: {}", body_path_, std::strerror(errno));
    return false;
  }
  return true;
}

bool FileWriter::WriteBatch(int64_t rows, const std::vector<WriteArray>& columns, std::string* error) {
  BlockInfo info{body_size_, 0, 0};
  std::string msg = BatchMessage(rows, columns, -1, &info.metadata_length, &info.body_length);
  if (!WriteAll(body_fd_, msg.data(), msg.size(), body_path_, error)) return false;
  body_size_ += static_cast<int64_t>(msg.size());
  batches_.push_back(info);
  return true;
}

bool FileWriter::Finish(const std::vector<std::pair<int64_t, WriteArray>>& dictionaries, std::string* error) {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = fmt::format("cannot create `{}`: {}", path_, std::strerror(errno));
    return false;
  }
  auto fail = [&] {
    ::close(fd);
    return false;
  };
  std::string head(kMagic, 6);
  head.append(2, '\0');
  {
    flatbuffers::FlatBufferBuilder b;
    auto schema = BuildSchema(b, fields_, metadata_);
    b.Finish(fb::CreateMessage(b, kVersion, fb::MessageHeader_Schema, schema.Union(), 0));
    head += Encapsulate(b);
  }
  std::vector<fb::Block> dict_blocks;
  for (const auto& [id, values] : dictionaries) {
    int32_t meta = 0;
    int64_t body = 0;
    const int64_t at = static_cast<int64_t>(head.size());
    head += BatchMessage(values.length, {values}, id, &meta, &body);
    dict_blocks.emplace_back(at, meta, body);
  }
  if (!WriteAll(fd, head.data(), head.size(), path_, error)) return fail();
  // The record batches, copied from the body file.
  const int64_t base = static_cast<int64_t>(head.size());
  std::vector<char> chunk(size_t{1} << 20);
  if (::lseek(body_fd_, 0, SEEK_SET) < 0) {
    *error = fmt::format("cannot read `{}`: {}", body_path_, std::strerror(errno));
    return fail();
  }
  for (;;) {
    ssize_t r = ::read(body_fd_, chunk.data(), chunk.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      *error = fmt::format("cannot read `{}`: {}", body_path_, std::strerror(errno));
      return fail();
    }
    if (r == 0) break;
    if (!WriteAll(fd, chunk.data(), static_cast<size_t>(r), path_, error)) return fail();
  }
  std::vector<fb::Block> batch_blocks;
  for (const BlockInfo& bi : batches_) batch_blocks.emplace_back(base + bi.offset, bi.metadata_length, bi.body_length);
  std::string tail;
  const uint32_t eos[2] = {kContinuation, 0};
  tail.append(reinterpret_cast<const char*>(eos), 8);
  flatbuffers::FlatBufferBuilder b;
  auto schema = BuildSchema(b, fields_, metadata_);
  b.Finish(fb::CreateFooter(b, kVersion, schema, b.CreateVectorOfStructs(dict_blocks),
                            b.CreateVectorOfStructs(batch_blocks)));
  tail.append(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  const int32_t footer_length = static_cast<int32_t>(b.GetSize());
  tail.append(reinterpret_cast<const char*>(&footer_length), 4);
  tail.append(kMagic, 6);
  if (!WriteAll(fd, tail.data(), tail.size(), path_, error)) return fail();
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = fmt::format("cannot flush `{}`: {}", path_, std::strerror(errno));
    return false;
  }
  ::close(body_fd_);
  ::unlink(body_path_.c_str());
  body_fd_ = -1;
  return true;
}

}  // namespace cohort::arrow
