// The CSV data loader (docs/language.md §6). Files are parsed in chunks on
// LoadOptions::threads threads (runtime/csv_scan.h), results accepted in file
// order. List files (events.csv) are read first into compact columnar staging
// storage, stored grouped by parent key (runtime/load_lists.cpp); the records
// file (patients.csv) is then streamed batch by batch here, each record
// picking up its group. Cells are converted by runtime/load_cells.cpp, keys
// interned by runtime/load_keys.h. Error messages name file, line and column
// but never the offending cell's value: the data is protected health
// information.
#include "runtime/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/diagnostic.h"
#include "core/parallel.h"
#include "runtime/csv.h"
#include "runtime/csv_scan.h"
#include "runtime/load_csv.h"

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

namespace load {

/// About how many rows `file` has from byte `begin` on (line ends in the
/// first 64 KB, scaled): for sizing tables and arrays up front.
size_t EstimateRows(const MappedFile& file, size_t begin) {
  if (begin >= file.size()) return 0;
  const size_t sample = std::min<size_t>(file.size() - begin, size_t{64} << 10);
  const size_t lines = static_cast<size_t>(std::count(file.data() + begin, file.data() + begin + sample, '\n'));
  return lines == 0 ? 1 : (file.size() - begin) / (sample / lines);
}

/// Field `index` of the first record of `file` from byte `begin` on (empty
/// when there is none, or it does not tokenize): a sample key.
std::string FirstCell(const MappedFile& file, const CsvDialect& dialect, size_t begin, int index) {
  if (index < 0 || begin >= file.size()) return {};
  CsvTokenizer t(dialect);
  t.Reset(file.data(), file.size(), begin, file.size(), /*speculative=*/false, 0);
  if (t.Next() != CsvTokenizer::Status::kRecord || t.num_fields() <= static_cast<size_t>(index)) return {};
  return std::string(t.field(static_cast<size_t>(index)));
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


namespace {

std::string ClosestColumn(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best = ClosestMatch(name, candidates);
  if (!best.empty()) return best;
  size_t best_prefix = 0;
  for (const std::string& c : candidates) {
    const std::string& s = name.size() <= c.size() ? name : c;  // the shorter abbreviates the longer
    const std::string& l = name.size() <= c.size() ? c : name;
    size_t j = 0;
    for (size_t i = 0; i < l.size() && j < s.size(); ++i)
      if (l[i] == s[j]) ++j;
    if (j != s.size()) continue;
    size_t prefix = 0;
    while (prefix < s.size() && s[prefix] == l[prefix]) ++prefix;
    if (prefix >= 3 && prefix > best_prefix) {
      best_prefix = prefix;
      best = c;
    }
  }
  return best;
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

}  // namespace

bool CsvRecordReader::BindHeader(const std::string& path, const CsvDialect& dialect, const MappedFile& file,
                                 std::vector<std::string>* header, std::vector<FieldSpec>* specs,
                                 const std::string* parent, int* parent_index, size_t* data_begin,
                                 int64_t* data_line) {
  // The names the schema expects, in declaration order (the order of a file
  // without a header line).
  std::vector<std::string> expected;
  if (parent) expected.push_back(*parent);
  for (const FieldSpec& spec : *specs) expected.push_back(spec.name);
  const size_t bom = BomLength(file.data(), file.size());
  *data_begin = bom;
  *data_line = 1;
  if (dialect.header) {
    CsvTokenizer t(dialect);
    t.Reset(file.data(), file.size(), bom, file.size(), /*speculative=*/false, 0);
    auto st = t.Next();
    if (st == CsvTokenizer::Status::kError) {
      AddError(path, 1 + t.line(), "", static_cast<int64_t>(t.error_field()), t.error());
      return false;
    }
    if (st != CsvTokenizer::Status::kRecord) {
      AddError(path, 0, "", 0, "empty file; expected a header row naming the columns");
      return false;
    }
    header->clear();
    bool ok = true;
    for (size_t i = 0; i < t.num_fields(); ++i) {
      header->emplace_back(t.field(i));
      if (const char* bad = CheckText(t.field(i))) {
        // The name itself cannot be shown safely: locate it by position.
        AddError(path, 1 + t.line(), "", static_cast<int64_t>(i + 1), fmt::format("{} in a header name", bad));
        ok = false;
      }
    }
    if (!ok) return false;
    *data_begin = t.end();
    *data_line = 1 + t.lines();
  } else {
    *header = expected;
  }
  const std::vector<std::string>& h = *header;
  // Header columns no field reads: a typo, or a column the schema forgot.
  std::vector<std::string> unknown;
  for (size_t i = 0; i < h.size(); ++i) {
    if (std::find(expected.begin(), expected.end(), h[i]) != expected.end()) continue;
    unknown.push_back(h[i]);
    std::string closest = ClosestColumn(h[i], expected);
    std::string hint = closest.empty() ? std::string() : fmt::format("; did you mean `{}`?", closest);
    DataError e{path, 1, h[i], static_cast<int64_t>(i + 1),
                fmt::format("column is not in the schema{}", hint.empty() ? "; it is ignored" : hint)};
    if (options_.strict_data) {
      e.message += " (an error with --strict-data)";
      AddError(e.file, e.line, e.column, e.column_index, e.message);
    } else {
      warnings_.push_back(std::move(e));
    }
  }
  auto missing_hint = [&](const std::string& name) {
    std::string m = ClosestColumn(name, unknown);
    return m.empty() ? std::string() : fmt::format(" (did you mean the header's `{}`?)", m);
  };
  bool ok = errors_.empty();
  int second = -1;
  if (parent) {
    *parent_index = FindHeader(h, *parent, &second);
    if (*parent_index == -1) {
      AddError(path, 1, *parent, 0, "parent key column is missing from the header" + missing_hint(*parent));
      ok = false;
    } else if (*parent_index == -2) {
      AddError(path, 1, *parent, second + 1, "column appears more than once in the header");
      ok = false;
    }
  }
  const ColumnId key_col = parent ? kNoColumn : schema_->key_column();
  for (FieldSpec& spec : *specs) {
    spec.header_index = FindHeader(h, spec.name, &second);
    if (spec.header_index == -2) {
      AddError(path, 1, spec.name, second + 1, "column appears more than once in the header");
      ok = false;
    } else if (spec.header_index == -1 && !spec.may_be_absent) {
      // Even an optional field's column must be there: a misspelled header
      // would otherwise leave every value silently missing.
      std::string what = spec.column == key_col && !parent ? "key column is missing from the header"
                         : !spec.optional && spec.kind != TypeKind::kStringSet
                             ? "required column is missing from the header"
                             : "column is missing from the header; mark the field `if present` in the schema if "
                               "files may lack it";
      AddError(path, 1, spec.name, 0, what + missing_hint(spec.name));
      ok = false;
    }
  }
  return ok;
}

bool CsvRecordReader::AddChunkErrors(const std::string& path, std::vector<ChunkError>& errors, int64_t first_line) {
  // Stable: errors of one record keep their order (key first, then columns).
  std::stable_sort(errors.begin(), errors.end(), [](const ChunkError& a, const ChunkError& b) { return a.line < b.line; });
  for (ChunkError& e : errors)
    if (!AddError(path, first_line + e.line, std::move(e.column), e.column_index, std::move(e.message))) return false;
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
    list.projected = options_.Converts(id, schema.key_column());
    if (!LoadList(dir, def, &list)) return false;
    lists_.push_back(std::move(list));
  }

  records_path_ = (std::filesystem::path(dir) / schema.records_file).string();
  if (!records_file_.Open(records_path_)) {
    AddError(records_path_, 0, "", 0, records_file_.error());
    return false;
  }
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
    SetKind(&spec, def.type.kind, def.type.enum_def.get());
    spec.optional = def.optional && id != key_col;
    spec.may_be_absent = def.may_be_absent && id != key_col;
    spec.column = id;
    spec.projected = options_.Converts(id, key_col);
    if (!IsCellKind(spec.kind)) {
      AddError(records_path_, 0, spec.name, 0,
               fmt::format("fields of type `{}` cannot be read from CSV", def.type.ToString()));
      ok = false;
      continue;
    }
    fields_.push_back(std::move(spec));
  }
  if (!ok) return false;
  size_t begin = 0;
  int64_t first_line = 1;
  if (!BindHeader(records_path_, schema.records_dialect, records_file_, &header_, &fields_, nullptr, nullptr, &begin,
                  &first_line))
    return false;
  for (const FieldSpec& spec : fields_)
    if (spec.column == key_col) key_spec_ = spec;
  null_token_ = schema.records_dialect.null_token;
  // The key tables grow by rehashing every key: size the one for record
  // keys no list row names up front.
  {
    const size_t records = EstimateRows(records_file_, begin);
    size_t listed = 0;
    for (const ListData& list : lists_) listed = std::max(listed, list.num_groups);
    lists_named_ = listed > 0;
    record_keys_.ConfigureDense(FirstCell(records_file_, schema.records_dialect, begin, key_spec_.header_index),
                                2 * records + 4096);
    if (records > listed) record_keys_.Reserve(records - listed, options_.threads);
  }
  pipeline_ = std::make_unique<ChunkPipeline>(records_file_, schema.records_dialect, begin, first_line,
                                              options_.threads, options_.chunk_bytes);
  slots_ = std::vector<RecordSlot>(pipeline_->slots());
  for (RecordSlot& s : slots_) {
    s.parser.null_token = null_token_;
    for (const ListData& list : lists_) s.list_maps.emplace_back(list.staging.size());
  }
  return true;
}

void CsvRecordReader::ParseRecordChunk(CsvTokenizer& t, RecordSlot* s) {
  s->batches.clear();
  s->key_ids.clear();
  s->lines.clear();
  s->keys.clear();
  s->unescaped_keys.clear();
  s->hashes.clear();
  s->prefixes.clear();
  s->key_rows.clear();
  s->keys_full = false;
  s->errors.clear();
  s->rows = 0;
  const size_t width = header_.size();
  const size_t key_index = static_cast<size_t>(key_spec_.header_index);
  // Records are tokenized a grid at a time (rows small enough that a grid
  // stays in cache) and converted column by column.
  constexpr size_t kGridRows = 1024;
  CsvRecordBatch& grid = s->grid;
  // Keys are hashed here (next to their bytes) when a list's key table is
  // searched or record keys are not numbered; numbered keys no list names
  // go straight to their ids.
  const bool hash_keys = lists_named_ || !record_keys_.dense_configured();
  Batch* out = nullptr;
  for (auto st = CsvTokenizer::Status::kRecord; st == CsvTokenizer::Status::kRecord;) {
    const int64_t room = out && out->num_rows() < max_rows_ ? max_rows_ - out->num_rows() : max_rows_;
    const size_t want = std::min(kGridRows, static_cast<size_t>(room));
    st = t.NextRecords(&grid, width, want);
    // This chunk alone fills the report: only find its end. (A grid's
    // errors are all kept; sorted by line, the first kMaxErrors are those
    // of record-at-a-time conversion.)
    if (s->errors.size() >= kMaxErrors) continue;
    AddBadRecords(grid, header_, &s->errors);
    const size_t rows = grid.rows();
    if (rows == 0) continue;
    if (out == nullptr || out->num_rows() >= max_rows_) {
      out = &s->batches.emplace_back(*schema_);
      for (const FieldSpec& spec : fields_) out->column(spec.column).absent = !spec.projected;
      for (const ListData& list : lists_) {
        ColumnData& col = out->column(list.column);
        col.absent = !list.projected;
        for (size_t f = 0; f < list.fields.size() && f < col.children.size(); ++f)
          col.children[f].absent = !list.fields[f].projected;
      }
      for (size_t i = 0; i < out->num_columns(); ++i)
        if (!out->absent(static_cast<ColumnId>(i)))
          out->column(static_cast<ColumnId>(i)).Reserve(std::min(max_rows_, kMaxReserveRows));
      s->code_caches.resize(fields_.size());
      for (size_t f = 0; f < fields_.size(); ++f)
        if (fields_[f].projected && (fields_[f].kind == TypeKind::kString || fields_[f].kind == TypeKind::kStringSet))
          s->code_caches[f].Reset();  // the batch's dictionaries are new
    }
    // The key first: duplicates and list groups depend on it. Its id is
    // looked up once the chunk is read (AttachLists); whether it is a
    // duplicate is decided in file order when the chunk is accepted.
    const size_t first_row = s->lines.size();
    const int64_t* lines = grid.lines().data();
    const auto file_begin = reinterpret_cast<uintptr_t>(records_file_.data());
    const uintptr_t file_size = records_file_.size();
    s->lines.insert(s->lines.end(), grid.lines().begin(), grid.lines().end());
    bool missing_key = false;
    for (size_t r = 0; r < rows; ++r) {
      std::string_view key = grid.field(r, key_index);
      if (key.empty() || key == s->parser.null_token) {
        s->errors.push_back({lines[r], key_spec_.name, key_spec_.header_index + 1, "missing record key"});
        missing_key = true;
        continue;
      }
      if (reinterpret_cast<uintptr_t>(key.data()) - file_begin >= file_size) key = s->unescaped_keys.emplace_back(key);
      s->keys.push_back(key);
      if (hash_keys) {
        s->hashes.push_back(HashBytes(key));
        s->prefixes.push_back(KeyTable::Prefix(key));
      }
      s->key_rows.push_back(static_cast<uint32_t>(first_row + r));
    }
    for (size_t f = 0; f < fields_.size(); ++f) {
      const FieldSpec& spec = fields_[f];
      if (!spec.projected) continue;
      ColumnData& col = out->column(spec.column);
      if (spec.header_index < 0) {  // `if present` column the header lacks: every cell empty
        for (size_t r = 0; r < rows; ++r)
          if (!s->parser.Append(spec, "", &col, &s->message))
            s->errors.push_back({lines[r], spec.name, spec.header_index + 1, s->message});
        continue;
      }
      const GridColumn g{grid, rows, static_cast<size_t>(spec.header_index), lines, spec, s->parser, &s->errors, &s->message};
      if (spec.column == key_spec_.column && missing_key) {
        for (size_t r = 0; r < rows; ++r) {
          const std::string_view key = g.cell(r);
          if (key.empty() || key == s->parser.null_token) col.AppendNull();  // already reported
          else if (!s->parser.Append(spec, key, &col, &s->message))
            s->errors.push_back({lines[r], spec.name, spec.header_index + 1, s->message});
        }
        continue;
      }
      ConvertColumn(g, &col, &s->cell_scratch, &s->code_caches[f]);
    }
    out->set_num_rows(out->num_rows() + static_cast<int64_t>(rows));
    s->rows += static_cast<int64_t>(rows);
  }
  // Key ids: of the keys list rows named (the list key table is read-only
  // by now), else interned into record_keys_.
  s->key_ids.assign(s->lines.size(), UINT32_MAX);
  if (!lists_named_) {  // no list row names a key: every key is a record-only key
    s->new_ids.resize(s->keys.size());
    s->keys_full = !record_keys_.InternAll(s->keys.data(), hash_keys ? s->hashes.data() : nullptr,
                                           hash_keys ? s->prefixes.data() : nullptr, s->keys.size(),
                                           s->new_ids.data(), &s->scratch);
    for (size_t k = 0; k < s->key_rows.size(); ++k) s->key_ids[s->key_rows[k]] = s->new_ids[k] | kRecordOnlyKey;
    AttachLists(s);
    return;
  }
  s->found.resize(s->keys.size());
  list_keys_.FindAll(s->keys.data(), s->hashes.data(), s->prefixes.data(), s->keys.size(), s->found.data());
  s->new_keys.clear();
  s->new_hashes.clear();
  s->new_prefixes.clear();
  s->new_rows.clear();
  for (size_t k = 0; k < s->keys.size(); ++k) {
    if (s->found[k] != UINT32_MAX) {
      s->key_ids[s->key_rows[k]] = s->found[k];
      continue;
    }
    s->new_keys.push_back(s->keys[k]);
    s->new_hashes.push_back(s->hashes[k]);
    s->new_prefixes.push_back(s->prefixes[k]);
    s->new_rows.push_back(s->key_rows[k]);
  }
  s->new_ids.resize(s->new_keys.size());
  s->keys_full = !record_keys_.InternAll(s->new_keys.data(), s->new_hashes.data(), s->new_prefixes.data(),
                                         s->new_keys.size(), s->new_ids.data(), &s->scratch);
  for (size_t k = 0; k < s->new_rows.size(); ++k) s->key_ids[s->new_rows[k]] = s->new_ids[k] | kRecordOnlyKey;
  AttachLists(s);
}


bool CsvRecordReader::AcceptRecordChunk(RecordSlot* s, int64_t first_line) {
  if (s->keys_full) {
    AddError(records_path_, first_line, key_spec_.name, key_spec_.header_index + 1, "too many distinct record keys");
    return false;
  }
  // Duplicate keys, in file order (the workers interned every key). The
  // flags are sized up front and read a few rows ahead: ids are random.
  for (uint32_t id : s->key_ids) {
    if (id == UINT32_MAX) continue;  // missing: already reported
    std::vector<uint8_t>& seen = id & kRecordOnlyKey ? seen_record_ : seen_;
    id &= ~kRecordOnlyKey;
    if (id >= seen.size()) seen.resize(std::max<size_t>(id + 1, seen.size() * 2), 0);
  }
  constexpr size_t kAhead = 16;
  for (size_t r = 0; r < s->key_ids.size(); ++r) {
    if (r + kAhead < s->key_ids.size() && s->key_ids[r + kAhead] != UINT32_MAX) {
      const uint32_t ahead = s->key_ids[r + kAhead];
      const std::vector<uint8_t>& seen = ahead & kRecordOnlyKey ? seen_record_ : seen_;
      __builtin_prefetch(seen.data() + (ahead & ~kRecordOnlyKey));
    }
    uint32_t id = s->key_ids[r];
    if (id == UINT32_MAX) continue;  // missing: already reported
    std::vector<uint8_t>& seen = id & kRecordOnlyKey ? seen_record_ : seen_;
    id &= ~kRecordOnlyKey;
    if (seen[id]) {
      s->errors.push_back({s->lines[r], key_spec_.name, key_spec_.header_index + 1,
                           "duplicate record key; each record's key must be unique"});
    }
    seen[id] = 1;
  }
  // A record's key error comes before its cell errors: sort keeps the order
  // of equal lines, so put key errors first among equals.
  std::stable_sort(s->errors.begin(), s->errors.end(), [&](const ChunkError& a, const ChunkError& b) {
    if (a.line != b.line) return a.line < b.line;
    return a.column_index == key_spec_.header_index + 1 && b.column_index != key_spec_.header_index + 1;
  });
  if (!AddChunkErrors(records_path_, s->errors, first_line)) return false;
  if (!errors_.empty()) return true;  // keep scanning for more errors; no batch is handed out
  for (Batch& b : s->batches) ready_.push_back(std::move(b));
  s->batches.clear();
  stats_.records += s->rows;
  return true;
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
  if (max_rows_ == 0) max_rows_ = max_rows;
  auto parse = [&](CsvTokenizer& t, size_t slot) { ParseRecordChunk(t, &slots_[slot]); };
  auto accept = [&](size_t slot, int64_t line) { return AcceptRecordChunk(&slots_[slot], line); };
  // After an error keep reading (up to kMaxErrors are reported at once), but
  // hand out nothing. Chunk 0 is accepted while the workers still parse
  // (accepting writes seen_, errors_ and ready_, which parsing never reads).
  while ((ready_.empty() || !errors_.empty()) && !pipeline_->done() && !full()) {
    pipeline_->Round(parse, accept, /*accept_early=*/true);
    records_file_.Release(pipeline_->position());
  }
  if (!errors_.empty()) {
    done_ = true;
    ready_.clear();
    return false;
  }
  if (ready_.empty()) {
    Finish();
    return false;
  }
  *out = std::move(ready_.front());
  ready_.pop_front();
  return out->num_rows() > 0;
}


}  // namespace load


std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               const LoadOptions& options, std::vector<DataError>* errors,
                                               std::vector<DataError>* warnings) {
  auto reader = std::make_unique<load::CsvRecordReader>(std::move(schema), options);
  const bool ok = reader->Open(dir);
  if (warnings) *warnings = reader->warnings();
  if (!ok) {
    if (errors) *errors = reader->errors();
    return nullptr;
  }
  return reader;
}

std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               std::vector<DataError>* errors) {
  return OpenRecordReader(std::move(schema), dir, LoadOptions{}, errors);
}

}  // namespace cohort

