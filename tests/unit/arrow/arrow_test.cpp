// Arrow IPC files: import + load gives the same batches as CSV; malformed
// files (every truncation, random byte flips with a fixed seed, wrong types)
// are clear errors, never a crash (this runs under ASan/UBSan in CI).
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>

#include "core/dates.h"
#include "core/used_columns.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/arrow/ipc.h"
#include "runtime/loader.h"
#include "../runtime/test_util.h"

using namespace cohort;
using cohort::testing::ReadAll;
using cohort::testing::SchemaFrom;
using cohort::testing::TempDir;

namespace {

std::shared_ptr<Schema> PatientSchema() {
  SourceManager sm;
  DiagnosticBag diags;
  auto s = LoadStdlibSchema("Patient", sm, diags);
  REQUIRE(s != nullptr);
  return s;
}

/// Renders a column cell by cell (every byte a kernel could read), so two
/// loads can be compared and every view is touched.
void Render(const CohortColumn& c, TypeKind kind, const Type& type, int64_t i, std::string* out) {
  if (!IsValid(c, i)) {
    *out += "~";
    return;
  }
  switch (kind) {
    case TypeKind::kBool: *out += GetBit(static_cast<const uint8_t*>(c.values), i) ? "T" : "F"; break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp: *out += std::to_string(static_cast<const int64_t*>(c.values)[i]); break;
    case TypeKind::kDecimal: *out += std::to_string(static_cast<const double*>(c.values)[i]); break;
    case TypeKind::kDate: *out += std::to_string(static_cast<const int32_t*>(c.values)[i]); break;
    case TypeKind::kEnum: *out += std::to_string(static_cast<const uint8_t*>(c.values)[i]); break;
    case TypeKind::kString: *out += StringAt(c, i); break;
    case TypeKind::kStringSet:
      for (int32_t k = c.offsets[i]; k < c.offsets[i + 1]; ++k) *out += std::string(StringAt(c.children[0], k)) + ";";
      break;
    case TypeKind::kList: {
      const auto& fields = type.record_def->fields;
      for (int32_t k = c.offsets[i]; k < c.offsets[i + 1]; ++k) {
        *out += "{";
        for (size_t f = 0; f < fields.size(); ++f) {
          Render(c.children[f], fields[f].type.kind, fields[f].type, k, out);
          *out += ",";
        }
        *out += "}";
      }
      break;
    }
    default: break;
  }
}

/// Loads `dir` completely; returns the rendering, or "ERROR: " + the errors.
std::string LoadAll(const std::shared_ptr<Schema>& schema, const std::string& dir, int64_t batch_rows = 1000) {
  std::vector<DataError> errors;
  auto reader = OpenDataReader(schema, dir, &errors);
  if (!reader) {
    std::string out = "ERROR: ";
    for (const auto& e : errors) out += e.ToString() + "\n";
    return out;
  }
  std::string out;
  Batch b;
  while (reader->Next(&b, batch_rows)) {
    const CohortBatchView& v = b.View();
    for (int64_t r = 0; r < v.num_rows; ++r) {
      for (ColumnId id = 0; id < v.num_columns; ++id) {
        const ColumnDef& def = schema->columns[id];
        Render(v.columns[id], def.type.kind, def.type, r, &out);
        out += "|";
      }
      out += "\n";
    }
  }
  if (!reader->errors().empty()) {
    out = "ERROR: ";
    for (const auto& e : reader->errors()) out += e.ToString() + "\n";
  }
  out += "stats " + std::to_string(reader->stats().records) + " " + std::to_string(reader->stats().list_rows) + " " +
         std::to_string(reader->stats().list_rows_unmatched);
  return out;
}

/// A small generated data set imported as Arrow (shared by the tests).
struct Imported {
  TempDir csv, arrow;
  std::shared_ptr<Schema> schema = PatientSchema();
  explicit Imported(int64_t patients) {
    GenOptions o;
    o.patients = patients;
    o.seed = 3;
    o.today = *ParseDate("2026-11-23");
    REQUIRE(GenerateData(o, csv.path()) == "");
    ImportStatus st = ImportToArrow(schema, csv.path(), arrow.path());
    REQUIRE(st.code == 0);
    CHECK(st.records == patients);
  }
};

}  // namespace

