// The parallel chunked CSV reader against the sequential reference reader:
// chunk edges inside quoted fields, escaped quotes, CRLF, a BOM and a newline
// in a quoted field exactly at a chunk edge, for 1 to 4 threads and tiny
// chunks; then random files, and whole data directories loaded with 1 and 2
// threads must give the same batches and the same errors.
#include "runtime/csv_scan.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "core/dates.h"
#include "runtime/csv.h"
#include "runtime/loader.h"
#include "test_util.h"

using namespace cohort;
using cohort::testing::SchemaFrom;
using cohort::testing::TempDir;

namespace {

/// Records and errors as one comparable text: `line: field|field` or `line: error message`.
std::string Reference(const std::string& path) {
  CsvReader r(64);
  REQUIRE(r.Open(path));
  std::string out;
  for (;;) {
    auto st = r.Next();
    if (st == CsvReader::Status::kEnd) break;
    out += std::to_string(r.line()) + ": ";
    if (st == CsvReader::Status::kError) {
      out += "error " + r.error() + "\n";
      if (r.error().find("end of file") != std::string::npos) break;
      continue;
    }
    for (size_t i = 0; i < r.num_fields(); ++i) out += (i ? "|" : "") + std::string(r.field(i));
    out += "\n";
  }
  return out;
}

/// The same through ChunkPipeline with `threads` threads and `chunk` bytes.
std::string Chunked(const std::string& path, int threads, size_t chunk, int64_t* reparsed = nullptr) {
  MappedFile f;
  REQUIRE(f.Open(path));
  ChunkPipeline p(f, CsvDialect{}, BomLength(f.data(), f.size()), 1, threads, chunk);
  std::vector<std::vector<std::pair<int64_t, std::string>>> slot_records(p.slots());
  std::string out;
  auto parse = [&](CsvTokenizer& t, size_t slot) {
    auto& recs = slot_records[slot];
    recs.clear();
    for (;;) {
      auto st = t.Next();
      if (st == CsvTokenizer::Status::kEnd || st == CsvTokenizer::Status::kAbort) break;
      std::string s;
      if (st == CsvTokenizer::Status::kError) {
        s = std::string("error ") + t.error();
      } else {
        for (size_t i = 0; i < t.num_fields(); ++i) s += (i ? "|" : "") + std::string(t.field(i));
      }
      recs.emplace_back(t.line(), std::move(s));
    }
  };
  auto accept = [&](size_t slot, int64_t first_line) {
    for (const auto& [line, text] : slot_records[slot]) out += std::to_string(first_line + line) + ": " + text + "\n";
    return true;
  };
  while (p.Round(parse, accept)) {
  }
  if (reparsed) *reparsed = p.reparsed();
  return out;
}

}  // namespace

TEST_CASE("chunks: tricky files parse the same for every thread count and tiny chunk sizes") {
  TempDir dir;
  const std::vector<std::string> files = {
      "a,b,c\n1,2,3\n4,5,6\n",
      "\xEF\xBB\xBFh1,h2\r\nx,y\r\n\r\n\"q,1\",\"line\nbreak\"\r\nlast,row",
      "k,v\n\"a\"\"b\",\"\"\"\"\n\"multi\nline\nfield\",z\n,\n\"\"\n",
      // A quoted newline placed so it falls on many chunk edges, and quotes that look like row starts.
      "id,text\n1,\"x\n2,\"\"not a row\"\"\n3,still inside\"\n4,after\n",
      "a,b\n\"bad\"x,1\n2,3\n\"unterminated,4\n5,6\n",
      "only\n",
      "",
      "\n\n\n",
      "x\r\n\"\r\n\"\r\ny",
  };
  for (size_t fi = 0; fi < files.size(); ++fi) {
    CAPTURE(fi);
    dir.Write("f.csv", files[fi]);
    const std::string want = Reference(dir.File("f.csv"));
    for (int threads = 1; threads <= 4; ++threads) {
      for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{8}, size_t{13}, size_t{64}, size_t{4096}}) {
        CAPTURE(threads);
        CAPTURE(chunk);
        CHECK(Chunked(dir.File("f.csv"), threads, chunk) == want);
      }
    }
  }
}

