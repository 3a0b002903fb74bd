// `cohort`: check, run and generate data for segment files.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cohort/cohort.h"
#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "core/version.h"
#include "runtime/audit/audit.h"
#include "runtime/measure/ledger.h"
#include "runtime/run/run.h"
#include "tools/cohort/audit_cli.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

static const char kUsage[] =
    "usage: cohort <command> [options]\n"
    "\n"
    "commands:\n"
    "  check FILES...            parse and type-check segment files\n"
    "        [--format text|json|sarif] [--sarif-base DIR] [--strict] [--emit ast|ir|llvm]\n"
    "        [--today YYYY-MM-DD] [--no-warnings]\n"
    "  run FILE --data DIR --out DIR\n"
    "        [--today YYYY-MM-DD] [--engine jit|interp] [--threads N] [--batch-rows N] [--strict-data] [--quiet]\n"
    "        [--audit FILE] [--ledger DIR]   (--ledger: record every list row in the contact ledger)\n"
    "        [--validate read|all]   (read: convert and check only the columns the program reads)\n"
    "                            write one list per segment and channel, holdout lists, summary.json\n"
    "  run FILE --source postgresql://... --out DIR [--pushdown] [...]\n"
    "                            read the tables from PostgreSQL (libpq environment, ~/.pgpass);\n"
    "                            --pushdown runs the generated SQL in the server\n"
    "  test [PATHS...] [--junit FILE] [--coverage] [--min-coverage PCT] [--today YYYY-MM-DD]\n"
    "                            run the `test` blocks of segment files on every engine\n"
    "  repl [--data DIR] [--today YYYY-MM-DD] [--ledger DIR] [FILES...]\n"
    "                            explore data and grow segments interactively (`.help` inside)\n"
    "  fmt [--check] [--diff] FILES...   (`-` = stdin)\n"
    "                            rewrite files in the canonical layout\n"
    "  lsp                       the language server, over stdio\n"
    "  report FILE --data DIR --out PATH [--format html|json] [--by FIELD,...] [--min-cell N]\n"
    "        [--today YYYY-MM-DD] [--engine jit|interp] [--audit FILE] [--ledger DIR]\n"
    "                            attrition, overlap, equity and consent as one HTML page or JSON\n"
    "  audit verify FILE         check the hash chain of an audit log (--audit / $COHORT_AUDIT)\n"
    "  sql FILE [--dialect postgres|duckdb|spark] [--today YYYY-MM-DD] [--ddl | --summary]\n"
    "                            print the SQL query of the lists (or summary counters, or the tables' DDL)\n"
    "  measure FILE --data DIR --ledger DIR [--today YYYY-MM-DD] [--format text|json] [--min-cell N]\n"
    "        [--segment NAME] [--out PATH]\n"
    "                            each segment's goals for the patients in the ledger: treated vs holdout\n"
    "                            and variants vs each other (lift, 95% CI, p-value, MDE; open windows apart)\n"
    "  gen --patients N --out DIR [--seed S] [--today YYYY-MM-DD]\n"
    "                            write realistic synthetic patients.csv and events.csv\n"
    "  import --data DIR --out DIR [--schema NAME|FILE]\n"
    "                            validate a CSV data directory once and write it as Arrow IPC files\n"
    "                            (patients.arrow, events.arrow) that run and repl accept as --data\n"
    "\n"
    "exit codes: 0 ok, 1 errors in a segment file, 2 usage, 3 data error, 4 internal or output error\n";