TEST_CASE("arrow: an imported directory loads exactly like its CSV, at any batch size") {
  Imported d(700);
  std::string from_csv = LoadAll(d.schema, d.csv.path());
  REQUIRE(from_csv.rfind("ERROR", 0) != 0);
  CHECK(from_csv == LoadAll(d.schema, d.arrow.path()));
  CHECK(from_csv == LoadAll(d.schema, d.arrow.path(), 64));
  CHECK(from_csv == LoadAll(d.schema, d.arrow.path(), 3));  // below 8: slices of 8 rows
  CHECK(IsArrowDataDir(*d.schema, d.arrow.path()));
  CHECK_FALSE(IsArrowDataDir(*d.schema, d.csv.path()));
  // Nothing but the two tables is left in the output directory.
  std::set<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(d.arrow.path())) names.insert(e.path().filename().string());
  CHECK(names == std::set<std::string>{"events.arrow", "patients.arrow"});
}

TEST_CASE("arrow: a CSV data error stops import; nothing is written") {
  TempDir csv, out;
  csv.Write("patients.csv",
            // Every Patient column (strict headers); the optional ones empty.
            "id,birth_date,sex,language,telehealth_visits,in_person_visits,no_show_count,portal_active,conditions,"
            "zip,state,payer_type,service_line,last_visit,next_appointment,next_appointment_kind,last_no_show_reason,"
            "device_access,discharged_on,discharge_type,care_gap_due,consent.sms,consent.email,consent.phone,"
            "consent.portal,consent.mail\n"
            "P1,1980-01-01,female,en,0,0,0,true,,,,,,,,,,,,,,,,,,\n"
            "P2,not-a-date,female,en,0,0,0,true,,,,,,,,,,,,,,,,,,\n");
  csv.Write("events.csv", "patient_id,kind,at,channel\n");
  ImportStatus st = ImportToArrow(PatientSchema(), csv.path(), out.path() + "/a");
  REQUIRE(st.code == 3);
  REQUIRE_FALSE(st.data_errors.empty());
  CHECK(st.data_errors[0].ToString().find("birth_date") != std::string::npos);
  CHECK(st.data_errors[0].ToString().find("not-a-date") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out.path() + "/a/patients.arrow"));
}

TEST_CASE("arrow: every truncation of a file is an error, never a crash") {
  Imported d(40);
  for (const char* name : {"patients.arrow", "events.arrow"}) {
    const std::string bytes = ReadAll(d.arrow.File(name));
    REQUIRE(bytes.size() > 100);
    arrow::File f;
    REQUIRE(arrow::ReadArrowFile(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &f) == "");
    for (size_t len = 0; len < bytes.size(); ++len) {
      std::vector<uint8_t> copy(bytes.begin(), bytes.begin() + static_cast<long>(len));
      arrow::File g;
      std::string e = arrow::ReadArrowFile(copy.data(), copy.size(), &g);
      INFO(name << " truncated to " << len);
      CHECK_FALSE(e.empty());
    }
  }
}

TEST_CASE("arrow: random byte flips (fixed seed) give an error or a consistent load, never a crash") {
  Imported d(40);
  const std::string clean = LoadAll(d.schema, d.arrow.path());
  REQUIRE(clean.rfind("ERROR", 0) != 0);
  std::mt19937_64 rng(20261130);
  int errors = 0, loads = 0;
  for (const char* name : {"patients.arrow", "events.arrow"}) {
    const std::string bytes = ReadAll(d.arrow.File(name));
    TempDir work;
    std::filesystem::copy(d.arrow.File("patients.arrow"), work.File("patients.arrow"));
    std::filesystem::copy(d.arrow.File("events.arrow"), work.File("events.arrow"));
    for (int iter = 0; iter < 600; ++iter) {
      std::string mutated = bytes;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) {
        size_t at = rng() % mutated.size();
        mutated[at] = static_cast<char>(mutated[at] ^ static_cast<char>(1u << (rng() % 8)));
      }
      // The entry point a fuzzer calls...
      arrow::File f;
      std::string e = arrow::ReadArrowFile(reinterpret_cast<const uint8_t*>(mutated.data()), mutated.size(), &f);
      // ...and the whole load, which reads every view.
      work.Write(name, mutated);
      std::string loaded = LoadAll(d.schema, work.path());
      if (loaded.rfind("ERROR", 0) == 0) {
        ++errors;
        CHECK(loaded.find(".arrow") != std::string::npos);  // errors name the file
      } else {
        ++loads;
      }
      if (!e.empty()) CHECK(loaded.rfind("ERROR", 0) == 0);
    }
    work.Write(name, bytes);
  }
  MESSAGE("byte flips: " << errors << " errors, " << loads << " loads");
  CHECK(errors > 0);
}

