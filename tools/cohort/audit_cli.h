// The audit log as the CLI writes it (runtime/audit/audit.h has the format):
// which log (`--audit FILE` or $COHORT_AUDIT), and the common fields of an
// entry: provenance, the command line without secrets, SHA-256 of every
// source file the compilation read and of every input file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/driver/driver.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

/// The whole command line of this process (set by main()).
void SetCommandLine(std::vector<std::string> argv);
const std::vector<std::string>& CommandLine();

/// `--audit FILE`, else $COHORT_AUDIT, else nullopt (no log).
std::optional<std::string> AuditPath(Args& args);

/// An entry with provenance, the command, the redacted command line and the
/// SHA-256 of every file the compilation read (segment, companion, schema).
nlohmann::json AuditEntry(const std::string& command, const CompileResult* compiled);

/// Adds `{"path", "sha256"}` for each input file of a data directory that
/// the schema reads (the records file and every list file).
void AuditDataInputs(nlohmann::json& entry, const Schema& schema, const std::string& data_dir);

/// Appends `entry` (with "exit" = exit_code); prints an error and returns
/// kExitInternal when the log cannot be written, else `exit_code`.
int FinishAudit(const std::optional<std::string>& path, nlohmann::json entry, int exit_code);

}  // namespace cohort::cli
