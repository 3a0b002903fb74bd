// The CSV loader: header mapping, cell parsing, sets, list grouping, errors
// that locate the problem but never repeat the cell's value.
#include "runtime/loader.h"

#include <doctest/doctest.h>

#include <cctype>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/dates.h"
#include "test_util.h"

using namespace cohort;
using cohort::testing::SchemaFrom;
using cohort::testing::TempDir;

namespace {

const char* kMiniSchema = R"(schema Mini "a small schema for loader tests"
key id
file "patients.csv"

record Ev {
  kind: enum(open, click, opted_out)
  at: timestamp
  channel: string? if present
}

id: string
birth: date
sex: enum(female, male, other, unknown)
score: decimal? if present
visits: int
active: bool
zip: string? from "postal_code" if present
tags: set<string>
consent: record if present {
  sms: bool?
}
events: list<Ev> from "ev.csv" by owner

channel sms consent consent.sms
)";

const char* kHeader = "id,birth,sex,score,visits,active,postal_code,tags,consent.sms\n";

/// Everything a load produced.
struct Loaded {
  std::vector<Batch> batches;
  std::vector<DataError> errors;
  LoadStats stats;
  bool opened = false;
};

Loaded LoadDir(const std::shared_ptr<Schema>& schema, const std::string& dir, int64_t batch_rows = 1000) {
  Loaded l;
  auto reader = OpenRecordReader(schema, dir, &l.errors);
  if (!reader) return l;
  l.opened = true;
  for (;;) {
    Batch b(*schema);
    if (!reader->Next(&b, batch_rows)) break;
    l.batches.push_back(std::move(b));
  }
  l.errors = reader->errors();
  l.stats = reader->stats();
  return l;
}

/// A flat view of a row-major record: column values as strings ("<null>" if missing).
std::string Cell(Batch& b, const Schema& s, const std::string& path, int64_t row) {
  ColumnId id = s.FindColumn(path);
  REQUIRE(id != kNoColumn);
  const CohortColumn& c = b.View().columns[id];
  if (!IsValid(c, row)) return "<null>";
  switch (s.columns[id].type.kind) {
    case TypeKind::kBool: return GetBit(static_cast<const uint8_t*>(c.values), row) ? "true" : "false";
    case TypeKind::kInt: return std::to_string(static_cast<const int64_t*>(c.values)[row]);
    case TypeKind::kDecimal: return std::to_string(static_cast<const double*>(c.values)[row]);
    case TypeKind::kDate: return FormatDate(static_cast<const int32_t*>(c.values)[row]);
    case TypeKind::kEnum: return s.columns[id].type.enum_def->labels[static_cast<const uint8_t*>(c.values)[row]];
    case TypeKind::kString: return std::string(StringAt(c, row));
    case TypeKind::kStringSet: {
      std::string out;
      for (int32_t i = c.offsets[row]; i < c.offsets[row + 1]; ++i) out += "[" + std::string(StringAt(c.children[0], i)) + "]";
      return out;
    }
    default: return "?";
  }
}

/// Events of a row as `kind@timestamp/channel` strings.
std::vector<std::string> Events(Batch& b, const Schema& s, int64_t row) {
  ColumnId id = s.FindColumn("events");
  const CohortColumn& c = b.View().columns[id];
  REQUIRE(c.num_children == 3);
  std::vector<std::string> out;
  const auto& kinds = s.columns[id].type.record_def->fields[0].type.enum_def->labels;
  for (int32_t i = c.offsets[row]; i < c.offsets[row + 1]; ++i) {
    const CohortColumn& k = c.children[0];
    const CohortColumn& at = c.children[1];
    const CohortColumn& ch = c.children[2];
    std::string e = kinds[static_cast<const uint8_t*>(k.values)[i]] + "@" +
                    FormatTimestamp(static_cast<const int64_t*>(at.values)[i]) + "/" +
                    (IsValid(ch, i) ? std::string(StringAt(ch, i)) : "-");
    out.push_back(e);
  }
  return out;
}

/// Every error message rendered, for "never contains the value" checks.
std::string AllErrors(const std::vector<DataError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

}  // namespace

