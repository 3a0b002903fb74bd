// The list files of the CSV loader (events.csv): read in parallel chunks,
// grouped by owner key id, attached to each batch's records
// (docs/language.md §6). Errors name file, line and column, never a value.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <utility>

#include "core/parallel.h"
#include "runtime/load_csv.h"

namespace cohort::load {

void CsvRecordReader::ParseListChunk(CsvTokenizer& t, const ListData& list, const std::vector<std::string>& header,
                                     int parent_index, ListSlot* s) {
  // The chunk's columns are kept until the file is read: reserved for about
  // as many rows as this slot's previous chunk had, so they are not grown
  // by copying into ever larger fresh buffers.
  const int64_t expect = static_cast<int64_t>(s->parent_ids.size() + s->parent_ids.size() / 8);
  s->staging.clear();
  for (const FieldSpec& spec : list.fields) {
    ColumnData& c = s->staging.emplace_back(MakeStagingColumn(spec.kind));
    if (spec.projected) c.Reserve(expect);
  }
  s->code_caches.resize(list.fields.size());
  for (size_t f = 0; f < list.fields.size(); ++f)
    if (list.fields[f].projected && (list.fields[f].kind == TypeKind::kString || list.fields[f].kind == TypeKind::kStringSet))
      s->code_caches[f].Reset();  // the chunk's dictionaries are new
  s->parent_ids.clear();
  s->keys_full = false;
  s->errors.clear();
  const size_t width = header.size();
  const auto key_index = static_cast<size_t>(parent_index);
  // Rows are tokenized a grid at a time and converted column by column (as
  // the records, ConvertColumn); the grid's owner keys are interned while
  // they are at hand (dense keys: their number, DenseKeys).
  constexpr size_t kGridRows = 1024;
  CsvRecordBatch& grid = s->grid;
  for (auto st = CsvTokenizer::Status::kRecord; st == CsvTokenizer::Status::kRecord;) {
    st = t.NextRecords(&grid, width, kGridRows);
    // This chunk alone fills the report: only find its end. (A grid's
    // errors are all kept; sorted by line, the first kMaxErrors are those
    // of row-at-a-time conversion.)
    if (s->errors.size() >= kMaxErrors) continue;
    AddBadRecords(grid, header, &s->errors);
    const size_t rows = grid.rows();
    if (rows == 0) continue;
    const int64_t* lines = grid.lines().data();
    auto missing = [&](std::string_view key) { return key.empty() || key == s->parser.null_token; };
    // One cell of element field i, row r, through the field's cell parser.
    auto append_cell = [&](size_t i, size_t r, std::string_view cell) {
      const FieldSpec& spec = list.fields[i];
      if (!s->parser.Append(spec, cell, &s->staging[i], &s->message))
        s->errors.push_back({lines[r], spec.name, spec.header_index + 1, s->message});
    };
    // Owner keys first (a row without one is an error and is left out):
    // a dense key's id is its number, taken here; the others are hashed
    // together below. (After an error the rows are not used; their keys
    // are still interned, harmlessly.)
    const size_t first = s->parent_ids.size();
    size_t present = 0;
    s->keys.clear();
    s->key_rows.clear();
    for (size_t r = 0; r < rows; ++r) {
      const std::string_view parent = grid.field(r, key_index);
      if (missing(parent)) {
        s->errors.push_back({lines[r], header[key_index], parent_index + 1, "missing parent key"});
        continue;
      }
      uint32_t id = 0;
      if (!list_keys_.InternDense(parent, &id)) {
        s->keys.push_back(parent);
        s->key_rows.push_back(static_cast<uint32_t>(first + present));
      }
      s->parent_ids.push_back(id);
      ++present;
    }
    if (!s->keys.empty()) {
      s->hashed_ids.resize(s->keys.size());
      if (!list_keys_.InternAll(s->keys.data(), nullptr, nullptr, s->keys.size(), s->hashed_ids.data(), &s->scratch))
        s->keys_full = true;
      for (size_t k = 0; k < s->keys.size(); ++k) s->parent_ids[s->key_rows[k]] = s->hashed_ids[k];
    }
    if (present == rows) {
      for (size_t i = 0; i < list.fields.size(); ++i) {
        const FieldSpec& spec = list.fields[i];
        if (!spec.projected) continue;
        if (spec.header_index < 0) {  // `if present` field the header lacks: every cell empty
          for (size_t r = 0; r < rows; ++r) append_cell(i, r, "");
          continue;
        }
        const GridColumn g{grid, rows, static_cast<size_t>(spec.header_index), lines, spec, s->parser, &s->errors, &s->message};
        ConvertColumn(g, &s->staging[i], &s->cell_scratch, &s->code_caches[i]);
      }
      continue;
    }
    // Some rows lack their key: the others cell by cell, in row order.
    for (size_t r = 0; r < rows; ++r) {
      if (missing(grid.field(r, key_index))) continue;
      for (size_t i = 0; i < list.fields.size(); ++i) {
        const FieldSpec& spec = list.fields[i];
        if (!spec.projected) continue;
        append_cell(i, r, spec.header_index >= 0 ? grid.field(r, static_cast<size_t>(spec.header_index)) : "");
      }
    }
  }
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
    SetKind(&spec, f.type.kind, f.type.enum_def.get());
    spec.optional = f.optional;
    spec.may_be_absent = f.may_be_absent;
    spec.column = static_cast<ColumnId>(i);
    spec.projected = options_.ConvertsElement(list->column, i);
    if (!IsCellKind(spec.kind)) {
      AddError(list->path, 0, spec.name, 0,
               fmt::format("element fields of type `{}` cannot be read from CSV", f.type.ToString()));
      return false;
    }
    list->fields.push_back(std::move(spec));
    list->staging.push_back(MakeStagingColumn(f.type.kind));
  }
  std::error_code ec;
  if (def.synthetic || !std::filesystem::exists(list->path, ec)) {  // synthetic: filled by the run pipeline
    list->num_groups = 0;
    list->group_start.assign(1, 0);
    return true;  // no file: every list is empty
  }

