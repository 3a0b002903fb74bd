// Helpers of the data-loading fuzz targets (fuzz_csv, fuzz_arrow): a small
// generated data directory and reading every batch a record reader yields.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "runtime/loader.h"

namespace cohort::fuzz {

/// CSV data of 8 generated patients in `dir` (created once per call site).
inline void GenerateSmallData(const std::filesystem::path& dir) {
  GenOptions g;
  g.patients = 8;
  g.today = 20000;
  if (std::string err = GenerateData(g, dir.string()); !err.empty()) Fail("generate: " + err);
}

/// The bytes of a file.
inline std::string ReadBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Reads every batch of `reader` (null after an open error: `errors` are
/// rendered) and checks that a clean read counted every record it yielded.
inline void ReadEveryBatch(std::unique_ptr<RecordReader> reader, const std::vector<DataError>& errors) {
  for (const DataError& e : errors) (void)e.ToString();
  if (reader == nullptr) return;
  Batch batch(*PatientSchema());
  int64_t rows = 0;
  while (reader->Next(&batch, 16)) {
    (void)batch.View();
    rows += batch.num_rows();
    batch = Batch(*PatientSchema());
  }
  for (const DataError& e : reader->errors()) (void)e.ToString();
  if (reader->errors().empty() && rows != reader->stats().records) Fail("record count mismatch");
}

}  // namespace cohort::fuzz
