// Column projection in the CSV loader (LoadOptions::projection): projected
// columns load exactly as in a full load, unread columns are absent from the
// batches and their values are not validated, while the row structure (field
// counts, quotes, the header rules) still is; errors stay in file order for
// every thread count and chunk size.
#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/dates.h"
#include "runtime/loader.h"
#include "test_util.h"

using namespace cohort;
using cohort::testing::SchemaFrom;
using cohort::testing::TempDir;

namespace {

const char* kSchema = R"(schema P "projection tests"
key id
record Ev {
  kind: enum(a, b)
  at: timestamp
  note: string?
}
id: string
born: date
n: int?
name: string?
tags: set<string>
events: list<Ev> from "events.csv" by pid
)";

/// Reads `id`, `born` and `events.at` only (as a program would).
std::shared_ptr<const ir::UsedColumns> Projection(const Schema& schema) {
  auto used = std::make_shared<ir::UsedColumns>();
  used->columns.assign(schema.columns.size(), 0);
  used->elements.resize(schema.columns.size());
  for (const char* c : {"id", "born", "events"}) used->columns[schema.FindColumn(c)] = 1;
  used->elements[schema.FindColumn("events")] = {0, 1, 0};
  return used;
}

struct Loaded {
  std::string text;  ///< the read columns of every row, or the errors
  std::vector<DataError> errors;
  bool absent_ok = true;  ///< unread columns absent (projected loads) / none absent (full loads)
};

/// Loads `dir`; prints id, born and the events' `at` of every row (the
/// columns Projection reads), the counts, or the errors.
Loaded Load(const std::shared_ptr<Schema>& schema, const std::string& dir, bool project, int threads = 1,
            size_t chunk = 0) {
  LoadOptions o;
  o.threads = threads;
  o.chunk_bytes = chunk;
  if (project) o.projection = Projection(*schema);
  Loaded l;
  auto reader = OpenRecordReader(schema, dir, o, &l.errors);
  if (!reader) return l;
  const ColumnId id_c = schema->FindColumn("id"), born_c = schema->FindColumn("born"), ev_c = schema->FindColumn("events");
  for (;;) {
    Batch b(*schema);
    if (!reader->Next(&b, 5)) break;
    for (const char* c : {"n", "name", "tags"}) l.absent_ok = l.absent_ok && b.absent(schema->FindColumn(c)) == project;
    const ColumnData& ev = b.column(ev_c);
    l.absent_ok = l.absent_ok && ev.children[0].absent == project && ev.children[2].absent == project &&
                  !ev.children[1].absent && !b.absent(id_c) && !b.absent(born_c);
    const CohortBatchView& v = b.View();
    if (project) l.absent_ok = l.absent_ok && v.columns[schema->FindColumn("name")].length == 0 &&
                               v.columns[schema->FindColumn("name")].values == nullptr;
    for (int64_t r = 0; r < v.num_rows; ++r) {
      const CohortColumn& evs = v.columns[ev_c];
      l.text += std::string(StringAt(v.columns[id_c], r)) + " " +
                FormatDate(static_cast<const int32_t*>(v.columns[born_c].values)[r]) + " {";
      for (int32_t i = evs.offsets[r]; i < evs.offsets[r + 1]; ++i)
        l.text += std::to_string(static_cast<const int64_t*>(evs.children[1].values)[i]) + ",";
      l.text += "}\n";
    }
  }
  l.errors = reader->errors();
  l.text += "records " + std::to_string(reader->stats().records) + " list " + std::to_string(reader->stats().list_rows) +
            " unmatched " + std::to_string(reader->stats().list_rows_unmatched) + "\n";
  if (!l.errors.empty()) l.text.clear();
  for (const auto& e : l.errors) l.text += "E " + e.ToString() + "\n";
  return l;
}

}  // namespace

TEST_CASE("projection: the read columns load exactly as in a full load, the others are absent") {
  auto schema = SchemaFrom(kSchema);
  TempDir dir;
  std::mt19937 rng(11);
  std::string p = "id,born,n,name,tags\n", e = "pid,kind,at,note\n";
  for (int r = 0; r < 60; ++r) {
    p += "P" + std::to_string(r) + ",1970-0" + std::to_string(1 + r % 9) + "-11," + (r % 3 ? std::to_string(r) : "") +
         ",\"n,\n" + std::to_string(r) + "\",x;y\n";
    for (int k = rng() % 4; k > 0; --k)
      e += "P" + std::to_string(rng() % 70) + "," + (rng() % 2 ? "a" : "b") + ",2026-01-0" + std::to_string(1 + rng() % 9) +
           "T10:00:00Z,\"q\"\"\"\n";
  }
  dir.Write("patients.csv", p);
  dir.Write("events.csv", e);
  const Loaded full = Load(schema, dir.path(), false);
  REQUIRE(full.errors.empty());
  CHECK(full.absent_ok);
  for (int threads = 1; threads <= 3; ++threads)
    for (size_t chunk : {size_t{0}, size_t{19}, size_t{200}}) {
      CAPTURE(threads);
      CAPTURE(chunk);
      const Loaded proj = Load(schema, dir.path(), true, threads, chunk);
      CHECK(proj.absent_ok);
      CHECK(proj.text == full.text);
    }
}

