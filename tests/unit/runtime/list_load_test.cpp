// List files in the CSV loader: rows parsed and keyed by the chunk workers,
// grouped by owner once the file is read. List-heavy data gives the same
// batches and the same errors (first in file order) for 1 to 4 threads and
// any chunk size; a list the program reads no field of has only its header
// checked (LoadOptions::projection), unless every column is validated.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/dates.h"
#include "runtime/load_csv.h"
#include "runtime/load_keys.h"
#include "runtime/loader.h"
#include "test_util.h"

using namespace cohort;
using cohort::testing::SchemaFrom;
using cohort::testing::TempDir;

namespace {

const char* kSchema = R"(schema P "list load tests"
key id
record Ev {
  kind: enum(a, b, c)
  at: timestamp
  note: string?
  ok: bool?
  score: decimal?
  day: date?
}
id: string
born: date
events: list<Ev> from "events.csv" by pid
)";

/// Reads `id` and `born`, or also every field of `events`.
std::shared_ptr<const ir::UsedColumns> Projection(const Schema& schema, bool events) {
  auto used = std::make_shared<ir::UsedColumns>();
  used->columns.assign(schema.columns.size(), 0);
  used->elements.resize(schema.columns.size());
  for (const char* c : {"id", "born"}) used->columns[schema.FindColumn(c)] = 1;
  if (events) {
    used->columns[schema.FindColumn("events")] = 1;
    used->elements[schema.FindColumn("events")].assign(6, 1);
  }
  return used;
}

struct Loaded {
  std::string text;  ///< every value of every row and the counts, or the errors
  std::vector<DataError> errors;
  LoadStats stats;
};

Loaded Load(const std::shared_ptr<Schema>& schema, const std::string& dir, int threads, size_t chunk,
            std::shared_ptr<const ir::UsedColumns> projection = nullptr) {
  LoadOptions o;
  o.threads = threads;
  o.chunk_bytes = chunk;
  o.projection = std::move(projection);
  Loaded l;
  auto reader = OpenRecordReader(schema, dir, o, &l.errors);
  if (!reader) {
    for (const auto& e : l.errors) l.text += "E " + e.ToString() + "\n";
    return l;
  }
  const ColumnId id_c = schema->FindColumn("id"), born_c = schema->FindColumn("born"), ev_c = schema->FindColumn("events");
  for (;;) {
    Batch b(*schema);
    if (!reader->Next(&b, 7)) break;
    const CohortBatchView& v = b.View();
    const CohortColumn& ev = v.columns[ev_c];
    for (int64_t r = 0; r < v.num_rows; ++r) {
      l.text += std::string(StringAt(v.columns[id_c], r)) + " " +
                FormatDate(static_cast<const int32_t*>(v.columns[born_c].values)[r]) + " {";
      if (b.absent(ev_c)) {
        l.text += "absent}\n";
        continue;
      }
      const CohortColumn* f = ev.children;
      for (int32_t i = ev.offsets[r]; i < ev.offsets[r + 1]; ++i) {
        l.text += std::to_string(static_cast<const uint8_t*>(f[0].values)[i]) + "@" +
                  std::to_string(static_cast<const int64_t*>(f[1].values)[i]) + "/" +
                  (IsValid(f[2], i) ? std::string(StringAt(f[2], i)) : "-") + "/" +
                  (IsValid(f[3], i) ? (GetBit(static_cast<const uint8_t*>(f[3].values), i) ? "T" : "F") : "-") + "/" +
                  (IsValid(f[4], i) ? std::to_string(static_cast<const double*>(f[4].values)[i]) : "-") + "/" +
                  (IsValid(f[5], i) ? FormatDate(static_cast<const int32_t*>(f[5].values)[i]) : "-") + ",";
      }
      l.text += "}\n";
    }
  }
  l.errors = reader->errors();
  l.stats = reader->stats();
  l.text += "records " + std::to_string(l.stats.records) + " list " + std::to_string(l.stats.list_rows) + " unmatched " +
            std::to_string(l.stats.list_rows_unmatched) + " not read " + std::to_string(l.stats.lists_not_read) + "\n";
  if (!l.errors.empty()) l.text.clear();
  for (const auto& e : l.errors) l.text += "E " + e.ToString() + "\n";
  return l;
}