  MappedFile file;
  if (!file.Open(list->path)) {
    AddError(list->path, 0, "", 0, file.error());
    return false;
  }
  std::vector<std::string> header;
  int parent_index = -1;
  size_t begin = 0;
  int64_t first_line = 1;
  if (!BindHeader(list->path, src->dialect, file, &header, &list->fields, &src->parent_column, &parent_index, &begin,
                  &first_line))
    return false;

  if (options_.projection && !list->projected) {
    // The program reads no field of this list (and `--validate all` is
    // off): its header is checked, its rows are neither tokenized nor
    // converted, and every record's list is empty (the column is absent).
    list->num_groups = 0;
    list->group_start.assign(1, 0);
    stats_.lists_not_read += 1;
    return true;
  }

  // Sized up front (growing rehashes every key and copies every row id):
  // about one owner per record, the rows as the file's lines.
  // Keys shaped like the first row's (a prefix and a number) take their
  // number as id (DenseKeys); numbers up to twice the records are dense.
  if (MappedFile records; records.Open((std::filesystem::path(dir) / schema_->records_file).string())) {
    const size_t expect = EstimateRows(records, BomLength(records.data(), records.size()));
    list_keys_.ConfigureDense(FirstCell(file, src->dialect, begin, parent_index), 2 * expect + 4096);
    list_keys_.Reserve(expect, options_.threads);
  }
  list->row_key.reserve(EstimateRows(file, begin) / 8 * 9);
  ChunkPipeline pipeline(file, src->dialect, begin, first_line, options_.threads, options_.chunk_bytes);
  std::vector<ListSlot> slots(pipeline.slots());
  for (ListSlot& s : slots) s.parser.null_token = src->dialect.null_token;
  auto parse = [&](CsvTokenizer& t, size_t slot) { ParseListChunk(t, *list, header, parent_index, &slots[slot]); };
  // Accepting a chunk only splices what its worker built (key ids and
  // staging columns, moved): it touches no state parsing reads, so it
  // overlaps the parse of the next chunks.
  auto accept = [&](size_t slot, int64_t line) {
    ListSlot& s = slots[slot];
    if (!AddChunkErrors(list->path, s.errors, line)) return false;
    if (!errors_.empty()) return true;  // keep scanning for more errors; the data is not used
    if (s.keys_full || list->row_key.size() + s.parent_ids.size() >= UINT32_MAX - 1) {
      AddError(list->path, line, "", 0, s.keys_full ? "too many distinct keys in list file" : "too many rows in list file");
      return false;
    }
    list->row_key.insert(list->row_key.end(), s.parent_ids.begin(), s.parent_ids.end());
    if (!s.parent_ids.empty()) {
      list->chunks.push_back(std::move(s.staging));
      list->chunk_lines.push_back(line);
    }
    s.staging.clear();
    return true;
  };
  while (pipeline.Round(parse, accept, /*accept_early=*/true)) file.Release(pipeline.position());
  if (!errors_.empty()) return false;
  stats_.list_rows += static_cast<int64_t>(list->row_key.size());
  return GroupList(list);
}