TEST_CASE("arrow: wrong types name file, column, expected and actual type") {
  TempDir dir;
  arrow::FileWriter w;
  std::vector<arrow::Field> fields(2);
  fields[0].name = "id";
  fields[0].type.id = arrow::TypeId::kUtf8;
  fields[1].name = "birth_date";
  fields[1].type = {arrow::TypeId::kInt, 64, true};
  std::string error;
  REQUIRE(w.Open(dir.File("patients.arrow"), fields, {}, &error));
  std::vector<int32_t> offsets = {0, 2};
  std::string data = "P1";
  int64_t value = 12345;
  std::vector<arrow::WriteArray> cols(2);
  cols[0].length = 1;
  cols[0].buffers = {{nullptr, 0}, {offsets.data(), 8}, {data.data(), 2}};
  cols[1].length = 1;
  cols[1].buffers = {{nullptr, 0}, {&value, 8}};
  REQUIRE(w.WriteBatch(1, cols, &error));
  REQUIRE(w.Finish({}, &error));
  std::string out = LoadAll(PatientSchema(), dir.path());
  CHECK(out.find("ERROR") == 0);
  CHECK(out.find("patients.arrow: column `birth_date`: expected date32[day] (or date64), found Arrow type int64") !=
        std::string::npos);
  CHECK(out.find("column `sex`: required column is missing from the file") != std::string::npos);
  CHECK(out.find("12345") == std::string::npos);
}

TEST_CASE("arrow: a file that is not Arrow, or empty, is an error naming it") {
  TempDir dir;
  dir.Write("patients.arrow", "id,birth_date\nP1,2000-01-01\n");
  std::string out = LoadAll(PatientSchema(), dir.path());
  CHECK(out.find("patients.arrow: not an Arrow IPC file") != std::string::npos);
  dir.Write("patients.arrow", "");
  CHECK(LoadAll(PatientSchema(), dir.path()).find("empty file") != std::string::npos);
}

TEST_CASE("arrow: dictionary columns reach kernels as dictionaries, shared by every batch (no decoding)") {
  Imported d(700);
  const ColumnId lang = d.schema->FindColumn("language");
  const ColumnId events = d.schema->FindColumn("events");
  std::vector<DataError> errors;
  auto reader = OpenDataReader(d.schema, d.arrow.path(), &errors);
  REQUIRE(reader);
  std::set<const void*> dictionaries, entries;
  int batches = 0;
  Batch b;
  while (reader->Next(&b, 64)) {
    const CohortBatchView& v = b.View();
    REQUIRE(v.columns[lang].dictionary != nullptr);
    dictionaries.insert(v.columns[lang].dictionary->data);
    // Every row's code indexes the one file dictionary.
    for (int64_t r = 0; r < v.num_rows; ++r) {
      const int32_t code = CodeAt(v.columns[lang], r);
      CHECK((code >= 0 && code < v.columns[lang].dictionary->length));
    }
    for (uint32_t k = 0; k < v.columns[events].num_children; ++k)
      if (v.columns[events].children[k].dictionary) entries.insert(v.columns[events].children[k].dictionary->data);
    ++batches;
  }
  CHECK(batches > 2);
  CHECK(dictionaries.size() == 1);  // the mapped file's dictionary, not one decoded per batch
  CHECK(reader->errors().empty());
}

namespace {

const char* kDictSchema = R"(schema Dicts "dictionary-encoded Arrow columns of every shape"
key id
file "patients.csv"

id: string
a: string?
b: string?
c: string?
d: string?
)";

}  // namespace

