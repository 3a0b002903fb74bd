// The REPL session: declarations, replacement, diagnostics mapped to the
// typed line, counts checked against the CSV itself.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/dates.h"
#include "runtime/loader.h"
#include "tools/repl/session.h"

using namespace cohort;
using namespace cohort::repl;
namespace fs = std::filesystem;

namespace {

/// A session writing into strings.
struct Captured {
  char* out_buf = nullptr;
  size_t out_len = 0;
  char* err_buf = nullptr;
  size_t err_len = 0;
  std::FILE* out = open_memstream(&out_buf, &out_len);
  std::FILE* err = open_memstream(&err_buf, &err_len);
  std::unique_ptr<Session> session;
  explicit Captured(const std::string& ledger_dir = "") {
    SessionOptions o;
    o.out = out;
    o.err = err;
    o.today = *ParseDate("2026-11-23");
    o.ledger_dir = ledger_dir;
    session = std::make_unique<Session>(o);
    REQUIRE(session->InitSchema(""));
  }
  ~Captured() {
    session.reset();
    std::fclose(out);
    std::fclose(err);
    std::free(out_buf);
    std::free(err_buf);
  }
  std::string Out() {
    std::fflush(out);
    std::string s(out_buf, out_len);
    std::fseek(out, 0, SEEK_SET);
    out_len = 0;
    return s;
  }
  std::string Err() {
    std::fflush(err);
    std::string s(err_buf, err_len);
    std::fseek(err, 0, SEEK_SET);
    err_len = 0;
    return s;
  }
};

fs::path Data() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("cohort-repl-unit-" + std::to_string(::getpid()));
    GenOptions g;
    g.patients = 300;
    g.seed = 5;
    g.today = *ParseDate("2026-11-23");
    REQUIRE(GenerateData(g, d.string()) == "");
    return d;
  }();
  return dir;
}

/// Counts rows of patients.csv whose `language` cell equals `lang` (a
/// plain scan; the generator never quotes language codes).
int64_t CountLanguage(const std::string& lang) {
  std::ifstream in(Data() / "patients.csv");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) header.push_back(h);
  size_t col = std::find(header.begin(), header.end(), "language") - header.begin();
  REQUIRE(col < header.size());
  int64_t n = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    if (col < cells.size() && cells[col] == lang) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("formatting of counts") {
  CHECK(Thousands(0) == "0");
  CHECK(Thousands(999) == "999");
  CHECK(Thousands(12345) == "12,345");
  CHECK(Thousands(-1234567) == "-1,234,567");
  CHECK(CountOf(12345, 100000) == "12,345 of 100,000 (12.3%)");
  CHECK(CountOf(0, 0) == "0 of 0 (0.0%)");
}

TEST_CASE("a bare expression counts the records it holds for") {
  Captured c;
  REQUIRE(c.session->LoadData(Data().string()));
  REQUIRE(c.session->Evaluate("language == \"es\""));
  int64_t es = CountLanguage("es");
  CHECK(es > 0);
  CHECK(c.Out() == CountOf(es, 300) + "\n");
  REQUIRE(c.session->Evaluate("not (language == \"es\")"));
  CHECK(c.Out() == CountOf(300 - es, 300) + "\n");
}

TEST_CASE("errors are rendered against the line just typed") {
  Captured c;
  CHECK_FALSE(c.session->Evaluate("age > 3 and langauge == \"es\""));
  std::string err = c.Err();
  CHECK(err.find("<input>:1:13: error[E0101]") == 0);
  CHECK(err.find("did you mean `language`?") != std::string::npos);
  CHECK(err.find("    1 | age > 3 and langauge == \"es\"") != std::string::npos);
  CHECK(err.find("^~~~~~~~") != std::string::npos);
  // Second line of a multi-line input.
  CHECK_FALSE(c.session->Evaluate("age > 3 and\n  nothing_here"));
  err = c.Err();
  CHECK(err.find("<input>:2:3: error[E0101]") == 0);
}

