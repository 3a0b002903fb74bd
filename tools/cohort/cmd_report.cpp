// `cohort report`: attrition, overlap, equity, consent coverage and campaign
// takes as one self-contained HTML page or JSON, computed by observing the
// shared run pipeline (nothing else is written), with small-cell suppression.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "cohort/cohort.h"
#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/audit/audit.h"
#include "runtime/measure/ledger.h"
#include "runtime/measure/outcome/measure.h"
#include "runtime/report/report.h"
#include "runtime/suppress.h"
#include "runtime/run/run.h"
#include "tools/cohort/audit_cli.h"
#include "tools/cohort/cli.h"

namespace cohort::cli {

namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

/// Writes `content` to `path` atomically (a temporary file beside it, fsync, rename).
std::string WriteAtomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::random_device rd;
  fs::path tmp = dir / fmt::format(".{}.tmp-{}-{:08x}", target.filename().string(), ::getpid(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot create `{}`: {}", tmp.string(), std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string e = fmt::format("cannot write `{}`: {}", tmp.string(), std::strerror(errno));
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fmt::format("cannot flush `{}`: {}", tmp.string(), std::strerror(errno));
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    std::string e = fmt::format("cannot move `{}` into place: {}", path, std::strerror(errno));
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

}  // namespace

int CmdReport(Args& args) {
  auto data = args.Value("--data");
  auto out = args.Value("--out");
  auto today_s = args.Value("--today");
  auto format = args.Value("--format");
  auto by_s = args.Value("--by");
  auto min_cell_s = args.Value("--min-cell");
  auto engine_name = args.Value("--engine");
  auto threads_s = args.Value("--threads");
  auto audit_path = AuditPath(args);
  auto ledger_dir = args.Value("--ledger");  // issue 12: contact history and the measurement section
  std::vector<std::string> files = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "report");
  if (files.size() != 1) return UsageError("expected exactly one segment file", "report");
  if (!data) return UsageError("missing --data DIR", "report");
  if (!out) return UsageError("missing --out PATH", "report");
  std::string fmt_name = format.value_or(out->size() > 5 && out->substr(out->size() - 5) == ".json" ? "json" : "html");
  if (fmt_name != "html" && fmt_name != "json") return UsageError("--format must be `html` or `json`", "report");
  int64_t min_cell = kDefaultMinCell;
  if (!ParseMinCell(min_cell_s, &min_cell)) return UsageError("--min-cell must be a number from 0", "report");
  RunOptions ro;
  ro.data_dir = *data;
  ro.today = TodayUtc();
  ro.write_outputs = false;
  if (today_s) {
    auto t = ParseDay(*today_s);
    if (!t) return UsageError("--today must be a date `YYYY-MM-DD`", "report");
    ro.today = *t;
  }
  ro.threads = 1;
  if (threads_s) {
    char* end = nullptr;
    long long v = std::strtoll(threads_s->c_str(), &end, 10);
    if (threads_s->empty() || *end || v < 1 || v > 256) return UsageError("--threads must be a number from 1 to 256", "report");
    ro.threads = static_cast<int>(v);
  }
  std::string engine_choice = engine_name.value_or(HasJit() ? "jit" : "interp");
  if (engine_choice != "jit" && engine_choice != "interp")
    return UsageError("unknown engine `" + engine_choice + "`; use `jit` or `interp`", "report");

  CompileResult r;
  if (int code = CompileForRun(files[0], ro.today, &r)) return code;
  if (int code = CheckLedgerUse(r, ledger_dir.has_value(), false)) return code;
  // The history a `cohort run` of these inputs on this day would see (its own rows left out).
  // The ledger is read once, for the history (before the run) and the
  // measurement (after it); a ledger directory not created yet is an empty
  // history, as for `cohort run`.
  std::vector<measure::LedgerRun> ledger_runs;
  std::string ledger_error;
  if (ledger_dir) ledger_error = measure::ReadLedger(*ledger_dir, &ledger_runs);
  measure::ContactIndex contacts;
  if (ledger_dir && r.program->contacts_column != kNoColumn) {
    std::error_code ec;
    if (std::filesystem::exists(*ledger_dir, ec) && !ledger_error.empty()) {
      std::fprintf(stderr, "cohort report: error: %s; no report was written\n", ledger_error.c_str());
      return kExitData;
    }
    contacts = measure::ContactIndex::FromLedger(ledger_runs, LedgerRunIdFor(r, ro.data_dir, ro.today));
    ro.contacts = &contacts;
  }
  std::string by_error;
  report::ReportOptions opts;
  opts.by = report::ResolveGroupBy(*r.program->schema, by_s ? SplitComma(*by_s) : std::vector<std::string>{}, &by_error);
  if (!by_error.empty()) return UsageError(by_error, "report");

  std::unique_ptr<Engine> engine;
  std::string note;
  engine = engine_choice == "jit" ? MakeBestEngine(r.program, &note) : MakeInterpreter(r.program);
  if (!note.empty()) std::fprintf(stderr, "cohort report: note: %s; using the interpreter\n", note.c_str());

  nlohmann::json entry = AuditEntry("report", &r);
  entry["today"] = FormatDate(ro.today);
  entry["engine"] = std::string(engine->name());
  AuditDataInputs(entry, *r.program->schema, ro.data_dir);

  report::ReportBuilder builder(r.program, *r.sources, ro.today, opts);
  ro.on_batch = [&](const CohortBatchView& v, const BatchResult& res, const Decisions& d) { builder.Add(v, res, d); };
  RunReport run;
  RunStatus st = Run(*r.program, *engine, ro, &run);
  if (st.code == 3) {
    for (const auto& e : st.data_errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    std::fprintf(stderr, "cohort report: data errors; no report was written\n");
    return FinishAudit(audit_path, std::move(entry), kExitData);
  }
  if (st.code != 0) {
    std::fprintf(stderr, "cohort report: error: %s\n", st.message.c_str());
    return FinishAudit(audit_path, std::move(entry), kExitInternal);
  }
  report::ReportData rd = builder.Finish(run);
  if (ledger_dir) {
    if (!ledger_error.empty()) {
      std::fprintf(stderr, "cohort report: error: %s\n", ledger_error.c_str());
      return FinishAudit(audit_path, std::move(entry), kExitData);
    }
    measure::MeasureOptions mo;
    mo.data_dir = ro.data_dir;
    mo.today = ro.today;
    measure::Measurement m;
    measure::MeasureStatus ms = measure::Measure(r.program, ledger_runs, mo, &m);
    if (ms.code != 0) {
      for (const auto& e : ms.data_errors) std::fprintf(stderr, "%s\n", e.ToString().c_str());
      return FinishAudit(audit_path, std::move(entry), kExitData);
    }
    rd.measurement = std::move(m);
  }
  std::string title = fmt::format("Cohort report: {}", std::filesystem::path(files[0]).filename().string());
  std::string content = fmt_name == "json" ? report::ReportJson(rd, min_cell) : report::ReportHtml(rd, min_cell, title);
  std::string error = WriteAtomically(*out, content);
  if (!error.empty()) {
    std::fprintf(stderr, "cohort report: error: %s\n", error.c_str());
    return FinishAudit(audit_path, std::move(entry), kExitInternal);
  }
  entry["outputs"] = {{{"path", *out}, {"sha256", audit::Sha256Hex(content)}}};
  entry["min_cell"] = min_cell;
  std::fprintf(stderr, "cohort report: wrote %s (%s, %lld records%s)\n", out->c_str(), fmt_name.c_str(),
               static_cast<long long>(run.records),
               min_cell > 0 ? fmt::format(", counts below {} suppressed", min_cell).c_str() : ", no suppression");
  return FinishAudit(audit_path, std::move(entry), kExitOk);
}

int CmdAudit(Args& args) {
  std::vector<std::string> pos = args.Positionals();
  if (!args.error().empty()) return UsageError(args.error(), "audit");
  if (pos.size() != 2 || pos[0] != "verify") return UsageError("usage: cohort audit verify FILE", "audit");
  audit::VerifyResult v = audit::Verify(pos[1]);
  if (v.ok) {
    std::printf("%s: %lld entr%s, chain intact\n", pos[1].c_str(), static_cast<long long>(v.lines),
                v.lines == 1 ? "y" : "ies");
    return kExitOk;
  }
  if (v.bad_line == 0) {
    std::fprintf(stderr, "cohort audit: error: %s\n", v.problem.c_str());
    return kExitUsage;
  }
  std::printf("%s:%lld: %s\n", pos[1].c_str(), static_cast<long long>(v.bad_line), v.problem.c_str());
  return kExitDiagnostics;
}

}  // namespace cohort::cli