TEST_CASE("loader: columns in any order, unknown columns ignored, mapped source column") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv",
            "extra,consent.sms,tags,postal_code,active,visits,score,sex,birth,id\n"
            "ignored,true,E11.9;I10,02139,true,3,1.5,female,1980-02-29,P1\n"
            "x,,,,false,0,,male,2001-12-31,P2\n");
  auto l = LoadDir(schema, dir.path());
  INFO(AllErrors(l.errors));
  REQUIRE(l.opened);
  REQUIRE(l.errors.empty());
  REQUIRE(l.batches.size() == 1);
  Batch& b = l.batches[0];
  CHECK(b.num_rows() == 2);
  CHECK(Cell(b, *schema, "id", 0) == "P1");
  CHECK(Cell(b, *schema, "birth", 0) == "1980-02-29");
  CHECK(Cell(b, *schema, "sex", 1) == "male");
  CHECK(Cell(b, *schema, "score", 0) == "1.500000");
  CHECK(Cell(b, *schema, "score", 1) == "<null>");
  CHECK(Cell(b, *schema, "visits", 0) == "3");
  CHECK(Cell(b, *schema, "active", 1) == "false");
  CHECK(Cell(b, *schema, "zip", 0) == "02139");
  CHECK(Cell(b, *schema, "zip", 1) == "<null>");
  CHECK(Cell(b, *schema, "tags", 0) == "[E11.9][I10]");
  CHECK(Cell(b, *schema, "tags", 1) == "");
  CHECK(Cell(b, *schema, "consent.sms", 0) == "true");
  CHECK(Cell(b, *schema, "consent.sms", 1) == "<null>");
  CHECK(l.stats.records == 2);
  CHECK(l.stats.list_rows == 0);  // no ev.csv: every list is empty
  CHECK(Events(b, *schema, 0).empty());
}

TEST_CASE("loader: sets split on `;`, untrimmed, empty items dropped, duplicates collapsed") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv", std::string(kHeader) +
                                "P1,1980-01-01,female,,1,true,,b;a;;b;,\n"
                                "P2,1980-01-01,female,,1,true,,\" a;a\",\n"
                                "P3,1980-01-01,female,,1,true,,;;;,\n");
  auto l = LoadDir(schema, dir.path());
  INFO(AllErrors(l.errors));
  REQUIRE(l.errors.empty());
  Batch& b = l.batches[0];
  CHECK(Cell(b, *schema, "tags", 0) == "[a][b]");
  CHECK(Cell(b, *schema, "tags", 1) == "[ a][a]");
  CHECK(Cell(b, *schema, "tags", 2) == "");
}

TEST_CASE("loader: events are grouped onto the right record across batch boundaries; unmatched rows counted") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  std::string patients = kHeader;
  for (int i = 1; i <= 5; ++i) patients += "P" + std::to_string(i) + ",1980-01-01,other,,0,false,,,\n";
  dir.Write("patients.csv", patients);
  dir.Write("ev.csv",
            "at,channel,owner,kind,unused\n"
            "2026-01-05T10:00:00Z,sms,P5,click,z\n"
            "2026-01-01T00:00:00Z,,P1,open,z\n"
            "2026-01-02T00:00:00Z,email,P9,open,z\n"
            "2026-01-03T12:30:00Z,email,P1,opted_out,z\n"
            "2026-01-04T00:00:00+00:00,,P3,click,z\n"
            "2026-01-06T00:00:00Z,,P9,click,z\n"
            "2026-01-07T00:00:00Z,sms,P5,open,z\n");
  auto l = LoadDir(schema, dir.path(), 2);
  INFO(AllErrors(l.errors));
  REQUIRE(l.errors.empty());
  REQUIRE(l.batches.size() == 3);
  CHECK(l.batches[2].num_rows() == 1);
  CHECK(Events(l.batches[0], *schema, 0) ==
        std::vector<std::string>{"open@2026-01-01T00:00:00Z/-", "opted_out@2026-01-03T12:30:00Z/email"});
  CHECK(Events(l.batches[0], *schema, 1).empty());
  CHECK(Events(l.batches[1], *schema, 0) == std::vector<std::string>{"click@2026-01-04T00:00:00Z/-"});
  CHECK(Events(l.batches[1], *schema, 1).empty());
  CHECK(Events(l.batches[2], *schema, 0) ==
        std::vector<std::string>{"click@2026-01-05T10:00:00Z/sms", "open@2026-01-07T00:00:00Z/sms"});
  CHECK(l.stats.records == 5);
  CHECK(l.stats.list_rows == 7);
  CHECK(l.stats.list_rows_unmatched == 2);
}

