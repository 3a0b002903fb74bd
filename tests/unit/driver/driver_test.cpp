// The driver owns every phase: companion test files, strict severities, the
// name table, and incremental parsing that equals a whole-file parse.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/driver/driver.h"
#include "compiler/driver/incremental.h"
#include "compiler/parse/parser.h"

using namespace cohort;
namespace fs = std::filesystem;

namespace {

std::string Src(const std::string& rel) { return std::string(COHORT_SOURCE_DIR) + "/" + rel; }

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string R(SourceRange r) { return r.valid() ? fmt::format("{}:{}-{}", r.file, r.begin, r.end) : "-"; }

void Ranges(const ast::Expr* e, std::string& out) {
  if (e == nullptr) return;
  out += R(e->range) + R(e->text_range) + R(e->var_range) + " ";
  for (const auto& a : e->args) Ranges(a.get(), out);
}

/// The dump plus every range of the tree: two parses agree iff these agree.
std::string Fingerprint(const ast::Module& m) {
  std::string out = ast::Dump(m);
  for (const auto& c : m.comments) out += R(c.range);
  for (const auto& u : m.uses) out += R(u.range);
  for (const auto& c : m.consts) out += R(c.range) + R(c.name_range), Ranges(c.value.get(), out);
  for (const auto& d : m.defines) out += R(d.range) + R(d.name_range), Ranges(d.body.get(), out);
  for (const auto& s : m.segments) {
    out += R(s.range) + R(s.name_range);
    Ranges(s.where.get(), out);
    for (const auto& x : s.excludes) Ranges(x.get(), out);
    for (const auto& ch : s.channels) {
      out += R(ch.range) + R(ch.name_range) + R(ch.if_range);
      Ranges(ch.after.get(), out);
      Ranges(ch.condition.get(), out);
    }
    for (const auto* n : {&s.message, &s.cta, &s.purpose})
      if (*n) out += R((*n)->range);
    Ranges(s.holdout.get(), out);
    for (const auto& n : s.exports) out += R(n.range);
  }
  for (const auto& c : m.campaigns) {
    out += R(c.range) + R(c.name_range);
    for (const auto& p : c.priority) out += R(p.range);
  }
  for (const auto& t : m.tests) {
    out += R(t.range) + R(t.name_range);
    for (const auto& e : t.expects) out += R(e.range) + R(e.record.range) + R(e.segment.range) + R(e.truth.range);
    for (const auto& f : t.records) {
      out += R(f.range) + R(f.name_range);
      for (const auto& x : f.fields) out += R(x.path_range) + R(x.value.range);
    }
  }
  return out;
}

std::vector<std::string> CohortFiles() {
  std::vector<std::string> out;
  for (const char* dir : {"tests/golden", "tests/cli_ci", "examples"})
    for (const auto& e : fs::recursive_directory_iterator(Src(dir)))
      if (e.path().extension() == ".cohort") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a declaration-wise parse equals the whole-file parse, ranges included") {
  int incremental = 0;
  for (const auto& path : CohortFiles()) {
    INFO(path);
    std::string text = Read(path);
    SourceManager sm;
    FileId f = sm.Add(path, text);
    DiagnosticBag diags;
    auto whole = Parse(sm, f, diags);
    CompileCache cache;
    auto pieces = cache.ParseDeclarations(sm, f);
    if (diags.all().empty() && !pieces) FAIL_CHECK("a clean file fell back to the whole-file parse");
    if (!diags.all().empty()) {
      CHECK(pieces == nullptr);  // errors: the whole-file parse reports them
      continue;
    }
    ++incremental;
    CHECK(Fingerprint(*pieces) == Fingerprint(*whole));
    // A second parse of the same text reuses every declaration.
    auto again = cache.ParseDeclarations(sm, f);
    REQUIRE(again);
    CHECK(cache.parsed() == 0);
    CHECK(Fingerprint(*again) == Fingerprint(*whole));
  }
  CHECK(incremental > 20);
}

TEST_CASE("an edit re-parses only the declaration it touches") {
  std::string text = Read(Src("examples/telehealth.cohort"));
  auto cache = MakeCompileCache();
  CompileOptions o;
  o.file_name = Src("examples/telehealth.cohort");
  o.cache = cache;
  CompileResult first = Compile(text, o);
  REQUIRE(first.ok());
  CHECK(cache->parsed() > 10);
  size_t at = text.find("no_show_count >= 1 and last_no_show_reason == technical");
  REQUIRE(at != std::string::npos);
  std::string edited = text;
  edited.replace(at, 18, "no_show_count >= 2");
  CompileResult second = Compile(edited, o);
  CHECK(second.ok());
  CHECK(cache->parsed() == 1);
  CHECK(cache->reused() > 10);
  // The result is that of a compile without the cache.
  CompileOptions plain = o;
  plain.cache = nullptr;
  CompileResult ref = Compile(edited, plain);
  CHECK(ir::Dump(*second.program) == ir::Dump(*ref.program));
  // A syntax error falls back to the whole-file parse and its diagnostics.
  std::string broken = edited;
  broken.replace(at, 2, "(( ");
  CompileResult bad = Compile(broken, o);
  CompileResult bad_ref = Compile(broken, plain);
  REQUIRE(bad.diags.has_errors());
  REQUIRE(bad.diags.all().size() == bad_ref.diags.all().size());
  for (size_t i = 0; i < bad.diags.all().size(); ++i) {
    CHECK(bad.diags.all()[i].message == bad_ref.diags.all()[i].message);
    CHECK(bad.diags.all()[i].range.begin == bad_ref.diags.all()[i].range.begin);
  }
}

/// What an editor shows of a compilation: every diagnostic, the program and the names.
std::string Observable(const CompileResult& r) {
  std::string out;
  for (const Diagnostic& d : r.diags.all())
    out += fmt::format("{} {}:{}-{} {}\n", d.code(), d.range.file, d.range.begin, d.range.end, d.message);
  out += r.program ? ir::Dump(*r.program) : "<no program>\n";
  if (r.names)
    for (const Symbol& s : r.names->symbols())
      out += fmt::format("{} {} {}-{}\n", static_cast<int>(s.kind), s.name, s.range.begin, s.range.end);
  return out;
}

/// The benchmark file of bench/lsp/lsp_bench.py (its generator, in C++):
/// ~2,000 lines of defines and segments, each segment excluding the one before.
std::string BenchmarkFile() {
  static const char* kChannels[] = {"email", "sms", "phone", "mail"};
  static const char* kKinds[] = {"booked", "email_opened", "sms_replied", "intake_completed", "scheduling_link_clicked"};
  std::vector<std::string> out = {"# Generated by bench/lsp/lsp_bench.py: many defines and segments.", "use Patient", "",
                                  "const recent = 90 days", "const soon = 14 days", ""};
  std::vector<std::string> names;
  for (int i = 0; out.size() < 2000 - 12; ++i) {
    out.push_back(fmt::format("define adult_{} = age >= {} and state == \"MA\"", i, 18 + i % 60));
    out.push_back(fmt::format("define engaged_{} =", i));
    out.push_back(fmt::format("  any e in events where e.kind == {} and e.at within last recent", kKinds[i % 5]));
    out.push_back("");
    std::string name = fmt::format("Segment{:04d}", i);
    out.push_back(fmt::format("segment {} \"Generated audience {}\"", name, i));
    out.push_back(fmt::format("  where adult_{} and (engaged_{} or telehealth_visits > {})", i, i, i % 7));
    out.push_back(fmt::format("    and (last_visit is missing or days_since(last_visit) > {})", 30 + i % 300));
    out.push_back("  exclude next_appointment within next soon");
    if (!names.empty()) out.push_back("  exclude in segment " + names.back());
    out.push_back(fmt::format("  channel {} if consent", kChannels[i % 4]));
    out.push_back(fmt::format("  channel {} after {} days if consent", kChannels[(i + 1) % 4], 1 + i % 5));
    out.push_back(fmt::format("  message \"generated-{}\" cta \"book_visit\"", i));
    out.push_back("  purpose operations");
    out.push_back("");
    names.push_back(name);
  }
  out.push_back("campaign Generated");
  std::string priority = "  priority ";
  for (size_t k = 0; k < 10 && k < names.size(); ++k) priority += (k ? ", " : "") + names[k];
  out.push_back(priority);
  std::string text;
  for (const auto& l : out) text += l + "\n";
  return text;
}

TEST_CASE("random edit sequences: the language server's compile equals a fresh full compile after every edit") {
  static const char* kJunk[] = {")", "(", "and", ".", "==", "in", "\"", "segment", "define x =", "# note", "42", "@"};
  // Every example, and the benchmark file (written beside the examples so `use` resolves alike).
  std::vector<std::pair<std::string, std::string>> files;  // path, text
  for (const auto& e : fs::directory_iterator(Src("examples")))
    if (e.path().extension() == ".cohort") files.emplace_back(e.path().string(), Read(e.path().string()));
  std::sort(files.begin(), files.end());
  files.emplace_back(Src("examples/lsp_benchmark.cohort"), BenchmarkFile());
  REQUIRE(files.size() >= 4);
  size_t edits = 0, broken = 0, moved = 0;
  for (const auto& [path, original] : files) {
    const std::string name = fs::path(path).filename().string();
    std::vector<std::string> base;
    for (size_t b = 0; b <= original.size();) {
      size_t e = original.find('\n', b);
      if (e == std::string::npos) e = original.size();
      base.push_back(original.substr(b, e - b));
      b = e + 1;
    }
    std::vector<std::string> lines = base;
    std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>{}(name)));
    CompileOptions o;
    o.file_name = path;
    o.base_dir = fs::path(path).parent_path().string();
    o.cache = MakeCompileCache();
    CompileOptions fresh = o;
    fresh.cache = nullptr;
    // As the language server does: the replaced compilation's tree is handed
    // back, so unchanged declarations are moved (and shifted) instead of copied.
    CompileResult previous;
    const int steps = base.size() > 1000 ? 12 : 60;  // the benchmark file: a few (it is 2,000 lines)
    for (int step = 0; step < steps; ++step) {
      if (rng() % 5 < 2) lines = base;  // the user fixed everything
      size_t l = rng() % lines.size();
      std::string& line = lines[l];
      switch (rng() % 8) {
        case 0:
        case 5: line = l < base.size() ? base[l] : ""; break;                // undo
        case 1: line = line.substr(0, line.size() * (rng() % 4) / 4); break;  // truncate
        case 2: line.insert(rng() % (line.size() + 1), std::string(" ") + kJunk[rng() % std::size(kJunk)] + " "); break;
        case 3: if (!line.empty()) line.erase(rng() % line.size(), 1 + rng() % 3); break;
        case 4: lines.insert(lines.begin() + static_cast<long>(l), rng() % 2 ? "# typing" : line); break;
        case 6: lines = base; break;                                         // back to the file
        default: {                                                           // an edit that keeps the syntax
          size_t d = line.find_first_of("0123456789");
          if (d != std::string::npos) line[d] = static_cast<char>('1' + rng() % 9);
        }
      }
      std::string text;
      for (size_t i = 0; i < lines.size(); ++i) text += (i ? "\n" : "") + lines[i];
      previous.names.reset();
      o.cache->Recycle(std::move(previous.ast));
      CompileResult incremental = Compile(text, o);
      moved += o.cache->moved();
      CompileResult full = Compile(text, fresh);
      ++edits;
      if (full.diags.has_errors()) ++broken;
      INFO(name << " step " << step << ":\n" << text);
      REQUIRE(Observable(incremental) == Observable(full));
      REQUIRE(incremental.ast);
      REQUIRE(full.ast);
      REQUIRE(Fingerprint(*incremental.ast) == Fingerprint(*full.ast));
      previous = std::move(incremental);
    }
  }
  MESSAGE(edits << " edits, " << broken << " of them with errors, " << moved << " declarations moved");
  CHECK(broken > edits / 10);
  CHECK(broken < edits);
  CHECK(moved > edits * 5);  // recycling really happens
}