TEST_CASE("arrow: foreign dictionaries: other index widths, stray null indices and duplicate entries load correctly") {
  TempDir dir;
  auto schema = SchemaFrom(kDictSchema);
  std::vector<arrow::Field> fields(5);
  fields[0].name = "id";
  fields[0].type.id = arrow::TypeId::kUtf8;
  const char* names[] = {"a", "b", "c", "d"};
  const int widths[] = {32, 8, 32, 32};
  for (int k = 0; k < 4; ++k) {
    arrow::Field& f = fields[k + 1];
    f.name = names[k];
    f.type.id = arrow::TypeId::kUtf8;
    f.dictionary_encoded = true;
    f.dictionary_id = k;
    f.index_type = {arrow::TypeId::kInt, widths[k], true};
  }
  arrow::FileWriter w;
  std::string error;
  REQUIRE(w.Open(dir.File("patients.arrow"), fields, {}, &error));
  // Two batches of 3 rows: ids, then a (int32, clean), b (int8), c (int32,
  // the null row's index 99 is outside the dictionary), d (int32, the
  // dictionary holds "x" twice).
  std::vector<int32_t> id_off = {0, 2, 4, 6};
  std::string ids[2] = {"P1P2P3", "P4P5P6"};
  std::vector<int32_t> a_idx[2] = {{0, 1, 0}, {1, 1, 0}};
  std::vector<int8_t> b_idx[2] = {{2, 0, 1}, {0, 0, 2}};
  std::vector<int32_t> c_idx[2] = {{0, 99, 1}, {1, 0, 0}};
  std::vector<int32_t> d_idx[2] = {{0, 1, 2}, {1, 0, 2}};
  uint8_t c_valid[2] = {0b101, 0b111};
  for (int k = 0; k < 2; ++k) {
    std::vector<arrow::WriteArray> cols(5);
    for (auto& c : cols) c.length = 3;
    cols[0].buffers = {{nullptr, 0}, {id_off.data(), 16}, {ids[k].data(), 6}};
    cols[1].buffers = {{nullptr, 0}, {a_idx[k].data(), 12}};
    cols[2].buffers = {{nullptr, 0}, {b_idx[k].data(), 3}};
    cols[3].buffers = {{k == 0 ? &c_valid[k] : nullptr, k == 0 ? 1u : 0u}, {c_idx[k].data(), 12}};
    cols[3].null_count = k == 0 ? 1 : 0;
    cols[4].buffers = {{nullptr, 0}, {d_idx[k].data(), 12}};
    REQUIRE(w.WriteBatch(3, cols, &error));
  }
  std::vector<int32_t> ab_off = {0, 2, 4, 5}, c_off = {0, 1, 2}, d_off = {0, 1, 2, 3};
  std::string ab_data = "esen!", c_data = "pq", d_data = "xxy";
  auto dict = [](int64_t n, std::vector<int32_t>& off, std::string& data) {
    arrow::WriteArray a;
    a.length = n;
    a.buffers = {{nullptr, 0}, {off.data(), off.size() * 4}, {data.data(), data.size()}};
    return a;
  };
  REQUIRE(w.Finish({{0, dict(3, ab_off, ab_data)}, {1, dict(3, ab_off, ab_data)}, {2, dict(2, c_off, c_data)},
                    {3, dict(3, d_off, d_data)}},
                   &error));
  // Expected rows: id|a|b|c|d.
  const char* expected[] = {"P1|es|!|p|x", "P2|en|es|~|x", "P3|es|en|q|y",
                            "P4|en|es|q|x", "P5|en|es|p|x", "P6|es|!|p|y"};
  std::vector<DataError> errors;
  auto reader = OpenDataReader(schema, dir.path(), &errors);
  REQUIRE(reader);
  std::vector<std::string> rows;
  Batch b;
  while (reader->Next(&b, 8)) {
    const CohortBatchView& v = b.View();
    CHECK(v.columns[1].dictionary != nullptr);  // passed through
    CHECK(v.columns[2].dictionary != nullptr);  // codes widened to int32
    CHECK(v.columns[3].dictionary != nullptr);  // codes copied, 0 under the null
    CHECK(v.columns[4].dictionary == nullptr);  // duplicate entries: decoded to plain strings
    if (v.columns[3].dictionary)
      for (int64_t r = 0; r < v.num_rows; ++r) CHECK(CodeAt(v.columns[3], r) < v.columns[3].dictionary->length);
    for (int64_t r = 0; r < v.num_rows; ++r) {
      std::string row;
      for (ColumnId c = 0; c < 5; ++c) {
        if (c) row += "|";
        Render(v.columns[c], TypeKind::kString, schema->columns[c].type, r, &row);
      }
      rows.push_back(row);
    }
  }
  CHECK(reader->errors().empty());
  REQUIRE(rows.size() == 6);
  for (size_t r = 0; r < 6; ++r) CHECK(rows[r] == expected[r]);
}

