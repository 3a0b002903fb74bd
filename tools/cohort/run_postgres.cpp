// `cohort run FILE --source postgresql://...`: PostgreSQL as a source and a
// target. Pull (default): each table of the schema is streamed with
// `COPY (SELECT ...) TO STDOUT (FORMAT csv)` into a private temporary
// directory (0700, removed afterwards) and read by the normal loader and
// pipeline (JIT or interpreter), so validation and semantics are exactly
// those of a CSV run. `--pushdown`: the generated SQL (compiler/sql) runs in
// the server; its rows stream back (single-row mode) into the same OUT
// layout and summary.json (WriteRunOutputs); with `--ledger` its list rows
// are recorded under a run id fingerprinted in the server (PushdownRunId).
// Connection failures and missing tables/columns are data errors (exit 3)
// and nothing is written; no message contains a password (pg::Scrub).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "compiler/driver/driver.h"
#include "compiler/sql/sql.h"
#include "core/dates.h"
#include "runtime/measure/contacts.h"
#include "runtime/measure/ledger.h"
#include "runtime/run/run.h"
#include "tools/cohort/cli.h"
#include "tools/cohort/run_postgres.h"
#ifdef COHORT_HAVE_PG
#include "runtime/pg/pg_client.h"
#endif

namespace cohort::cli {

#ifndef COHORT_HAVE_PG
int RunPostgres(const CompileResult&, const Engine&, RunOptions, const std::string&, bool, bool,
                const std::optional<std::string>&, RunReport*) {
  std::fprintf(stderr, "cohort run: this build has no PostgreSQL support (libpq-dev was missing at build time)\n");
  return kExitUsage;
}
#else

namespace {

namespace fs = std::filesystem;

int SourceError(const std::string& what, const std::string& message) {
  std::fprintf(stderr, "cohort run: PostgreSQL: %s: %s; nothing was written\n", what.c_str(), message.c_str());
  return kExitData;
}

/// Issue 12: the ledger run id of a `--pushdown` run: the sources' SHA-256
/// (as LedgerRunIdFor), then per input table a fingerprint computed in the
/// server over exactly the rows the pull path extracts
/// (sql::EmitExtractQueries): the row count and the sums, as exact
/// `numeric`, of the two signed 64-bit halves of md5(row::text). A sum does
/// not depend on the row order and needs no client copy and no string_agg
/// (1 GB limit); the row text quotes what is ambiguous (commas, quotes,
/// empty strings vs NULL), so a changed row changes its md5 and the sums.
/// Returns "" and sets `*error` on failure.
std::string PushdownRunId(const CompileResult& r, pg::Connection& conn, int32_t today, std::string* error) {
  std::vector<std::string> hashes = LedgerSourceHashes(r);
  for (const sql::ExtractQuery& q : sql::EmitExtractQueries(*r.program->schema)) {
    auto half = [](const char* from) {
      return std::string("COALESCE(SUM(('x' || substr(h, ") + from + ", 16))::bit(64)::bigint::numeric), 0)::text";
    };
    const std::string fingerprint = "SELECT count(*)::text, " + half("1") + ", " + half("17") +
                                    " FROM (SELECT md5(t::text) AS h FROM (" + q.query + ") AS t) AS f";
    std::vector<std::string> columns;
    std::string fp;
    auto on_row = [&](const pg::Row& row) {
      fp = "table " + q.table;
      for (const auto& v : row) fp += " " + std::string(v.value_or("-"));
    };
    if (!conn.StreamQuery(fingerprint, &columns, on_row, error)) {
      *error = "cannot fingerprint table `" + q.table + "`: " + *error;
      return "";
    }
    hashes.push_back(fp);
  }
  return measure::LedgerRunId(hashes, today);
}

/// Issue 12: the ledger's contact history (channel-list rows of every run
/// but `exclude_run_id`, this run's own) into the session's temporary table
/// `contacts(key, channel, send_on)`, which the generated SQL reads
/// (core/contacts.h), indexed on the key.
int UploadContacts(pg::Connection& conn, const std::string& ledger_dir, const std::string& exclude_run_id) {
  std::vector<measure::LedgerRun> runs;
  std::error_code ec;
  std::string error = fs::exists(ledger_dir, ec) ? measure::ReadLedger(ledger_dir, &runs) : "";
  if (!error.empty()) {
    std::fprintf(stderr, "cohort run: error: %s; no output was written\n", error.c_str());
    return kExitData;
  }
  std::erase_if(runs, [&](const measure::LedgerRun& run) { return run.run_id == exclude_run_id; });
  if (!conn.Exec("CREATE TEMP TABLE \"contacts\" (\"key\" text, \"channel\" text, \"send_on\" date)", &error))
    return SourceError("cannot create the contacts table", error);
  size_t run = 0, row = 0;
  auto next = [&](std::string* chunk) {
    while (run < runs.size() && chunk->size() < (1u << 16)) {
      if (row >= runs[run].rows.size()) {
        ++run, row = 0;
        continue;
      }
      const measure::LedgerRow& lr = runs[run].rows[row++];
      if (lr.list == "holdout") continue;  // holdout rows are not contacts
      AppendCsvField(*chunk, lr.key);
      chunk->push_back(',');
      AppendCsvField(*chunk, lr.list);
      *chunk += "," + FormatDate(lr.send_on) + "\n";
    }
    return run < runs.size();
  };
  if (!conn.CopyIn("COPY \"contacts\" (\"key\", \"channel\", \"send_on\") FROM STDIN (FORMAT csv)", next, &error))
    return SourceError("cannot upload the ledger's contact history", error);
  if (!conn.Exec("CREATE INDEX ON \"contacts\" (\"key\"); ANALYZE \"contacts\"", &error))
    return SourceError("cannot index the contacts table", error);
  return 0;
}

int Report(const RunReport& report, bool quiet) {
  if (!quiet) std::cout << FormatReportTable(report);
  return kExitOk;
}

/// Runs the generated SQL in the server and writes the lists; appends every
/// list row to `ledger` when it is not null.
int Pushdown(const CompileResult& r, pg::Connection& conn, const RunOptions& ro, bool quiet, measure::LedgerRun* ledger,
             RunReport* out_report) {
  const ir::Program& p = *r.program;
  sql::SqlOptions so;
  so.dialect = sql::Dialect::kPostgres;
  so.today = ro.today;
  DiagnosticBag diags;
  // The segments are evaluated once, into a temporary table both the list
  // and the summary query read (the session's own: dropped when it ends).
  const std::string decisions_table = "cohort_decisions";
  const std::string decisions_sql = sql::EmitDecisionsTable(p, so, decisions_table, &diags);
  so.decisions_table = decisions_table;
  std::string lists_sql = sql::EmitListQuery(p, so, &diags);
  std::string summary_sql = sql::EmitSummaryQuery(p, so, &diags);
  for (const auto& d : diags.all()) std::fputs(RenderText(d, *r.sources, UseColor()).c_str(), stderr);
  if (diags.has_errors()) return kExitDiagnostics;
  std::string error;
  if (!conn.Exec(decisions_sql, &error))
    return SourceError("the segment query failed", error);
  std::map<std::string, size_t> segment_index;
  for (size_t s = 0; s < p.segments.size(); ++s) segment_index[p.segments[s].name] = s;
  RunLists lists;
  lists.channels.resize(p.segments.size());
  lists.holdouts.resize(p.segments.size());
  for (size_t s = 0; s < p.segments.size(); ++s) lists.channels[s].resize(p.segments[s].channels.size());
  bool has_variants = false;
  for (const ir::Segment& seg : p.segments) has_variants |= !seg.variants.empty();
  std::vector<std::string> columns;
  std::string bad;
  std::string line;  // a list row's line after the key
  auto on_row = [&](const pg::Row& row) {
    if (row.size() < 6 || !row[0] || !row[1] || !row[2]) {
      bad = "a row without segment, list or key";
      return;
    }
    auto it = segment_index.find(std::string(*row[0]));
    if (it == segment_index.end()) {
      bad = "a row of an unknown segment";
      return;
    }
    const ir::Segment& seg = p.segments[it->second];
    std::string_view list = *row[1];
    if (list == "holdout") {
      lists.holdouts[it->second].Add(*row[2]);
      if (ledger) ledger->rows.push_back(LedgerRowOf(seg, seg.channels.size(), *row[2], ro.today, ""));
      return;
    }
    size_t c = 0;
    while (c < seg.channels.size() && seg.channels[c].name != list) ++c;
    if (c == seg.channels.size()) {
      bad = "a row of an unknown list";
      return;
    }
    line.clear();  // the line after the key
    for (size_t k = 3; k < 6; ++k) {
      line.push_back(',');
      AppendCsvField(line, row[k].value_or(""));
    }
    // Variants (issue 12): column 6 is `variant` when any segment has them.
    const size_t first_export = has_variants ? 7 : 6;
    const std::string_view variant = has_variants && !seg.variants.empty() && row.size() > 6 ? row[6].value_or("") : "";
    if (has_variants && !seg.variants.empty() && row.size() > 6) {
      line.push_back(',');
      AppendCsvField(line, variant);
    }
    if (ledger) ledger->rows.push_back(LedgerRowOf(seg, c, *row[2], ro.today, variant));
    for (ColumnId col : seg.exports) {
      line.push_back(',');
      const std::string& path = p.schema->columns[col].path;
      for (size_t k = first_export; k < columns.size() && k < row.size(); ++k)
        if (columns[k] == path) AppendCsvField(line, row[k].value_or(""));
    }
    lists.channels[it->second][c].Add(*row[2], line);
  };
  if (!conn.StreamQuery(lists_sql, &columns, on_row, &error)) return SourceError("the list query failed", error);
  if (!bad.empty()) {
    std::fprintf(stderr, "cohort run: internal error: the list query returned %s\n", bad.c_str());
    return kExitInternal;
  }
  RunReport report;
  report.engine = "sql (postgres pushdown)";
  report.today = FormatDate(ro.today);
  ReportTally tally(p, ro.today, &report);
  auto on_count = [&](const pg::Row& row) {
    if (row.size() < 3 || !row[0] || !row[1] || !row[2]) return;
    std::string seg(*row[0]), item(*row[1]);
    int64_t v = std::strtoll(std::string(*row[2]).c_str(), nullptr, 10);
    if (seg.empty()) {
      if (item == "records") report.records = v;
      else if (item == "events.rows") report.list_rows = v;
      else if (item == "events.unmatched") report.list_rows_unmatched = v;
      return;
    }
    if (item.rfind("taken:", 0) == 0) {
      size_t gt = item.find('>');
      for (CampaignStats& c : report.campaigns)
        if (c.name == seg) c.taken[{item.substr(6, gt - 6), item.substr(gt + 1)}] = v;
      return;
    }
    auto it = segment_index.find(seg);
    if (it == segment_index.end()) return;
    SegmentStats& st = report.segments[it->second];
    if (item == "records") st.records = v;
    else if (item == "where_matched") st.where_matched = v;
    else if (item == "members") st.members = v;
    else if (item == "taken_by_campaign") st.taken_by_campaign = v;
    else if (item == "held_out") st.held_out = v;
    else if (item.rfind("exclude_removed.", 0) == 0) {
      size_t k = std::strtoul(item.c_str() + 16, nullptr, 10);
      if (k >= 1 && k <= st.exclude_removed.size()) st.exclude_removed[k - 1] = v;
    } else {
      for (ChannelStats& c : st.channels) {
        std::string prefix = c.name + "#" + std::to_string(c.step) + ".";
        if (item.rfind(prefix, 0) != 0) continue;
        std::string f = item.substr(prefix.size());
        if (f == "eligible") c.eligible = v;
        else if (f == "listed") c.listed = v;
        else if (f == "lacked_consent") c.lacked_consent = v;
        else if (f == "condition_false") c.condition_false = v;
        else if (f == "capped") c.capped = v;
      }
    }
  };
  std::vector<std::string> summary_columns;
  if (!conn.StreamQuery(summary_sql, &summary_columns, on_count, &error)) return SourceError("the summary query failed", error);
  if (!WriteRunOutputs(p, &lists, report, ro.out_dir, &error)) {
    std::fprintf(stderr, "cohort run: error: %s; the previous outputs are unchanged\n", error.c_str());
    return kExitInternal;
  }
  if (out_report) *out_report = report;
  return Report(report, quiet);
}

}  // namespace

int RunPostgres(const CompileResult& r, const Engine& engine, RunOptions ro, const std::string& conninfo, bool pushdown,
                bool quiet, const std::optional<std::string>& ledger_dir, RunReport* out_report) {
  std::string error;
  auto conn = pg::Connection::Open(conninfo, &error);
  if (!conn) return SourceError("cannot connect", error);
  if (!conn->Exec("SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 1", &error))
    return SourceError("cannot set up the session", error);
  if (pushdown) {
    // Issue 12: the run id first, so the upload leaves out this run's own
    // rows (a re-run of the same day), as ReadContacts does for `--data`.
    measure::LedgerRun ledger;
    if (ledger_dir) {
      ledger.run_id = PushdownRunId(r, *conn, ro.today, &error);
      if (ledger.run_id.empty()) return SourceError("cannot identify the run for the ledger", error);
      ledger.run_date = ro.today;
      if (r.program->contacts_column != kNoColumn)
        if (int code = UploadContacts(*conn, *ledger_dir, ledger.run_id)) return code;
    }
    int code = Pushdown(r, *conn, ro, quiet, ledger_dir ? &ledger : nullptr, out_report);
    if (ledger_dir && code == kExitOk) code = WriteLedgerAfterRun(*ledger_dir, std::move(ledger), quiet);
    return code;
  }

  // Pull: stream each table into a private directory, then the normal run.
  std::string tmpl = (fs::temp_directory_path() / "cohort-pg.XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return SourceError("cannot create a temporary directory", std::strerror(errno));
  const fs::path tmp = tmpl;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmp};
  for (const sql::ExtractQuery& q : sql::EmitExtractQueries(*r.program->schema)) {
    if (!conn->CopyCsvToFile(q.query, (tmp / q.file).string(), &error))
      return SourceError("cannot read table `" + q.table + "`", error);
  }
  conn.reset();
  ro.data_dir = tmp.string();
  // Issue 12: the ledger as in a `--data` run (the run id hashes the pulled files).
  measure::LedgerRun ledger;
  measure::ContactIndex contacts;
  if (ledger_dir) {
    ledger.run_id = LedgerRunIdFor(r, ro.data_dir, ro.today);
    ledger.run_date = ro.today;
    RecordLedgerRows(*r.program, &ro, &ledger);
    if (r.program->contacts_column != kNoColumn) {
      std::string lerror = measure::ReadContacts(*ledger_dir, ledger.run_id, &contacts);
      if (!lerror.empty()) {
        std::fprintf(stderr, "cohort run: error: %s; no output was written\n", lerror.c_str());
        return kExitData;
      }
      ro.contacts = &contacts;
    }
  }
  RunReport report;
  RunStatus st = Run(*r.program, engine, ro, &report);
  if (st.code == 3) {
    for (DataError e : st.data_errors) {
      // Name the table, not the temporary file.
      std::string file = fs::path(e.file).filename().string();
      e.file = "table " + sql::TableName(file) + " (COPY row " + std::to_string(e.line - 1) + ")";
      e.line = 0;
      std::fprintf(stderr, "%s\n", e.ToString().c_str());
    }
    std::fprintf(stderr, "cohort run: data errors; no output was written\n");
    return kExitData;
  }
  if (st.code != 0) {
    std::fprintf(stderr, "cohort run: error: %s; the previous outputs are unchanged\n", st.message.c_str());
    return kExitInternal;
  }
  report.engine += " (from postgres)";
  if (out_report) *out_report = report;
  int code = Report(report, quiet);
  if (ledger_dir && code == kExitOk) code = WriteLedgerAfterRun(*ledger_dir, std::move(ledger), quiet);
  return code;
}

#endif

}  // namespace cohort::cli
