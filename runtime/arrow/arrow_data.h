// Data directories of Arrow IPC files: `cohort import` writes them from a CSV
// directory, and every command that reads records (`run`, `repl`) maps them
// instead of parsing CSV.
//
// Layout written by `cohort import` (one file per table, named after the
// schema's CSV files: patients.csv -> patients.arrow, events.csv ->
// events.arrow; field names are the CSV header names):
//   - records file: one field per non-list column in schema order. bool ->
//     bool, int -> int64, decimal -> float64, date -> date32[day],
//     timestamp -> timestamp[us, tz=UTC], enum -> dictionary<int8, utf8> whose
//     dictionary is the enum's labels in declaration order (so the indices
//     are the engines' codes), string -> dictionary<int32, utf8> (the key
//     column stays plain utf8: every value is distinct), set<string> ->
//     list<dictionary<int32, utf8>> with each row's items sorted and unique.
//   - list files (events): record batch i holds exactly the list rows of the
//     records in record batch i, grouped in record order. The parent column
//     is dictionary<int32, utf8> whose dictionary is every record key in file
//     order, so an index is the owning record's row number: a batch's list
//     offsets come from counting indices, with no key lookups. Schema
//     metadata `cohort.layout=grouped` marks this layout and
//     `cohort.list_rows_unmatched` keeps the count of list rows that matched
//     no record (dropped by import, still reported by `run`).
// Loading maps each file and checks it (ipc.h); columns whose layout is the
// engines' layout are handed to kernels zero-copy (Batch::SetExternal),
// dictionary<int32, utf8> strings included: the Arrow dictionary and indices
// are runtime/batch.h's dictionary layout, one dictionary shared by every
// batch. Other index widths become int32 codes; dictionaries with null or
// duplicate entries, or more than kMaxDictionaryEntries, are decoded into
// plain strings per batch. Delta dictionaries are refused (ipc.cpp).
// With a column projection (LoadOptions::projection, `cohort run`) only the
// columns and list fields the program reads are converted; the others are
// absent from the batches (their buffers were still checked at open). Files
// `cohort import` wrote for this schema (its fingerprint in the metadata)
// skip the per-row checks import already made: unique keys, sets in normal
// form. Record batches are converted one at a time as they are read; a
// batch's mapped pages are dropped when the last batch sliced from it goes.
//
// Files written by other tools load when their types fit the schema (see
// ColumnFits in arrow_data.cpp): ints of any width, timestamps of any unit,
// date64, float32/decimal128 for decimals, large_utf8, dictionary strings,
// list columns either inline (list<struct<...>> named like the list field) or
// as a separate table in any order (joined on the parent column).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "runtime/loader.h"

namespace cohort {

/// Does `dir` hold Arrow data (the records file with `.arrow`)?
bool IsArrowDataDir(const Schema& schema, const std::string& dir);

/// The Arrow file name for a CSV file name (`patients.csv` -> `patients.arrow`).
std::string ArrowFileName(const std::string& csv_name);

/// Opens a data directory of either kind (Arrow when IsArrowDataDir, else
/// CSV). On failure returns nullptr with `errors` filled.
std::unique_ptr<RecordReader> OpenDataReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                             std::vector<DataError>* errors);
/// Same, with the CSV loader's options (threads, strict headers) and its
/// header warnings (may be null); Arrow directories ignore them.
std::unique_ptr<RecordReader> OpenDataReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                             const LoadOptions& options, std::vector<DataError>* errors,
                                             std::vector<DataError>* warnings);

/// Outcome of ImportToArrow: 0 ok, 3 data error (`data_errors`), 4 output error.
struct ImportStatus {
  int code = 0;
  std::vector<DataError> data_errors;
  std::string message;
  int64_t records = 0;
  int64_t list_rows = 0;
  std::vector<std::string> files;  ///< written, in order
};

/// Loads and validates `data_dir` (any kind OpenDataReader reads) and writes
/// one Arrow file per table into `out_dir`: all of them or none.
ImportStatus ImportToArrow(const std::shared_ptr<const Schema>& schema, const std::string& data_dir,
                           const std::string& out_dir);

}  // namespace cohort
