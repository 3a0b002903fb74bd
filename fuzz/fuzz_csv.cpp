// Fuzz target: the CSV loader through RecordReader, as `cohort run` reads a
// data directory. The input is split at the first "\n%%\n" into patients.csv
// and events.csv for the stdlib Patient schema; without the separator the
// events file is the fixed generated one, so the records reader gets most of
// the mutations.
// The patients part is also tokenized on every block-classifier path the CPU
// has (runtime/csv_scan.h), record by record and in record batches
// (NextRecords): they must give the same records and errors.
// Imported Arrow directories have their own target (fuzz/fuzz_arrow.cpp).
#include <string>
#include <vector>

#include "fuzz/fuzz_reader.h"
#include "runtime/csv_scan.h"

namespace {

/// Every record (fields, line, error and its field) of `text` on `path`;
/// with `width`, a well-formed record of another field count as its count.
std::string Tokens(std::string_view text, cohort::CsvScanPath path, size_t width = 0) {
  using cohort::CsvTokenizer;
  CsvTokenizer t(cohort::CsvDialect{}, path);
  t.Reset(text.data(), text.size(), 0, text.size(), false, 0);
  std::string out;
  for (auto st = t.Next(); st != CsvTokenizer::Status::kEnd; st = t.Next()) {
    out += std::to_string(t.line()) + (st == CsvTokenizer::Status::kError ? "E" : ":");
    if (st == CsvTokenizer::Status::kError) out += std::string(t.error()) + std::to_string(t.error_field());
    else if (width && t.num_fields() != width) out += "W" + std::to_string(t.num_fields());
    else
      for (size_t i = 0; i < t.num_fields(); ++i) out.append(t.field(i)).push_back('\x1F');
    out += '\n';
  }
  return out + std::to_string(t.end()) + "/" + std::to_string(t.lines());
}

/// The same through NextRecords (`max` records per call, a grid of `width`).
std::string GridTokens(std::string_view text, cohort::CsvScanPath path, size_t width, size_t max) {
  using cohort::CsvTokenizer;
  CsvTokenizer t(cohort::CsvDialect{}, path);
  t.Reset(text.data(), text.size(), 0, text.size(), false, 0);
  cohort::CsvRecordBatch b;
  std::string out;
  for (;;) {
    const auto st = t.NextRecords(&b, width, max);
    size_t bad = 0;
    for (size_t r = 0; r <= b.rows(); ++r) {
      for (; bad < b.bad().size() && b.bad()[bad].before_row == r; ++bad) {
        const cohort::CsvRecordBatch::Bad& e = b.bad()[bad];
        out += std::to_string(e.line) + (e.error ? "E" : ":");
        if (e.error) out += std::string(e.error) + std::to_string(e.error_field);
        else out += "W" + std::to_string(e.num_fields);
        out += '\n';
      }
      if (r == b.rows()) break;
      out += std::to_string(b.lines()[r]) + ":";
      for (size_t c = 0; c < width; ++c) out.append(b.field(r, c)).push_back('\x1F');
      out += '\n';
    }
    if (st != CsvTokenizer::Status::kRecord) break;
  }
  return out + std::to_string(t.end()) + "/" + std::to_string(t.lines());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  if (size > 256 * 1024) return -1;
  static const std::filesystem::path dir = fuzz::ScratchDir() / "csv";
  static const std::string fixed_events = [] {
    auto gen = fuzz::ScratchDir() / "csv-gen";
    fuzz::GenerateSmallData(gen);
    return fuzz::ReadBytes(gen / "events.csv");
  }();
  std::filesystem::create_directories(dir);
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t sep = all.find("\n%%\n");
  fuzz::WriteBytes(dir / "patients.csv", all.substr(0, sep));
  fuzz::WriteBytes(dir / "events.csv", sep == std::string_view::npos ? std::string_view(fixed_events) : all.substr(sep + 4));

  const std::string want = Tokens(all.substr(0, sep), CsvScanPath::kPortable);
  for (CsvScanPath path : {CsvScanPath::kSse2, CsvScanPath::kAvx2})
    if (CsvScanPathSupported(path) && Tokens(all.substr(0, sep), path) != want) __builtin_trap();
  // The record batches (what the loader reads) give the same records, on every path.
  for (CsvScanPath path : {CsvScanPath::kPortable, CsvScanPath::kSse2, CsvScanPath::kAvx2}) {
    if (!CsvScanPathSupported(path)) continue;
    for (size_t width : {size_t{2}, size_t{26}})
      if (GridTokens(all.substr(0, sep), path, width, 1 + size % 5) != Tokens(all.substr(0, sep), path, width))
        __builtin_trap();
  }

  std::vector<DataError> errors;
  auto reader = OpenRecordReader(fuzz::PatientSchema(), dir.string(), &errors);
  fuzz::ReadEveryBatch(std::move(reader), errors);
  return 0;
}
