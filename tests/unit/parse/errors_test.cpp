// Syntax errors become diagnostics with useful wording and locations; no input
// crashes or hangs the parser.
#include <doctest/doctest.h>

#include <random>

#include "unit/parse/parse_test_util.h"

using namespace cohort;
using cohort::testing::ExamplePath;
using cohort::testing::ParseText;
using cohort::testing::ReadFile;

TEST_CASE("a segment without `where` names what is missing") {
  auto p = ParseText("segment Lapsed\n  exclude a\n  channel sms if consent\nsegment Next where b\n");
  REQUIRE(p->diags.all().size() == 1);
  const Diagnostic& d = p->diags.all()[0];
  CHECK(d.code() == "E0002");
  CHECK(d.message == "expected `where` after segment name, found `exclude`");
  CHECK(p->Text(d.range) == "exclude");
  // The rest of the segment and the next one are still parsed.
  REQUIRE(p->module->segments.size() == 2);
  CHECK(p->module->segments[0].where == nullptr);
  CHECK(p->module->segments[0].excludes.size() == 1);
  CHECK(p->module->segments[0].channels.size() == 1);
  CHECK(p->module->segments[1].name == "Next");

  auto q = ParseText("segment Lapsed \"description\" exclude a");
  REQUIRE(q->diags.all().size() == 1);
  CHECK(q->diags.all()[0].message == "expected `where` after the segment description, found `exclude`");

  auto r = ParseText("segment Lapsed");
  REQUIRE(r->diags.all().size() == 1);
  CHECK(r->diags.all()[0].message == "expected `where` after segment name, found end of file");
  CHECK(r->diags.all()[0].range.begin == 14);
}

TEST_CASE("wording of common mistakes") {
  auto a = ParseText("segment S where a channel if consent");
  REQUIRE(a->diags.all().size() == 1);
  CHECK(a->diags.all()[0].message == "expected a channel name after `channel`, found `if`");
  // Recovery inserts the missing name and keeps the condition.
  REQUIRE(a->module->segments[0].channels.size() == 1);
  CHECK(a->module->segments[0].channels[0].condition != nullptr);

  auto b = ParseText("define x = (a and");
  REQUIRE(b->diags.all().size() == 1);
  CHECK(b->diags.all()[0].message == "expected an expression after `and`, found end of file");

  auto c = ParseText("define x = a b");
  REQUIRE(c->diags.all().size() == 1);
  CHECK(c->diags.all()[0].message == "expected an operator or a declaration, found `b`");
  CHECK(c->Text(c->diags.all()[0].range) == "b");

  auto d = ParseText("segment");
  REQUIRE(d->diags.all().size() >= 1);
  CHECK(d->diags.all()[0].message == "expected a segment name after `segment`, found end of file");

  auto e = ParseText("channel sms if consent");
  REQUIRE(e->diags.all().size() >= 1);
  CHECK(e->diags.all()[0].message == "expected a declaration, found `channel`");

  auto g = ParseText("segment S x == 1");
  REQUIRE(g->diags.all().size() == 1);
  CHECK(g->diags.all()[0].message == "expected `where` after segment name, found `x`");

  auto h = ParseText("campaign C A, B");
  REQUIRE(h->diags.all().size() >= 1);
  CHECK(h->diags.all()[0].message == "expected `priority` or a string, found `A`");

  auto i = ParseText("segment S where a purpose \"marketing\"");
  REQUIRE(i->diags.all().size() == 1);
  CHECK(i->diags.all()[0].message ==
        "expected a purpose (`marketing`, `operations` or `treatment`) after `purpose`, found `\"marketing\"`");

  auto f = ParseText("define x = a.");
  REQUIRE(f->diags.all().size() == 1);
  CHECK(f->diags.all()[0].message == "expected a field name after `.`, found end of file");
}

TEST_CASE("recovery keeps later declarations") {
  auto p = ParseText(
      "define a = (x +\n"
      "define b = y ==\n"
      "segment S where a == \n"
      "campaign C priority S\n"
      "define ok = z\n");
  CHECK(p->diags.error_count() == 3);
  for (const auto& d : p->diags.all()) CHECK(d.code() == "E0002");
  CHECK(p->module->defines.size() == 3);
  CHECK(p->module->segments.size() == 1);
  REQUIRE(p->module->campaigns.size() == 1);
  CHECK(p->module->campaigns[0].priority.size() == 1);
  CHECK(p->module->defines[2].name == "ok");
}

TEST_CASE("unterminated string") {
  auto p = ParseText("define x = \"abc\ndefine y = z\n");
  REQUIRE(p->diags.all().size() == 1);
  CHECK(p->diags.all()[0].code() == "E0003");
  CHECK(p->Text(p->diags.all()[0].range) == "\"abc");
  REQUIRE(p->module->defines.size() == 2);
  CHECK(p->module->defines[0].body->text == "abc");
  CHECK(p->module->defines[1].name == "y");

  auto q = ParseText("segment S \"unterminated where a");
  CHECK(q->Codes().rfind("E0003", 0) == 0);
}

TEST_CASE("invalid characters") {
  auto p = ParseText("define x = a @@ b\ndefine y = c ; \n");
  REQUIRE(p->diags.all().size() >= 2);
  CHECK(p->diags.all()[0].code() == "E0004");
  CHECK(p->diags.all()[0].message == "invalid character `@`");
  CHECK(p->Text(p->diags.all()[0].range) == "@@");  // one report per run

  auto q = ParseText("define x = a \xe2\x80\x9cquoted\xe2\x80\x9d");
  REQUIRE(!q->diags.all().empty());
  CHECK(q->diags.all()[0].code() == "E0004");
  CHECK(q->diags.all()[0].message == "invalid character `\xe2\x80\x9c`");

  auto r = ParseText("define x = \xff");
  REQUIRE(!r->diags.all().empty());
  CHECK(r->diags.all()[0].message == "invalid character `\\xFF`");

  auto s = ParseText(std::string("define x = a\x01"));
  REQUIRE(!s->diags.all().empty());
  CHECK(s->diags.all()[0].message == "invalid character `\\x01`");
}

