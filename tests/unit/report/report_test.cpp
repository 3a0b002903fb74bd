// Small-cell suppression, the audit log's hash chain, and the report's
// counts on fixture batches.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "runtime/audit/audit.h"
#include "runtime/suppress.h"

namespace fs = std::filesystem;
using namespace cohort;


namespace {

/// No group may have exactly one hidden cell (a reader could recompute it).
bool NoLoneHidden(const SuppressionTable& t, const std::vector<SumGroup>& groups) {
  for (const SumGroup& g : groups) {
    int hidden = t.hidden(g.total);
    for (size_t p : g.parts) hidden += t.hidden(p);
    if (hidden == 1) return false;
  }
  return true;
}

std::vector<std::string> ReadLines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void WriteLines(const fs::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("cohort-report-test-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("primary suppression hides 1..N-1 and keeps 0 and N") {
  SuppressionTable t(11);
  size_t a = t.Add(0), b = t.Add(1), c = t.Add(10), d = t.Add(11), e = t.Add(12345);
  t.Suppress();
  CHECK(!t.hidden(a));
  CHECK(t.hidden(b));
  CHECK(t.hidden(c));
  CHECK(!t.hidden(d));
  CHECK(t.Show(c) == "<11");
  CHECK(t.Show(e) == "12,345");
  CHECK(ShowCount(5, 11) == "<11");
  CHECK(ShowCount(5, 0) == "5");
  CHECK(ShowCount(0, 11) == "0");
}

TEST_CASE("complementary suppression hides the smallest other part") {
  SuppressionTable t(11);
  size_t p1 = t.Add(30), p2 = t.Add(5), p3 = t.Add(40), total = t.Add(75);
  t.AddGroup({p1, p2, p3}, total);
  t.Suppress();
  CHECK(t.hidden(p2));
  CHECK(t.hidden(p1));  // 30 < 40: the smallest shown part
  CHECK(!t.hidden(p3));
  CHECK(t.Show(p2) == "<11");
  CHECK(t.Show(p1) == "*");  // hidden to protect p2, not small itself
  CHECK(t.complementary(p1));
  CHECK(!t.complementary(p2));
  CHECK(!t.hidden(total));
}

TEST_CASE("a hidden part next to zeros hides a zero, and a lone hidden total hides a part") {
  SuppressionTable t(11);
  size_t a = t.Add(5), z = t.Add(0), total = t.Add(5);
  t.AddGroup({a, z}, total);
  t.Suppress();
  CHECK(t.hidden(a));
  CHECK(t.hidden(total));  // 5 itself is small
  SuppressionTable u(11);
  size_t x = u.Add(20), y = u.Add(30), tot = u.Add(50), other = u.Add(3);
  u.AddGroup({x, y}, tot);
  u.AddGroup({other, tot}, u.Add(53));
  u.Suppress();
  // `other` is small, so `tot` (the smaller part of the second group) is
  // hidden, which in turn hides `x` in the first group.
  CHECK(u.hidden(other));
  CHECK(u.hidden(tot));
  CHECK(u.hidden(x));
  CHECK(!u.hidden(y));
}

TEST_CASE("min cell 0 turns suppression off") {
  SuppressionTable t(0);
  size_t a = t.Add(3), b = t.Add(4), c = t.Add(7);
  t.AddGroup({a, b}, c);
  t.Suppress();
  CHECK(!t.hidden(a));
  CHECK(t.Show(a) == "3");
}

TEST_CASE("random tables: every small cell hidden, no group with a lone hidden cell") {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    SuppressionTable t(11);
    std::vector<SumGroup> groups;
    std::vector<int64_t> values;
    // A two-level table: rows of parts adding up to row totals, and the row
    // totals adding up to a grand total (like groups within a clause).
    int rows = 1 + static_cast<int>(rng() % 4);
    std::vector<size_t> row_totals;
    int64_t grand = 0;
    for (int r = 0; r < rows; ++r) {
      int cols = 1 + static_cast<int>(rng() % 5);
      std::vector<size_t> parts;
      int64_t sum = 0;
      for (int c = 0; c < cols; ++c) {
        int64_t v = (rng() % 3 == 0) ? static_cast<int64_t>(rng() % 11) : static_cast<int64_t>(rng() % 200);
        values.push_back(v);
        parts.push_back(t.Add(v));
        sum += v;
      }
      values.push_back(sum);
      size_t tot = t.Add(sum);
      t.AddGroup(parts, tot);
      groups.push_back({parts, tot});
      row_totals.push_back(tot);
      grand += sum;
    }
    values.push_back(grand);
    size_t g = t.Add(grand);
    t.AddGroup(row_totals, g);
    groups.push_back({row_totals, g});
    t.Suppress();
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i] >= 1 && values[i] < 11) CHECK(t.hidden(i));
    CHECK(NoLoneHidden(t, groups));
  }
}

