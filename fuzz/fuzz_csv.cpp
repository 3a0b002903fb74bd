// Fuzz target: the CSV loader through RecordReader, as `cohort run` reads a
// data directory. The input is split at the first "\n%%\n" into patients.csv
// and events.csv for the stdlib Patient schema; without the separator the
// events file is the fixed generated one, so the records reader gets most of
// the mutations.
// The patients part is also tokenized on every block-classifier path the CPU
// has (runtime/csv_scan.h): they must give the same records and errors.
// Imported Arrow directories have their own target (fuzz/fuzz_arrow.cpp).
#include <string>
#include <vector>

#include "fuzz/fuzz_reader.h"
#include "runtime/csv_scan.h"

namespace {

/// Every record (fields, line, error and its field) of `text` on `path`.
std::string Tokens(std::string_view text, cohort::CsvScanPath path) {
  using cohort::CsvTokenizer;
  CsvTokenizer t(cohort::CsvDialect{}, path);
  t.Reset(text.data(), text.size(), 0, text.size(), false, 0);
  std::string out;
  for (auto st = t.Next(); st != CsvTokenizer::Status::kEnd; st = t.Next()) {
    out += std::to_string(t.line()) + (st == CsvTokenizer::Status::kError ? "E" : ":");
    if (st == CsvTokenizer::Status::kError) out += std::string(t.error()) + std::to_string(t.error_field());
    for (size_t i = 0; i < t.num_fields() && st != CsvTokenizer::Status::kError; ++i)
      out.append(t.field(i)).push_back('\x1F');
    out += '\n';
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

  std::vector<DataError> errors;
  auto reader = OpenRecordReader(fuzz::PatientSchema(), dir.string(), &errors);
  fuzz::ReadEveryBatch(std::move(reader), errors);
  return 0;
}