TEST_CASE("loader: a missing required cell names file, line, column and index") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv", std::string(kHeader) +
                                "P1,1980-01-01,female,,1,true,,,\n"
                                "P2,,female,,1,true,,,\n");
  auto l = LoadDir(schema, dir.path());
  REQUIRE(l.errors.size() == 1);
  CHECK(l.errors[0].file == dir.File("patients.csv"));
  CHECK(l.errors[0].line == 3);
  CHECK(l.errors[0].column == "birth");
  CHECK(l.errors[0].column_index == 2);
  CHECK(l.errors[0].message.find("missing") != std::string::npos);
  CHECK(l.errors[0].ToString() == dir.File("patients.csv") + ":3: column `birth` (2): " + l.errors[0].message);
  CHECK(l.batches.empty());
}

TEST_CASE("loader: ragged rows are errors") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv", std::string(kHeader) +
                                "P1,1980-01-01,female,,1,true,,\n"
                                "P2,1980-01-01,female,,1,true,,,,\n");
  auto l = LoadDir(schema, dir.path());
  REQUIRE(l.errors.size() == 2);
  CHECK(l.errors[0].line == 2);
  CHECK(l.errors[0].message.find("expected 9 fields") != std::string::npos);
  CHECK(l.errors[1].line == 3);
}

TEST_CASE("loader: bad values are located and never quoted") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv", std::string(kHeader) +
                                "P1,1980-13-01,female,,1,true,,,\n"
                                "P2,1980-01-01,Zyxwvut,,1,true,,,\n"
                                "P3,1980-01-01,female,1.2.3,1,true,,,\n"
                                "P4,1980-01-01,female,,12abc,true,,,\n"
                                "P5,1980-01-01,female,,1,yes,,,\n"
                                "P6,1980-01-01,female,,99999999999999999999,true,,,\n");
  dir.Write("ev.csv",
            "owner,kind,at,channel\n"
            "P1,open,2026-13-45T00:00:00Z,\n"
            "P1,open,2026-01-01T09:00:00-05:00,\n"
            "P1,Qwertyuiop,2026-01-01T09:00:00Z,\n");
  auto l = LoadDir(schema, dir.path());
  // List file errors stop the open: the records file is not read.
  CHECK_FALSE(l.opened);
  REQUIRE(l.errors.size() == 3);
  CHECK(l.errors[0].file == dir.File("ev.csv"));
  CHECK(l.errors[0].column == "at");
  CHECK(l.errors[0].column_index == 3);
  CHECK(l.errors[0].line == 2);
  CHECK(l.errors[0].message.find("timestamp") != std::string::npos);
  CHECK(l.errors[1].line == 3);
  CHECK(l.errors[2].column == "kind");
  CHECK(l.errors[2].message.find("open, click, opted_out") != std::string::npos);
  std::string all = AllErrors(l.errors);
  CHECK(all.find("Qwertyuiop") == std::string::npos);
  CHECK(all.find("2026-13-45") == std::string::npos);
  CHECK(all.find("-05:00") == std::string::npos);

  std::filesystem::remove(dir.File("ev.csv"));
  l = LoadDir(schema, dir.path());
  REQUIRE(l.opened);
  all = AllErrors(l.errors);
  INFO(all);
  REQUIRE(l.errors.size() == 6);
  CHECK(l.errors[0].column == "birth");
  CHECK(l.errors[0].message.find("YYYY-MM-DD") != std::string::npos);
  CHECK(l.errors[1].column == "sex");
  CHECK(l.errors[1].line == 3);
  CHECK(l.errors[1].message.find("female, male, other, unknown") != std::string::npos);
  CHECK(l.errors[2].column == "score");
  CHECK(l.errors[3].column == "visits");
  CHECK(l.errors[4].column == "active");
  CHECK(l.errors[5].message.find("out of range") != std::string::npos);
  for (const char* value : {"1980-13-01", "Zyxwvut", "1.2.3", "12abc", "yes", "99999999999999999999"})
    CHECK(all.find(value) == std::string::npos);
}

