// The parallel chunked CSV reader against the sequential reference reader:
// chunk edges inside quoted fields, escaped quotes, CRLF, a BOM and a newline
// in a quoted field exactly at a chunk edge, for 1 to 4 threads and tiny
// chunks; then random files, and whole data directories loaded with 1 and 2
// threads must give the same batches and the same errors.
#include "runtime/csv_scan.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
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
std::string LoadText(const std::shared_ptr<Schema>& schema, const std::string& dir, int threads, size_t chunk,
                     int64_t batch_rows = 7) {
  LoadOptions o;
  o.threads = threads;
  o.chunk_bytes = chunk;
  std::vector<DataError> errors;
  auto reader = OpenRecordReader(schema, dir, o, &errors);
  std::string out;
  if (reader) {
    for (;;) {
      Batch b(*schema);
      if (!reader->Next(&b, batch_rows)) break;
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

TEST_CASE("record grids: thousands of records give the same batches and first errors for any grid, chunk, thread count") {
  // The records file is tokenized and converted in grids of up to 1,024
  // records (fewer at batch and chunk ends): batch sizes 7 / 1000 / 5000 and
  // tiny or whole-file chunks cut the grids differently; the values, and the
  // first kMaxErrors errors in file order (several in one record, more than
  // fit the report, spread over many grids), must not change.
  auto schema = SchemaFrom(kSchema);
  std::mt19937 rng(2024);
  TempDir dir;
  for (int variant = 0; variant < 3; ++variant) {
    CAPTURE(variant);
    std::string p = "id,born,n,score,name,tags\n";
    const int rows = 2500 + static_cast<int>(rng() % 700);
    for (int r = 0; r < rows; ++r) {
      std::string id = "P" + std::to_string(r);
      std::string born = "19" + std::to_string(50 + r % 50) + "-0" + std::to_string(1 + r % 9) + "-1" + std::to_string(r % 10);
      std::string n = rng() % 3 ? std::to_string(static_cast<int>(rng() % 2000) - 1000) : "";
      std::string name = rng() % 5 == 0 ? "\"q \"\"x\"\"\"" : rng() % 2 ? "nm" + std::to_string(r % 37) : "";
      std::string tags = rng() % 3 == 0 ? "x;y;x" : rng() % 2 ? "t" + std::to_string(r % 5) : "";
      const int64_t line_error = variant == 0 ? 0 : static_cast<int64_t>(rng() % (variant == 1 ? 400 : 60));
      if (line_error == 1) born = "1980-02-30";
      if (line_error == 2) n = "12x";
      if (line_error == 3) { born = "bad"; n = "99999999999999999999"; name = std::string("a\0b", 3); }
      if (line_error == 4) id = "";
      if (line_error == 5) tags += ",extra";
      if (line_error == 6) name = "\"unclosed\"x";
      if (line_error == 7) id = "P" + std::to_string(r / 2);  // a duplicate key
      p += id + "," + born + "," + n + ",," + name + "," + tags + (r % 7 == 0 ? "\r\n" : "\n");
    }
    dir.Write("patients.csv", p);
    dir.Write("events.csv", "pid,kind,at,note\nP1,a,2026-01-01T10:00:00Z,\nP2000,b,2026-01-02T10:00:00Z,x\n");
    const std::string want = LoadText(schema, dir.path(), 1, 0, 5000);
    if (variant == 0) {
      CHECK(want.find("E ") == std::string::npos);
      CHECK(want.find("records " + std::to_string(rows) + " list 2 unmatched 0") != std::string::npos);
    } else {
      CHECK(std::count(want.begin(), want.end(), '\n') == 20);  // the report is full
    }
    for (int threads = 1; threads <= 2; ++threads)
      for (size_t chunk : {size_t{0}, size_t{333}, size_t{20000}})
        for (int64_t batch_rows : {int64_t{7}, int64_t{1000}, int64_t{5000}}) {
          CAPTURE(threads);
          CAPTURE(chunk);
          CAPTURE(batch_rows);
          CHECK(LoadText(schema, dir.path(), threads, chunk, batch_rows) == want);
        }
    // No list row names a key (record keys are interned without looking in
    // the list key table): the same values and errors, no events.
    TempDir bare;
    bare.Write("patients.csv", p);
    bare.Write("events.csv", "pid,kind,at,note\n");
    std::string want_bare = want;
    for (const char* ev : {"{0@1767261600000000/-,}", "{1@1767348000000000/x,}"})
      for (size_t at; (at = want_bare.find(ev)) != std::string::npos;) want_bare.replace(at, std::strlen(ev), "{}");
    if (variant == 0) want_bare.replace(want_bare.find(" list 2 "), 8, " list 0 ");
    for (size_t at; (at = want_bare.find(dir.path())) != std::string::npos;)
      want_bare.replace(at, dir.path().size(), bare.path());
    for (int threads = 1; threads <= 2; ++threads) {
      CAPTURE(threads);
      CHECK(LoadText(schema, bare.path(), threads, 20000, 1000) == want_bare);
    }
  }
}

// ---- The block classifiers and the tokenizer on every dispatch path ---------

namespace {

std::vector<CsvScanPath> SupportedPaths() {
  std::vector<CsvScanPath> paths;
  for (CsvScanPath p : {CsvScanPath::kPortable, CsvScanPath::kSse2, CsvScanPath::kAvx2})
    if (CsvScanPathSupported(p)) paths.push_back(p);
  return paths;
}

/// Makes new tokenizers (those ChunkPipeline builds too) use `path` while alive.
struct ForcePath {
  explicit ForcePath(CsvScanPath path) { ForceCsvScanPath(path); }
  ~ForcePath() { ForceCsvScanPath(CsvScanPath::kPortable, /*reset=*/true); }
};

/// The tokenizer's contract written as plainly as possible, byte by byte:
/// records as `line: field|field`, errors as `line: error MESSAGE @FIELD`.
std::string ReferenceSplit(const std::string& s) {
  const char delim = ',', quote = '"';
  std::string out;
  const size_t n = s.size();
  size_t i = 0;
  int64_t line = 1;
  while (i < n) {
    const size_t record_begin = i;
    const int64_t record_line = line;
    std::vector<std::string> fields;
    const char* error = nullptr;
    size_t error_field = 0;
    size_t record_end = n;  // the line end (or n)
    for (;;) {
      std::string f;
      bool ok = true;
      if (i < n && s[i] == quote) {
        size_t j = i + 1;
        for (;;) {
          if (j >= n) {
            out += std::to_string(record_line) + ": error unterminated quoted field at end of file @" +
                   std::to_string(fields.size() + 1) + "\n";
            return out;
          }
          if (s[j] == quote) {
            if (j + 1 < n && s[j + 1] == quote) {
              f += quote;
              j += 2;
              continue;
            }
            break;
          }
          if (s[j] == '\n') ++line;
          f += s[j++];
        }
        i = j + 1;
        if (i < n && s[i] == '\r' && (i + 1 == n || s[i + 1] == '\n')) ++i;
        if (i < n && s[i] != delim && s[i] != '\n') {
          ok = false;  // the rest of the field is junk; its quotes are plain bytes
          while (i < n && s[i] != delim && s[i] != '\n') ++i;
        }
      } else {
        size_t j = i;
        while (j < n && s[j] != delim && s[j] != '\n') ++j;
        f = s.substr(i, j - i);
        if ((j == n || s[j] == '\n') && !f.empty() && f.back() == '\r') f.pop_back();
        i = j;
      }
      if (!ok && !error) {
        error = "unexpected character after a closing quote; quote the whole field and double inner quotes";
        error_field = fields.size() + 1;
      }
      fields.push_back(ok ? f : "");
      if (i >= n) break;
      if (s[i] == '\n') {
        record_end = i;
        ++line;
        ++i;
        break;
      }
      ++i;  // the delimiter
      if (i >= n) {  // a trailing delimiter: one more, empty field
        fields.emplace_back();
        break;
      }
    }
    const std::string raw = s.substr(record_begin, record_end - record_begin);
    if (fields.size() == 1 && (raw.empty() || raw == "\r")) continue;  // an empty line
    out += std::to_string(record_line) + ": ";
    if (error) {
      out += std::string("error ") + error + " @" + std::to_string(error_field) + "\n";
      continue;
    }
    for (size_t k = 0; k < fields.size(); ++k) out += (k ? "|" : "") + fields[k];
    out += "\n";
  }
  return out;
}

/// The whole of `s` through one tokenizer on `path`, in the same format, and
/// where it stopped.
std::string TokenizeAll(const std::string& s, CsvScanPath path) {
  CsvTokenizer t(CsvDialect{}, path);
  t.Reset(s.data(), s.size(), 0, s.size(), false, 0);
  std::string out;
  for (;;) {
    auto st = t.Next();
    if (st == CsvTokenizer::Status::kEnd) break;
    REQUIRE(st != CsvTokenizer::Status::kAbort);
    out += std::to_string(1 + t.line()) + ": ";
    if (st == CsvTokenizer::Status::kError) {
      out += std::string("error ") + t.error() + " @" + std::to_string(t.error_field()) + "\n";
      continue;
    }
    for (size_t k = 0; k < t.num_fields(); ++k) out += (k ? "|" : "") + std::string(t.field(k));
    out += "\n";
  }
  REQUIRE(t.end() == s.size());
  return out;
}

/// Random CSV with the hard cases: quotes in and out of place, doubled
/// quotes, CRLF, line ends inside quotes, long fields crossing 64-byte blocks.
std::string RandomCsv(std::mt19937& rng, size_t max_records) {
  const char* pieces[] = {"a", "bc", "\"", "\"\"", "\n", "\r\n", "\r", ",", "x y z", "\xC3\xA9"};
  std::string text;
  const size_t records = 1 + rng() % max_records;
  for (size_t r = 0; r < records; ++r) {
    const int fields = 1 + static_cast<int>(rng() % 6);
    for (int f = 0; f < fields; ++f) {
      if (f) text += ',';
      const unsigned kind = rng() % 8;
      if (kind <= 2) {  // quoted, anything inside
        text += '"';
        for (int k = rng() % 6; k > 0; --k) {
          std::string p = pieces[rng() % 10];
          text += p == "\"" ? "\"\"" : p;
        }
        if (rng() % 5 == 0) text += std::string(rng() % 90, 'q');
        text += '"';
        if (rng() % 12 == 0) text += rng() % 2 ? "junk" : "j\"k";  // malformed
      } else if (kind <= 5) {
        for (int k = rng() % 4; k > 0; --k) text += rng() % 2 ? "a" : "x y z";
        if (rng() % 4 == 0) text += std::string(rng() % 100, 'p');
      } else if (kind == 6) {
        text += rng() % 2 ? "ab\"c" : "a\"\"";  // a plain quote inside an unquoted field
      }
    }
    const unsigned end = rng() % 10;
    text += end < 6 ? "\n" : end < 9 ? "\r\n" : "\n\n";
  }
  if (rng() % 3 == 0) text.pop_back();
  if (rng() % 20 == 0) text += "\"open";
  return text;
}

}  // namespace

TEST_CASE("block classifiers: every path gives the bytes' bits and their quote parity") {
  std::mt19937 rng(64);
  const char alphabet[] = {',', '"', '\n', '\r', 'a', ';', '\t', '\0', '\xFF', '\x80'};
  char block[64];
  for (int iter = 0; iter < 4000; ++iter) {
    for (char& c : block) c = alphabet[rng() % (iter % 2 ? 10 : 4)];
    for (char delim : {',', ';', '\t'}) {
      CsvBlockBits want;
      for (int i = 0; i < 64; ++i) {
        want.quote |= uint64_t{block[i] == '"'} << i;
        want.delim |= uint64_t{block[i] == delim} << i;
        want.nl |= uint64_t{block[i] == '\n'} << i;
      }
      bool odd = false;
      for (int i = 0; i < 64; ++i) {
        odd ^= block[i] == '"';
        want.parity |= uint64_t{odd} << i;
      }
      for (CsvScanPath path : SupportedPaths()) {
        CAPTURE(CsvScanPathName(path));
        CsvBlockBits got;
        ScanCsvBlock(path, block, delim, '"', &got);
        REQUIRE(got.quote == want.quote);
        REQUIRE(got.delim == want.delim);
        REQUIRE(got.nl == want.nl);
        REQUIRE(got.parity == want.parity);
      }
    }
  }
}

TEST_CASE("tokenizer: every path agrees with a byte-by-byte reference splitter on random files") {
  std::mt19937 rng(5150);
  const auto paths = SupportedPaths();
  CHECK(paths.front() == CsvScanPath::kPortable);
  for (int iter = 0; iter < 600; ++iter) {
    const std::string text = RandomCsv(rng, iter % 3 == 0 ? 60 : 8);
    CAPTURE(iter);
    CAPTURE(text);
    const std::string want = ReferenceSplit(text);
    for (CsvScanPath path : paths) {
      CAPTURE(CsvScanPathName(path));
      REQUIRE(TokenizeAll(text, path) == want);
    }
  }
}

TEST_CASE("tokenizer: the reference splitter agrees with the sequential CsvReader") {
  // Ties the test's reference to the reader the loader was validated against.
  std::mt19937 rng(99);
  TempDir dir;
  for (int iter = 0; iter < 150; ++iter) {
    const std::string text = RandomCsv(rng, 12);
    CAPTURE(text);
    dir.Write("r.csv", text);
    std::string want = Reference(dir.File("r.csv"));
    // The same format as Reference, which has no field index.
    const std::string all = ReferenceSplit(text);
    std::string got;
    for (size_t at = 0; at < all.size();) {
      const size_t next = all.find('\n', at);
      std::string row = all.substr(at, next - at);
      if (row.find(": error ") != std::string::npos) row = row.substr(0, row.rfind(" @"));
      got += row + "\n";
      at = next + 1;
    }
    CHECK(got == want);
  }
}

TEST_CASE("chunks: every path and every chunk size give the sequential records") {
  std::mt19937 rng(4242);
  TempDir dir;
  for (int iter = 0; iter < 24; ++iter) {
    const std::string text = RandomCsv(rng, 10);
    CAPTURE(iter);
    CAPTURE(text);
    dir.Write("r.csv", text);
    const std::string want = Reference(dir.File("r.csv"));
    for (CsvScanPath path : SupportedPaths()) {
      ForcePath force(path);
      CAPTURE(CsvScanPathName(path));
      for (size_t chunk = 1; chunk <= text.size() + 1; ++chunk) {
        CAPTURE(chunk);
        REQUIRE(Chunked(dir.File("r.csv"), 1, chunk) == want);
        if (chunk % 3 == 1 || text.size() < 200) REQUIRE(Chunked(dir.File("r.csv"), 2, chunk) == want);
      }
    }
  }
}

TEST_CASE("chunks: the tricky files on every path") {
  // The fixed cases above ran on the default path; here on each one, with a
  // quoted newline pushed across 64-byte block edges.
  TempDir dir;
  std::vector<std::string> files = {
      "\xEF\xBB\xBFh1,h2\r\nx,y\r\n\r\n\"q,1\",\"line\nbreak\"\r\nlast,row",
      "k,v\n\"a\"\"b\",\"\"\"\"\n\"multi\nline\nfield\",z\n,\n\"\"\n",
      "id,text\n1,\"x\n2,\"\"not a row\"\"\n3,still inside\"\n4,after\n",
      "a,b\n\"bad\"x,1\n2,3\n\"unterminated,4\n5,6\n",
      "x\r\n\"\r\n\"\r\ny",
  };
  for (size_t pad = 55; pad < 70; ++pad)
    files.push_back("a,b\n" + std::string(pad, 'p') + ",\"in\nside\"\"\r\n\"\r\n" + std::string(pad, 'q') + "\"x\n1,2");
  for (size_t fi = 0; fi < files.size(); ++fi) {
    CAPTURE(fi);
    dir.Write("f.csv", files[fi]);
    const std::string want = Reference(dir.File("f.csv"));
    for (CsvScanPath path : SupportedPaths()) {
      ForcePath force(path);
      CAPTURE(CsvScanPathName(path));
      for (int threads = 1; threads <= 3; ++threads)
        for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{13}, size_t{63}, size_t{64}, size_t{65}, size_t{4096}})
          CHECK(Chunked(dir.File("f.csv"), threads, chunk) == want);
    }
  }
}

namespace {

/// Next()'s records of `s` as NextRecords with `width` sorts them: rows of
/// `width` fields as `line: f|f`, malformed records as errors, the others as
/// `line: width N`.
std::string NextByWidth(const std::string& s, CsvScanPath path, size_t width) {
  CsvTokenizer t(CsvDialect{}, path);
  t.Reset(s.data(), s.size(), 0, s.size(), false, 0);
  std::string out;
  for (auto st = t.Next(); st != CsvTokenizer::Status::kEnd; st = t.Next()) {
    out += std::to_string(1 + t.line()) + ": ";
    if (st == CsvTokenizer::Status::kError) {
      out += std::string("error ") + t.error() + " @" + std::to_string(t.error_field()) + "\n";
    } else if (t.num_fields() != width) {
      out += "width " + std::to_string(t.num_fields()) + "\n";
    } else {
      for (size_t k = 0; k < t.num_fields(); ++k) out += (k ? "|" : "") + std::string(t.field(k));
      out += "\n";
    }
  }
  return out;
}

/// The same through NextRecords, `max` records per call; checks each grid
/// field's quoted flag against the text (a quoted field's view follows its
/// opening quote, or is unescaped into scratch space).
std::string RecordsByWidth(const std::string& s, CsvScanPath path, size_t width, size_t max) {
  CsvTokenizer t(CsvDialect{}, path);
  t.Reset(s.data(), s.size(), 0, s.size(), false, 0);
  CsvRecordBatch b;
  std::string out;
  for (;;) {
    const auto st = t.NextRecords(&b, width, max);
    REQUIRE(st != CsvTokenizer::Status::kAbort);
    REQUIRE(b.rows() + b.bad().size() <= max);
    REQUIRE(b.lines().size() == b.rows());
    REQUIRE(b.width() == width);
    size_t bad = 0;
    for (size_t r = 0; r <= b.rows(); ++r) {
      for (; bad < b.bad().size() && b.bad()[bad].before_row == r; ++bad) {
        const CsvRecordBatch::Bad& e = b.bad()[bad];
        out += std::to_string(1 + e.line) + ": ";
        if (e.error) out += std::string("error ") + e.error + " @" + std::to_string(e.error_field) + "\n";
        else out += "width " + std::to_string(e.num_fields) + "\n";
      }
      if (r == b.rows()) break;
      out += std::to_string(1 + b.lines()[r]) + ": ";
      for (size_t c = 0; c < width; ++c) {
        const std::string_view f = b.field(r, c);
        REQUIRE(f.data() == b.fields()[r * width + c].data());
        const bool in_text = f.data() >= s.data() && f.data() <= s.data() + s.size();
        const bool quoted = !in_text || (f.data() > s.data() && f.data()[-1] == '"');
        CAPTURE(r);
        CAPTURE(c);
        REQUIRE(b.was_quoted(r, c) == quoted);
        out += (c ? "|" : "") + std::string(f);
      }
      out += "\n";
    }
    REQUIRE(bad == b.bad().size());
    if (st == CsvTokenizer::Status::kEnd) break;
    REQUIRE(b.rows() + b.bad().size() == max);
  }
  REQUIRE(t.end() == s.size());
  return out;
}

}  // namespace

TEST_CASE("record batches: every path, width and batch size give Next()'s records, lines and errors") {
  std::mt19937 rng(777);
  for (int iter = 0; iter < 300; ++iter) {
    const std::string text = RandomCsv(rng, iter % 3 == 0 ? 60 : 8);
    CAPTURE(iter);
    CAPTURE(text);
    const std::string all = ReferenceSplit(text);
    for (CsvScanPath path : SupportedPaths()) {
      CAPTURE(CsvScanPathName(path));
      for (size_t width = 1; width <= 4; ++width) {
        CAPTURE(width);
        const std::string want = NextByWidth(text, path, width);
        if (width == 1) REQUIRE(TokenizeAll(text, path) == all);
        for (size_t max : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{1000}}) {
          CAPTURE(max);
          REQUIRE(RecordsByWidth(text, path, width, max) == want);
        }
      }
    }
  }
}