/// Loading `dir` on 1..`threads` threads with each chunk size gives `want`.
void CheckSameLoads(const std::shared_ptr<Schema>& schema, const std::string& dir, int threads,
                    std::initializer_list<size_t> chunks, const std::string& want) {
  for (int t = 1; t <= threads; ++t)
    for (size_t chunk : chunks) {
      CAPTURE(t);
      CAPTURE(chunk);
      CHECK(Load(schema, dir, t, chunk).text == want);
    }
}

/// One random events row for owner `pid` (malformed now and then when `errors`).
std::string EventRow(std::mt19937& rng, const std::string& pid, bool errors) {
  static const char* kinds[] = {"a", "b", "c"};
  std::string kind = kinds[rng() % 3];
  if (errors && rng() % 40 == 0) kind = "zz";
  std::string row = pid + "," + kind + ",2026-0" + std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10) +
                    "T1" + std::to_string(rng() % 10) + ":00:00Z,";
  switch (rng() % 4) {
    case 0: break;
    case 1: row += "\"sms, \"\"x\"\"\nline\""; break;
    default: row += "ch" + std::to_string(rng() % 5);
  }
  row += std::string(",") + (rng() % 3 == 0 ? "" : rng() % 2 ? "true" : "false") + ",";
  row += rng() % 3 == 0 ? "" : std::to_string(rng() % 1000) + ".5";
  row += "," + (rng() % 3 == 0 ? std::string() : "2025-1" + std::to_string(rng() % 3) + "-0" + std::to_string(1 + rng() % 9));
  row += rng() % 5 == 0 ? "\r\n" : "\n";
  if (errors && rng() % 50 == 0) row = pid + ",a\n";  // too few fields
  if (errors && rng() % 60 == 0) row = ",b,2026-01-01T00:00:00Z,,,,\n";  // no parent
  return row;
}

}  // namespace

TEST_CASE("list-heavy load: 1 and 2..4 threads give the same batches and the same errors, in file order") {
  auto schema = SchemaFrom(kSchema);
  std::mt19937 rng(23);
  TempDir dir;
  for (int iter = 0; iter < 9; ++iter) {
    CAPTURE(iter);
    const bool errors = iter % 3 == 2;
    const int records = 10 + static_cast<int>(rng() % 40);
    std::string p = "id,born\n";
    for (int r = 0; r < records; ++r) {
      // With errors, keys repeat now and then: both keys that own events and
      // keys no events row names.
      const int key = errors && rng() % 10 == 0 ? static_cast<int>(rng() % (r + 1)) : r;
      p += "P" + std::to_string(key) + ",1970-01-0" + std::to_string(1 + r % 9) + "\n";
    }
    std::string e = "pid,kind,at,note,ok,score,day\n";
    const int rows = records * (5 + static_cast<int>(rng() % 15));
    for (int k = 0; k < rows; ++k) e += EventRow(rng, "P" + std::to_string(rng() % (records + 10)), errors);
    dir.Write("patients.csv", p);
    dir.Write("events.csv", e);
    const Loaded want = Load(schema, dir.path(), 1, 0);
    const bool loaded = want.text.find('{') != std::string::npos;
    CHECK(want.errors.empty() == !errors);
    CHECK(loaded == !errors);
    CheckSameLoads(schema, dir.path(), 4, {1, 50, 333, 4096}, want.text);
  }
}