void GroupRows(std::vector<uint32_t>* keys, size_t groups, size_t threads, std::vector<uint32_t>* group_start) {
  // In place, so no more memory is touched: start[g + 1] first counts group
  // g's rows, then (summed) holds where g starts and serves as its fill
  // position, so once every row is placed it is where g ends: where g + 1
  // starts. Each of `parts` threads owns a range of key ids: it reads every
  // row's key but counts and places only the rows of its own keys, writing
  // only its range of start[]. A placed row's position is stored with the
  // top bit set (keys are below 2^31, positions too when parts > 1), so no
  // thread takes it for a key; the flags are cleared at the end.
  std::vector<uint32_t>& key = *keys;
  std::vector<uint32_t>& start = *group_start;
  const size_t n = key.size();
  start.assign(groups + 1, 0);
  constexpr uint32_t kPlaced = 1u << 31;
  const size_t parts = n >= (size_t{1} << 16) && n < kPlaced && groups < kPlaced ? std::max<size_t>(threads, 1) : 1;
  const uint32_t flag = parts > 1 ? kPlaced : 0;
  auto lo = [&](size_t p) { return static_cast<uint32_t>(groups * p / parts); };
  std::vector<size_t> base(parts + 1, 0);  // per part: rows of lower parts' keys
  ParallelFor(parts, [&](size_t p) {
    const uint32_t first = lo(p), span = lo(p + 1) - first;
    for (const uint32_t k : key)
      if (k - first < span) ++start[k + 1];
    size_t run = 0;
    for (size_t g = first; g < first + span; ++g) run += std::exchange(start[g + 1], static_cast<uint32_t>(run));
    base[p + 1] = run;
  });
  for (size_t p = 0; p < parts; ++p) base[p + 1] += base[p];
  ParallelFor(parts, [&](size_t p) {
    const uint32_t first = lo(p), span = lo(p + 1) - first;
    const auto b = static_cast<uint32_t>(base[p]);
    for (size_t g = first; g < first + span; ++g) start[g + 1] += b;
    for (uint32_t& slot : key) {
      std::atomic_ref<uint32_t> k(slot);  // other parts write other rows' slots meanwhile
      const uint32_t id = k.load(std::memory_order_relaxed);
      if (id - first < span) k.store(start[id + 1]++ | flag, std::memory_order_relaxed);
    }
  });
  if (flag == 0) return;
  ParallelFor(parts, [&](size_t p) {
    for (size_t r = n * p / parts; r < n * (p + 1) / parts; ++r) key[r] &= ~flag;
  });
}

