// The language server: never crashes on half-typed files (every prefix of the
// examples), framing over a pipe, position encodings, and bounded memory over
// thousands of edits (a benchmark-style test, run as its own ctest).
#include <doctest/doctest.h>
#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/lsp/document.h"
#include "tools/lsp/server.h"

using namespace cohort;
using json = nlohmann::json;

namespace {

std::string ReadAll(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A server with its outgoing messages collected.
struct Harness {
  std::vector<json> out;
  lsp::Server server{[this](const std::string& s) { out.push_back(json::parse(s)); }};
  int next_id = 100;
  std::string uri = std::string("file://") + COHORT_SOURCE_DIR + "/examples/fuzz.cohort";

  Harness(bool utf8 = false) {
    json caps = utf8 ? json{{"general", {{"positionEncodings", {"utf-8"}}}}} : json::object();
    server.Handle(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", caps}}}}.dump());
  }
  void Open(const std::string& text) {
    server.Handle(json{{"jsonrpc", "2.0"}, {"method", "textDocument/didOpen"},
                       {"params", {{"textDocument", {{"uri", uri}, {"languageId", "cohort"}, {"version", 1}, {"text", text}}}}}}
                      .dump());
  }
  void Change(const std::string& text, int version) {
    server.Handle(json{{"jsonrpc", "2.0"}, {"method", "textDocument/didChange"},
                       {"params", {{"textDocument", {{"uri", uri}, {"version", version}}}, {"contentChanges", {{{"text", text}}}}}}}
                      .dump());
  }
  json Request(const std::string& method, json params) {
    params["textDocument"] = {{"uri", uri}};
    int id = next_id++;
    out.clear();
    server.Handle(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    for (const auto& m : out)
      if (m.contains("id") && m["id"] == id) return m;
    return json();
  }
};

json At(uint32_t line, uint32_t ch) { return {{"line", line}, {"character", ch}}; }

long RssKb() {
  std::ifstream in("/proc/self/statm");
  long size = 0, resident = 0;
  in >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace

TEST_CASE("utf-16 and utf-8 positions map to byte offsets and back") {
  std::string text = "a\xC3\xA9\xF0\x9F\x98\x80z\nline2";  // a é 😀 z
  lsp::LineIndex u16(text, false), u8(text, true);
  CHECK(u16.ToPosition(1).character == 1);
  CHECK(u16.ToPosition(3).character == 2);  // after é (one UTF-16 unit)
  CHECK(u16.ToPosition(7).character == 4);  // after 😀 (a surrogate pair)
  CHECK(u16.ToOffset({0, 4}) == 7);
  CHECK(u8.ToPosition(7).character == 7);
  CHECK(u8.ToOffset({0, 7}) == 7);
  CHECK(u16.ToOffset({1, 2}) == 11);
  CHECK(u16.ToOffset({0, 99}) == 8);  // clamped to the line
  CHECK(u16.ToOffset({9, 0}) == text.size());
  CHECK(lsp::UriToPath("file:///a%20b/c.cohort") == "/a b/c.cohort");
  CHECK(lsp::PathToUri("/a b/c.cohort") == "file:///a%20b/c.cohort");
}

TEST_CASE("diagnostics are published once per burst of edits, with the check wording") {
  Harness h;
  h.Open("segment S where langauge == \"es\"\n");
  h.Change("segment S where langauge == \"e\"\n", 2);
  h.Change("segment S where langauge == \"es\"\n", 3);
  CHECK(h.server.HasPendingDiagnostics());
  h.out.clear();
  h.server.FlushDiagnostics();
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0]["params"]["version"] == 3);
  const json& d = h.out[0]["params"]["diagnostics"][0];
  CHECK(d["code"] == "E0101");
  CHECK(d["message"] == "unknown name `langauge`; did you mean `language`?");
  CHECK_FALSE(h.server.HasPendingDiagnostics());
}

TEST_CASE("every prefix of an example is served without a crash") {
  for (const char* name : {"telehealth.cohort", "referrals.cohort"}) {
    std::string text = ReadAll(std::string(COHORT_SOURCE_DIR) + "/examples/" + name);
    REQUIRE(!text.empty());
    Harness h(std::string(name) == "referrals.cohort");
    h.Open("");
    size_t step = std::string(name) == "telehealth.cohort" ? 1 : 11;
    for (size_t n = 0; n <= text.size(); n += step) {
      std::string prefix = text.substr(0, n);
      h.Change(prefix, static_cast<int>(n) + 2);
      h.server.FlushDiagnostics();
      size_t nl = prefix.rfind('\n');
      uint32_t line = static_cast<uint32_t>(std::count(prefix.begin(), prefix.end(), '\n'));
      uint32_t ch = static_cast<uint32_t>(nl == std::string::npos ? prefix.size() : prefix.size() - nl - 1);
      for (const char* m : {"textDocument/completion", "textDocument/hover", "textDocument/definition",
                            "textDocument/references"}) {
        json r = h.Request(m, {{"position", At(line, ch > 0 ? ch - 1 : 0)}});
        CAPTURE(n);
        CAPTURE(m);
        REQUIRE(r.contains("result"));
      }
      if (n % 97 == 0 || n == text.size()) {
        for (const char* m : {"textDocument/documentSymbol", "textDocument/semanticTokens/full",
                              "textDocument/formatting"})
          REQUIRE(h.Request(m, json::object()).contains("result"));
        REQUIRE(h.Request("textDocument/codeAction", {{"range", {{"start", At(0, 0)}, {"end", At(line, ch)}}}})
                    .contains("result"));
      }
    }
  }
}

TEST_CASE("malformed messages get JSON-RPC errors, not crashes") {
  Harness h;
  h.out.clear();
  h.server.Handle("{not json");
  REQUIRE(h.out.size() == 1);
  CHECK(h.out[0]["error"]["code"] == -32700);
  h.out.clear();
  h.server.Handle(R"({"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///x"},"position":"bad"}})");
  REQUIRE(h.out.size() == 1);
  CHECK((h.out[0].contains("result") || h.out[0].contains("error")));
  h.Open("segment S where true\n");
  json r = h.Request("textDocument/hover", {{"position", "bad"}});
  CHECK(r["error"]["code"] == -32602);
  lsp::Server fresh([](const std::string&) {});
  fresh.Handle(R"({"jsonrpc":"2.0","method":"exit"})");
  CHECK(fresh.exited());
  CHECK(fresh.exit_code() == 1);  // exit without shutdown
}

TEST_CASE("stdio framing: requests in, framed responses out, exit code after shutdown") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  auto frame = [](const std::string& body) { return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body; };
  std::string input =
      frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}})") +
      frame(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/x.cohort","version":1,"text":"segment S where nope\n"}}})") +
      frame(R"({"jsonrpc":"2.0","id":2,"method":"shutdown"})") + frame(R"({"jsonrpc":"2.0","method":"exit"})");
  REQUIRE(write(fds[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
  close(fds[1]);
  std::ostringstream out;
  int rc = lsp::RunStdio(fds[0], out);
  close(fds[0]);
  CHECK(rc == 0);
  std::string s = out.str();
  CHECK(s.rfind("Content-Length: ", 0) == 0);
  CHECK(s.find(R"("id":2,"jsonrpc":"2.0","result":null)") != std::string::npos);
}

TEST_CASE("memory stays flat over 10,000 edits" * doctest::skip()) {
  // Run with: unit_lsp --no-skip -tc="memory*" (ctest: lsp_memory).
  std::string text = ReadAll(std::string(COHORT_SOURCE_DIR) + "/examples/telehealth.cohort");
  Harness h;
  h.Open(text);
  auto edit = [&](int i) {
    // Vary identifiers so ANTLR's caches see new inputs.
    std::string t = text + "\ndefine extra_" + std::to_string(i) + " = age > " + std::to_string(i % 90) + "\n";
    h.Change(t, i + 2);
    h.server.FlushDiagnostics();
    h.out.clear();
  };
  for (int i = 0; i < 100; ++i) edit(i);
  malloc_trim(0);
  long after_100 = RssKb();
  for (int i = 100; i < 10000; ++i) edit(i);
  malloc_trim(0);
  long after_10000 = RssKb();
  MESSAGE("RSS after 100 edits: " << after_100 << " kB, after 10,000: " << after_10000 << " kB, compiles "
                                  << h.server.compile_count());
  CHECK(after_10000 <= after_100 * 110 / 100);
}
