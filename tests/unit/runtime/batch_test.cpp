// Batch string encodings: the schema-driven policy (key plain, other strings,
// set items and list-record strings dictionary-encoded), the adaptive fallback
// to plain, and the C view kernels read.
#include "runtime/batch.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_util.h"

using namespace cohort;
using cohort::testing::SchemaFrom;

namespace {

const char* kSchema = R"(schema Mini "strings in every position"
key id
file "patients.csv"

record Ev {
  channel: string?
  n: int
}

id: string
lang: string?
tags: set<string>
events: list<Ev> from "events.csv" by patient_id
)";

/// All rows of a string column through the C view (the way consumers read it).
std::vector<std::string> Rows(const CohortColumn& c) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < c.length; ++i) out.push_back(IsValid(c, i) ? std::string(StringAt(c, i)) : "<null>");
  return out;
}

}  // namespace

TEST_CASE("batch: the key stays plain, other strings are dictionary-encoded") {
  auto schema = SchemaFrom(kSchema);
  Batch b(*schema);
  const ColumnId id = schema->FindColumn("id"), lang = schema->FindColumn("lang");
  const ColumnId tags = schema->FindColumn("tags"), events = schema->FindColumn("events");
  CHECK(b.column(id).encoding == StringEncoding::kPlain);
  CHECK(b.column(lang).encoding == StringEncoding::kDictionary);
  CHECK(b.column(tags).children[0].encoding == StringEncoding::kDictionary);
  CHECK(b.column(events).children[0].encoding == StringEncoding::kDictionary);  // channel
  const char* langs[] = {"es", "en", "es", nullptr, "", "es"};
  for (const char* l : langs) {
    b.column(id).AppendString("P");
    if (l) b.column(lang).AppendString(l);
    else b.column(lang).AppendNull();
  }
  const ColumnData& lc = b.column(lang);
  CHECK(lc.dictionary.size() == 3);  // es, en, "" (a null adds no entry)
  CHECK(lc.dictionary.Find("es") == 0);
  CHECK(lc.dictionary.Find("fr") == -1);
  CHECK(lc.StringAt(2) == "es");
  b.set_num_rows(6);
  const CohortBatchView& v = b.View();
  const CohortColumn& c = v.columns[lang];
  REQUIRE(c.dictionary != nullptr);
  CHECK(c.offsets == nullptr);
  CHECK(c.dictionary->length == 3);
  CHECK(c.dictionary->dictionary == nullptr);
  CHECK(CodeAt(c, 0) == CodeAt(c, 2));
  CHECK(CodeAt(c, 3) == 0);  // code 0 under a null
  CHECK(Rows(c) == std::vector<std::string>{"es", "en", "es", "<null>", "", "es"});
  CHECK(v.columns[id].dictionary == nullptr);
  CHECK(v.columns[id].offsets != nullptr);
}

TEST_CASE("batch: an empty dictionary column still has a dictionary in its view") {
  auto schema = SchemaFrom(kSchema);
  Batch b(*schema);
  const CohortBatchView& v = b.View();
  const CohortColumn& c = v.columns[schema->FindColumn("lang")];
  REQUIRE(c.dictionary != nullptr);
  CHECK(c.dictionary->length == 0);
  CHECK(c.length == 0);
}

TEST_CASE("batch: a dictionary past its bound converts to plain and keeps every value") {
  ColumnData c;
  c.kind = TypeKind::kString;
  c.UseDictionary();
  std::vector<std::string> want;
  const int total = kMaxDictionaryEntries + 2000;
  for (int i = 0; i < total; ++i) {
    if (i % 1000 == 7) {
      c.AppendNull();
      want.push_back("<null>");
      continue;
    }
    // Repeats stay within the bound for a while; then every value is new.
    std::string s = i < 1000 ? "v" + std::to_string(i % 10) : "u" + std::to_string(i);
    c.AppendString(s);
    want.push_back(s);
  }
  CHECK(c.encoding == StringEncoding::kPlain);
  CHECK(c.dictionary.size() == 0);
  CHECK(c.length == total);
  std::vector<std::string> got;
  for (int64_t i = 0; i < c.length; ++i)
    got.push_back(c.validity.empty() || GetBit(c.validity.data(), i) ? std::string(c.StringAt(i)) : "<null>");
  CHECK(got == want);
  // A repeated value at the bound does not convert; a new one does.
  ColumnData d;
  d.kind = TypeKind::kString;
  d.UseDictionary();
  for (int i = 0; i < kMaxDictionaryEntries; ++i) d.AppendString(std::to_string(i));
  d.AppendString("0");
  CHECK(d.encoding == StringEncoding::kDictionary);
  d.AppendString("new");
  CHECK(d.encoding == StringEncoding::kPlain);
  CHECK(d.StringAt(kMaxDictionaryEntries) == "0");
  CHECK(d.StringAt(kMaxDictionaryEntries + 1) == "new");
}

TEST_CASE("batch: Clear empties codes and dictionary; AppendCode reuses entries") {
  ColumnData c;
  c.kind = TypeKind::kString;
  c.UseDictionary();
  c.AppendString("a");
  c.AppendString("b");
  c.AppendCode(0);
  CHECK(c.StringAt(2) == "a");
  c.Clear();
  CHECK(c.length == 0);
  CHECK(c.dictionary.size() == 0);
  CHECK(c.encoding == StringEncoding::kDictionary);
  c.AppendString("b");
  CHECK(c.dictionary.Find("b") == 0);  // a fresh dictionary: codes may differ between batches
}

TEST_CASE("batch: the dictionary index finds every one of many entries, after growth and after Clear") {
  StringDictionary d;
  const int n = 100000;  // many growths of the open-addressing index
  for (int i = 0; i < n; ++i) REQUIRE(d.Intern("k" + std::to_string(i * 7919)) == i);
  CHECK(d.size() == n);
  for (int i = 0; i < n; ++i) {
    const std::string s = "k" + std::to_string(i * 7919);
    REQUIRE(d.Find(s) == i);
    REQUIRE(d.Intern(s) == i);  // an existing entry is not added again
    REQUIRE(d.at(i) == s);
  }
  CHECK(d.size() == n);
  // Absent strings, including prefixes, extensions, other lengths and the empty string.
  CHECK(d.Find("") == -1);
  CHECK(d.Find("k") == -1);
  CHECK(d.Find("k0 ") == -1);
  CHECK(d.Find("K0") == -1);
  CHECK(d.Find("k79190000000") == -1);
  CHECK(d.Find("x0") == -1);
  // Runs of one value (the last-entry shortcut) and alternation give the same codes.
  for (int r = 0; r < 5; ++r) CHECK(d.Intern("k0") == 0);
  CHECK(d.Intern("") == n);
  CHECK(d.Intern("k7919") == 1);
  CHECK(d.Intern("") == n);
  d.Clear();
  CHECK(d.size() == 0);
  CHECK(d.Find("k0") == -1);
  CHECK(d.Intern("k7919") == 0);  // the shortcut does not survive Clear
  CHECK(d.Intern("k0") == 1);
  // Strings of every length up to 40 that differ only in their last byte.
  StringDictionary e;
  std::string base;
  for (int len = 1; len <= 40; ++len) {
    base.push_back(static_cast<char>('a' + len % 26));
    for (char last : {'x', 'y'}) {
      std::string s = base;
      s.back() = last;
      const int32_t code = e.Intern(s);
      REQUIRE(e.at(code) == s);
      REQUIRE(e.Find(s) == code);
    }
  }
  CHECK(e.size() == 80);
}
