// Strict data headers (issue 14.1) and per-file CSV dialects: a column the
// schema expects but the file lacks is an error unless the schema says
// `if present`; a column the schema does not know is a warning (an error
// when strict); NUL bytes and invalid UTF-8 are located errors; dialects
// (delimiter, quote, null marker, no header) are read as declared.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/dates.h"
#include "runtime/loader.h"
#include "test_util.h"

using namespace cohort;
using cohort::testing::SchemaFrom;
using cohort::testing::TempDir;

namespace {

/// A schema with one optional field read from a renamed column, an optional
/// field that may be absent, and a list.
std::string SchemaText(const std::string& file_options = "", const std::string& list_options = "") {
  return R"(schema S "header tests"
key id
file "people.csv" )" + file_options + R"(
record Ev {
  kind: enum(open, click)
  note: string?
}
id: string
name: string
next_appointment: date?
nickname: string? if present
score: decimal?
tags: set<string>
events: list<Ev> from "ev.csv" by owner )" + list_options + "\n";
}

struct Result {
  bool opened = false;
  std::vector<DataError> errors;
  std::vector<DataError> warnings;
  std::vector<Batch> batches;
};

Result Load(const std::shared_ptr<Schema>& schema, const TempDir& dir, bool strict = false) {
  Result r;
  LoadOptions o;
  o.strict_data = strict;
  auto reader = OpenRecordReader(schema, dir.path(), o, &r.errors, &r.warnings);
  if (!reader) return r;
  r.opened = true;
  for (;;) {
    Batch b(*schema);
    if (!reader->Next(&b, 100)) break;
    r.batches.push_back(std::move(b));
  }
  r.errors = reader->errors();
  return r;
}

std::string All(const std::vector<DataError>& es) {
  std::string out;
  for (const auto& e : es) out += e.ToString() + "\n";
  return out;
}

std::string Str(Batch& b, const Schema& s, const char* path, int64_t row) {
  const CohortColumn& c = b.View().columns[s.FindColumn(path)];
  return IsValid(c, row) ? std::string(StringAt(c, row)) : "<null>";
}

}  // namespace

TEST_CASE("headers: a misspelled optional column is an error naming file, column and the header's spelling") {
  auto schema = SchemaFrom(SchemaText());
  TempDir dir;
  dir.Write("people.csv", "id,name,next_appt,score,tags\nP1,Ann,2026-12-01,,\n");
  auto r = Load(schema, dir);
  CHECK_FALSE(r.opened);
  INFO(All(r.errors));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].file.find("people.csv") != std::string::npos);
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[0].column == "next_appointment");
  CHECK(r.errors[0].message.find("missing from the header") != std::string::npos);
  CHECK(r.errors[0].message.find("`next_appt`") != std::string::npos);
  // The unknown column is a warning that names the closest expected column.
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].column == "next_appt");
  CHECK(r.warnings[0].column_index == 3);
  CHECK(r.warnings[0].message.find("did you mean `next_appointment`?") != std::string::npos);
}

TEST_CASE("headers: unknown columns warn by default and fail when strict; `if present` columns may be absent") {
  auto schema = SchemaFrom(SchemaText());
  TempDir dir;
  dir.Write("people.csv", "id,name,next_appointment,score,tags,next_appointmnt\nP1,Ann,,1.5,a;b,x\n");
  auto r = Load(schema, dir);
  INFO(All(r.errors));
  REQUIRE(r.opened);
  REQUIRE(r.errors.empty());
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].column == "next_appointmnt");
  CHECK(r.warnings[0].message.find("did you mean `next_appointment`?") != std::string::npos);
  REQUIRE(r.batches.size() == 1);
  CHECK(Str(r.batches[0], *schema, "nickname", 0) == "<null>");  // absent: every value missing

  auto strict = Load(schema, dir, /*strict=*/true);
  CHECK_FALSE(strict.opened);
  REQUIRE(strict.errors.size() == 1);
  CHECK(strict.errors[0].column == "next_appointmnt");
  CHECK(strict.errors[0].message.find("--strict-data") != std::string::npos);
}

TEST_CASE("headers: the list file's columns are strict too") {
  auto schema = SchemaFrom(SchemaText());
  TempDir dir;
  dir.Write("people.csv", "id,name,next_appointment,score,tags\nP1,Ann,,,\n");
  dir.Write("ev.csv", "owner,kind\nP1,open\n");  // `note` (optional) is missing
  auto r = Load(schema, dir);
  CHECK_FALSE(r.opened);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].column == "note");
  CHECK(r.errors[0].file.find("ev.csv") != std::string::npos);
}

TEST_CASE("headers: NUL bytes and invalid UTF-8 are located errors that never show the bytes") {
  auto schema = SchemaFrom(SchemaText());
  TempDir dir;
  const std::string header = "id,name,next_appointment,score,tags\n";
  SUBCASE("NUL in a header name") {
    dir.Write("people.csv", std::string("id,na\0me,next_appointment,score,tags\nP1,Ann,,,\n", 47));
    auto r = Load(schema, dir);
    CHECK_FALSE(r.opened);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].column_index == 2);
    CHECK(r.errors[0].message.find("NUL byte in a header name") != std::string::npos);
  }
  SUBCASE("invalid UTF-8 in a header name") {
    dir.Write("people.csv", "id,name,next_appointment,score,tags\xC3\n");
    auto r = Load(schema, dir);
    CHECK_FALSE(r.opened);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].column_index == 5);
    CHECK(r.errors[0].message.find("invalid UTF-8") != std::string::npos);
  }
  SUBCASE("NUL and bad UTF-8 in text cells, valid multi-byte text accepted") {
    dir.Write("people.csv", header + "P1,Jos\xC3\xA9,,,\n" + std::string("P2,A\0n,,,\n", 10) +
                                "P3,\xED\xA0\x80,,,\n" + "P4,ok,,,x;\xFF\n");
    auto r = Load(schema, dir);
    REQUIRE(r.errors.size() == 3);
    CHECK(r.errors[0].line == 3);
    CHECK(r.errors[0].column == "name");
    CHECK(r.errors[0].message.find("NUL byte in a text cell") != std::string::npos);
    CHECK(r.errors[1].line == 4);
    CHECK(r.errors[1].message.find("invalid UTF-8 in a text cell") != std::string::npos);  // a surrogate
    CHECK(r.errors[2].line == 5);
    CHECK(r.errors[2].column == "tags");
    for (const auto& e : r.errors) CHECK(e.ToString().find('\0') == std::string::npos);
  }
}