std::optional<std::string> Args::Value(const std::string& name) {
  for (size_t i = 0; i < argv_.size(); ++i) {
    const std::string& a = argv_[i];
    if (a == name) {
      if (i + 1 >= argv_.size() || (argv_[i + 1].size() > 1 && argv_[i + 1].rfind("--", 0) == 0)) {
        error_ = name + " needs a value";
        argv_.erase(argv_.begin() + static_cast<long>(i));
        return std::nullopt;
      }
      std::string v = argv_[i + 1];
      argv_.erase(argv_.begin() + static_cast<long>(i), argv_.begin() + static_cast<long>(i) + 2);
      return v;
    }
    if (a.rfind(name + "=", 0) == 0) {
      std::string v = a.substr(name.size() + 1);
      argv_.erase(argv_.begin() + static_cast<long>(i));
      return v;
    }
  }
  return std::nullopt;
}

bool Args::Flag(const std::string& name) {
  for (size_t i = 0; i < argv_.size(); ++i) {
    if (argv_[i] == name) {
      argv_.erase(argv_.begin() + static_cast<long>(i));
      return true;
    }
  }
  return false;
}

std::vector<std::string> Args::Positionals() {
  std::vector<std::string> out;
  for (const auto& a : argv_) {
    if (a.size() > 1 && a[0] == '-' && error_.empty()) {
      error_ = "unknown option `" + a + "`";
      continue;
    }
    out.push_back(a);
  }
  return out;
}

int UsageError(const std::string& message, const std::string& command) {
  std::fprintf(stderr, "cohort%s%s: error: %s\n", command.empty() ? "" : " ", command.c_str(), message.c_str());
  std::fprintf(stderr, "run `cohort --help` for usage\n");
  return kExitUsage;
}

std::optional<int32_t> ParseDay(const std::string& s) { return ParseDate(s); }

bool ParseMinCell(const std::optional<std::string>& s, int64_t* out) {
  if (!s) return true;
  char* end = nullptr;
  long long v = std::strtoll(s->c_str(), &end, 10);
  if (s->empty() || *end || v < 0 || v > 1000000) return false;
  *out = v;
  return true;
}

bool UseColor() { return ::isatty(2) && std::getenv("NO_COLOR") == nullptr; }

int CompileForRun(const std::string& file, int32_t today, CompileResult* out) {
  CompileOptions co;
  co.today = today;
  *out = CompileFile(file, co);
  const bool color = UseColor();
  for (const auto& d : out->diags.all()) std::fputs(RenderText(d, *out->sources, color).c_str(), stderr);
  if (!out->internal_error.empty()) {
    std::fprintf(stderr, "cohort: internal error: %s\n", out->internal_error.c_str());
    return kExitInternal;
  }
  return out->ok() ? 0 : kExitDiagnostics;
}

int CheckLedgerUse(const CompileResult& r, bool has_ledger, bool from_source) {
  std::optional<Diagnostic> d = LedgerDiagnostic(r, has_ledger, from_source);
  if (!d) return 0;
  std::fputs(RenderText(*d, *r.sources, UseColor()).c_str(), stderr);
  return kExitUsage;
}

std::vector<std::string> LedgerSourceHashes(const CompileResult& r) {
  std::vector<std::string> hashes;
  for (size_t i = 1; i <= r.sources->size(); ++i)
    hashes.push_back(audit::Sha256Hex(r.sources->Get(static_cast<FileId>(i)).text()));
  return hashes;
}

std::string LedgerRunIdFor(const CompileResult& r, const std::string& data_dir, int32_t today) {
  std::vector<std::string> hashes = LedgerSourceHashes(r);
  nlohmann::json inputs;
  AuditDataInputs(inputs, *r.program->schema, data_dir);
  for (const auto& in : inputs["inputs"]) hashes.push_back(in["sha256"].is_string() ? in["sha256"].get<std::string>() : "");
  return measure::LedgerRunId(hashes, today);
}

measure::LedgerRow LedgerRowOf(const ir::Segment& seg, size_t list, std::string_view key, int32_t today,
                               std::string_view variant) {
  if (list >= seg.channels.size()) {  // holdout: step 0, the first step's date, no variant
    const int32_t first_send = seg.channels.empty() ? today : AddDuration(today, seg.channels[0].after, +1);
    return {std::string(key), seg.name, "holdout", 0, first_send, ""};
  }
  const ir::Channel& c = seg.channels[list];
  return {std::string(key), seg.name, c.name, c.step, AddDuration(today, c.after, +1), std::string(variant)};
}

