// The CSV record reader's shared state (runtime/loader.cpp: the header,
// the records file and the batches; runtime/load_lists.cpp: the list files).
// Internal to the loader's files.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/csv.h"
#include "runtime/csv_scan.h"
#include "runtime/load_cells.h"
#include "runtime/load_columns.h"
#include "runtime/load_keys.h"
#include "runtime/loader.h"

namespace cohort::load {

constexpr size_t kMaxErrors = 20;
constexpr int64_t kMaxReserveRows = 1 << 16;

/// About how many rows `file` has from byte `begin` on (line ends in the
/// first 64 KB, scaled): for sizing tables and arrays up front.
size_t EstimateRows(const MappedFile& file, size_t begin);

/// Field `index` of the first record of `file` from byte `begin` on (empty
/// when there is none, or it does not tokenize): a sample key.
std::string FirstCell(const MappedFile& file, const CsvDialect& dialect, size_t begin, int index);

/// Groups rows by key id (a counting sort, on up to `threads` threads):
/// `keys` (per row, each below `groups`) become each row's position, so the
/// rows of key g take positions [group_start[g], group_start[g + 1]) in
/// file order.
void GroupRows(std::vector<uint32_t>* keys, size_t groups, size_t threads, std::vector<uint32_t>* group_start);

/// Is this kind readable from one CSV cell?
bool IsCellKind(TypeKind k);

/// Rows of one list field, stored column-wise grouped by owner key id: the
/// rows of key id `g` are [group_start[g], group_start[g + 1]) of every
/// staging column, so attaching them to a record is one sequential copy.
struct ListData {
  ColumnId column = kNoColumn;
  std::string path;                     ///< file as opened
  std::vector<FieldSpec> fields;        ///< element fields, in RecordDef order
  std::vector<ColumnData> staging;      ///< one per element field (grouped once the file is read)
  /// While loading: each accepted chunk's staging columns (the workers'
  /// storage, moved, not copied) and the 1-based line it starts at.
  std::vector<std::vector<ColumnData>> chunks;
  std::vector<int64_t> chunk_lines;
  std::vector<uint32_t> row_key;        ///< owner key id per row (file order, while loading)
  std::vector<uint32_t> group_start;    ///< per key id: first row of its group
  size_t num_groups = 0;                ///< key ids below this may own rows
  bool projected = true;                ///< the program reads the list column (else it is absent from batches)
};

/// What a worker produced from one chunk of a list file: its rows' values
/// and their owners' key ids (interned by the worker).
struct ListSlot {
  std::vector<ColumnData> staging;
  std::vector<uint32_t> parent_ids;       ///< key id of each row's owner
  bool keys_full = false;                 ///< the key table had no room (an error on accept)
  InternScratch scratch;
  std::vector<ChunkError> errors;
  CellParser parser;
  std::string message;
  CsvRecordBatch grid;                    ///< the rows being converted
  std::vector<std::string_view> keys;     ///< the grid's owner keys that are not dense (views into the grid)
  std::vector<uint32_t> key_rows;         ///< their rows (parent_ids indices)
  std::vector<uint32_t> hashed_ids;       ///< their ids
  ColumnData cell_scratch;                ///< a cell the fast converters leave to the cell parser
  std::vector<ShortCodeCache> code_caches;  ///< per element field: codes in the chunk's dictionaries
};

/// Record key ids: ids of keys a list file named (lists_keys_), or, with
/// this bit set, ids of keys only records have (record_keys_).
constexpr uint32_t kRecordOnlyKey = 1u << 31;

/// What a worker produced from one chunk of the records file.
struct RecordSlot {
  std::vector<Batch> batches;
  std::vector<uint32_t> key_ids;        ///< per row: its key id (UINT32_MAX: the key is missing)
  std::vector<int64_t> lines;           ///< per row: line relative to the chunk
  // The present keys (views into the file, or into unescaped_keys), their
  // hashes, KeyTable prefixes and rows; then those no list names, and their ids.
  std::vector<std::string_view> keys;
  /// Keys whose quotes were unescaped: the grid's scratch they were read
  /// from is reused by the next grid, so they are copied (deque: stable).
  std::deque<std::string> unescaped_keys;
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> prefixes;
  std::vector<uint32_t> key_rows;
  std::vector<uint32_t> found;
  std::vector<std::string_view> new_keys;
  std::vector<uint64_t> new_hashes;
  std::vector<uint64_t> new_prefixes;
  std::vector<uint32_t> new_rows;
  std::vector<uint32_t> new_ids;
  std::vector<std::pair<int64_t, int64_t>> ranges;  ///< per row of a batch: its list group
  bool keys_full = false;
  InternScratch scratch;
  std::vector<ChunkError> errors;
  int64_t rows = 0;
  CellParser parser;
  std::string message;
  CsvRecordBatch grid;  ///< the records being converted
  ColumnData cell_scratch;  ///< a cell the fast converters leave to the cell parser
  std::vector<ShortCodeCache> code_caches;  ///< per record field (fields_): codes of short strings (Reset per batch)
  std::vector<std::vector<CodeMap>> list_maps;  ///< per list, per element field: staging codes -> batch codes
};

class CsvRecordReader final : public RecordReader {
 public:
  CsvRecordReader(std::shared_ptr<const Schema> schema, const LoadOptions& options)
      : schema_(std::move(schema)), options_(options) {}