TEST_CASE("a recycled tree is moved only into the compilation that follows its own") {
  std::string text = Read(Src("examples/telehealth.cohort"));
  CompileOptions o;
  o.file_name = Src("examples/telehealth.cohort");
  o.cache = MakeCompileCache();
  CompileResult first = Compile(text, o);
  REQUIRE(first.ok());
  // A tree the cache did not produce is ignored.
  CompileResult other = Compile(text, CompileOptions{o.file_name, o.base_dir});
  o.cache->Recycle(std::move(other.ast));
  CompileResult second = Compile("# moved down\n" + text, o);
  CHECK(o.cache->moved() == 0);
  CHECK(o.cache->reused() > 10);
  // The last output is taken: every declaration moves, shifted by the new comment line.
  second.names.reset();
  o.cache->Recycle(std::move(second.ast));
  std::string third_text = "# moved down\n# and again\n" + text;
  CompileResult third = Compile(third_text, o);
  CHECK(o.cache->moved() == third.ast->order.size());
  CompileOptions plain = o;
  plain.cache = nullptr;
  CompileResult ref = Compile(third_text, plain);
  CHECK(Fingerprint(*third.ast) == Fingerprint(*ref.ast));
  CHECK(ir::Dump(*third.program) == ir::Dump(*ref.program));
}