TEST_CASE("chunks: a wrong speculative start inside a quoted field is detected and parsed again") {
  TempDir dir;
  // Every line of the quoted field looks like a record of the same width.
  std::string text = "a,b\n";
  for (int r = 0; r < 40; ++r) {
    text += std::to_string(r) + ",\"";
    for (int i = 0; i < r % 7; ++i) text += "x,y\n";
    text += "\"\n";
  }
  dir.Write("f.csv", text);
  const std::string want = Reference(dir.File("f.csv"));
  int64_t reparsed_total = 0;
  for (int threads = 2; threads <= 4; ++threads) {
    for (size_t chunk = 4; chunk <= 80; chunk += 3) {
      int64_t reparsed = 0;
      CHECK(Chunked(dir.File("f.csv"), threads, chunk, &reparsed) == want);
      reparsed_total += reparsed;
    }
  }
  CHECK(reparsed_total > 0);
}

TEST_CASE("chunks: random files give the sequential reader's records and errors") {
  std::mt19937 rng(20261130);
  TempDir dir;
  const char* pieces[] = {"a", "bc", ",", "\"", "\"\"", "\n", "\r\n", "x y", "\xC3\xA9", ";"};
  for (int iter = 0; iter < 60; ++iter) {
    std::string text;
    const int records = 1 + static_cast<int>(rng() % 30);
    for (int r = 0; r < records; ++r) {
      const int fields = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < fields; ++f) {
        if (f) text += ',';
        if (rng() % 3 == 0) {  // a quoted field with anything inside
          text += '"';
          for (int k = rng() % 5; k > 0; --k) {
            std::string p = pieces[rng() % 10];
            text += p == "\"" ? "\"\"" : p;
          }
          text += '"';
          if (rng() % 25 == 0) text += "junk";  // malformed
        } else {
          for (int k = rng() % 4; k > 0; --k) text += pieces[rng() % 2 == 0 ? 0 : 7];
        }
      }
      text += rng() % 4 == 0 ? "\r\n" : "\n";
      if (rng() % 10 == 0) text += "\n";
    }
    if (rng() % 15 == 0) text += "\"open";  // unterminated at the end
    CAPTURE(iter);
    dir.Write("r.csv", text);
    const std::string want = Reference(dir.File("r.csv"));
    for (int threads = 1; threads <= 4; ++threads)
      for (size_t chunk : {size_t{3}, size_t{17}, size_t{100}}) CHECK(Chunked(dir.File("r.csv"), threads, chunk) == want);
  }
}

namespace {

const char* kSchema = R"(schema P "parallel load tests"
key id
record Ev {
  kind: enum(a, b)
  at: timestamp
  note: string?
}
id: string
born: date
n: int?
score: decimal?
name: string?
tags: set<string>
events: list<Ev> from "events.csv" by pid
)";

