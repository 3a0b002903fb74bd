// How the REPL splits typed lines into units of input: commands (`.run`),
// declarations (`define x = ...`) and bare expressions, and when a unit is
// complete. The rule (also in `.help`):
//
//   - A line starting with `.` is a command (one line).
//   - `segment` declarations continue until a blank line, the end of input,
//     or a line that starts (at column 0) with `.` or a declaration keyword;
//     that line then starts the next unit.
//   - Every other unit (`const`, `define`, `campaign`, `use`, expressions)
//     is complete at the end of a line when its brackets and strings are
//     closed, its last token does not need a right-hand side (`and`, `==`,
//     `,`, `where`, `within last`, ...), and a `const`/`define` has `= value`
//     (a `campaign` its `priority` list). A blank line always ends a unit.
#pragma once

#include <string>
#include <string_view>

namespace cohort::repl {

/// What a unit of input is, from its first word.
enum class UnitKind { kEmpty, kComment, kCommand, kUse, kConst, kDefine, kSegment, kCampaign, kExpression };

/// Classifies a unit by its first line (leading blanks ignored).
UnitKind ClassifyUnit(std::string_view first_line);

/// True when `text` (a unit of kind `kind`, possibly several lines) needs
/// more lines before it can be compiled.
bool NeedsMoreInput(std::string_view text, UnitKind kind);

/// True when `line` ends a pending segment and starts a new unit: a command
/// or a declaration keyword at column 0.
bool StartsNewUnit(std::string_view line);

/// True for lines holding only blanks.
bool IsBlank(std::string_view line);

}  // namespace cohort::repl
