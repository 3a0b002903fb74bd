// Columnar batches in Arrow layout: appends and the C view kernels read.
#include "runtime/batch.h"

#include <cstring>

#include "core/hash.h"

namespace cohort {

namespace {

/// Appends one bit to a bitmap whose logical length is `length` before the call.
inline void PushBit(std::vector<uint8_t>& bits, int64_t length, bool v) {
  if ((length & 7) == 0) bits.push_back(0);
  if (v) bits.back() |= uint8_t(1u << (length & 7));
}

template <typename T>
inline void PushValue(std::vector<uint8_t>& values, T v) {
  size_t at = values.size();
  values.resize(at + sizeof(T));
  std::memcpy(values.data() + at, &v, sizeof(T));
}

/// Width in bytes of a fixed-width value of `kind` (0 for bitmaps and variable width).
size_t ValueWidth(TypeKind kind) {
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kTimestamp: return sizeof(int64_t);
    case TypeKind::kDecimal: return sizeof(double);
    case TypeKind::kDate: return sizeof(int32_t);
    case TypeKind::kEnum: return sizeof(uint8_t);
    default: return 0;
  }
}

/// An empty column (with children) for a field of type `type`; strings (and
/// set elements, list record fields) dictionary-encoded unless `plain`.
ColumnData MakeColumn(const Type& type, bool plain) {
  ColumnData c;
  c.kind = type.kind;
  if (type.kind == TypeKind::kString && !plain) c.UseDictionary();
  if (type.kind == TypeKind::kStringSet) {
    ColumnData child;
    child.kind = TypeKind::kString;
    child.UseDictionary();
    c.children.push_back(std::move(child));
  } else if ((type.kind == TypeKind::kList || type.kind == TypeKind::kRecord) && type.record_def) {
    for (const FieldDef& f : type.record_def->fields) c.children.push_back(MakeColumn(f.type, false));
  }
  return c;
}

}  // namespace

size_t StringDictionary::Probe(std::string_view s, uint32_t h) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const int32_t c = slots_[i] - 1;
    if (c < 0) return i;
    if (hashes_[static_cast<size_t>(c)] == h && EqualBytes(at(c), s)) return i;
  }
}

void StringDictionary::Grow() {
  const size_t n = slots_.empty() ? 64 : slots_.size() * 2;
  slots_.assign(n, 0);
  const size_t mask = n - 1;
  for (size_t c = 0; c < hashes_.size(); ++c) {
    size_t i = hashes_[c] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<int32_t>(c) + 1;
  }
}

int32_t StringDictionary::Intern(std::string_view s) {
  if (last_ >= 0 && EqualBytes(at(last_), s)) return last_;
  if ((hashes_.size() + 1) * 4 > slots_.size() * 3) Grow();  // load factor <= 3/4
  const auto h = static_cast<uint32_t>(HashBytes(s));
  const size_t i = Probe(s, h);
  if (slots_[i] != 0) return last_ = slots_[i] - 1;
  const int32_t code = size();
  data.insert(data.end(), s.begin(), s.end());
  offsets.push_back(static_cast<int32_t>(data.size()));
  hashes_.push_back(h);
  slots_[i] = code + 1;
  return last_ = code;
}

int32_t StringDictionary::Find(std::string_view s) const {
  if (slots_.empty()) return -1;
  const int32_t c = slots_[Probe(s, static_cast<uint32_t>(HashBytes(s)))];
  return c - 1;
}

void StringDictionary::Clear() {
  offsets.assign(1, 0);
  data.clear();
  slots_.clear();
  hashes_.clear();
  last_ = -1;
}

void ColumnData::UseDictionary() {
  if (kind != TypeKind::kString || length != 0) return;
  encoding = StringEncoding::kDictionary;
}

void ColumnData::MakePlain() {
  if (encoding != StringEncoding::kDictionary) return;
  offsets.assign(1, 0);
  data.clear();
  offsets.reserve(static_cast<size_t>(length) + 1);
  for (int64_t i = 0; i < length; ++i) {
    int32_t code;
    std::memcpy(&code, values.data() + i * 4, 4);
    std::string_view s = (validity.empty() || GetBit(validity.data(), i)) ? dictionary.at(code) : std::string_view();
    data.insert(data.end(), s.begin(), s.end());
    offsets.push_back(static_cast<int32_t>(data.size()));
  }
  values.clear();
  values.shrink_to_fit();
  dictionary.Clear();
  encoding = StringEncoding::kPlain;
}

std::string_view ColumnData::StringAt(int64_t i) const {
  if (encoding == StringEncoding::kDictionary) {
    int32_t code;
    std::memcpy(&code, values.data() + i * 4, 4);
    return dictionary.at(code);
  }
  return {reinterpret_cast<const char*>(data.data()) + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i])};
}

void ColumnData::Clear() {
  length = 0;
  has_nulls = false;
  validity.clear();
  values.clear();
  offsets.assign(1, 0);
  data.clear();
  dictionary.Clear();
  for (ColumnData& child : children) child.Clear();
}

