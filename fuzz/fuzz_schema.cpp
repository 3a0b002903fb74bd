// Fuzz target: the schema parser (core/schema_parser.cpp) on arbitrary bytes.
#include "fuzz/fuzz_util.h"
#include "runtime/batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cohort;
  if (size > 64 * 1024) return -1;
  SourceManager sm;
  DiagnosticBag diags;
  FileId f = sm.Add("fuzz.schema", std::string(reinterpret_cast<const char*>(data), size));
  std::shared_ptr<Schema> schema = ParseSchema(sm, f, diags);
  for (const Diagnostic& d : diags.all()) (void)RenderText(d, sm);
  if (schema != nullptr && !diags.has_errors()) {
    // A schema that parses is usable: every column has a batch layout.
    Batch batch(*schema);
    (void)batch.View();
  }
  return 0;
}