TEST_CASE("a list the program reads no field of: header checked, rows not read unless every column is validated") {
  auto schema = SchemaFrom(kSchema);
  TempDir dir;
  dir.Write("patients.csv", "id,born\nP1,1970-01-01\nP2,1970-01-02\n");
  // Row 3 has too few fields, row 4 an unknown kind.
  dir.Write("events.csv", "pid,kind,at,note,ok,score,day\nP1,a,2026-01-01T00:00:00Z,,,,\nP2,a\nP2,zz,x,,,,\n");
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    const Loaded unread = Load(schema, dir.path(), threads, 0, Projection(*schema, false));
    CHECK(unread.errors.empty());
    CHECK(unread.text == "P1 1970-01-01 {absent}\nP2 1970-01-02 {absent}\nrecords 2 list 0 unmatched 0 not read 1\n");
    const Loaded all = Load(schema, dir.path(), threads, 0);  // `--validate all`, `cohort import`
    REQUIRE(all.errors.size() == 3);
    CHECK(all.errors[0].line == 3);
    CHECK(all.errors[0].message.find("expected 7 fields") != std::string::npos);
    CHECK(all.errors[1].column == "kind");
    const Loaded read = Load(schema, dir.path(), threads, 0, Projection(*schema, true));  // the program reads events
    CHECK(read.text == all.text);
  }
  SUBCASE("the header still has to be right") {
    dir.Write("events.csv", "owner,kind,at,note,ok,score,day\n");
    const Loaded bad = Load(schema, dir.path(), 1, 0, Projection(*schema, false));
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].column == "pid");
    dir.Write("events.csv", "pid,kind,at,note,ok,score\n");
    const Loaded missing = Load(schema, dir.path(), 1, 0, Projection(*schema, false));
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0].column == "day");
  }
}

TEST_CASE("keys shaped as a prefix and a number (ids from the number) load like the same keys hashed") {
  // The loader gives keys shaped like the first one (`P00017`: prefix `P`,
  // five digits; `P17`: canonical numbers) their number as id, other keys a
  // hashed id. Every key with a `z` appended has no number: the same files
  // that way must give the same batches and errors.
  auto schema = SchemaFrom(kSchema);
  std::mt19937 rng(71);
  TempDir dir;
  auto pad = [](int n, int width) {
    std::string d = std::to_string(n);
    return std::string(d.size() < static_cast<size_t>(width) ? width - d.size() : 0, '0') + d;
  };
  // Near misses of either shape: other lengths, leading zeros, other
  // prefixes, a letter among the digits, numbers past the dense range.
  auto key = [&](std::mt19937& g, int n) {
    switch (g() % 10) {
      case 0: return "P" + std::to_string(n);
      case 1: return "P0" + std::to_string(n);
      case 2: return "Q" + pad(n, 5);
      case 3: return "P" + pad(n, 5) + "1";
      case 4: return "P" + pad(n, 4) + "x";
      case 5: return "P" + pad(50000 + n, 5);
      case 6: return std::string("P");
      default: return "P" + pad(n, 5);
    }
  };
  for (int iter = 0; iter < 12; ++iter) {
    CAPTURE(iter);
    const bool errors = iter % 4 == 3;
    const int records = 20 + static_cast<int>(rng() % 60);
    std::vector<std::string> keys;
    for (int r = 0; r < records; ++r) keys.push_back(key(rng, static_cast<int>(rng() % 200)));
    // The first events row sets the shape: fixed width, canonical, or none.
    const std::string first = iter % 3 == 0 ? "P00017" : iter % 3 == 1 ? "P17" : "A-1-b";
    auto write = [&](const std::string& suffix) {
      std::string p = "id,born\n";
      std::vector<std::string> seen;
      for (int r = 0; r < records; ++r) {
        // Without errors keys are unique (a repeat is a duplicate-key error).
        if (!errors && std::find(seen.begin(), seen.end(), keys[r]) != seen.end()) continue;
        seen.push_back(keys[r]);
        p += keys[r] + suffix + ",1970-01-0" + std::to_string(1 + r % 9) + "\n";
      }
      std::mt19937 rows(static_cast<unsigned>(iter));
      std::string e = "pid,kind,at,note,ok,score,day\n" + EventRow(rows, first + suffix, false);
      for (int k = 0; k < records * 6; ++k) {
        const std::string owner = rows() % 8 == 0 ? key(rows, static_cast<int>(rows() % 300)) : keys[rows() % keys.size()];
        e += EventRow(rows, owner + suffix, errors);
      }
      dir.Write("patients.csv", p);
      dir.Write("events.csv", e);
    };
    write("z");
    Loaded hashed = Load(schema, dir.path(), 1, 0);
    // Drop the `z` after each record's key (the first word of a line).
    for (size_t at = 0; (at = hashed.text.find("z ", at)) != std::string::npos;) hashed.text.erase(at, 1);
    write("");
    CHECK(hashed.errors.empty() == !errors);
    CheckSameLoads(schema, dir.path(), 3, {1, 97, 4096}, hashed.text);
  }
}

