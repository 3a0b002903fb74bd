// Fuzz target: Arrow IPC data as `cohort run` reads an imported directory.
// The input is split at the first "\n%%EVENTS%%\n" into patients.arrow and
// events.arrow for the stdlib Patient schema; without the separator the
// events file is a fixed one imported from generated data, so the records
// file gets most of the mutations; an empty events part means no events file. The records bytes first go through
// arrow::ReadArrowFile (the checked parse every load starts with), then the
// directory is loaded through OpenDataReader (what `run` and the REPL call)
// and every batch is read.
#include <cstring>
#include <vector>

#include "fuzz/fuzz_reader.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/arrow/ipc.h"

namespace {
constexpr std::string_view kSeparator = "\n%%EVENTS%%\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  if (size > 1024 * 1024) return -1;
  static const std::filesystem::path dir = fuzz::ScratchDir() / "arrow";
  static const std::string fixed_events = [] {
    auto gen = fuzz::ScratchDir() / "arrow-gen";
    auto imported = fuzz::ScratchDir() / "arrow-imported";
    fuzz::GenerateSmallData(gen);
    ImportStatus st = ImportToArrow(fuzz::PatientSchema(), gen.string(), imported.string());
    if (st.code != 0) fuzz::Fail("import of generated data failed: " + st.message);
    return fuzz::ReadBytes(imported / "events.arrow");
  }();
  std::filesystem::create_directories(dir);
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t sep = all.find(kSeparator);
  std::string_view records = all.substr(0, sep);
  std::string_view events = sep == std::string_view::npos ? std::string_view(fixed_events) : all.substr(sep + kSeparator.size());

  {
    // The checked parse on its own, on an 8-byte aligned copy as a mapping is.
    std::vector<uint64_t> aligned((records.size() + 7) / 8 + 1);
    std::memcpy(aligned.data(), records.data(), records.size());
    arrow::File file;
    std::string error = arrow::ReadArrowFile(reinterpret_cast<const uint8_t*>(aligned.data()), records.size(), &file);
    if (error.empty()) {
      for (const arrow::Field& f : file.fields) (void)f.TypeString();
    }
  }

  fuzz::WriteBytes(dir / "patients.arrow", records);
  // An empty events part: no events file (the lists are inline, or missing).
  std::error_code ec;
  if (events.empty()) std::filesystem::remove(dir / "events.arrow", ec);
  else fuzz::WriteBytes(dir / "events.arrow", events);
  std::vector<DataError> errors;
  auto reader = OpenDataReader(fuzz::PatientSchema(), dir.string(), &errors);
  fuzz::ReadEveryBatch(std::move(reader), errors);
  return 0;
}