void RecordLedgerRows(const ir::Program& p, RunOptions* ro, measure::LedgerRun* ledger) {
  const ColumnId key_col = p.schema->key_column();
  ro->on_batch = [ledger, today = ro->today, key_col, &p](const CohortBatchView& v, const BatchResult&, const Decisions& d) {
    for (size_t s = 0; s < p.segments.size(); ++s) {
      const ir::Segment& seg = p.segments[s];
      for (int64_t row = 0; row < v.num_rows; ++row) {
        const std::string_view key = StringAt(v.columns[key_col], row);
        if (d.held[s][row]) ledger->rows.push_back(LedgerRowOf(seg, seg.channels.size(), key, today, ""));
        const int variant = d.variant[s].empty() ? -1 : d.variant[s][static_cast<size_t>(row)];
        const std::string_view variant_name =
            variant >= 0 ? std::string_view(seg.variants[static_cast<size_t>(variant)].name) : std::string_view();
        for (size_t c = 0; c < seg.channels.size(); ++c)
          if (d.listed[s][c][row]) ledger->rows.push_back(LedgerRowOf(seg, c, key, today, variant_name));
      }
    }
  };
}

int WriteLedgerAfterRun(const std::string& dir, measure::LedgerRun ledger, bool quiet) {
  bool already = false;
  const size_t rows = ledger.rows.size();
  std::string error = measure::WriteLedger(dir, std::move(ledger), &already);
  if (!error.empty()) {
    std::fprintf(stderr, "cohort run: error: %s; the lists were written but the ledger was not\n", error.c_str());
    return kExitInternal;
  }
  if (already)
    std::fprintf(stderr, "cohort run: note: this run (same inputs, same day) is already in the ledger; not recorded again\n");
  else if (!quiet)
    std::printf("ledger: %zu rows recorded in %s\n", rows, dir.c_str());
  return 0;
}

}  // namespace cohort::cli

namespace {

int RunCommand(int argc, char** argv) {
  using namespace cohort::cli;
  std::vector<std::string> rest(argv + 1, argv + argc);
  SetCommandLine(std::vector<std::string>(argv, argv + argc));
  if (rest.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string cmd = rest.front();
  rest.erase(rest.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (cmd == "--version") {
    std::printf("cohort %s\n", cohort::CohortVersion());
    return kExitOk;
  }
  for (const auto& a : rest) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
  }
  Args args(rest);
  try {
    if (cmd == "check") return CmdCheck(args);
    if (cmd == "run") return CmdRun(args);
    if (cmd == "gen") return CmdGen(args);
    if (cmd == "repl") return CmdRepl(args);
    if (cmd == "fmt") return CmdFmt(args);
    if (cmd == "lsp") return CmdLsp(args);
    if (cmd == "test") return CmdTest(args);
    if (cmd == "report") return CmdReport(args);
    if (cmd == "audit") return CmdAudit(args);
    if (cmd == "import") return CmdImport(args);
    if (cmd == "sql") return CmdSql(args);
    if (cmd == "measure") return CmdMeasure(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort: internal error: %s\n", e.what());
    return kExitInternal;
  }
  return UsageError("unknown command `" + cmd + "`");
}

}  // namespace

int main(int argc, char** argv) {
  const int code = RunCommand(argc, argv);
  // Before static destructors: a tier-up compilation still running would
  // otherwise race LLVM's statics being destroyed (a crash or hang at exit).
  // Its kernel can no longer be used, so rather than wait for it (tens of
  // ms), leave without running them: every output is written and closed by
  // now, only stdio needs flushing.
  if (cohort::StopBackgroundWorkForExit()) {
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}
