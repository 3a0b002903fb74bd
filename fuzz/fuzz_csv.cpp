// Fuzz target: the CSV loader through RecordReader, as `cohort run` reads a
// data directory. The input is split at the first "\n%%\n" into patients.csv
// and events.csv for the stdlib Patient schema; without the separator the
// events file is the fixed generated one, so the records reader gets most of
// the mutations.
//
// The Arrow reader (runtime/arrow/, helper "arrow") is not on this branch yet:
// its target belongs beside this one (fuzz/fuzz_arrow.cpp, a .arrow file
// through the same OpenRecordReader entry point) once it is merged.
#include <vector>

#include "fuzz/fuzz_util.h"
#include "runtime/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  if (size > 256 * 1024) return -1;
  static const std::filesystem::path dir = fuzz::ScratchDir() / "csv";
  static const std::string fixed_events = [] {
    auto gen = fuzz::ScratchDir() / "csv-gen";
    GenOptions g;
    g.patients = 8;
    g.today = 20000;
    if (std::string err = GenerateData(g, gen.string()); !err.empty()) fuzz::Fail("generate: " + err);
    std::ifstream in(gen / "events.csv", std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  std::filesystem::create_directories(dir);
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t sep = all.find("\n%%\n");
  fuzz::WriteBytes(dir / "patients.csv", all.substr(0, sep));
  fuzz::WriteBytes(dir / "events.csv", sep == std::string_view::npos ? std::string_view(fixed_events) : all.substr(sep + 4));

  std::vector<DataError> errors;
  auto reader = OpenRecordReader(fuzz::PatientSchema(), dir.string(), &errors);
  for (const DataError& e : errors) (void)e.ToString();
  if (reader == nullptr) return 0;
  Batch batch(*fuzz::PatientSchema());
  int64_t rows = 0;
  while (reader->Next(&batch, 16)) {
    (void)batch.View();
    rows += batch.num_rows();
    batch = Batch(*fuzz::PatientSchema());
  }
  for (const DataError& e : reader->errors()) (void)e.ToString();
  if (reader->errors().empty() && rows != reader->stats().records) fuzz::Fail("record count mismatch");
  return 0;
}
