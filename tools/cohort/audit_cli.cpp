#include "tools/cohort/audit_cli.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "runtime/audit/audit.h"

namespace cohort::cli {

namespace {
std::vector<std::string>& Argv() {
  static std::vector<std::string> argv;
  return argv;
}
}  // namespace

void SetCommandLine(std::vector<std::string> argv) { Argv() = std::move(argv); }
const std::vector<std::string>& CommandLine() { return Argv(); }

std::optional<std::string> AuditPath(Args& args) {
  if (auto a = args.Value("--audit")) return a;
  if (const char* env = std::getenv("COHORT_AUDIT"); env && *env) return std::string(env);
  return std::nullopt;
}

nlohmann::json AuditEntry(const std::string& command, const CompileResult* compiled) {
  nlohmann::json e = audit::Provenance();
  e["command"] = command;
  e["argv"] = audit::RedactCommandLine(CommandLine());
  e["sources"] = nlohmann::json::array();
  if (compiled && compiled->sources) {
    for (size_t i = 1; i <= compiled->sources->size(); ++i) {
      const SourceFile& f = compiled->sources->Get(static_cast<FileId>(i));
      e["sources"].push_back({{"name", f.name()}, {"sha256", audit::Sha256Hex(f.text())}});
    }
  }
  return e;
}

void AuditDataInputs(nlohmann::json& entry, const Schema& schema, const std::string& data_dir) {
  namespace fs = std::filesystem;
  entry["inputs"] = nlohmann::json::array();
  std::vector<std::string> names{schema.records_file};
  for (const ListSource& l : schema.list_sources) {
    const ColumnId c = schema.FindColumn(l.field);
    if (c == kNoColumn || !schema.columns[c].synthetic) names.push_back(l.file);  // contacts: from the ledger
  }
  for (const std::string& n : names) {
    fs::path p = fs::path(data_dir) / n;
    std::string error;
    std::string h = audit::Sha256File(p.string(), &error);
    entry["inputs"].push_back({{"path", p.string()}, {"sha256", h.empty() ? nlohmann::json(nullptr) : nlohmann::json(h)}});
  }
}

int FinishAudit(const std::optional<std::string>& path, nlohmann::json entry, int exit_code) {
  if (!path) return exit_code;
  entry["exit"] = exit_code;
  std::string error = audit::Append(*path, std::move(entry));
  if (!error.empty()) {
    std::fprintf(stderr, "cohort: error: %s; the run is not in the audit log\n", error.c_str());
    return kExitInternal;
  }
  return exit_code;
}

}  // namespace cohort::cli