/// Every value of every batch, and every error, as text.
std::string LoadText(const std::shared_ptr<Schema>& schema, const std::string& dir, int threads, size_t chunk) {
  LoadOptions o;
  o.threads = threads;
  o.chunk_bytes = chunk;
  std::vector<DataError> errors;
  auto reader = OpenRecordReader(schema, dir, o, &errors);
  std::string out;
  if (reader) {
    for (;;) {
      Batch b(*schema);
      if (!reader->Next(&b, 7)) break;
      const CohortBatchView& v = b.View();
      for (int64_t r = 0; r < v.num_rows; ++r) {
        const CohortColumn& id = v.columns[schema->FindColumn("id")];
        const CohortColumn& born = v.columns[schema->FindColumn("born")];
        const CohortColumn& n = v.columns[schema->FindColumn("n")];
        const CohortColumn& name = v.columns[schema->FindColumn("name")];
        const CohortColumn& tags = v.columns[schema->FindColumn("tags")];
        const CohortColumn& ev = v.columns[schema->FindColumn("events")];
        out += std::string(StringAt(id, r)) + " " + FormatDate(static_cast<const int32_t*>(born.values)[r]) + " " +
               (IsValid(n, r) ? std::to_string(static_cast<const int64_t*>(n.values)[r]) : "-") + " " +
               (IsValid(name, r) ? std::string(StringAt(name, r)) : "-") + " [";
        for (int32_t i = tags.offsets[r]; i < tags.offsets[r + 1]; ++i) out += std::string(StringAt(tags.children[0], i)) + ";";
        out += "] {";
        for (int32_t i = ev.offsets[r]; i < ev.offsets[r + 1]; ++i)
          out += std::to_string(static_cast<const uint8_t*>(ev.children[0].values)[i]) + "@" +
                 std::to_string(static_cast<const int64_t*>(ev.children[1].values)[i]) + "/" +
                 (IsValid(ev.children[2], i) ? std::string(StringAt(ev.children[2], i)) : "-") + ",";
        out += "}\n";
      }
    }
    errors = reader->errors();
    out += "records " + std::to_string(reader->stats().records) + " list " + std::to_string(reader->stats().list_rows) +
           " unmatched " + std::to_string(reader->stats().list_rows_unmatched) + "\n";
  }
  // Batches read before a later error was found depend on the chunking (a
  // run never uses them): with errors, only the errors must agree.
  if (!errors.empty()) out.clear();
  for (const auto& e : errors) out += "E " + e.ToString() + "\n";
  return out;
}

}  // namespace

TEST_CASE("parallel load: 1 and 2..4 threads give the same batches and the same errors, in file order") {
  auto schema = SchemaFrom(kSchema);
  std::mt19937 rng(7);
  TempDir dir;
  for (int iter = 0; iter < 12; ++iter) {
    CAPTURE(iter);
    const bool with_errors = iter % 3 == 2;
    std::string p = "id,born,n,score,name,tags\n";
    std::string e = "pid,kind,at,note\n";
    const int rows = 20 + static_cast<int>(rng() % 80);
    for (int r = 0; r < rows; ++r) {
      const std::string id = "P" + std::to_string(rng() % 120);  // duplicates when unlucky: an error
      std::string born = "19" + std::to_string(50 + rng() % 50) + "-0" + std::to_string(1 + rng() % 9) + "-1" +
                         std::to_string(rng() % 10);
      if (with_errors && rng() % 15 == 0) born = "1980-02-30";
      std::string name = rng() % 4 == 0 ? "\"Smith, \"\"J\"\"\nJr\"" : "n" + std::to_string(r);
      p += id + "," + born + "," + (rng() % 3 ? std::to_string(rng() % 100) : "") + ",," + name + "," +
           (rng() % 2 ? "x;y" : "") + (rng() % 5 == 0 ? "\r\n" : "\n");
      for (int k = rng() % 4; k > 0; --k)
        e += "P" + std::to_string(rng() % 130) + "," + (rng() % 2 ? "a" : "b") + ",2026-01-0" + std::to_string(1 + rng() % 9) +
             "T10:00:00Z," + (rng() % 2 ? "\"a,\nb\"" : "") + "\n";
    }
    if (!with_errors) {
      // Unique keys so the load succeeds and batches are compared.
      p = "id,born,n,score,name,tags\n";
      for (int r = 0; r < rows; ++r)
        p += "P" + std::to_string(r) + ",1970-01-0" + std::to_string(1 + r % 9) + "," + std::to_string(r) + ",,\"n\n" +
             std::to_string(r) + "\",a;b\n";
    }
    dir.Write("patients.csv", p);
    dir.Write("events.csv", e);
    const std::string want = LoadText(schema, dir.path(), 1, 0);
    if (!with_errors) CHECK(want.find("E ") == std::string::npos);
    for (int threads = 1; threads <= 4; ++threads)
      for (size_t chunk : {size_t{16}, size_t{64}, size_t{1000}}) {
        CAPTURE(threads);
        CAPTURE(chunk);
        CHECK(LoadText(schema, dir.path(), threads, chunk) == want);
      }
  }
}