void ColumnData::AppendNull() {
  PushBit(validity, length, false);
  has_nulls = true;
  if (encoding == StringEncoding::kDictionary) {
    PushValue(values, int32_t{0});
    ++length;
    return;
  }
  switch (kind) {
    case TypeKind::kBool: PushBit(values, length, false); break;
    case TypeKind::kString:
    case TypeKind::kStringSet:
    case TypeKind::kList: offsets.push_back(offsets.back()); break;
    default: {
      size_t w = ValueWidth(kind);
      values.resize(values.size() + w, 0);
      break;
    }
  }
  ++length;
}

void ColumnData::AppendBool(bool v) {
  PushBit(validity, length, true);
  PushBit(values, length, v);
  ++length;
}

void ColumnData::AppendInt(int64_t v) {
  PushBit(validity, length, true);
  PushValue(values, v);
  ++length;
}

void ColumnData::AppendDecimal(double v) {
  PushBit(validity, length, true);
  PushValue(values, v);
  ++length;
}

void ColumnData::AppendDate(int32_t v) {
  PushBit(validity, length, true);
  PushValue(values, v);
  ++length;
}

void ColumnData::AppendEnum(uint8_t code) {
  PushBit(validity, length, true);
  values.push_back(code);
  ++length;
}

void ColumnData::AppendString(std::string_view s) {
  if (encoding == StringEncoding::kDictionary) {
    if (dictionary.size() < kMaxDictionaryEntries || dictionary.Find(s) >= 0) {
      AppendCode(dictionary.Intern(s));
      return;
    }
    MakePlain();  // high cardinality: plain from now on
  }
  PushBit(validity, length, true);
  if (!s.empty()) {
    size_t at = data.size();
    data.resize(at + s.size());
    std::memcpy(data.data() + at, s.data(), s.size());
  }
  offsets.push_back(static_cast<int32_t>(data.size()));
  ++length;
}

void ColumnData::AppendCode(int32_t code) {
  PushBit(validity, length, true);
  PushValue(values, code);
  ++length;
}

void ColumnData::AppendListEnd(int64_t child_length) {
  PushBit(validity, length, true);
  offsets.push_back(static_cast<int32_t>(child_length));
  ++length;
}

void ColumnData::Reserve(int64_t rows) {
  if (rows <= 0) return;
  size_t n = static_cast<size_t>(rows);
  validity.reserve((n + 7) / 8);
  switch (kind) {
    case TypeKind::kBool: values.reserve((n + 7) / 8); break;
    case TypeKind::kString:
      if (encoding == StringEncoding::kDictionary) values.reserve(n * sizeof(int32_t));
      else offsets.reserve(n + 1), data.reserve(n * 8);
      break;
    case TypeKind::kStringSet:
    case TypeKind::kList: offsets.reserve(n + 1); break;
    default: values.reserve(n * ValueWidth(kind)); break;
  }
}

Batch::Batch(const Schema& schema) {
  columns_.reserve(schema.columns.size());
  for (const ColumnDef& def : schema.columns) columns_.push_back(MakeColumn(def.type, def.path == schema.key_field));
}

namespace {

/// Fills `out` for `c`; children views go into `store` (one vector per column
/// that has children; moving the outer vector keeps inner buffers in place).
void FillView(const ColumnData& c, CohortColumn* out, std::vector<std::vector<CohortColumn>>* store) {
  if (c.absent) {
    *out = CohortColumn{};  // not loaded (column projection): no buffers, length 0
    return;
  }
  out->validity = c.has_nulls ? c.validity.data() : nullptr;
  out->values = c.values.empty() ? nullptr : c.values.data();
  const bool dict = c.encoding == StringEncoding::kDictionary;
  bool has_offsets = c.kind == TypeKind::kString || c.kind == TypeKind::kStringSet || c.kind == TypeKind::kList;
  out->offsets = has_offsets && !dict ? c.offsets.data() : nullptr;
  out->data = dict ? nullptr : c.data.data();
  out->length = c.length;
  out->num_children = static_cast<uint32_t>(c.children.size());
  out->children = nullptr;
  out->dictionary = nullptr;
  if (dict) {
    // An empty column still gets a (possibly empty) dictionary, so kernels
    // can rely on dictionary != NULL meaning "codes".
    CohortColumn d{};
    d.offsets = c.dictionary.offsets.data();
    d.data = c.dictionary.data.data();
    d.length = c.dictionary.size();
    store->push_back({d});
    out->dictionary = store->back().data();
  }
  if (c.children.empty()) return;
  std::vector<CohortColumn> kids(c.children.size());
  for (size_t i = 0; i < c.children.size(); ++i) FillView(c.children[i], &kids[i], store);
  store->push_back(std::move(kids));
  out->children = store->back().data();
}

}  // namespace

const CohortBatchView& Batch::View() {
  views_.assign(columns_.size(), CohortColumn{});
  child_views_.clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i < external_set_.size() && external_set_[i]) views_[i] = external_[i];
    else FillView(columns_[i], &views_[i], &child_views_);
  }
  view_.num_rows = num_rows_;
  view_.columns = views_.data();
  view_.num_columns = static_cast<uint32_t>(columns_.size());
  return view_;
}

void Batch::SetExternal(ColumnId id, const CohortColumn& view) {
  if (id >= columns_.size()) return;
  external_.resize(columns_.size());
  external_set_.resize(columns_.size(), 0);
  external_[id] = view;
  external_set_[id] = 1;
}

}  // namespace cohort