TEST_CASE("timestamps that repeat the previous cell's day are still checked whole") {
  // The timestamp parser remembers the last day it read (list files are
  // often in time order); a cell on the same day with a bad time of day,
  // `T` or `Z`, or a day that only looks the same, must still be exact.
  auto schema = SchemaFrom(kSchema);
  TempDir dir;
  dir.Write("patients.csv", "id,born\nP1,1970-01-01\n");
  std::mt19937 rng(5);
  std::vector<std::string> good = {"1970-01-01T00:00:00Z", "1970-01-01T23:59:60Z"};
  for (int k = 0; k < 300; ++k) {
    const std::string day = k % 50 < 40 ? "2026-03-04" : rng() % 2 ? "2026-03-05" : "2024-02-29";
    auto two = [&](int n) { return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10); };
    good.push_back(day + "T" + two(static_cast<int>(rng() % 24)) + ":" + two(static_cast<int>(rng() % 60)) + ":" +
                   two(static_cast<int>(rng() % 61)) + "Z");
  }
  // Other forms with the same day bytes (the general parser's).
  for (const char* other : {"2026-03-04T12:00:00+00:00", "2026-03-04 12:00:01z", "2026-03-04t12:00:02Z", "2026-03-04T12:00:00.25Z"})
    good.push_back(other);
  good.push_back("2026-03-04T12:00:00Z");
  std::string e = "pid,kind,at,note,ok,score,day\n";
  for (const std::string& at : good) e += "P1,a," + at + ",,,,\n";
  dir.Write("events.csv", e);
  for (int threads : {1, 2}) {
    const Loaded l = Load(schema, dir.path(), threads, 64);
    REQUIRE(l.errors.empty());
    // The rows' timestamps, in file order: `<kind>@<micros>/`.
    std::vector<int64_t> got;
    for (size_t at = 0; (at = l.text.find('@', at)) != std::string::npos; ++at)
      got.push_back(std::stoll(l.text.substr(at + 1, l.text.find('/', at) - at - 1)));
    REQUIRE(got.size() == good.size());
    for (size_t k = 0; k < good.size(); ++k) {
      CAPTURE(good[k]);
      CHECK(got[k] == ParseTimestampGeneral(good[k]).value());
    }
  }
  // Each bad cell follows a good one on the same day.
  const std::vector<std::string> bad = {"2026-03-04T24:00:00Z", "2026-03-04T12:60:00Z", "2026-03-04T12:00:61Z",
                                        "2026-03-04X12:00:00Z", "2026-03-04T12:00:00X", "2026-03-04T1a:00:00Z",
                                        "2026-03-04T12-00:00Z", "2026-03-04T12:00:00ZZ", "1970-01-01T00:00:0xZ"};
  e = "pid,kind,at,note,ok,score,day\n";
  for (const std::string& at : bad) e += "P1,a,2026-03-04T01:02:03Z,,,,\nP1,a," + at + ",,,,\n";
  dir.Write("events.csv", e);
  const Loaded l = Load(schema, dir.path(), 1, 0);
  REQUIRE(l.errors.size() == bad.size());
  for (size_t k = 0; k < bad.size(); ++k) {
    CAPTURE(bad[k]);
    CHECK(l.errors[k].line == static_cast<int64_t>(3 + 2 * k));
    CHECK(l.errors[k].column == "at");
  }
}

