// `cohort run`: compile one file and run it over a data directory.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cohort/cohort.h"
#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/audit/audit.h"
#include "runtime/measure/ledger.h"
#include "runtime/run/run.h"
#include "tools/cohort/audit_cli.h"
#include "tools/cohort/cli.h"
#include "tools/cohort/run_postgres.h"

namespace cohort::cli {

/// A table's name in a database: its CSV file name without `.csv`.
static std::string TableName(const std::string& file) {
  return file.size() > 4 && file.compare(file.size() - 4, 4, ".csv") == 0 ? file.substr(0, file.size() - 4) : file;
}

static std::optional<int64_t> ParseCount(const std::string& s) {
  try {
    size_t pos = 0;
    long long v = std::stoll(s, &pos);
    if (pos != s.size() || v <= 0) return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

int CmdRun(Args& args) {
  auto data = args.Value("--data");
  auto out = args.Value("--out");
  auto today_s = args.Value("--today");
  auto engine_name = args.Value("--engine");
  auto threads_s = args.Value("--threads");
  auto batch_s = args.Value("--batch-rows");
  bool quiet = args.Flag("--quiet");
  auto audit_path = AuditPath(args);
  auto ledger_dir = args.Value("--ledger");
  bool strict_data = args.Flag("--strict-data");
  auto validate = args.Value("--validate");  // all: convert every column, as `cohort import` does
  auto source = args.Value("--source");     // postgresql://... (tools/cohort/run_postgres.cpp)
  bool pushdown = args.Flag("--pushdown");
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "run");
  if (files.size() != 1) return UsageError("expected exactly one segment file", "run");
  if (!data && !source) return UsageError("missing --data DIR (or --source postgresql://...)", "run");
  if (data && source) return UsageError("--data and --source cannot be combined", "run");
  if (pushdown && !source) return UsageError("--pushdown needs --source postgresql://...", "run");
  if (!out) return UsageError("missing --out DIR", "run");
  if (validate && *validate != "all" && *validate != "read")
    return UsageError("--validate must be `read` (the columns the program reads) or `all`", "run");
  RunOptions ro;
  ro.data_dir = data.value_or("");
  ro.out_dir = *out;
  ro.strict_data = strict_data;
  ro.project_columns = validate.value_or("read") == "read";
  ro.today = TodayUtc();
  if (today_s) {
    auto t = ParseDay(*today_s);
    if (!t) return UsageError("--today must be a date `YYYY-MM-DD`", "run");
    ro.today = *t;
  }
  unsigned hw = std::thread::hardware_concurrency();
  ro.threads = hw ? static_cast<int>(hw) : 1;
  if (threads_s) {
    auto n = ParseCount(*threads_s);
    if (!n || *n > 256) return UsageError("--threads must be a number from 1 to 256", "run");
    ro.threads = static_cast<int>(*n);
  }
  if (batch_s) {
    auto n = ParseCount(*batch_s);
    if (!n || *n > (1 << 24)) return UsageError("--batch-rows must be a number from 1 to 16777216", "run");
    ro.batch_rows = *n;
  }
  std::string engine_choice = engine_name.value_or(HasJit() ? "jit" : "interp");
  if (engine_choice != "jit" && engine_choice != "interp")
    return UsageError("unknown engine `" + engine_choice + "`; use `jit` or `interp`", "run");

  CompileResult r;
  if (int code = CompileForRun(files[0], ro.today, &r)) return code;
  if (int code = CheckLedgerUse(r, ledger_dir.has_value(), source.has_value())) return code;

  std::unique_ptr<Engine> engine;
  if (engine_choice == "jit" && !HasJit()) {
    std::fprintf(stderr, "cohort run: note: this build has no JIT; using the interpreter\n");
  } else if (engine_choice == "jit") {
    std::string note;
    engine = MakeBestEngine(r.program, &note);  // the JIT, or the interpreter with a note why
    if (!note.empty())
      std::fprintf(stderr, "cohort run: note: the JIT cannot compile this program (%s); using the interpreter\n", note.c_str());
  }
  if (!engine) engine = MakeInterpreter(r.program);

  nlohmann::json entry = AuditEntry("run", &r);
  entry["today"] = FormatDate(ro.today);
  entry["engine"] = pushdown ? std::string("sql-pushdown") : std::string(engine->name());
  if (audit_path && !source) AuditDataInputs(entry, *r.program->schema, ro.data_dir);
  // Per list: rows and the SHA-256 of the file as written (never a key).
  auto audit_lists = [&](const RunReport& report) {
    namespace fs = std::filesystem;
    entry["lists"] = nlohmann::json::array();
    for (const SegmentStats& s : report.segments) {
      auto add = [&](const std::string& list, int64_t rows) {
        fs::path p = fs::path(ro.out_dir) / s.name / (list + ".csv");
        std::string error;
        std::string h = audit::Sha256File(p.string(), &error);
        entry["lists"].push_back({{"segment", s.name}, {"list", list}, {"rows", rows},
                                  {"sha256", h.empty() ? nlohmann::json(nullptr) : nlohmann::json(h)}});
      };
      for (const ChannelStats& c : s.channels) add(c.name, c.listed);
      add("holdout", s.held_out);
    }
    std::string error;
    entry["summary_sha256"] = audit::Sha256File((fs::path(ro.out_dir) / "summary.json").string(), &error);
  };
  if (source) {
    // A database: the tables by name with their row counts (the connection
    // string is redacted in argv).
    RunReport pg_report;
    int code = RunPostgres(r, *engine, ro, *source, pushdown, quiet, ledger_dir, &pg_report);
    if (audit_path) {
      const Schema& schema = *r.program->schema;
      entry["inputs"] = nlohmann::json::array();
      nlohmann::json records = {{"table", TableName(schema.records_file)}};
      if (code == kExitOk) records["rows"] = pg_report.records;
      entry["inputs"].push_back(records);
      std::vector<std::string> list_tables;
      for (const ListSource& l : schema.list_sources) {
        const ColumnId lc = schema.FindColumn(l.field);
        if (lc == kNoColumn || !schema.columns[lc].synthetic) list_tables.push_back(TableName(l.file));  // contacts: the ledger
      }
      for (const std::string& table : list_tables) {
        nlohmann::json t = {{"table", table}};
        if (code == kExitOk && list_tables.size() == 1) t["rows"] = pg_report.list_rows;
        entry["inputs"].push_back(t);
      }
      if (code == kExitOk) audit_lists(pg_report);
    }
    return FinishAudit(audit_path, std::move(entry), code);
  }
  // The ledger records every row of every list (runtime/measure/ledger.h).
  measure::LedgerRun ledger;
  if (ledger_dir) {
    ledger.run_id = LedgerRunIdFor(r, ro.data_dir, ro.today);
    ledger.run_date = ro.today;
    RecordLedgerRows(*r.program, &ro, &ledger);
  }
  // Issue 12: earlier contacts for `contacted` and caps (this run's own rows excluded).
  measure::ContactIndex contacts;
  if (ledger_dir && r.program->contacts_column != kNoColumn) {
    std::string error = measure::ReadContacts(*ledger_dir, ledger.run_id, &contacts);
    if (!error.empty()) {
      std::fprintf(stderr, "cohort run: error: %s; no output was written\n", error.c_str());
      return FinishAudit(audit_path, std::move(entry), kExitData);
    }
    ro.contacts = &contacts;
  }
  RunReport report;
  RunStatus st = Run(*r.program, *engine, ro, &report);
  for (const auto& w : st.data_warnings) std::fprintf(stderr, "warning: %s\n", w.ToString().c_str());
  if (st.code == 3) {
    for (const auto& e : st.data_errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "cohort run: data errors; no output was written\n");
    return FinishAudit(audit_path, std::move(entry), kExitData);
  }
  if (st.code != 0) {
    std::fprintf(stderr, "cohort run: error: %s; the previous outputs are unchanged\n", st.message.c_str());
    return FinishAudit(audit_path, std::move(entry), kExitInternal);
  }
  if (!quiet) std::cout << FormatReportTable(report);
  if (ledger_dir)
    if (int code = WriteLedgerAfterRun(*ledger_dir, std::move(ledger), quiet)) return FinishAudit(audit_path, std::move(entry), code);
  if (audit_path) audit_lists(report);
  return FinishAudit(audit_path, std::move(entry), kExitOk);
}

}  // namespace cohort::cli
