// Fuzz target: the CSV loader through RecordReader, as `cohort run` reads a
// data directory. The input is split at the first "\n%%\n" into patients.csv
// and events.csv for the stdlib Patient schema; without the separator the
// events file is the fixed generated one, so the records reader gets most of
// the mutations.
// Imported Arrow directories have their own target (fuzz/fuzz_arrow.cpp).
#include <vector>

#include "fuzz/fuzz_reader.h"

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

  std::vector<DataError> errors;
  auto reader = OpenRecordReader(fuzz::PatientSchema(), dir.string(), &errors);
  fuzz::ReadEveryBatch(std::move(reader), errors);
  return 0;
}