TEST_CASE("projection: a bad value in an unread column is not an error; in a read column it is") {
  auto schema = SchemaFrom(kSchema);
  TempDir dir;
  dir.Write("patients.csv",
            "id,born,n,name,tags\nP1,1970-01-01,12x,ok,a\nP2,1970-01-02,,\"bad\x01\xff\",\nP3,1970-01-03,3,x,\n");
  dir.Write("events.csv", "pid,kind,at,note\nP1,zzz,2026-01-01T00:00:00Z,\nP2,a,2026-01-02T00:00:00Z,\n");
  const Loaded proj = Load(schema, dir.path(), true);
  CHECK(proj.errors.empty());
  CHECK(proj.text.find("records 3 list 2 unmatched 0") != std::string::npos);
  const Loaded full = Load(schema, dir.path(), false);  // every column is validated (`cohort import`)
  REQUIRE(full.errors.size() == 1);  // a list file's errors stop the load before the records file
  CHECK(full.errors[0].file.find("events.csv") != std::string::npos);
  CHECK(full.errors[0].column == "kind");
  dir.Write("events.csv", "pid,kind,at,note\nP1,b,2026-01-01T00:00:00Z,\n");
  const Loaded records = Load(schema, dir.path(), false);
  REQUIRE(records.errors.size() == 2);
  CHECK(records.errors[0].column == "n");
  CHECK(records.errors[1].column == "name");
  CHECK(Load(schema, dir.path(), true).errors.empty());

  SUBCASE("the row structure of unread columns is still checked") {
    dir.Write("patients.csv", "id,born,n,name,tags\nP1,1970-01-01,1,x\nP2,1970-01-02,,\"open\n");
    const Loaded bad = Load(schema, dir.path(), true);
    REQUIRE(bad.errors.size() == 2);
    CHECK(bad.errors[0].line == 2);
    CHECK(bad.errors[0].message.find("expected 5 fields") != std::string::npos);
    CHECK(bad.errors[1].line == 3);
  }
  SUBCASE("the header rules hold for unread columns") {
    dir.Write("patients.csv", "id,born,n,tags\nP1,1970-01-01,1,\n");
    const Loaded bad = Load(schema, dir.path(), true);
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].column == "name");
  }
}

TEST_CASE("projection: the first error is the first in file order for 1 to 4 threads") {
  auto schema = SchemaFrom(kSchema);
  TempDir dir;
  std::mt19937 rng(5);
  for (int iter = 0; iter < 8; ++iter) {
    CAPTURE(iter);
    std::string p = "id,born,n,name,tags\n";
    const int rows = 40 + static_cast<int>(rng() % 60);
    for (int r = 0; r < rows; ++r) {
      std::string born = "1970-01-0" + std::to_string(1 + r % 9);
      if (rng() % 12 == 0) born = "1970-02-30";            // read: an error
      std::string n = rng() % 7 == 0 ? "x" : "1";           // unread: never an error
      std::string id = rng() % 25 == 0 ? "" : "P" + std::to_string(r);
      p += id + "," + born + "," + n + ",\"a\nb\",t\n";
    }
    dir.Write("patients.csv", p);
    dir.Write("events.csv", "pid,kind,at,note\nP1,q,2026-01-01T00:00:00Z,\n");  // `kind` is not read
    const Loaded want = Load(schema, dir.path(), true, 1, 0);
    REQUIRE_FALSE(want.errors.empty());
    for (size_t k = 0; k < want.errors.size(); ++k) {
      CHECK(want.errors[k].column != "n");
      CHECK(want.errors[k].column != "kind");
      if (k) CHECK(want.errors[k - 1].line <= want.errors[k].line);
    }
    for (int threads = 1; threads <= 4; ++threads)
      for (size_t chunk : {size_t{7}, size_t{64}}) {
        CAPTURE(threads);
        CAPTURE(chunk);
        CHECK(Load(schema, dir.path(), true, threads, chunk).text == want.text);
      }
  }
}
