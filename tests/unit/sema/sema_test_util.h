// Helpers for the checker's unit tests: compile text through the driver and
// query the diagnostics by code, message and position.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "core/ir.h"

namespace cohort::test {

/// The run date the tests pin: 2026-11-23.
inline int32_t TestToday() { return *ParseDate("2026-11-23"); }

/// Compiles `text` against the standard Patient schema (unless it says `use`).
inline CompileResult CompileText(std::string text, bool fold = false, bool warn_unused = true) {
  CompileOptions o;
  o.file_name = "test.cohort";
  o.fold = fold;
  o.warn_unused = warn_unused;
  if (fold) o.today = TestToday();
  return Compile(std::move(text), o);
}

/// "E0102" codes of every diagnostic, in order.
inline std::vector<std::string> Codes(const CompileResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diags.all()) out.emplace_back(d.code());
  return out;
}

/// All diagnostics rendered as text (for failure messages).
inline std::string Rendered(const CompileResult& r) {
  std::string s;
  for (const auto& d : r.diags.all()) s += RenderText(d, *r.sources);
  if (!r.internal_error.empty()) s += "internal: " + r.internal_error + "\n";
  return s;
}

/// The first diagnostic with `code`, or nullptr.
inline const Diagnostic* Find(const CompileResult& r, std::string_view code) {
  for (const auto& d : r.diags.all())
    if (d.code() == code) return &d;
  return nullptr;
}

/// The source text a diagnostic's range covers.
inline std::string RangeText(const CompileResult& r, const SourceRange& range) {
  if (!range.valid()) return "";
  const std::string& t = r.sources->Get(range.file).text();
  return t.substr(range.begin, range.end - range.begin);
}

/// Applies a fix-it to the file text.
inline std::string Apply(const CompileResult& r, const FixIt& f) {
  std::string t = r.sources->Get(r.file).text();
  return t.substr(0, f.range.begin) + f.replacement + t.substr(f.range.end);
}

/// A segment skeleton with a where clause and a consent-guarded sms channel.
inline std::string Seg(const std::string& where, const std::string& extra = "") {
  return "segment S \"s\"\n  where " + where + "\n" + extra + "  channel sms if consent\n";
}

/// Expects exactly one error with `code`, whose range covers `what` and whose
/// message contains `msg`.
#define CHECK_ONE_ERROR(result, code, what, msg)                                       \
  do {                                                                                 \
    const auto& r_ = (result);                                                         \
    INFO(::cohort::test::Rendered(r_));                                                \
    CHECK(r_.program == nullptr);                                                      \
    CHECK(r_.diags.error_count() == 1);                                                \
    const ::cohort::Diagnostic* d_ = ::cohort::test::Find(r_, code);                   \
    REQUIRE(d_ != nullptr);                                                            \
    CHECK(::cohort::test::RangeText(r_, d_->range) == std::string(what));              \
    CHECK(d_->message.find(msg) != std::string::npos);                                 \
  } while (0)

}  // namespace cohort::test
