// Reads records in the pinned CSV layout (docs/language.md §6) as a stream of
// batches. Errors name file, line and column, never a cell's value (PHI).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/used_columns.h"
#include "runtime/batch.h"

namespace cohort {

/// A malformed input: where and what, never the offending value.
struct DataError {
  std::string file;     ///< path as opened
  int64_t line = 0;     ///< 1-based physical line where the record starts (0: whole file)
  std::string column;   ///< header name of the column, "" if not column-specific
  int64_t column_index = 0;  ///< 1-based column number, 0 if none
  std::string message;  ///< e.g. "invalid date; expected YYYY-MM-DD"
  /// `file:line: column `c` (3): message`.
  std::string ToString() const;
};

/// Counters a loader keeps for the run summary.
struct LoadStats {
  int64_t records = 0;
  int64_t list_rows = 0;             ///< rows read from list files (events)
  int64_t list_rows_unmatched = 0;   ///< list rows whose parent key matches no record
  /// List files whose rows were not read (a projection that reads no field
  /// of the list: only the header is checked); they count no rows above.
  int64_t lists_not_read = 0;
};

/// How to read a data directory.
struct LoadOptions {
  int threads = 1;           ///< chunks of a file parsed in parallel
  bool strict_data = false;  ///< a header column the schema does not know is an error, not a warning
  size_t chunk_bytes = 0;    ///< bytes per parallel chunk; 0 = the default (tests use tiny chunks)
  /// Column projection (`cohort run`): only these columns' values are
  /// converted, interned and validated; the others are still tokenized (the
  /// header rules, quoting and field counts hold for every column) but their
  /// batch columns are absent (ColumnData::absent). Null: every column
  /// (`cohort import`, `--validate all`). The key is always read. A list
  /// file whose field the projection does not read has only its header
  /// checked: its rows are not tokenized (LoadStats::lists_not_read).
  std::shared_ptr<const ir::UsedColumns> projection;

  /// Whether a load converts column `id` (`key`: the schema's key column,
  /// always converted): every column without a projection.
  bool Converts(ColumnId id, ColumnId key) const { return !projection || id == key || projection->column(id); }
  /// Whether a load converts element field `field` of list column `list`.
  bool ConvertsElement(ColumnId list, size_t field) const { return !projection || projection->element(list, field); }
};

/// Streams batches of records from a data directory: the schema's records
/// file (patients.csv) plus one file per list field (events.csv). List files
/// are read first and grouped by parent key (they may be in any order); the
/// records file is then streamed.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  /// Fills `out` with up to `max_rows` records; false at the end or on error.
  virtual bool Next(Batch* out, int64_t max_rows) = 0;
  /// Errors so far (reading stops after the first few).
  virtual const std::vector<DataError>& errors() const = 0;
  /// Problems that do not stop the run (a header column the schema does not know).
  virtual const std::vector<DataError>& warnings() const = 0;
  virtual const LoadStats& stats() const = 0;
};

/// Opens `dir` for `schema`. On failure returns nullptr with `errors` filled.
std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               std::vector<DataError>* errors);
/// Same, with options; `warnings` (may be null) gets the header warnings even on failure.
std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               const LoadOptions& options, std::vector<DataError>* errors,
                                               std::vector<DataError>* warnings = nullptr);

/// Options of the synthetic data generator.
struct GenOptions {
  int64_t patients = 1000;
  uint64_t seed = 1;
  int32_t today = 0;     ///< dates are generated around this day
};
/// Writes patients.csv and events.csv for the standard Patient schema into
/// `dir` (created if needed), atomically. Returns "" or an error message.
std::string GenerateData(const GenOptions& options, const std::string& dir);

}  // namespace cohort
