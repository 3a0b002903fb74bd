// Diagnostics as data: rendering with a caret, suggestions, the registry.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "core/diagnostic.h"

using namespace cohort;

TEST_CASE("RenderText: location, source line and caret underline") {
  SourceManager sm;
  FileId f = sm.Add("a.cohort", "use Patient\nsegment X\n  where langauge == \"es\"\n");
  const std::string& text = sm.Get(f).text();
  uint32_t b = static_cast<uint32_t>(text.find("langauge"));
  DiagnosticBag bag;
  Diagnostic& d = bag.Emit(DiagKind::UnknownName, SourceRange{f, b, b + 8}, "langauge",
                           DidYouMean("langauge", {"language", "age", "zip"}));
  d.fixits.push_back(FixIt{SourceRange{f, b, b + 8}, "language", ""});
  CHECK(RenderText(d, sm) ==
        "a.cohort:3:9: error[E0101]: unknown name `langauge`; did you mean `language`?\n"
        "    3 |   where langauge == \"es\"\n"
        "      |         ^" + std::string(7, '~') + "\n"  // 8 bytes underlined
        "      = fix: replace with `language`\n");
  CHECK(bag.error_count() == 1);
  CHECK(bag.has_errors());
}

TEST_CASE("RenderText: empty range, notes, titled fix-its, no location, color") {
  SourceManager sm;
  FileId f = sm.Add("b.cohort", "segment S\n  channel sms if x\n");
  DiagnosticBag bag;
  Diagnostic& d = bag.Emit(DiagKind::MissingConsent, SourceRange{f, 26, 26}, "sms", "consent.sms");
  d.fixits.push_back(FixIt{SourceRange{f, 26, 26}, " and consent", "add \"and consent\""});
  d.notes.push_back(DiagNote{SourceRange{f, 0, 9}, "in segment `S`"});
  CHECK(RenderText(d, sm) ==
        "b.cohort:2:17: error[E0301]: channel `sms` does not require consent; its condition must have `consent` "
        "(or `consent.sms`) as a top-level `and` condition\n"
        "    2 |   channel sms if x\n"
        "      |                 ^\n"
        "      = fix: add \"and consent\"\n"
        "b.cohort:1:1: note: in segment `S`\n"
        "    1 | segment S\n"
        "      | ^" + std::string(8, '~') + "\n");
  Diagnostic& w = bag.Emit(DiagKind::UnusedConst, SourceRange{}, "k");
  CHECK(RenderText(w, sm) == "warning[W0001]: const `k` is never used\n");
  CHECK(bag.error_count() == 1);  // warnings are not errors
  std::string colored = RenderText(w, sm, true);
  CHECK(colored.find("\x1b[") != std::string::npos);
  CHECK(colored.find("const `k` is never used") != std::string::npos);
}

TEST_CASE("RenderText: tabs are kept so the caret lines up; multi-line ranges") {
  SourceManager sm;
  FileId f = sm.Add("t.cohort", "\twhere x\nand y\n");
  DiagnosticBag bag;
  Diagnostic& d = bag.Emit(DiagKind::UnknownName, SourceRange{f, 7, 13}, "x", "");
  CHECK(RenderText(d, sm) ==
        "t.cohort:1:8: error[E0101]: unknown name `x`\n"
        "    1 | \twhere x\n"
        "      | \t      ^\n");
}

TEST_CASE("ClosestMatch and DidYouMean") {
  const std::vector<std::string> fields = {"language", "last_visit", "state", "sex", "zip"};
  CHECK(ClosestMatch("langauge", fields) == "language");  // transposition
  CHECK(ClosestMatch("languag", fields) == "language");   // deletion
  CHECK(ClosestMatch("stat", fields) == "state");
  CHECK(ClosestMatch("last_vist", fields) == "last_visit");
  CHECK(ClosestMatch("birthday", fields).empty());
  CHECK(ClosestMatch("xyz", {}).empty());
  CHECK(DidYouMean("stat", fields) == "; did you mean `state`?");
  CHECK(DidYouMean("completely_different", fields).empty());
}

TEST_CASE("DiagnosticBag: Sort is by file then offset, stable; Append counts errors") {
  DiagnosticBag a;
  a.Emit(DiagKind::UnknownName, SourceRange{2, 5, 6}, "c", "");
  a.Emit(DiagKind::UnknownName, SourceRange{1, 9, 10}, "b", "");
  a.Emit(DiagKind::UnusedConst, SourceRange{1, 2, 3}, "a");
  a.Emit(DiagKind::UnknownName, SourceRange{1, 9, 9}, "b2", "");
  a.Sort();
  std::vector<std::string> order;
  for (const auto& d : a.all()) order.push_back(d.message);
  CHECK(order == std::vector<std::string>{"const `a` is never used", "unknown name `b`", "unknown name `b2`",
                                          "unknown name `c`"});
  DiagnosticBag b;
  b.Append(a);
  CHECK(b.all().size() == 4);
  CHECK(b.error_count() == 3);
}

TEST_CASE("the diagnostic registry: unique, well-formed codes") {
  std::set<std::string_view> codes;
  const std::regex code_re("[EW][0-9]{4}");
  const auto& infos = AllDiagInfos();
  REQUIRE(!infos.empty());
  for (size_t i = 0; i < infos.size(); ++i) {
    const DiagInfo& info = infos[i];
    INFO(info.name);
    CHECK(static_cast<size_t>(info.kind) == i);
    CHECK(&GetDiagInfo(info.kind) == &info);
    CHECK(codes.insert(info.code).second);
    CHECK(std::regex_match(std::string(info.code), code_re));
    CHECK((info.code[0] == 'W') == (info.severity == Severity::Warning));
    // Wording: no trailing period.
    CHECK(info.format.back() != '.');
  }
  CHECK(GetDiagInfo(DiagKind::SchemaUnknownType).code == "E0402");
  CHECK(SeverityName(Severity::Note) == "note");
}