TEST_CASE("list rows converted a grid at a time: thousands of rows equal a model, for any thread count and chunk size") {
  // Rows are tokenized and converted 1,024 at a time, column by column, and
  // their owners interned per grid: quoted keys (also with doubled quotes,
  // unescaped into the tokenizer's scratch), nulls, owners no record has,
  // dense and hashed keys. The batches are computed here from the rows.
  auto schema = SchemaFrom(kSchema);
  std::mt19937 rng(91);
  TempDir dir;
  for (int iter = 0; iter < 4; ++iter) {
    CAPTURE(iter);
    const int records = 150 + static_cast<int>(rng() % 100);
    // Record keys: dense-shaped `P00042`, odd ones, and keys with a quote.
    std::vector<std::string> keys;
    for (int r = 0; r < records; ++r) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "P%05d", r * 3 + 1);
      const unsigned shape = rng() % 8;
      keys.push_back(shape == 0 ? "Q\"" + std::to_string(r) : shape == 1 ? "k" + std::to_string(r) + "x" : buf);
    }
    auto field = [&](const std::string& s, bool quote) {
      if (!quote && s.find('"') == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    };
    std::string p = "id,born\n";
    for (int r = 0; r < records; ++r) p += field(keys[r], rng() % 4 == 0) + ",1970-01-0" + std::to_string(1 + r % 9) + "\n";
    // Events: most owners are records' keys, some are not (unmatched).
    std::vector<std::string> groups(static_cast<size_t>(records));
    int64_t unmatched = 0;
    std::string e = "pid,kind,at,note,ok,score,day\n";
    const int rows = 2000 + static_cast<int>(rng() % 3000);
    for (int k = 0; k < rows; ++k) {
      const bool orphan = rng() % 20 == 0;
      const int owner = static_cast<int>(rng() % records);
      // The first row's key sets the dense shape: a record's key (P.....) or not.
      const std::string key = k == 0 && iter % 2 == 1 ? "zz" : orphan ? "P9" + std::to_string(rng() % 9999) : keys[owner];
      const int kind = static_cast<int>(rng() % 3);
      const std::string at = "2026-0" + std::to_string(1 + k / 700 % 9) + "-1" + std::to_string(k / 70 % 10) + "T" +
                             std::to_string(10 + rng() % 14) + ":0" + std::to_string(rng() % 10) + ":" +
                             std::to_string(10 + rng() % 50) + "Z";
      std::string note;
      bool has_note = true;
      switch (rng() % 5) {
        case 0: has_note = false; break;
        case 1: note = "a, \"b\"\nc"; break;
        default: note = "n" + std::to_string(rng() % 7);
      }
      const unsigned ok = rng() % 3;  // 0: null
      const bool has_score = rng() % 4 != 0;
      const int score = static_cast<int>(rng() % 1000);
      const bool has_day = rng() % 3 != 0;
      const std::string day = "2025-0" + std::to_string(1 + rng() % 9) + "-2" + std::to_string(rng() % 8);
      e += field(key, rng() % 5 == 0) + "," + "abc"[kind] + "," + at + "," + (has_note ? field(note, rng() % 2 == 0) : "") +
           "," + (ok == 0 ? "" : ok == 1 ? "true" : "false") + "," + (has_score ? std::to_string(score) + ".5" : "") + "," +
           (has_day ? day : "") + (rng() % 6 == 0 ? "\r\n" : "\n");
      if (orphan || (k == 0 && iter % 2 == 1)) {
        ++unmatched;
        continue;
      }
      int32_t days = 0;
      REQUIRE(ParseDate10(day, &days));
      groups[owner] += std::to_string(kind) + "@" + std::to_string(ParseTimestampGeneral(at).value()) + "/" +
                       (has_note ? note : "-") + "/" + (ok == 0 ? "-" : ok == 1 ? "T" : "F") + "/" +
                       (has_score ? std::to_string(score + 0.5) : "-") + "/" + (has_day ? FormatDate(days) : "-") + ",";
    }
    std::string want;
    for (int r = 0; r < records; ++r)
      want += keys[r] + " " + "1970-01-0" + std::to_string(1 + r % 9) + " {" + groups[r] + "}\n";
    want += "records " + std::to_string(records) + " list " + std::to_string(rows) + " unmatched " +
            std::to_string(unmatched) + " not read 0\n";
    dir.Write("patients.csv", p);
    dir.Write("events.csv", e);
    CheckSameLoads(schema, dir.path(), 3, {0, 1, 97, 5000}, want);
  }
}