TEST_CASE("SHA-256 matches the FIPS 180-2 test vector") {
  CHECK(audit::Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(audit::Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the command line loses its secrets") {
  std::string s = audit::RedactCommandLine(
      {"cohort", "run", "x.cohort", "--source", "postgresql://alice:s3cret@db.example:5432/ehr", "password=hunter2"});
  CHECK(s.find("s3cret") == std::string::npos);
  CHECK(s.find("hunter2") == std::string::npos);
  CHECK(s.find("postgresql://alice:***@db.example:5432/ehr") != std::string::npos);
  CHECK(s.find("password=***") != std::string::npos);
  CHECK(audit::RedactCommandLine({"cohort", "a b"}) == "cohort 'a b'");
}

TEST_CASE("audit chain: append, verify, and find each kind of tampering at its line") {
  TempDir dir;
  fs::path log = dir.path / "audit.jsonl";
  for (int i = 0; i < 5; ++i) {
    nlohmann::json e{{"command", "run"}, {"n", i}, {"lists", {{{"rows", 10 * i}}}}};
    REQUIRE(audit::Append(log.string(), e).empty());
  }
  auto ok = audit::Verify(log.string());
  CHECK(ok.ok);
  CHECK(ok.lines == 5);
  const auto lines = ReadLines(log);
  REQUIRE(lines.size() == 5);

  SUBCASE("an edited byte") {
    auto l = lines;
    size_t pos = l[2].find("\"rows\":20");
    REQUIRE(pos != std::string::npos);
    l[2][pos + 8] = '9';  // rows 20 -> 90
    WriteLines(log, l);
    auto v = audit::Verify(log.string());
    CHECK(!v.ok);
    CHECK(v.bad_line == 3);
  }
  SUBCASE("an edited line with its own hash recomputed") {
    auto l = lines;
    nlohmann::json j = nlohmann::json::parse(l[2]);
    j["n"] = 42;
    j.erase("hash");
    j["hash"] = audit::Sha256Hex(j.dump());
    l[2] = j.dump();
    WriteLines(log, l);
    auto v = audit::Verify(log.string());
    CHECK(!v.ok);
    CHECK(v.bad_line == 3);  // line 4's `prev` no longer matches line 3
  }
  SUBCASE("a deleted line") {
    auto l = lines;
    l.erase(l.begin() + 2);
    WriteLines(log, l);
    auto v = audit::Verify(log.string());
    CHECK(!v.ok);
    CHECK(v.bad_line == 3);
    CHECK(v.problem.find("removed") != std::string::npos);
  }
  SUBCASE("the first line deleted") {
    auto l = lines;
    l.erase(l.begin());
    WriteLines(log, l);
    auto v = audit::Verify(log.string());
    CHECK(!v.ok);
    CHECK(v.bad_line == 1);
  }
  SUBCASE("two lines swapped") {
    auto l = lines;
    std::swap(l[1], l[2]);
    WriteLines(log, l);
    auto v = audit::Verify(log.string());
    CHECK(!v.ok);
    CHECK(v.bad_line == 2);
    CHECK(v.problem.find("reordered") != std::string::npos);
  }
  SUBCASE("appending after verification continues the chain") {
    REQUIRE(audit::Append(log.string(), {{"command", "report"}}).empty());
    auto v = audit::Verify(log.string());
    CHECK(v.ok);
    CHECK(v.lines == 6);
  }
}

TEST_CASE("concurrent appends never interleave or break the chain") {
  TempDir dir;
  fs::path log = dir.path / "audit.jsonl";
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) CHECK(audit::Append(log.string(), {{"writer", t}, {"i", i}}).empty());
    });
  for (auto& th : threads) th.join();
  auto v = audit::Verify(log.string());
  CHECK(v.ok);
  CHECK(v.lines == 100);
}