TEST_CASE("dialects: delimiter, quote, null marker and no header, per file") {
  TempDir dir;
  SUBCASE("pipe, single quotes, NULL") {
    auto schema = SchemaFrom(SchemaText(R"(delimiter "|" quote "'" null "NULL")", R"(delimiter "|")"));
    dir.Write("people.csv",
              "id|name|next_appointment|score|tags\n"
              "P1|'O''Brien|, Pat'|NULL|NULL|NULL\n"
              "P2|\"quoted\"|2026-12-01|2.5|a;b\n");
    dir.Write("ev.csv", "owner|kind|note\nP2|click|hi\n");
    auto r = Load(schema, dir);
    INFO(All(r.errors));
    REQUIRE(r.errors.empty());
    REQUIRE(r.batches.size() == 1);
    Batch& b = r.batches[0];
    CHECK(Str(b, *schema, "name", 0) == "O'Brien|, Pat");
    CHECK(Str(b, *schema, "name", 1) == "\"quoted\"");  // `"` is a plain byte here
    CHECK_FALSE(IsValid(b.View().columns[schema->FindColumn("next_appointment")], 0));
    CHECK(IsValid(b.View().columns[schema->FindColumn("next_appointment")], 1));
    CHECK(b.View().columns[schema->FindColumn("tags")].offsets[1] == 0);  // NULL = the empty set
    CHECK(b.View().columns[schema->FindColumn("events")].offsets[2] == 1);
  }
  SUBCASE("tab and \\N, no header, no quoting") {
    auto schema = SchemaFrom(SchemaText(R"(delimiter "\t" null "\\N" no header quote none)"));
    dir.Write("people.csv", "P1\t\"Ann\"\t\\N\t\t\\N\t\nP2\tBo\t2026-12-01\t\t1\tx\n");
    auto r = Load(schema, dir);
    INFO(All(r.errors));
    REQUIRE(r.errors.empty());
    REQUIRE(r.batches.size() == 1);
    CHECK(r.batches[0].num_rows() == 2);
    CHECK(Str(r.batches[0], *schema, "name", 0) == "\"Ann\"");
    CHECK(Str(r.batches[0], *schema, "id", 1) == "P2");
    CHECK_FALSE(IsValid(r.batches[0].View().columns[schema->FindColumn("score")], 0));
  }
  SUBCASE("semicolon; a null key is still a missing key") {
    auto schema = SchemaFrom(SchemaText(R"(delimiter ";" null "NULL")"));
    dir.Write("people.csv", "id;name;next_appointment;score;tags\nNULL;Ann;;;\n");
    auto r = Load(schema, dir);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message.find("missing record key") != std::string::npos);
  }
  SUBCASE("no header: every field's column in declaration order; a row with the wrong width is located") {
    auto schema = SchemaFrom(SchemaText("no header"));
    dir.Write("people.csv", "P1,Ann,,,,\nP2,Bo,\n");
    auto r = Load(schema, dir);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 2);
  }
}

TEST_CASE("schema: dialect options and `if present` are checked") {
  auto errors_of = [](const std::string& text) {
    SourceManager sm;
    DiagnosticBag diags;
    auto s = ParseSchema(sm, sm.Add("t.schema", text), diags);
    std::string out;
    for (const auto& d : diags.all()) out += d.message + "\n";
    return s ? std::string() : out;
  };
  const std::string head = "schema S\nkey id\nid: string\n";
  CHECK(errors_of(head + "file \"a.csv\" delimiter \"x\"\n").find("a delimiter is one of") != std::string::npos);
  CHECK(errors_of(head + "file \"a.csv\" delimter \",\"\n").find("did you mean `delimiter`?") != std::string::npos);
  CHECK(errors_of(head + "file \"a.csv\" null \"\" \n").find("null marker") != std::string::npos);
  CHECK(errors_of(head + "file \"a.csv\" quote \"|\"\n").find("a quote character is") != std::string::npos);
  CHECK(errors_of(head + "file \"a.csv\" null \"N,A\"\n").find("cannot contain the delimiter") != std::string::npos);
  CHECK(errors_of(head + "file \"a.csv\" no header delimiter \";\" null \"NULL\" quote \"'\"\n").empty());
  CHECK(errors_of(head + "x: int if present\n").find("not optional") != std::string::npos);
  CHECK(errors_of(head + "x: int? if present\ns: set<string> if present\n").empty());
  CHECK(errors_of(head + "c: record if present { a: bool? }\n").empty());
  CHECK(errors_of(head + "c: record if present { a: bool }\n").find("`c.a` is read `if present`") != std::string::npos);
  CHECK(errors_of("schema S\nkey id\nid: string if present\n").find("not optional") != std::string::npos);
}