TEST_CASE("loader: duplicate keys and empty keys are errors") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv", std::string(kHeader) +
                                "P1,1980-01-01,female,,1,true,,,\n"
                                "P2,1980-01-01,female,,1,true,,,\n"
                                "P1,1980-01-01,female,,1,true,,,\n"
                                ",1980-01-01,female,,1,true,,,\n");
  auto l = LoadDir(schema, dir.path());
  REQUIRE(l.errors.size() == 2);
  CHECK(l.errors[0].line == 4);
  CHECK(l.errors[0].column == "id");
  CHECK(l.errors[0].message.find("duplicate") != std::string::npos);
  CHECK(l.errors[0].message.find("P1") == std::string::npos);
  CHECK(l.errors[1].line == 5);
  CHECK(l.errors[1].message.find("missing record key") != std::string::npos);
}

TEST_CASE("loader: header problems stop the open") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  SUBCASE("a required column is absent") {
    dir.Write("patients.csv", "id,sex,score,visits,active,tags\nP1,female,,1,true,\n");
    auto l = LoadDir(schema, dir.path());
    CHECK_FALSE(l.opened);
    REQUIRE(l.errors.size() == 1);
    CHECK(l.errors[0].column == "birth");
    CHECK(l.errors[0].line == 1);
  }
  SUBCASE("optional columns marked `if present` may be absent (all missing)") {
    dir.Write("patients.csv", "id,birth,sex,visits,active,tags\nP1,1980-01-01,female,1,true,\n");
    auto l = LoadDir(schema, dir.path());
    INFO(AllErrors(l.errors));
    REQUIRE(l.errors.empty());
    CHECK(Cell(l.batches[0], *schema, "zip", 0) == "<null>");
    CHECK(Cell(l.batches[0], *schema, "consent.sms", 0) == "<null>");
  }
  SUBCASE("the key column is absent") {
    dir.Write("patients.csv", "birth,sex,visits,active,tags\n1980-01-01,female,1,true,\n");
    auto l = LoadDir(schema, dir.path());
    CHECK_FALSE(l.opened);
    REQUIRE(l.errors.size() == 1);
    CHECK(l.errors[0].column == "id");
  }
  SUBCASE("the mapped field reads only its source column") {
    dir.Write("patients.csv", "id,birth,sex,visits,active,tags,zip\nP1,1980-01-01,female,1,true,,02139\n");
    auto l = LoadDir(schema, dir.path());
    REQUIRE(l.errors.empty());
    CHECK(Cell(l.batches[0], *schema, "zip", 0) == "<null>");
  }
  SUBCASE("no records file") {
    auto l = LoadDir(schema, dir.path());
    CHECK_FALSE(l.opened);
    REQUIRE(l.errors.size() == 1);
    CHECK(l.errors[0].message.find("cannot open") != std::string::npos);
  }
  SUBCASE("an empty records file") {
    dir.Write("patients.csv", "");
    auto l = LoadDir(schema, dir.path());
    CHECK_FALSE(l.opened);
    REQUIRE(l.errors.size() == 1);
  }
  SUBCASE("the list file lacks its parent column") {
    dir.Write("patients.csv", std::string(kHeader) + "P1,1980-01-01,female,,1,true,,,\n");
    dir.Write("ev.csv", "patient_id,kind,at\nP1,open,2026-01-01T00:00:00Z\n");
    auto l = LoadDir(schema, dir.path());
    CHECK_FALSE(l.opened);
    REQUIRE(l.errors.size() == 1);
    CHECK(l.errors[0].column == "owner");
  }
}

TEST_CASE("loader: CRLF, BOM and quoted cells in the records file") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  dir.Write("patients.csv",
            "\xEF\xBB\xBFid,birth,sex,visits,active,tags\r\n"
            "\"P,1\",1980-01-01,female,1,true,\"E11.9;\"\"odd\"\"\"\r\n"
            "P2,1980-01-01,male,2,false,\r\n");
  auto l = LoadDir(schema, dir.path());
  INFO(AllErrors(l.errors));
  REQUIRE(l.errors.empty());
  CHECK(Cell(l.batches[0], *schema, "id", 0) == "P,1");
  CHECK(Cell(l.batches[0], *schema, "tags", 0) == "[\"odd\"][E11.9]");
  CHECK(Cell(l.batches[0], *schema, "visits", 1) == "2");
}