namespace {

/// Column `f` of a list's chunks reordered by owner: row r of the
/// concatenation (chunk by chunk) goes to position `dest[r]`. Fixed-width
/// values and dictionary codes (mapped into one dictionary) are scattered
/// straight from the chunks, by row ranges on several threads when no chunk
/// has nulls (each position is written once, and the validity is all set up
/// front); other kinds (booleans, sets, strings that no longer fit a
/// dictionary) are concatenated, then reordered.
class FieldScatter {
 public:
  FieldScatter(std::vector<std::vector<ColumnData>>& chunks, size_t f, TypeKind kind, size_t n)
      : chunks_(chunks), f_(f), n_(n), out_(MakeStagingColumn(kind)) {
    const bool fixed = FixedWidth(kind) != 0;
    bool codes = kind == TypeKind::kString;
    maps_.resize(chunks.size());
    if (codes) {
      for (size_t c = 0; c < chunks.size() && codes; ++c) {
        const ColumnData& src = chunks[c][f];
        if (src.encoding != StringEncoding::kDictionary) {
          codes = false;
          break;
        }
        maps_[c].resize(static_cast<size_t>(src.dictionary.size()));
        for (int32_t k = 0; k < src.dictionary.size(); ++k) maps_[c][k] = out_.dictionary.Intern(src.dictionary.at(k));
        if (out_.dictionary.size() > kMaxDictionaryEntries) codes = false;
      }
    }
    direct_ = fixed || codes;
    if (!direct_) return;
    width_ = codes ? 4 : FixedWidth(kind);
    codes_ = codes;
    nulls_ = false;
    for (size_t c = 0; c < chunks.size(); ++c) nulls_ |= chunks[c][f].has_nulls;
    out_.values.resize(n * width_);
    out_.validity.assign((n + 7) / 8, nulls_ ? 0 : 0xFF);
    if (!nulls_ && n % 8 != 0) out_.validity.back() = static_cast<uint8_t>((1u << (n % 8)) - 1);
    out_.length = static_cast<int64_t>(n);
    // Where each chunk starts in the concatenation.
    first_.push_back(0);
    for (size_t c = 0; c < chunks.size(); ++c) first_.push_back(first_.back() + static_cast<size_t>(chunks[c][f].length));
  }
  /// How many row ranges the rows may be split into (1: one task only).
  size_t parts(size_t threads) const { return direct_ && !nulls_ ? std::max<size_t>(threads, 1) : 1; }
  /// Does part `part` of `parts`; false when the column is too large
  /// (`*bad_chunk`: the chunk where it overflowed).
  bool Run(const uint32_t* dest, size_t part, size_t parts, size_t* bad_chunk) {
    if (!direct_) return Concatenated(dest, bad_chunk);
    const size_t begin = n_ * part / parts, end = n_ * (part + 1) / parts;
    size_t c = static_cast<size_t>(std::upper_bound(first_.begin(), first_.end(), begin) - first_.begin()) - 1;
    uint8_t* to = out_.values.data();
    uint8_t* valid = out_.validity.data();
    for (size_t r = begin; r < end && c < chunks_.size(); ++c) {
      const ColumnData& src = chunks_[c][f_];
      const uint8_t* from = src.values.data();
      const uint8_t* src_valid = nulls_ && src.has_nulls ? src.validity.data() : nullptr;
      const size_t stop = std::min(end, first_[c + 1]);
      const int32_t* map = maps_[c].data();
      for (size_t k = r - first_[c]; r < stop; ++k, ++r) {
        const size_t d = dest[r];
        if (src_valid && !GetBit(src_valid, static_cast<int64_t>(k))) {
          out_.has_nulls = true;
          continue;  // a null's value bytes stay zero (code 0)
        }
        if (nulls_) valid[d >> 3] |= uint8_t(1u << (d & 7));
        if (codes_) {
          int32_t code;
          std::memcpy(&code, from + k * 4, 4);
          std::memcpy(to + d * 4, &map[code], 4);
        } else if (width_ == 8) {
          std::memcpy(to + d * 8, from + k * 8, 8);
        } else if (width_ == 4) {
          std::memcpy(to + d * 4, from + k * 4, 4);
        } else {
          to[d] = from[k];
        }
      }
    }
    return true;
  }
  /// The reordered column (once every part has run); releases the chunks' copies.
  ColumnData Take() {
    for (std::vector<ColumnData>& chunk : chunks_) chunk[f_] = ColumnData();
    return std::move(out_);
  }

 private:
  bool Concatenated(const uint32_t* dest, size_t* bad_chunk) {
    ColumnData all = MakeStagingColumn(out_.kind);
    for (size_t c = 0; c < chunks_.size(); ++c) {
      CodeMap map;
      CopyRange(chunks_[c][f_], 0, chunks_[c][f_].length, &all, &map);
      chunks_[c][f_] = ColumnData();
      if (StringBytes(all) > size_t{INT32_MAX} / 2) {
        *bad_chunk = c;
        return false;
      }
    }
    std::vector<uint32_t> order(n_);
    for (uint32_t r = 0; r < n_; ++r) order[dest[r]] = r;
    out_ = Gather(std::move(all), order.data(), n_);
    return true;
  }

  std::vector<std::vector<ColumnData>>& chunks_;
  size_t f_, n_;
  ColumnData out_;
  std::vector<std::vector<int32_t>> maps_;  ///< per chunk: its dictionary codes -> out_'s
  std::vector<size_t> first_;               ///< per chunk (+ end): its first row
  bool direct_ = false, codes_ = false, nulls_ = true;
  size_t width_ = 0;
};

}  // namespace