TEST_CASE("list rows converted a grid at a time: many errors give the first 20 in file order on any thread count") {
  // Errors spread over several grids and chunks: rows without an owner (their
  // other cells are not checked), bad cells (two in one row: in field order),
  // rows of another width, a malformed quote. The first 20 are reported.
  auto schema = SchemaFrom(kSchema);
  std::mt19937 rng(17);
  TempDir dir;
  dir.Write("patients.csv", "id,born\nP1,1970-01-01\nP2,1970-01-02\n");
  struct Want {
    int64_t line;
    std::string column;
  };
  for (int iter = 0; iter < 3; ++iter) {
    CAPTURE(iter);
    std::vector<Want> want;
    std::string e = "pid,kind,at,note,ok,score,day\n";
    int64_t line = 1;
    const int rows = 3000;
    for (int k = 0; k < rows; ++k) {
      ++line;
      const bool bad = rng() % (iter == 0 ? 40 : 150) == 0;
      if (!bad) {
        e += std::string(rng() % 2 ? "P1" : "\"P2\"") + ",a,2026-01-02T03:04:05Z,,," + (rng() % 2 ? "1.5" : "") + ",\n";
        continue;
      }
      switch (rng() % 6) {
        case 0: e += ",zz,x,,,,\n"; want.push_back({line, "pid"}); break;  // no owner: the bad cells are not checked
        case 1: e += "\"\",a,2026-01-02T03:04:05Z,,,,\n"; want.push_back({line, "pid"}); break;  // quoted, empty
        case 2: e += "P1,zz,2026-01-02T03:04:05Z,,,,\n"; want.push_back({line, "kind"}); break;
        case 3:
          e += "P2,zz,2026-13-02T03:04:05Z,,maybe,,\n";
          want.push_back({line, "kind"});
          want.push_back({line, "at"});
          want.push_back({line, "ok"});
          break;
        case 4: e += "P1,a\n"; want.push_back({line, ""}); break;
        default: e += "P1,a,,,,,\n"; want.push_back({line, "at"}); break;  // a required cell missing
      }
    }
    e += "P1,\"a\"x,2026-01-02T03:04:05Z,,,,\n";
    want.push_back({++line, "kind"});
    dir.Write("events.csv", e);
    const size_t n = std::min<size_t>(want.size(), 20);
    for (int threads = 1; threads <= 3; ++threads)
      for (size_t chunk : {0, 64, 5000}) {
        CAPTURE(threads);
        CAPTURE(chunk);
        const Loaded l = Load(schema, dir.path(), threads, chunk);
        REQUIRE(l.errors.size() == n);
        for (size_t i = 0; i < n; ++i) {
          CAPTURE(i);
          CHECK(l.errors[i].line == want[i].line);
          CHECK(l.errors[i].column == want[i].column);
        }
      }
  }
}