TEST_CASE("loader: reading stops after 20 errors") {
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  std::string text = kHeader;
  for (int i = 0; i < 100; ++i) text += "P" + std::to_string(i) + ",bad,female,,1,true,,,\n";
  dir.Write("patients.csv", text);
  auto l = LoadDir(schema, dir.path(), 7);
  CHECK(l.errors.size() == 20);
  CHECK(l.errors.back().line == 21);
  CHECK(l.batches.empty());
}

TEST_CASE("batch: appends keep Arrow layout") {
  ColumnData c;
  c.kind = TypeKind::kBool;
  for (int i = 0; i < 10; ++i) {
    if (i == 3) c.AppendNull();
    else c.AppendBool(i % 2 == 0);
  }
  CHECK(c.length == 10);
  CHECK(c.has_nulls);
  CHECK(c.validity.size() == 2);
  CHECK(c.values.size() == 2);
  CHECK_FALSE(GetBit(c.validity.data(), 3));
  CHECK(GetBit(c.validity.data(), 9));
  CHECK(GetBit(c.values.data(), 8));
  CHECK_FALSE(GetBit(c.values.data(), 9));
  ColumnData s;
  s.kind = TypeKind::kString;
  s.AppendString("ab");
  s.AppendNull();
  s.AppendString("c");
  CHECK(s.offsets == std::vector<int32_t>{0, 2, 2, 3});
}

TEST_CASE("loader: enum cells match their label exactly; near misses are errors (small and large enums)") {
  // A small enum (the per-field perfect hash) and one with 200 labels (which
  // may fall back to a scan): both accept exactly the labels.
  std::string big = "enum(";
  for (int i = 0; i < 200; ++i) big += (i ? ", " : "") + std::string("l") + std::to_string(i);
  big += ")";
  const std::string text = std::string("schema E \"enums\"\nkey id\nfile \"patients.csv\"\nid: string\n") +
                           "kind: enum(open, click, opted_out, o, op, clicks, opeN, nepo)\nbig: " + big + "\n";
  auto schema = SchemaFrom(text.c_str());
  const std::vector<std::string> kinds = {"open", "click", "opted_out", "o", "op", "clicks", "opeN", "nepo"};
  TempDir dir;
  std::string rows = "id,kind,big\n";
  for (int i = 0; i < 200; ++i)
    rows += "P" + std::to_string(i) + "," + kinds[i % kinds.size()] + ",l" + std::to_string(199 - i) + "\n";
  dir.Write("patients.csv", rows);
  auto l = LoadDir(schema, dir.path(), 64);
  INFO(AllErrors(l.errors));
  REQUIRE(l.errors.empty());
  int64_t row = 0;
  for (Batch& b : l.batches) {
    for (int64_t r = 0; r < b.num_rows(); ++r, ++row) {
      CHECK(Cell(b, *schema, "kind", r) == kinds[row % kinds.size()]);
      CHECK(Cell(b, *schema, "big", r) == "l" + std::to_string(199 - row));
    }
  }
  CHECK(row == 200);

  const std::vector<std::string> bad = {"Open", "opem", "open ", " open", "opened", "clicK", "xpen",  "oo",
                                        "p",    "n",    "opted-out", "nepO", "l200", "l",     "L1",   "l01"};
  rows = "id,kind,big\n";
  for (size_t i = 0; i < bad.size(); ++i) {
    const bool big_col = bad[i][0] == 'l' || bad[i][0] == 'L';
    rows += "Q" + std::to_string(i) + "," + (big_col ? "open" : bad[i]) + "," + (big_col ? bad[i] : "l0") + "\n";
  }
  dir.Write("patients.csv", rows);
  l = LoadDir(schema, dir.path());
  REQUIRE(l.errors.size() == bad.size());
  for (size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(bad[i]);
    CHECK(l.errors[i].line == static_cast<int64_t>(i) + 2);
    CHECK(l.errors[i].column == ((bad[i][0] == 'l' || bad[i][0] == 'L') ? "big" : "kind"));
    CHECK(l.errors[i].message.find("unknown label") != std::string::npos);
  }
}