bool CsvRecordReader::GroupList(ListData* list) {
  // Group rows by owner key id (a counting sort): row r of the file goes to
  // position dest[r], so a record's rows are one contiguous range.
  const size_t n = list->row_key.size();
  list->num_groups = list_keys_.id_limit();
  const size_t threads = static_cast<size_t>(std::max(options_.threads, 1));
  GroupRows(&list->row_key, list->num_groups, threads, &list->group_start);
  std::vector<uint32_t> dest = std::move(list->row_key);
  list->row_key = {};
  // Columns are built independently, null-free fixed-width ones also by
  // row ranges: on up to `threads` threads.
  std::deque<FieldScatter> fields;
  std::vector<std::pair<size_t, size_t>> tasks;  // (field, part)
  std::vector<size_t> field_of;
  for (size_t f = 0; f < list->staging.size(); ++f) {
    if (!list->fields[f].projected) continue;
    fields.emplace_back(list->chunks, f, list->fields[f].kind, n);
    field_of.push_back(f);
    for (size_t p = 0; p < fields.back().parts(threads); ++p) tasks.emplace_back(fields.size() - 1, p);
  }
  std::atomic<size_t> next{0};
  std::vector<size_t> bad(list->staging.size(), SIZE_MAX);
  ParallelFor(std::min<size_t>(threads, tasks.size()), [&](size_t) {
    for (size_t t; (t = next.fetch_add(1)) < tasks.size();) {
      const auto [i, part] = tasks[t];
      fields[i].Run(dest.data(), part, fields[i].parts(threads), &bad[field_of[i]]);
    }
  });
  for (size_t i = 0; i < fields.size(); ++i) list->staging[field_of[i]] = fields[i].Take();
  list->chunks.clear();
  for (size_t f = 0; f < bad.size(); ++f) {
    if (bad[f] == SIZE_MAX) continue;
    const FieldSpec& spec = list->fields[f];
    AddError(list->path, list->chunk_lines[bad[f]], spec.name, spec.header_index + 1, "list file too large to load");
    return false;
  }
  return true;
}

void CsvRecordReader::AttachLists(RecordSlot* s) const {
  constexpr size_t kAhead = 8;
  size_t first = 0;  // the chunk row of the batch's first row
  for (Batch& b : s->batches) {
    const size_t n = static_cast<size_t>(b.num_rows());
    const uint32_t* ids = s->key_ids.data() + first;
    for (size_t l = 0; l < lists_.size(); ++l) {
      const ListData& list = lists_[l];
      if (!list.projected) continue;
      // Each record's group, looked up ahead (random reads), then its
      // elements copied with one exact reservation per child column.
      s->ranges.resize(n);
      int64_t total = 0;
      for (size_t r = 0; r < n; ++r) {
        if (r + kAhead < n && ids[r + kAhead] < list.num_groups) __builtin_prefetch(&list.group_start[ids[r + kAhead]]);
        const uint32_t id = ids[r];
        if (id < list.num_groups) s->ranges[r] = {list.group_start[id], list.group_start[id + 1]};
        else s->ranges[r] = {0, 0};  // no rows, or a key only records have (kRecordOnlyKey), or missing
        total += s->ranges[r].second - s->ranges[r].first;
      }
      ColumnData& col = b.column(list.column);
      std::vector<CodeMap>& maps = s->list_maps[l];
      for (CodeMap& m : maps) m.Reset();  // the batch's dictionaries are new
      for (size_t f = 0; f < list.staging.size(); ++f)
        if (list.fields[f].projected) col.children[f].Reserve(total);
      // Records whose groups are adjacent in staging form one run, copied
      // with one CopyRange per field: with records in key order and keys
      // numbered (DenseKeys), a whole batch is one run. Elsewhere groups are
      // random reads, so the start of a run is prefetched ahead.
      int64_t run_begin = 0, run_end = 0;
      auto flush = [&] {
        if (run_end > run_begin)
          for (size_t f = 0; f < list.staging.size(); ++f)
            if (list.fields[f].projected) CopyRange(list.staging[f], run_begin, run_end, &col.children[f], &maps[f]);
      };
      for (size_t r = 0; r < n; ++r) {
        const auto [begin, end] = s->ranges[r];
        if (r + kAhead < n) {
          const auto [ahead, ahead_end] = s->ranges[r + kAhead];
          if (ahead_end > ahead && ahead != s->ranges[r + kAhead - 1].second) {
            for (size_t f = 0; f < list.staging.size(); ++f) {
              const ColumnData& st = list.staging[f];
              const size_t w = st.encoding == StringEncoding::kDictionary ? 4 : FixedWidth(st.kind);
              if (w != 0 && list.fields[f].projected) __builtin_prefetch(st.values.data() + static_cast<size_t>(ahead) * w);
            }
          }
        }
        if (end > begin) {
          if (begin != run_end) {
            flush();
            run_begin = begin;
          }
          run_end = end;
        }
        col.AppendListEnd(col.offsets.back() + (end - begin));
      }
      flush();
    }
    first += n;
  }
}


}  // namespace cohort::load