TEST_CASE("arrow: a dictionary index outside the dictionary in a valid row is an error, under a null it is not") {
  // Column `a` of kDictSchema, 10 rows (more than one vector of indices),
  // dictionary {"es", "en"}; the index widths and signs the checks handle
  // separately, each with one bad index placed in a valid or a null row.
  struct Case {
    int width;
    bool is_signed;
    int64_t bad;   ///< the index written in row `row`
    int row;
    bool null_row; ///< row `row` is null (its index is never read)
    bool error;
  };
  const Case cases[] = {
      {32, true, 2, 9, false, true},   {32, true, -1, 0, false, true},  {32, true, 2, 9, true, false},
      {32, true, -7, 4, true, false},  {8, true, 2, 5, false, true},    {8, true, -1, 5, false, true},
      {8, true, 100, 5, true, false},  {16, true, 300, 3, false, true}, {32, false, 2, 8, false, true},
      {32, false, 1, 8, false, false}, {64, true, 2, 1, false, true},   {64, true, -1, 1, true, false},
  };
  auto schema = SchemaFrom(kDictSchema);
  for (const Case& c : cases) {
    INFO("index width ", c.width, c.is_signed ? " signed" : " unsigned", ", index ", c.bad, " in row ", c.row,
         c.null_row ? " (null)" : "");
    TempDir dir;
    std::vector<arrow::Field> fields(2);
    fields[0].name = "id";
    fields[0].type.id = arrow::TypeId::kUtf8;
    fields[1].name = "a";
    fields[1].type.id = arrow::TypeId::kUtf8;
    fields[1].dictionary_encoded = true;
    fields[1].dictionary_id = 0;
    fields[1].index_type = {arrow::TypeId::kInt, c.width, c.is_signed};
    arrow::FileWriter w;
    std::string error;
    REQUIRE(w.Open(dir.File("patients.arrow"), fields, {}, &error));
    const int n = 10;
    std::vector<int32_t> id_off;
    std::string ids;
    for (int i = 0; i <= n; ++i) id_off.push_back(3 * i);
    for (int i = 0; i < n; ++i) ids += "P" + std::to_string(10 + i);
    std::vector<uint8_t> idx(static_cast<size_t>(n) * 8, 0);  // room for any width; index i % 2 elsewhere
    const size_t width = static_cast<size_t>(c.width / 8);
    for (int i = 0; i < n; ++i) {
      const int64_t v = i == c.row ? c.bad : i % 2;
      std::memcpy(idx.data() + width * i, &v, width);  // little-endian: the low bytes
    }
    uint8_t valid[2] = {0xff, 0x03};
    if (c.null_row) valid[c.row / 8] &= static_cast<uint8_t>(~(1u << (c.row % 8)));
    std::vector<arrow::WriteArray> cols(2);
    for (auto& col : cols) col.length = n;
    cols[0].buffers = {{nullptr, 0}, {id_off.data(), id_off.size() * 4}, {ids.data(), ids.size()}};
    cols[1].buffers = {{c.null_row ? valid : nullptr, c.null_row ? 2u : 0u}, {idx.data(), width * n}};
    cols[1].null_count = c.null_row ? 1 : 0;
    REQUIRE(w.WriteBatch(n, cols, &error));
    std::vector<int32_t> dict_off = {0, 2, 4};
    std::string dict_data = "esen";
    arrow::WriteArray dict;
    dict.length = 2;
    dict.buffers = {{nullptr, 0}, {dict_off.data(), 12}, {dict_data.data(), 4}};
    REQUIRE(w.Finish({{0, dict}}, &error));
    const std::string loaded = LoadAll(schema, dir.path());
    if (c.error) {
      CHECK(loaded.find("ERROR: ") == 0);
      CHECK(loaded.find("dictionary index out of range") != std::string::npos);
    } else {
      CHECK(loaded.find("ERROR") == std::string::npos);
      CHECK(loaded.find("stats 10 ") != std::string::npos);
    }
    // A projection without `a` (a program that never reads it) checks only
    // its structure at open: the bad index is never followed, nor an error.
    LoadOptions lo;
    auto used = std::make_shared<ir::UsedColumns>();
    used->columns.assign(schema->columns.size(), 0);
    used->columns[schema->FindColumn("id")] = 1;
    lo.projection = used;
    std::vector<DataError> errors;
    auto reader = OpenDataReader(schema, dir.path(), lo, &errors, nullptr);
    REQUIRE(reader);
    Batch b;
    int64_t rows = 0;
    while (reader->Next(&b, 4)) {
      CHECK(b.absent(schema->FindColumn("a")));
      CHECK_FALSE(b.absent(schema->FindColumn("id")));
      rows += b.num_rows();
    }
    CHECK(reader->errors().empty());
    CHECK(rows == n);
  }
}