TEST_CASE("loader: list strings keep their values past the dictionary bound, across batches, chunks and threads") {
  // channel values: a few repeated ones, nulls, then more distinct values
  // than a dictionary holds, so staging turns plain mid-file.
  auto schema = SchemaFrom(kMiniSchema);
  TempDir dir;
  const int patients = 37;
  std::string p = kHeader;
  for (int i = 0; i < patients; ++i) p += "P" + std::to_string(i) + ",1980-01-01,other,,0,false,,a;b,\n";
  dir.Write("patients.csv", p);
  const int events = kMaxDictionaryEntries + 5000;
  std::vector<std::vector<std::string>> want(patients);
  std::string ev = "owner,kind,at,channel\n";
  for (int i = 0; i < events; ++i) {
    const int owner = (i * 7) % patients;
    std::string channel = i % 5 == 0 ? "" : i < 20000 ? "c" + std::to_string(i % 13) : "u" + std::to_string(i);
    ev += "P" + std::to_string(owner) + ",click,2026-01-01T00:00:00Z," + channel + "\n";
    want[owner].push_back("click@2026-01-01T00:00:00Z/" + (channel.empty() ? std::string("-") : channel));
  }
  dir.Write("ev.csv", ev);
  for (int threads : {1, 2}) {
    for (size_t chunk : {size_t{0}, size_t{50000}}) {
      CAPTURE(threads);
      CAPTURE(chunk);
      LoadOptions options;
      options.threads = threads;
      options.chunk_bytes = chunk;
      std::vector<DataError> errors;
      auto reader = OpenRecordReader(schema, dir.path(), options, &errors);
      REQUIRE(reader);
      int64_t row = 0;
      for (;;) {
        Batch b(*schema);
        if (!reader->Next(&b, 5)) break;
        for (int64_t r = 0; r < b.num_rows(); ++r, ++row) REQUIRE(Events(b, *schema, r) == want[row]);
      }
      CHECK(reader->errors().empty());
      CHECK(row == patients);
    }
  }
}

TEST_CASE("loader: integer cells, fast digit runs and the from_chars path agree") {
  auto schema = SchemaFrom("schema I \"ints\"\nkey id\nfile \"patients.csv\"\nid: string\nn: int\nb: bool\n");
  struct Case {
    const char* cell;
    const char* want;  // the value, or the error message
  };
  const std::vector<Case> cases = {
      {"0", "0"},
      {"-0", "0"},
      {"7", "7"},
      {"-12", "-12"},
      {"000123", "123"},
      {"123456789012345678", "123456789012345678"},
      {"-123456789012345678", "-123456789012345678"},
      {"1234567890123456789", "1234567890123456789"},
      {"9223372036854775807", "9223372036854775807"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"9223372036854775808", "integer out of range"},
      {"-9223372036854775809", "integer out of range"},
      {"99999999999999999999", "integer out of range"},
      {"-", "invalid integer"},
      {"--1", "invalid integer"},
      {"+5", "invalid integer"},
      {"12a", "invalid integer"},
      {"1 2", "invalid integer"},
      {"/", "invalid integer"},
      {":", "invalid integer"},
      {"1.0", "invalid integer"},
      {"\"\"\"5\"", "invalid integer"},
  };
  const std::vector<std::pair<const char*, bool>> bools = {
      {"true", true}, {"TRUE", true}, {"True", true}, {"false", false}, {"FALSE", false}, {"False", false}};
  TempDir dir;
  std::string rows = "id,n,b\n";
  for (size_t i = 0; i < cases.size(); ++i)
    rows += "P" + std::to_string(i) + "," + cases[i].cell + "," + bools[i % bools.size()].first + "\n";
  for (const char* bad : {"tru", "truE", "true ", "fals", "falsE", "FaLse", "TRUEX"})  // 20 errors at most
    rows += std::string("B") + bad + ",1," + bad + "\n";
  dir.Write("patients.csv", rows);
  auto l = LoadDir(schema, dir.path(), 1000);
  size_t errors = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(cases[i].cell);
    const bool ok = std::isdigit(static_cast<unsigned char>(cases[i].want[0])) || cases[i].want[0] == '-';
    if (ok) continue;
    REQUIRE(errors < l.errors.size());
    CHECK(l.errors[errors].line == static_cast<int64_t>(i) + 2);
    CHECK(l.errors[errors].column == "n");
    CHECK(l.errors[errors].message == cases[i].want);
    ++errors;
  }
  for (size_t k = 0; k < 7; ++k, ++errors) {
    REQUIRE(errors < l.errors.size());
    CHECK(l.errors[errors].column == "b");
    CHECK(l.errors[errors].message.find("invalid boolean") != std::string::npos);
  }
  CHECK(errors == l.errors.size());
  // Without the bad rows the values load.
  rows = "id,n,b\n";
  std::vector<std::string> want;
  for (size_t i = 0; i < cases.size(); ++i) {
    const bool ok = std::isdigit(static_cast<unsigned char>(cases[i].want[0])) || cases[i].want[0] == '-';
    if (!ok) continue;
    rows += "P" + std::to_string(i) + "," + cases[i].cell + "," + bools[i % bools.size()].first + "\n";
    want.push_back(std::string(cases[i].want) + " " + (bools[i % bools.size()].second ? "true" : "false"));
  }
  dir.Write("patients.csv", rows);
  l = LoadDir(schema, dir.path(), 1000);
  INFO(AllErrors(l.errors));
  REQUIRE(l.errors.empty());
  REQUIRE(l.batches.size() == 1);
  for (size_t r = 0; r < want.size(); ++r)
    CHECK(Cell(l.batches[0], *schema, "n", static_cast<int64_t>(r)) + " " +
              Cell(l.batches[0], *schema, "b", static_cast<int64_t>(r)) ==
          want[r]);
}