TEST_CASE("record batches: Next() and NextRecords mixed on one tokenizer") {
  // A record Next() returned stays valid until the next call; a grid is
  // independent of the tokenizer's own buffers.
  const std::string text = "a,\"b\"\"c\"\n\"x\ny\",z\n\"bad\"q,1\n1,2,3\np,q\n";
  for (CsvScanPath path : SupportedPaths()) {
    CAPTURE(CsvScanPathName(path));
    CsvTokenizer t(CsvDialect{}, path);
    t.Reset(text.data(), text.size(), 0, text.size(), false, 0);
    REQUIRE(t.Next() == CsvTokenizer::Status::kRecord);
    CHECK(t.field(1) == "b\"c");
    CsvRecordBatch b;
    REQUIRE(t.NextRecords(&b, 2, 3) == CsvTokenizer::Status::kRecord);
    REQUIRE(b.rows() == 1);
    CHECK(b.field(0, 0) == "x\ny");
    CHECK(b.was_quoted(0, 0));
    CHECK_FALSE(b.was_quoted(0, 1));
    CHECK(b.lines() == std::vector<int64_t>{1});
    REQUIRE(b.bad().size() == 2);
    CHECK(b.bad()[0].line == 3);
    CHECK(b.bad()[0].error != nullptr);
    CHECK(b.bad()[0].error_field == 1);
    CHECK(b.bad()[1].error == nullptr);
    CHECK(b.bad()[1].num_fields == 3);
    CHECK(b.bad()[1].before_row == 1);
    REQUIRE(t.Next() == CsvTokenizer::Status::kRecord);
    CHECK(t.field(0) == "p");
    CHECK(t.line() == 5);
    CHECK(b.field(0, 1) == "z");
    REQUIRE(t.NextRecords(&b, 2, 3) == CsvTokenizer::Status::kEnd);
    CHECK(b.rows() == 0);
    CHECK(b.bad().empty());
  }
}