TEST_CASE("X_test.cohort on its own is checked against X.cohort") {
  CompileResult r = CompileFile(Src("tests/cli_ci/pass/outreach_test.cohort"), CompileOptions{});
  for (const auto& d : r.diags.all()) INFO(RenderText(d, *r.sources));
  CHECK(r.diags.all().empty());
  CHECK(r.tests.size() == 1);
  // Its expectations name segments of outreach.cohort: the name table knows where.
  REQUIRE(r.names);
  bool found = false;
  for (const auto& s : r.names->symbols())
    if (s.kind == SymKind::kSegment && s.name == "IntakeNoBooking" && s.range.file == r.file) {
      found = true;
      CHECK(s.decl.valid());
      CHECK(s.decl.file != r.file);
    }
  CHECK(found);
}

TEST_CASE("cohort test asks for companion tests; a companion may hold only tests") {
  CompileOptions o;
  o.companion_tests = true;
  CompileResult r = CompileFile(Src("tests/cli_ci/pass/outreach.cohort"), o);
  CHECK(r.ok());
  CHECK(r.tests.size() == 4);  // 3 in the file, 1 beside it

  fs::path dir = fs::temp_directory_path() / "cohort_driver_test";
  fs::create_directories(dir);
  std::ofstream((dir / "x.cohort").string()) << "use Patient\nsegment A\n  where age > 3\n  channel sms if consent\n";
  std::ofstream((dir / "x_test.cohort").string()) << "segment B\n  where age > 4\n";
  CompileResult bad = CompileFile((dir / "x_test.cohort").string(), CompileOptions{});
  REQUIRE(bad.diags.has_errors());
  CHECK(bad.diags.all()[0].kind == DiagKind::InvalidTest);
  fs::remove_all(dir);
}

TEST_CASE("strict severities come from diagnostics.def") {
  CHECK(StrictSeverity(DiagKind::ConflictingCta) == Severity::Error);
  CHECK(StrictSeverity(DiagKind::UnusedDefine) == Severity::Error);
  CHECK(StrictSeverity(DiagKind::OptionalOnlyCompared) == Severity::Warning);
  CHECK(StrictSeverity(DiagKind::UnknownField) == Severity::Error);
  CompileOptions o;
  o.strict = true;
  CompileResult r = CompileFile(Src("tests/cli_ci/strict.cohort"), o);
  CHECK(r.diags.has_errors());
  for (const auto& d : r.diags.all()) CHECK(d.severity == StrictSeverity(d.kind));
}
