// Diagnostics as data: a kind (registered once in diagnostics.def), a range,
// a formatted message, notes and fix-its. The CLI, the language server and the
// tests all consume the same structures.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/source.h"

namespace cohort {

/// How bad a diagnostic is.
enum class Severity { Note, Warning, Error };

/// Every diagnostic kind, from diagnostics.def.
enum class DiagKind {
#define DIAG(Name, Code, Sev, Format) Name,
#include "core/diagnostics.def"
#undef DIAG
};

/// The registered facts of a kind: stable code, default severity, format.
struct DiagInfo {
  DiagKind kind;
  std::string_view name;
  std::string_view code;
  Severity severity;
  std::string_view format;
};
/// Looks up the registered facts of a kind.
const DiagInfo& GetDiagInfo(DiagKind kind);
/// All registered kinds, in registration order (for SARIF rules, docs).
const std::vector<DiagInfo>& AllDiagInfos();
/// The severity a diagnostic of `kind` takes under `--strict` (the STRICT
/// lines of diagnostics.def; an unlisted warning becomes an error).
Severity StrictSeverity(DiagKind kind);

/// A replacement of `range` by `replacement` (an insertion when empty).
struct FixIt {
  SourceRange range;
  std::string replacement;
  std::string title;  ///< e.g. `add "if consent"`, shown as a code action
};

/// Extra information attached to a diagnostic, at another place.
struct DiagNote {
  SourceRange range;
  std::string message;
};

/// One diagnostic.
struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<DiagNote> notes;
  std::vector<FixIt> fixits;
  std::string_view code() const { return GetDiagInfo(kind).code; }
};

/// Collects diagnostics for one compilation.
class DiagnosticBag {
 public:
  /// Emits a diagnostic of `kind` formatted with `args`; returns it for
  /// attaching notes and fix-its.
  template <typename... Args>
  Diagnostic& Emit(DiagKind kind, SourceRange range, Args&&... args) {
    const DiagInfo& info = GetDiagInfo(kind);
    std::string msg = fmt::format(fmt::runtime(info.format), std::forward<Args>(args)...);
    diags_.push_back(Diagnostic{kind, info.severity, range, std::move(msg), {}, {}});
    if (info.severity == Severity::Error) ++errors_;
    return diags_.back();
  }
  const std::vector<Diagnostic>& all() const { return diags_; }
  std::vector<Diagnostic>& all() { return diags_; }
  size_t error_count() const { return errors_; }
  bool has_errors() const { return errors_ > 0; }
  /// Sorts by file, then offset, stably (deterministic output).
  void Sort();
  void Append(const DiagnosticBag& other);
  /// Applies StrictSeverity() to every diagnostic (and recounts errors).
  void PromoteForStrict();

 private:
  std::vector<Diagnostic> diags_;
  size_t errors_ = 0;
};

/// Renders `file:line:col: error[E0102]: message`, the source line and a caret
/// underline, then notes and fix-it hints, as `cohort check` prints them.
std::string RenderText(const Diagnostic& d, const SourceManager& sm, bool color = false);

/// Lowercase severity word: "error", "warning", "note".
std::string_view SeverityName(Severity s);

/// Edit distance based suggestion: the closest candidate within a small
/// distance, or empty. Used for every "did you mean" hint.
std::string ClosestMatch(std::string_view name, const std::vector<std::string>& candidates);
/// "; did you mean `x`?" or "" (ready to append to a message).
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace cohort