TEST_CASE("dispatch: the path names, the forced path and the automatic choice") {
  CHECK(std::string(CsvScanPathName(CsvScanPath::kAvx2)) == "avx2");
  CHECK(std::string(CsvScanPathName(CsvScanPath::kSse2)) == "sse2");
  CHECK(std::string(CsvScanPathName(CsvScanPath::kPortable)) == "portable");
  CHECK(CsvScanPathSupported(CsvScanPath::kPortable));
  {
    ForcePath force(CsvScanPath::kPortable);
    CHECK(DefaultCsvScanPath() == CsvScanPath::kPortable);
    CHECK(CsvTokenizer(CsvDialect{}).path() == CsvScanPath::kPortable);
  }
  CHECK(CsvScanPathSupported(DefaultCsvScanPath()));
  // The unit_runtime_csv_* tests set COHORT_CSV_SCAN: the default is that
  // path when the CPU has it.
  if (const char* env = std::getenv("COHORT_CSV_SCAN")) {
    bool supported = false;
    for (CsvScanPath p : {CsvScanPath::kPortable, CsvScanPath::kSse2, CsvScanPath::kAvx2})
      if (env == std::string(CsvScanPathName(p))) supported = CsvScanPathSupported(p);
    if (supported) CHECK(std::string(CsvScanPathName(DefaultCsvScanPath())) == env);
    const std::string used = CsvScanPathName(DefaultCsvScanPath());
    MESSAGE(used);
  }
}
