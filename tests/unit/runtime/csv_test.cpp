// The streaming CSV reader: RFC 4180 quoting, line ends, BOM, line numbers,
// records spanning buffer refills.
#include "runtime/csv.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_util.h"

using cohort::CsvReader;
using cohort::testing::TempDir;

namespace {

struct Rec {
  int64_t line;
  std::vector<std::string> fields;
};

/// Reads all records of `bytes` with a reader of the given buffer size.
std::vector<Rec> ReadCsv(const std::string& bytes, size_t buffer = 1 << 20, std::string* error = nullptr,
                         int64_t* error_line = nullptr) {
  TempDir dir;
  dir.Write("t.csv", bytes);
  CsvReader r(buffer);
  REQUIRE(r.Open(dir.File("t.csv")));
  std::vector<Rec> out;
  for (;;) {
    auto st = r.Next();
    if (st == CsvReader::Status::kEnd) break;
    if (st == CsvReader::Status::kError) {
      if (error) *error = r.error();
      if (error_line) *error_line = r.line();
      break;
    }
    Rec rec{r.line(), {}};
    for (auto f : r.fields()) rec.fields.emplace_back(f);
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

TEST_CASE("csv: plain fields, LF and CRLF, empty fields, no final newline") {
  for (size_t buf : {size_t{64}, size_t{1} << 20}) {
    auto recs = ReadCsv("a,b,c\r\n1,,3\n,x,\r\nlast,row,here", buf);
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].fields == std::vector<std::string>{"a", "b", "c"});
    CHECK(recs[1].fields == std::vector<std::string>{"1", "", "3"});
    CHECK(recs[2].fields == std::vector<std::string>{"", "x", ""});
    CHECK(recs[3].fields == std::vector<std::string>{"last", "row", "here"});
    CHECK(recs[3].line == 4);
  }
}

TEST_CASE("csv: quoted fields, doubled quotes, embedded commas and newlines, line numbers") {
  std::string text =
      "id,note\n"
      "1,\"hello, world\"\n"
      "2,\"she said \"\"hi\"\"\"\n"
      "3,\"line one\nline two\r\nline three\"\r\n"
      "4,\"\"\n"
      "5,plain\n";
  for (size_t buf : {size_t{64}, size_t{1} << 20}) {
    auto recs = ReadCsv(text, buf);
    REQUIRE(recs.size() == 6);
    CHECK(recs[1].fields[1] == "hello, world");
    CHECK(recs[2].fields[1] == "she said \"hi\"");
    CHECK(recs[3].fields[1] == "line one\nline two\r\nline three");
    CHECK(recs[3].line == 4);
    CHECK(recs[4].fields[1] == "");
    CHECK(recs[4].line == 7);
    CHECK(recs[5].line == 8);
    CHECK(recs[5].fields[1] == "plain");
  }
}

TEST_CASE("csv: a UTF-8 BOM is skipped and blank lines are ignored") {
  auto recs = ReadCsv("\xEF\xBB\xBFid,x\n\n1,2\n\r\n3,4\n");
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].fields[0] == "id");
  CHECK(recs[1].line == 3);
  CHECK(recs[2].line == 5);
}

TEST_CASE("csv: an unterminated quote at end of file is an error at the record's line") {
  std::string err;
  int64_t line = 0;
  auto recs = ReadCsv("a,b\n1,\"open\nmore text\n", 1 << 20, &err, &line);
  CHECK(recs.size() == 1);
  CHECK(err.find("unterminated") != std::string::npos);
  CHECK(line == 2);
}

TEST_CASE("csv: text after a closing quote is an error, and reading continues") {
  TempDir dir;
  dir.Write("t.csv", "a,b\n\"Qz\"Wq,2\n3,4\n");
  CsvReader r;
  REQUIRE(r.Open(dir.File("t.csv")));
  CHECK(r.Next() == CsvReader::Status::kRecord);
  CHECK(r.Next() == CsvReader::Status::kError);
  CHECK(r.line() == 2);
  CHECK(r.error_field() == 1);
  CHECK(r.error().find("Qz") == std::string::npos);
  CHECK(r.error().find("Wq") == std::string::npos);
  REQUIRE(r.Next() == CsvReader::Status::kRecord);
  CHECK(r.field(0) == "3");
  CHECK(r.line() == 3);
  CHECK(r.Next() == CsvReader::Status::kEnd);
}

TEST_CASE("csv: a quote inside an unquoted field is literal") {
  auto recs = ReadCsv("a,b\n5'11\",x\n");
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].fields[0] == "5'11\"");
  CHECK(recs[1].fields[1] == "x");
}

TEST_CASE("csv: records longer than the buffer and many refills") {
  std::string big(5000, 'z');
  std::string text = "a,b\n";
  for (int i = 0; i < 200; ++i) text += std::to_string(i) + ",\"" + big + "\"\"q\n" + "\"\n";
  text += "end,1\n";
  auto recs = ReadCsv(text, 64);
  REQUIRE(recs.size() == 202);
  CHECK(recs[1].fields[1] == big + "\"q\n");
  CHECK(recs[200].fields[0] == "199");
  CHECK(recs[201].line == 1 + 1 + 200 * 2);
}

TEST_CASE("csv: a missing file is reported") {
  CsvReader r;
  CHECK_FALSE(r.Open("/nonexistent/dir/file.csv"));
  CHECK(r.error().find("cannot open") != std::string::npos);
}