TEST_CASE("empty and comment-only files") {
  auto p = ParseText("");
  CHECK(p->diags.all().empty());
  CHECK(p->module->order.empty());
  auto q = ParseText("# only a comment\n\n   # another\n");
  CHECK(q->diags.all().empty());
  CHECK(q->module->comments.size() == 2);
  CHECK(q->Text(q->module->comments[1].range) == "# another");
  auto r = ParseText("\xEF\xBB\xBFuse Patient\n");  // UTF-8 BOM
  CHECK(r->diags.all().empty());
  CHECK(r->module->uses.size() == 1);
}

TEST_CASE("deep nesting is reported before the parser recurses") {
  auto nest = [](const std::string& open, const std::string& mid, const std::string& close, int n) {
    std::string s = "define x = ";
    for (int i = 0; i < n; ++i) s += open;
    s += mid;
    for (int i = 0; i < n; ++i) s += close;
    return s;
  };
  for (const std::string& text :
       {nest("(", "a", ")", 100000), nest("[", "a", "]", 100000), nest("not ", "a", "", 100000),
        nest("- ", "a", "", 100000), nest("any e in l where ", "a", "", 100000), nest("f(", "a", ")", 100000),
        nest("(", "", "", 100000), nest("a + ", "a", "", 100000), nest("a.", "b", "", 100000)}) {
    auto p = ParseText(text);
    REQUIRE(!p->diags.all().empty());
    CHECK(p->diags.all()[0].code() == "E0005");
  }
  // Reasonable nesting is fine.
  auto ok = ParseText(nest("(", "a", ")", 150));
  CHECK(ok->diags.all().empty());
  auto chain = ParseText("define x = " + std::string("a") + [] {
    std::string s;
    for (int i = 0; i < 500; ++i) s += " and b";
    return s;
  }());
  CHECK(chain->diags.all().empty());
  // The limit is configurable.
  ParseLimits tight;
  tight.max_nesting = 3;
  auto t = ParseText("define x = ((((a))))", tight);
  REQUIRE(!t->diags.all().empty());
  CHECK(t->diags.all()[0].message == "expression nested too deeply (more than 3 levels)");
}

TEST_CASE("too many errors stops with E0009") {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "define x" + std::to_string(i) + " = (\n";
  ParseLimits limits;
  limits.max_errors = 10;
  auto p = ParseText(text, limits);
  CHECK(p->diags.all().size() == 11);
  CHECK(p->diags.all().back().code() == "E0009");

  std::string garbage(5000, '@');
  for (size_t i = 0; i < garbage.size(); i += 2) garbage[i] = ' ';
  auto q = ParseText(garbage, limits);
  CHECK(q->diags.all().size() == 11);
  CHECK(q->diags.all().back().code() == "E0009");
}

TEST_CASE("truncating an example at every byte never crashes") {
  for (const char* name : {"primary_care.cohort", "telehealth.cohort"}) {
    std::string text = ReadFile(ExamplePath(name));
    REQUIRE(!text.empty());
    size_t step = text.size() > 2000 ? 3 : 1;  // keep the debug test fast
    for (size_t n = 0; n <= text.size(); n += step) {
      auto p = ParseText(text.substr(0, n));
      for (const auto& d : p->diags.all()) {
        CHECK(d.range.end <= n);
        CHECK(d.range.begin <= d.range.end);
      }
    }
  }
}

TEST_CASE("random bytes and token soup never crash") {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 300; ++iter) {
    std::string s(rng() % 200, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    auto p = ParseText(s);
    for (const auto& d : p->diags.all()) CHECK(d.range.end <= s.size());
  }
  const std::vector<std::string> words = {
      "use", "const", "define", "segment", "where", "exclude", "channel", "after", "if", "message", "cta",
      "purpose", "holdout", "export", "campaign", "priority", "and", "or", "not", "any", "all", "no", "in",
      "is", "missing", "present", "within", "last", "next", "before", "count", "min", "max", "for", "today",
      "now", "true", "false", "==", "!=", "<", "<=", ">", ">=", "=", "+", "-", "*", "/", "%", "(", ")", "[",
      "]", ",", ".", "x", "e", "14", "2.5", "days", "\"s\"", "\"open", "2026-01-01", "#c\n", "\n", "@", "contacted", "by", "cap", "messages", "per"};
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s;
    size_t n = rng() % 60;
    for (size_t i = 0; i < n; ++i) s += words[rng() % words.size()] + " ";
    auto p = ParseText(s);
    for (const auto& d : p->diags.all()) CHECK(d.range.end <= s.size());
  }
}

TEST_CASE("ClearParserCaches keeps parsing correct") {
  std::string text = ReadFile(ExamplePath("telehealth.cohort"));
  auto before = ParseText(text);
  ClearParserCaches();
  auto after = ParseText(text);
  CHECK(after->diags.all().empty());
  CHECK(ast::Dump(*before->module) == ast::Dump(*after->module));
  ClearParserCaches();
  ClearParserCaches();
  auto again = ParseText("define x = (a");
  CHECK(again->Codes() == "E0002");
}