TEST_CASE("dense keys: the number read a word at a time is the digit-by-digit rule's") {
  // DenseKeys::Id reads up to 8 trailing digits as one word; the model here
  // applies the shape rule a character at a time. Keys near the shape:
  // every length, digits swapped for bytes next to '0'..'9', other prefixes.
  auto model = [](const std::string& sample, uint32_t limit, const std::string& key, uint32_t* id) {
    size_t digits = 0;
    while (digits < sample.size() && std::isdigit(static_cast<unsigned char>(sample[sample.size() - 1 - digits]))) ++digits;
    if (digits == 0 || digits > 9 || limit == 0) return false;
    const std::string prefix = sample.substr(0, sample.size() - digits);
    const bool fixed = digits > 1 && sample[prefix.size()] == '0';
    if (fixed ? key.size() != sample.size() : key.size() <= prefix.size() || key.size() > prefix.size() + 9) return false;
    if (key.compare(0, prefix.size(), prefix) != 0) return false;
    const std::string rest = key.substr(prefix.size());
    if (!fixed && rest.size() > 1 && rest[0] == '0') return false;
    uint64_t v = 0;
    for (char c : rest) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v >= limit) return false;
    *id = static_cast<uint32_t>(v);
    return true;
  };
  std::mt19937 rng(5);
  const std::string alphabet = std::string("0123456789/:P-A") + '\0' + '\xff';
  int dense = 0;
  for (const std::string sample : {"P0000001", "P1", "MRN-00000007", "12345678", "7", "0000000001", "ABCDEFGH1", "P00000001",
                                   "ABCDEFGHIJ00042", "X12345678"}) {
    CAPTURE(sample);
    for (uint32_t limit : {1u, 1000u, 20004096u, 1u << 30}) {
      cohort::load::DenseKeys keys;
      keys.Configure(sample, limit);
      for (int k = 0; k < 3000; ++k) {
        std::string key = sample;
        if (k % 3 != 0) key.resize(1 + rng() % (sample.size() + 3), '0');
        for (char& c : key)
          if (rng() % 2) c = static_cast<char>('0' + rng() % 10);
        if (rng() % 4 == 0) key[rng() % key.size()] = alphabet[rng() % alphabet.size()];
        CAPTURE(key);
        uint32_t got = 0, want = 0;
        const bool is = keys.Id(key, &got);
        REQUIRE(is == model(sample, limit, key, &want));
        if (is) {
          CHECK(got == want);
          ++dense;
        }
      }
    }
  }
  CHECK(dense > 10000);  // the generator does reach the dense shape
}

TEST_CASE("grouping rows by key: positions are a stable counting sort for any thread count") {
  // GroupRows splits the key ids into one range per thread (from 65,536
  // rows on); each row's position must be its place in the rows stably
  // sorted by key, and group_start the groups' bounds.
  std::mt19937 rng(3);
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{70000}, size_t{200003}}) {
    for (size_t groups : {size_t{1}, size_t{7}, size_t{5000}, size_t{300000}}) {
      std::vector<uint32_t> keys(n);
      // Skewed: many rows on a few keys, and keys with no rows.
      for (uint32_t& k : keys) k = static_cast<uint32_t>(rng() % 4 == 0 ? rng() % std::min<size_t>(groups, 3) : rng() % groups);
      std::vector<uint32_t> order(n);
      for (uint32_t r = 0; r < n; ++r) order[r] = r;
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
      std::vector<uint32_t> want(n), want_start(groups + 1, 0);
      for (uint32_t i = 0; i < n; ++i) want[order[i]] = i;
      for (uint32_t k : keys) ++want_start[k + 1];
      for (size_t g = 0; g < groups; ++g) want_start[g + 1] += want_start[g];
      for (size_t threads : {1, 2, 3, 4}) {
        CAPTURE(n);
        CAPTURE(groups);
        CAPTURE(threads);
        std::vector<uint32_t> got = keys, start;
        cohort::load::GroupRows(&got, groups, threads, &start);
        CHECK(got == want);
        CHECK(start == want_start);
      }
    }
  }
}