namespace {

const char* kGroupedSchema = R"(schema G "list files in and out of the grouped layout"
key id
file "patients.csv"
record Ev {
  n: int
}
id: string
events: list<Ev> from "events.csv" by pid
)";

/// An events.arrow written by hand: `batches` of (owning record 0..5, or 6
/// for the key `PX` no record has; n). The parent column indexes a
/// dictionary of the keys P1..P6 (then PX): the record keys in order, as
/// `cohort import` writes it, or with P1 and P2 swapped, or plain utf8 keys. `grouped`
/// writes the layout metadata `cohort import` writes.
struct EventsFile {
  const char* what;
  std::vector<std::vector<std::pair<int, int64_t>>> batches;
  bool grouped = true;
  bool swapped = false;
  bool plain = false;
};

/// patients.arrow (two record batches: P1..P3, P4..P6) and events.arrow as
/// `e` says, in `arrow`; the same rows, in the same file order, as CSV in `csv`.
void WriteGroupedCase(const EventsFile& e, TempDir& arrow, TempDir& csv) {
  const std::vector<std::string> keys = {"P1", "P2", "P3", "P4", "P5", "P6", "PX"};
  std::string error;
  {
    std::vector<arrow::Field> fields(1);
    fields[0].name = "id";
    fields[0].type.id = arrow::TypeId::kUtf8;
    arrow::FileWriter w;
    REQUIRE(w.Open(arrow.File("patients.arrow"), fields, {}, &error));
    std::vector<int32_t> off = {0, 2, 4, 6};
    std::string ids[2] = {"P1P2P3", "P4P5P6"};
    for (const std::string& data : ids) {
      std::vector<arrow::WriteArray> cols(1);
      cols[0].length = 3;
      cols[0].buffers = {{nullptr, 0}, {off.data(), off.size() * 4}, {data.data(), data.size()}};
      REQUIRE(w.WriteBatch(3, cols, &error));
    }
    REQUIRE(w.Finish({}, &error));
  }
  bool unknown = false;
  for (const auto& b : e.batches)
    for (const auto& [owner, n] : b) unknown = unknown || owner == 6;
  const int entries = unknown ? 7 : 6;  // the grouped layout's dictionary: exactly the record keys
  auto entry = [&](int owner) { return e.swapped && owner < 2 ? 1 - owner : owner; };
  std::vector<arrow::Field> fields(2);
  fields[0].name = "pid";
  fields[0].type.id = arrow::TypeId::kUtf8;
  if (!e.plain) {
    fields[0].dictionary_encoded = true;
    fields[0].dictionary_id = 0;
    fields[0].index_type = {arrow::TypeId::kInt, 32, true};
  }
  fields[1].name = "n";
  fields[1].type = {arrow::TypeId::kInt, 64, true};
  std::vector<std::pair<std::string, std::string>> meta;
  if (e.grouped) meta = {{"cohort.layout", "grouped"}, {"cohort.list_rows_unmatched", "0"}};
  arrow::FileWriter w;
  REQUIRE(w.Open(arrow.File("events.arrow"), fields, meta, &error));
  std::string events_csv = "pid,n\n";
  for (const auto& batch : e.batches) {
    std::vector<int32_t> idx, off = {0};
    std::string data;
    std::vector<int64_t> n;
    for (const auto& [owner, value] : batch) {
      idx.push_back(entry(owner));
      data += keys[static_cast<size_t>(owner)];
      off.push_back(static_cast<int32_t>(data.size()));
      n.push_back(value);
      events_csv += keys[static_cast<size_t>(owner)] + "," + std::to_string(value) + "\n";
    }
    std::vector<arrow::WriteArray> cols(2);
    for (auto& c : cols) c.length = static_cast<int64_t>(batch.size());
    if (e.plain)
      cols[0].buffers = {{nullptr, 0}, {off.data(), off.size() * 4}, {data.data(), data.size()}};
    else
      cols[0].buffers = {{nullptr, 0}, {idx.data(), idx.size() * 4}};
    cols[1].buffers = {{nullptr, 0}, {n.data(), n.size() * 8}};
    REQUIRE(w.WriteBatch(static_cast<int64_t>(batch.size()), cols, &error));
  }
  std::vector<int32_t> dict_off = {0};
  std::string dict_data;
  for (int k = 0; k < entries; ++k) {
    dict_data += keys[static_cast<size_t>(entry(k))];
    dict_off.push_back(static_cast<int32_t>(dict_data.size()));
  }
  arrow::WriteArray dict;
  dict.length = entries;
  dict.buffers = {{nullptr, 0}, {dict_off.data(), dict_off.size() * 4}, {dict_data.data(), dict_data.size()}};
  std::vector<std::pair<int64_t, arrow::WriteArray>> dicts;
  if (!e.plain) dicts.push_back({0, dict});
  REQUIRE(w.Finish(dicts, &error));
  csv.Write("patients.csv", "id\nP1\nP2\nP3\nP4\nP5\nP6\n");
  csv.Write("events.csv", events_csv);
}

}  // namespace