  /// Reads list files and the records header; false with errors() on failure.
  bool Open(const std::string& dir);

  bool Next(Batch* out, int64_t max_rows) override;
  const std::vector<DataError>& errors() const override { return errors_; }
  const std::vector<DataError>& warnings() const override { return warnings_; }
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
  /// The errors of the records a grid left out (malformed, or of another width).
  static void AddBadRecords(const CsvRecordBatch& grid, const std::vector<std::string>& header,
                            std::vector<ChunkError>* errors) {
    for (const CsvRecordBatch::Bad& bad : grid.bad()) {
      if (bad.error) errors->push_back({bad.line, HeaderName(header, bad.error_field), static_cast<int64_t>(bad.error_field), bad.error});
      else errors->push_back({bad.line, "", 0, fmt::format("expected {} fields as in the header, found {}", header.size(), bad.num_fields)});
    }
  }
  /// Reads (or, without a header line, assumes) the header of `file` and maps
  /// `specs` and the `parent` key column to it; errors for missing or
  /// duplicate columns, warnings (errors when strict) for columns the schema
  /// lacks. `*data_begin`/`*data_line`: where the rows start.
  bool BindHeader(const std::string& path, const CsvDialect& dialect, const MappedFile& file,
                  std::vector<std::string>* header, std::vector<FieldSpec>* specs, const std::string* parent,
                  int* parent_index, size_t* data_begin, int64_t* data_line);
  bool LoadList(const std::string& dir, const ColumnDef& def, ListData* list);
  void ParseListChunk(CsvTokenizer& t, const ListData& list, const std::vector<std::string>& header, int parent_index,
                      ListSlot* s);
  /// Groups a loaded list's rows by owner key id (list->chunks -> staging).
  bool GroupList(ListData* list);
  void ParseRecordChunk(CsvTokenizer& t, RecordSlot* s);
  /// Appends each record's list rows to the chunk's batches (key ids known).
  void AttachLists(RecordSlot* s) const;
  bool AcceptRecordChunk(RecordSlot* s, int64_t first_line);
  /// Adds a chunk's errors to errors_ in file order; false when full.
  bool AddChunkErrors(const std::string& path, std::vector<ChunkError>& errors, int64_t first_line);
  void Finish();

  std::shared_ptr<const Schema> schema_;
  LoadOptions options_;
  std::vector<DataError> errors_;
  std::vector<DataError> warnings_;
  LoadStats stats_;
  ShardedKeyTable list_keys_;    ///< parent keys of list rows (read-only once the lists are loaded)
  ShardedKeyTable record_keys_;  ///< record keys no list row names (interned by record chunk workers)
  bool lists_named_ = true;  ///< some list row names a key (else no record key is in list_keys_)
  std::vector<uint8_t> seen_;         ///< per list_keys_ id: already read as a record
  std::vector<uint8_t> seen_record_;  ///< per record_keys_ id: the same
  std::vector<ListData> lists_;
  std::vector<FieldSpec> fields_;  ///< record columns (not lists)
  FieldSpec key_spec_;
  std::vector<std::string> header_;
  std::string records_path_;
  MappedFile records_file_;
  std::unique_ptr<ChunkPipeline> pipeline_;
  std::vector<RecordSlot> slots_;
  std::deque<Batch> ready_;
  int64_t max_rows_ = 0;
  std::string null_token_;  ///< of the records file
  bool done_ = false;
};


}  // namespace cohort::load
