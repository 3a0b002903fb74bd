// The SQL differential test's case generator: random well-typed programs
// (tests/unit/jit/program_gen.h) x random Patient data (nulls, empty lists and
// sets, boundary dates and ints, events of unknown patients), written as the
// pinned CSV layout. For each case it runs the reference interpreter through
// the shared run pipeline (Run: the same lists and summary.json `cohort run`
// writes) and emits the SQL of the program for PostgreSQL and DuckDB.
// tests/sql/run_sql_diff.sh runs the SQL on the real engines and compares.
//
//   sql_diff_gen OUTDIR CASES FIRST_SEED
// writes OUTDIR/case<seed>/{program.cohort, data/, expected/, *.sql, manifest.json}
// and OUTDIR/cases.txt (one case directory per line). Exit 1 when a program
// does not compile or the SQL emitter rejects it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "compiler/driver/driver.h"
#include "compiler/sql/sql.h"
#include "core/contacts.h"
#include "core/dates.h"
#include "runtime/measure/contacts.h"
#include "runtime/run/run.h"
#include "unit/jit/jit_test_util.h"
#include "unit/jit/program_gen.h"

using namespace cohort;
namespace fs = std::filesystem;

namespace {


/// A present scalar as the pinned CSV layout writes it.
std::string Cell(const CohortColumn& c, const Type& t, int64_t r) {
  switch (t.kind) {
    case TypeKind::kBool: return GetBit(static_cast<const uint8_t*>(c.values), r) ? "true" : "false";
    case TypeKind::kInt: return std::to_string(static_cast<const int64_t*>(c.values)[r]);
    case TypeKind::kDecimal: return fmt::format("{}", static_cast<const double*>(c.values)[r]);
    case TypeKind::kString: return std::string(StringAt(c, r));
    case TypeKind::kDate: return FormatDate(static_cast<const int32_t*>(c.values)[r]);
    case TypeKind::kTimestamp: return FormatTimestamp(static_cast<const int64_t*>(c.values)[r]);
    case TypeKind::kEnum: return t.enum_def->labels[static_cast<const uint8_t*>(c.values)[r]];
    default: return "";
  }
}

/// Writes the batch as patients.csv + events.csv. Keys are made unique and
/// non-empty (the loader requires it) and sort differently by bytes than by
/// any locale; a required string that is empty becomes "x" (an empty cell
/// is missing in the layout). Some events belong to no patient.
void WriteData(const Schema& schema, Batch& batch, std::mt19937_64& rng, const fs::path& dir, int32_t today,
               measure::ContactIndex* contacts_index) {
  static const char* kPrefixes[] = {"a", "B", "\xc3\x89", "Z", "_", "0", "b", "z,q"};
  const CohortBatchView& v = batch.View();
  std::vector<std::string> keys;
  for (int64_t r = 0; r < v.num_rows; ++r) keys.push_back(fmt::format("{}{}", kPrefixes[rng() % 8], r));
  const ColumnId key = schema.key_column();
  std::string patients, events;
  // Issue 12: the contacts column is the ledger: contacts.csv for SQL, the
  // same rows as a ContactIndex for the reference run.
  std::string contacts = fmt::format("{},channel,send_on\n", kContactsKeyColumn);
  bool first = true;
  for (const ColumnDef& c : schema.columns) {
    if (c.type.kind == TypeKind::kList) continue;
    patients += first ? "" : ",";
    first = false;
    AppendCsvField(patients, c.source.empty() ? c.path : c.source);
  }
  patients += "\n";
  events = "patient_id,kind,at,channel\n";
  for (int64_t r = 0; r < v.num_rows; ++r) {
    first = true;
    for (ColumnId id = 0; id < schema.columns.size(); ++id) {
      const ColumnDef& def = schema.columns[id];
      const CohortColumn& col = v.columns[id];
      if (def.synthetic) {
        for (int32_t e = col.offsets[r]; e < col.offsets[r + 1]; ++e) {
          std::string owner = rng() % 10 == 0 ? "nobody" + std::to_string(e) : keys[static_cast<size_t>(r)];
          std::string channel(StringAt(col.children[kContactChannelField], e));
          int32_t send_on = static_cast<const int32_t*>(col.children[kContactSendOnField].values)[e];
          // Half the contacts within 10 days of today, where caps bite.
          if (rng() % 2) send_on = today + static_cast<int32_t>(rng() % 21) - 10;
          AppendCsvField(contacts, owner);
          contacts += "," + channel + "," + FormatDate(send_on) + "\n";
          contacts_index->Add(owner, {channel, send_on});
        }
        continue;
      }
      if (def.type.kind == TypeKind::kList) {
        const RecordDef& rec = *def.type.record_def;
        for (int32_t e = col.offsets[r]; e < col.offsets[r + 1]; ++e) {
          AppendCsvField(events, rng() % 10 == 0 ? "nobody" + std::to_string(e) : keys[static_cast<size_t>(r)]);
          for (size_t f = 0; f < rec.fields.size(); ++f) {
            events += ",";
            const CohortColumn& fc = col.children[f];
            if (IsValid(fc, e)) AppendCsvField(events, Cell(fc, rec.fields[f].type, e));
          }
          events += "\n";
        }
        continue;
      }
      patients += first ? "" : ",";
      first = false;
      if (id == key) {
        AppendCsvField(patients, keys[static_cast<size_t>(r)]);
        continue;
      }
      if (def.type.kind == TypeKind::kStringSet) {
        std::string joined;
        const CohortColumn& items = col.children[0];
        for (int32_t e = col.offsets[r]; e < col.offsets[r + 1]; ++e) joined += (joined.empty() ? "" : ";") + std::string(StringAt(items, e));
        AppendCsvField(patients, joined);
        continue;
      }
      if (!IsValid(col, r)) continue;
      std::string cell = Cell(col, def.type, r);
      if (cell.empty() && !def.optional) cell = "x";
      AppendCsvField(patients, cell);
    }
    patients += "\n";
  }
  fs::create_directories(dir);
  std::ofstream(dir / "patients.csv", std::ios::binary) << patients;
  std::ofstream(dir / "events.csv", std::ios::binary) << events;
  if (schema.FindColumn(kContactsPath) != kNoColumn) std::ofstream(dir / "contacts.csv", std::ios::binary) << contacts;
}

void WriteFile(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: sql_diff_gen OUTDIR CASES FIRST_SEED\n");
    return 2;
  }
  const fs::path root = argv[1];
  const long cases = std::strtol(argv[2], nullptr, 10);
  const uint64_t first_seed = std::strtoull(argv[3], nullptr, 10);
  static const char* const kTodays[] = {"2026-11-23", "2024-02-29", "2025-03-31", "2026-01-01", "2025-02-28"};
  fs::create_directories(root);
  std::ofstream list(root / "cases.txt");
  int failures = 0, rejected = 0;
  for (long k = 0; k < cases; ++k) {
    const uint64_t seed = first_seed + static_cast<uint64_t>(k);
    std::mt19937_64 rng(seed * 7919 + 17);
    jit_test::ProgramGen gen(seed);
    std::string text = gen.Program();
    // Campaigns and holdouts are not produced by the generator: add them
    // here so priority and the MD5 rule are exercised too.
    const int32_t today = *ParseDate(kTodays[rng() % std::size(kTodays)]);
    CompileOptions co;
    co.file_name = fmt::format("gen_{}.cohort", seed);
    co.today = today;
    co.warn_unused = false;
    {
      CompileResult probe = Compile(text, co);
      if (probe.ok()) {
        std::vector<std::string> names;
        for (const ir::Segment& s : probe.program->segments) names.push_back(s.name);
        std::string extra;
        // Issue 12: campaigns with frequency caps (the contacts.csv ledger is
        // random): all segments under one capped campaign, or the first
        // segments capped and the rest counted uncapped or under a second cap.
        auto cap = [&]() {
          const unsigned n = 1 + rng() % 2 * (1 + rng() % 2), d = 1 + rng() % 20;
          return fmt::format("  cap {} message{} per {} day{}\n", n, n == 1 ? "" : "s", d, d == 1 ? "" : "s");
        };
        auto campaign = [&](const char* name, size_t from, size_t to, bool capped) {
          std::vector<std::string> part(names.begin() + static_cast<long>(from), names.begin() + static_cast<long>(to));
          extra += fmt::format("campaign {}\n  priority {}\n", name, fmt::join(part, ", ")) + (capped ? cap() : "");
        };
        // Random conditions rarely list anyone: a capped program also gets a
        // segment whose three steps (days apart) list every record with
        // consent, so that caps refuse rows.
        const unsigned shape = rng() % 4;
        if (shape >= 2) {
          text += fmt::format("segment Busy \"many steps\"\n  where true\n  channel sms if consent\n"
                              "  channel email after {} days if consent\n  channel phone after {} days if consent\n"
                              "  message \"m\" cta \"c\"\n  purpose treatment\n",
                              rng() % 4, rng() % 9);
          names.insert(names.begin() + static_cast<long>(rng() % (names.size() + 1)), "Busy");
        }
        switch (shape) {
          case 0: break;
          case 1:
            if (names.size() >= 2) campaign("C", 0, names.size(), false);
            break;
          case 2: campaign("C", 0, names.size(), true); break;
          default: {
            const size_t half = (names.size() + 1) / 2;
            campaign("C", 0, half, true);
            if (names.size() - half >= 1 && rng() % 2) campaign("D", half, names.size(), true);
          }
        }
        // `holdout` goes into the segment bodies: append after each `purpose` line.
        std::string with_holdout;
        size_t pos = 0;
        while (true) {
          size_t at = text.find("  purpose treatment\n", pos);
          if (at == std::string::npos) break;
          at += std::string_view("  purpose treatment\n").size();
          with_holdout += text.substr(pos, at - pos);
          if (rng() % 2) with_holdout += fmt::format("  holdout {}%\n", 5 + rng() % 60);
          pos = at;
        }
        with_holdout += text.substr(pos);
        text = with_holdout + extra;
      }
    }
    CompileResult r = Compile(text, co);
    if (!r.ok()) {
      ++rejected;  // counted; program_gen's own test checks the rate
      continue;
    }
    const fs::path dir = root / fmt::format("case{}", seed);
    fs::create_directories(dir);
    WriteFile(dir / "program.cohort", text);
    const int64_t rows = k % 5 == 0 ? static_cast<int64_t>(rng() % 4) : 20 + static_cast<int64_t>(rng() % 120);
    auto batch = jit_test::RandomBatch(*r.program->schema, rng, rows, today);
    measure::ContactIndex contacts;
    WriteData(*r.program->schema, *batch, rng, dir / "data", today, &contacts);
    // The reference: the interpreter through the shared run pipeline.
    auto interp = MakeInterpreter(r.program);
    RunOptions ro;
    ro.data_dir = (dir / "data").string();
    ro.out_dir = (dir / "expected").string();
    ro.today = today;
    ro.contacts = &contacts;
    RunReport report;
    RunStatus st = Run(*r.program, *interp, ro, &report);
    if (st.code != 0) {
      std::fprintf(stderr, "seed %llu: the run failed (%d): %s\n", static_cast<unsigned long long>(seed), st.code,
                   st.data_errors.empty() ? st.message.c_str() : st.data_errors[0].ToString().c_str());
      ++failures;
      continue;
    }
    for (sql::Dialect d : {sql::Dialect::kPostgres, sql::Dialect::kDuckDb}) {
      sql::SqlOptions so;
      so.dialect = d;
      so.today = today;
      DiagnosticBag diags;
      std::string name(sql::DialectName(d));
      std::string q = sql::EmitListQuery(*r.program, so, &diags);
      std::string s = sql::EmitSummaryQuery(*r.program, so, &diags);
      if (diags.has_errors()) {
        std::fprintf(stderr, "seed %llu: the %s emitter rejected a checked program: %s\n%s\n",
                     static_cast<unsigned long long>(seed), name.c_str(), diags.all()[0].message.c_str(), text.c_str());
        ++failures;
        continue;
      }
      WriteFile(dir / ("lists." + name + ".sql"), q);
      WriteFile(dir / ("summary." + name + ".sql"), s);
      WriteFile(dir / ("ddl." + name + ".sql"), sql::EmitDdl(*r.program->schema, d));
    }
    WriteFile(dir / "manifest.json", sql::ListManifestJson(*r.program));
    list << dir.string() << "\n";
  }
  std::printf("sql_diff_gen: %ld programs, %d rejected by the checker, %d failures\n", cases, rejected, failures);
  if (rejected > cases / 10) {
    std::fprintf(stderr, "too many generated programs were rejected\n");
    return 1;
  }
  return failures ? 1 : 0;
}