TEST_CASE("arrow: a list file not in the grouped layout (whatever its metadata claims) is joined by key, like CSV") {
  // Only the first case is in the grouped layout; every other one breaks one
  // of its rules and must load through the key join, with the same records
  // and lists as the CSV load of the same rows, never silently wrong.
  const EventsFile cases[] = {
      {"grouped (the layout `cohort import` writes)", {{{0, 10}, {0, 11}, {2, 12}}, {{3, 13}, {5, 14}}}},
      {"claims grouped; batch 1 holds a row of record 0 (batch 0)", {{{1, 10}, {2, 11}}, {{0, 12}, {3, 13}, {4, 14}}}},
      {"claims grouped; batch 0 holds a row of record 4 (batch 1)", {{{0, 10}, {4, 11}}, {{3, 12}, {5, 13}}}},
      {"claims grouped; rows of a batch out of record order", {{{2, 10}, {0, 11}}, {{5, 12}, {3, 13}}}},
      {"claims grouped; three list batches for two record batches", {{{0, 10}, {1, 11}}, {{3, 12}}, {{4, 13}}}},
      {"claims grouped; one list batch for two record batches", {{{0, 10}, {1, 11}, {2, 12}}}},
      // Entry 0 is P2: row 0 (P1) would get the event of P2 if indices were taken for rows.
      {"claims grouped; parent dictionary not the record keys in order", {{{1, 10}, {0, 11}, {2, 12}}, {{3, 13}, {5, 14}}},
       true, true},
      {"claims grouped; parent keys plain utf8", {{{0, 10}, {2, 11}}, {{3, 12}, {5, 13}}}, true, false, true},
      {"no layout metadata; random parent order; three batches; an unknown key",
       {{{4, 10}, {0, 11}, {6, 12}}, {{2, 13}, {0, 14}, {5, 15}}, {{1, 16}, {4, 17}, {0, 18}}},
       false},
      {"no layout metadata, otherwise grouped", {{{0, 10}, {1, 11}}, {{3, 12}, {5, 13}}}, false},
  };
  auto schema = SchemaFrom(kGroupedSchema);
  for (const EventsFile& e : cases) {
    INFO(std::string(e.what));
    TempDir arrow, csv;
    WriteGroupedCase(e, arrow, csv);
    const std::string from_csv = LoadAll(schema, csv.path());
    REQUIRE(from_csv.rfind("ERROR", 0) != 0);
    CHECK(from_csv == LoadAll(schema, arrow.path()));
    CHECK(from_csv == LoadAll(schema, arrow.path(), 2));  // reader batches cut across file batches
  }
}