TEST_CASE("declarations are added, replaced with a note, and rejected atomically") {
  Captured c;
  REQUIRE(c.session->Declare("define adult = age >= 18"));
  REQUIRE(c.session->Declare("segment Adults\n  where adult"));
  CHECK(c.session->Names().defines == std::vector<std::string>{"adult"});
  CHECK(c.session->Names().segments == std::vector<std::string>{"Adults"});
  REQUIRE(c.session->Declare("define adult = age >= 21"));
  CHECK(c.Err().find("note: replaced define `adult`") != std::string::npos);
  CHECK(c.session->chunks().size() == 2);
  CHECK(c.session->chunks()[0].text == "define adult = age >= 21");
  // An int `adult` breaks the segment: the error points into the earlier
  // input and the session keeps the previous definition.
  CHECK_FALSE(c.session->Declare("define adult = age"));
  std::string err = c.Err();
  CHECK(err.find("<segment Adults>:2:9: error") != std::string::npos);
  CHECK(err.find("not added; the session is unchanged") != std::string::npos);
  CHECK(c.session->chunks()[0].text == "define adult = age >= 21");
  // A syntax error in a declaration.
  CHECK_FALSE(c.session->Declare("define = 3"));
  CHECK(c.Err().find("<input>:1:8: error[E0") == 0);
}

TEST_CASE(".save writes a file that compiles to the same declarations") {
  Captured c;
  REQUIRE(c.session->Declare("const langs = [\"es\", \"pt\"]"));
  REQUIRE(c.session->Declare("# kept\ndefine target = language in langs"));
  REQUIRE(c.session->Declare("segment T \"targets\"\n  where target\n  channel sms if consent"));
  fs::path file = fs::temp_directory_path() / ("cohort-repl-save-" + std::to_string(::getpid()) + ".cohort");
  REQUIRE(c.session->Command(".save " + file.string()));
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  CHECK(text.find("use Patient\n") != std::string::npos);
  CHECK(text.find("# kept\ndefine target = language in langs\n") != std::string::npos);
  Captured d;
  REQUIRE(d.session->LoadFile(file.string()));
  CHECK(d.session->Names().segments == std::vector<std::string>{"T"});
  fs::remove(file);
}

TEST_CASE("commands report misuse without ending the session") {
  Captured c;
  CHECK_FALSE(c.session->Command(".run"));  // no data
  CHECK(c.Err().find("no records are loaded") != std::string::npos);
  CHECK_FALSE(c.session->Command(".today 2026-02-30"));
  CHECK_FALSE(c.session->Command(".frobnicate"));
  CHECK(c.session->Command(".today 2026-02-28"));
  CHECK(c.session->Command(".today"));
  CHECK(c.Out().find("today is 2026-02-28") != std::string::npos);
  CHECK(c.session->Command(".quit"));
  CHECK(c.session->quit_requested());
}

TEST_CASE("with a ledger, every program gets batches of its own schema, so the JIT runs it (issue 12)") {
  // A ledger directory that does not exist yet is an empty history.
  Captured c((fs::temp_directory_path() / ("cohort-repl-ledger-" + std::to_string(::getpid()))).string());
  REQUIRE(c.session->LoadData(Data().string()));
  REQUIRE(c.session->Command(".engine jit"));
  c.Out();
  const uint32_t n = static_cast<uint32_t>(c.session->schema().columns.size());
  // The JIT evaluates a batch only when its columns are the program's
  // (runtime/jit/jit_engine.cpp); the loaded records carry the contacts column.
  REQUIRE(c.session->Declare("segment Plain\n  where age >= 18\n  channel sms if consent"));
  CHECK(c.session->EngineView(0).num_columns == n);
  REQUIRE(c.session->Command(".run"));
  const std::string plain_jit = c.Out();
  REQUIRE(c.session->Declare("segment Recent\n  where age >= 18\n  exclude contacted within last 7 days\n  channel sms if consent"));
  CHECK(c.session->EngineView(0).num_columns == n + 1);
  c.Out();
  REQUIRE(c.session->Command(".run"));
  const std::string both_jit = c.Out();
  // The same counts from the interpreter.
  REQUIRE(c.session->Command(".engine interp"));
  c.Out();
  REQUIRE(c.session->Command(".run"));
  auto without_engine = [](const std::string& s) {
    std::string out, line;
    std::istringstream in(s);
    while (std::getline(in, line))
      if (line.find("jit") == std::string::npos && line.find("interp") == std::string::npos) out += line + "\n";
    return out;
  };
  CHECK(without_engine(c.Out()) == without_engine(both_jit));
  CHECK(plain_jit.find("Plain") != std::string::npos);
}