TEST_CASE("loader: random enums, every label and near misses, match EnumDef::Find") {
  std::mt19937 rng(31337);
  const char alphabet[] = "ab_";
  for (int iter = 0; iter < 40; ++iter) {
    CAPTURE(iter);
    std::vector<std::string> labels;
    std::set<std::string> seen;
    const size_t count = 1 + rng() % (iter % 4 == 0 ? 120 : 12);
    const size_t max_len = iter % 5 == 0 ? 22 : 10;  // some enums have labels over 16 bytes
    while (labels.size() < count) {
      std::string l(1, 'a' + static_cast<char>(rng() % 26));  // labels start with a letter
      for (size_t k = rng() % max_len; k > 0; --k) l += alphabet[rng() % 3];
      if (seen.insert(l).second) labels.push_back(l);
    }
    std::string def = "enum(";
    for (size_t i = 0; i < labels.size(); ++i) def += (i ? ", " : "") + labels[i];
    def += ")";
    auto schema = SchemaFrom(("schema E \"enums\"\nkey id\nfile \"patients.csv\"\nid: string\nk: " + def + "\n").c_str());
    // Cells: every label, then mutations of labels (one byte changed,
    // dropped or added), which are errors unless they are labels too.
    std::vector<std::string> cells = labels;
    for (int k = 0; k < 60; ++k) {
      std::string c = labels[rng() % labels.size()];
      switch (rng() % 3) {
        case 0: c[rng() % c.size()] = alphabet[rng() % 3]; break;
        case 1: c.erase(rng() % c.size(), 1); break;
        default: c.insert(rng() % (c.size() + 1), 1, alphabet[rng() % 3]); break;
      }
      if (!c.empty()) cells.push_back(c);
    }
    TempDir dir;
    std::string rows = "id,k\n";
    for (size_t i = 0; i < cells.size(); ++i) rows += "P" + std::to_string(i) + "," + cells[i] + "\n";
    dir.Write("patients.csv", rows);
    auto l = LoadDir(schema, dir.path(), 100000);
    std::set<int64_t> error_lines;
    for (const DataError& e : l.errors) error_lines.insert(e.line);
    for (size_t i = 0; i < cells.size() && l.errors.size() < 20; ++i) {
      CAPTURE(cells[i]);
      CHECK(error_lines.count(static_cast<int64_t>(i) + 2) == (seen.count(cells[i]) ? 0u : 1u));
    }
    if (l.errors.empty()) {
      REQUIRE(l.batches.size() == 1);
      for (size_t i = 0; i < cells.size(); ++i) CHECK(Cell(l.batches[0], *schema, "k", static_cast<int64_t>(i)) == cells[i]);
    }
  }
}
