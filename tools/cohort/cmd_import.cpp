// `cohort import`: load and validate a CSV data directory once and write it
// as Arrow IPC files (runtime/arrow/arrow_data.h) that `run` and `repl` map
// without parsing.
#include <cstdio>

#include "core/diagnostic.h"
#include "core/schema.h"
#include "runtime/arrow/arrow_data.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

int CmdImport(Args& args) {
  auto data = args.Value("--data");
  auto out = args.Value("--out");
  auto schema_arg = args.Value("--schema");
  auto pos = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "import");
  if (!pos.empty()) return UsageError("unexpected argument `" + pos[0] + "`", "import");
  if (!data) return UsageError("missing --data DIR", "import");
  if (!out) return UsageError("missing --out DIR", "import");
  // The schema: a standard one by name (default Patient) or a .schema file.
  SourceManager sm;
  DiagnosticBag diags;
  std::string name = schema_arg.value_or("Patient");
  std::shared_ptr<Schema> schema;
  if (name.find('/') != std::string::npos || name.find(".schema") != std::string::npos) {
    schema = LoadSchemaFile(name, sm, diags);
  } else {
    schema = LoadStdlibSchema(name, sm, diags);
    if (!schema && !diags.has_errors()) return UsageError("unknown schema `" + name + "`", "import");
  }
  if (!schema) {
    for (const auto& d : diags.all()) std::fputs(RenderText(d, sm, UseColor()).c_str(), stderr);
    return kExitDiagnostics;
  }
  ImportStatus st = ImportToArrow(schema, *data, *out);
  if (st.code == 3) {
    for (const auto& e : st.data_errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "cohort import: data errors; no output was written\n");
    return kExitData;
  }
  if (st.code != 0) {
    std::fprintf(stderr, "cohort import: error: %s; no output was written\n", st.message.c_str());
    return kExitInternal;
  }
  std::fprintf(stderr, "imported %lld records and %lld list rows into %s\n", static_cast<long long>(st.records),
               static_cast<long long>(st.list_rows), out->c_str());
  return kExitOk;
}

}  // namespace cohort::cli
