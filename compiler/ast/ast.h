// The unchecked syntax tree produced by parse/. Names are unresolved strings
// and there are no types: only sema/ turns this into ir::Program, so an
// unchecked tree can never reach an engine.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/source.h"

namespace cohort::ast {

/// Expression node kinds. One struct with a kind keeps the tree easy to walk
/// and dump; the fields used by each kind are listed beside it.
enum class ExprKind {
  kBoolLit,      ///< bool_value
  kIntLit,       ///< int_value
  kDecimalLit,   ///< decimal_value
  kStringLit,    ///< text (unescaped)
  kDateLit,      ///< text (`2026-11-23`, validated by sema)
  kTimestampLit, ///< text (`2026-11-20T14:03:00Z`)
  kDurationLit,  ///< int_value (amount), text (unit as written: `days`)
  kPercentLit,   ///< decimal_value (only in `holdout`)
  kListLit,      ///< args: items (`["a", "b"]`, `[smartphone, computer]`)
  kName,         ///< text: a bare identifier (field, const, define, enum label, variable, `consent`, zero-arg fn)
  kMember,       ///< args[0] . text   (`consent.sms`, `e.kind`)
  kToday,        ///< `today`
  kNow,          ///< `now`
  kUnary,        ///< op (kNot, kNeg), args[0]
  kBinary,       ///< op, args[0], args[1]
  kIn,           ///< args[0] in args[1] (list literal or set-valued expr); negated for `not in`
  kIsMissing,    ///< args[0] is missing; negated for `is present` / `is not missing`
  kWithin,       ///< args[0] within (last|next: within_next) args[1]
  kCall,         ///< text(args...) — function call
  kQuantifier,   ///< quant, var, args[0] = list, args[1] = body (where)
  kCount,        ///< count(var in args[0] [where args[1]])
  kMinMax,       ///< quant (kMin/kMax): min(args[2] for var in args[0] [where args[1]])
  kInSegment,    ///< in segment text
  kParen,        ///< (args[0]) — kept for formatting and ranges
  kError,        ///< placeholder after a syntax error
  // ---- issue 12: contact history ----
  kContacted,    ///< `contacted [by text] within last args[0]` (text: channel or "", text_range)
};

/// Operators of kUnary and kBinary.
enum class Op {
  kNot, kNeg,
  kAnd, kOr,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kAdd, kSub, kMul, kDiv,
  kBefore, kAfter,
};

/// Quantifier kinds (kQuantifier and kMinMax).
enum class Quant { kAny, kAll, kNo, kMin, kMax };

/// An expression node.
struct Expr {
  ExprKind kind = ExprKind::kError;
  SourceRange range;
  Op op = Op::kNot;
  Quant quant = Quant::kAny;
  bool negated = false;       ///< `not in`, `is present`
  bool within_next = false;   ///< kWithin: `next` (else `last`)
  bool bool_value = false;
  int64_t int_value = 0;
  double decimal_value = 0;
  std::string text;
  SourceRange text_range;     ///< range of `text` (member name, var name, unit, segment name)
  std::string var;            ///< quantifier variable
  SourceRange var_range;
  std::vector<std::unique_ptr<Expr>> args;
};
using ExprPtr = std::unique_ptr<Expr>;

/// Purpose of a segment (governance).
enum class Purpose { kMarketing, kOperations, kTreatment };

/// `channel NAME [after D] [if COND]`.
struct ChannelClause {
  std::string name;
  SourceRange name_range;
  SourceRange range;          ///< the whole clause
  ExprPtr after;              ///< duration expression, or null
  ExprPtr condition;          ///< null when there is no `if`
  SourceRange if_range;       ///< range of the `if` keyword (fix-its)
};

/// A segment clause that names something with a range.
struct Named {
  std::string name;
  SourceRange range;
};

// ---- Outcomes: variants and goals (issue 12) ----

/// `variant NAME P% [message "m"] [cta "c"]`.
struct VariantClause {
  std::string name;
  SourceRange name_range;
  SourceRange range;                      ///< the whole clause
  ExprPtr share;                          ///< kPercentLit, or null after a syntax error
  std::optional<Named> message;
  std::optional<Named> cta;
};

/// `goal KIND within N days` (kind set) or `goal any VAR in LIST where COND
/// within N days` (kind empty; quantifier = a kQuantifier expression).
struct GoalClause {
  SourceRange range;                      ///< the whole clause
  Named kind;                             ///< the simple form's event kind
  ExprPtr quantifier;                     ///< the general form: `any e in events where ...`
  ExprPtr within;                         ///< the window, a duration
};

// ---- end of outcomes ----

/// `segment NAME "desc" where ... exclude ... channel ... message ...`.
struct Segment {
  std::string name;
  SourceRange name_range;
  SourceRange range;
  std::string description;
  ExprPtr where;                          ///< null only after a syntax error
  std::vector<ExprPtr> excludes;
  std::vector<ChannelClause> channels;
  std::optional<Named> message;           ///< name = message id
  std::optional<Named> cta;
  std::optional<Named> purpose;           ///< name as written; sema validates
  ExprPtr holdout;                        ///< kPercentLit, or null
  std::vector<Named> exports;             ///< `export f1, f2` (dotted paths)
  /// Clauses that appeared more than once (name of clause, its range): sema reports.
  std::vector<Named> duplicate_clauses;
  // Outcomes (issue 12), in source order.
  std::vector<VariantClause> variants;
  std::vector<GoalClause> goals;
};

/// `const NAME = literal | [literals]`.
struct Const {
  std::string name;
  SourceRange name_range;
  SourceRange range;
  ExprPtr value;
};

/// `define NAME = expr`.
struct Define {
  std::string name;
  SourceRange name_range;
  SourceRange range;
  ExprPtr body;
};

/// `campaign NAME ["desc"] priority A, B, C`.
struct Campaign {
  std::string name;
  SourceRange name_range;
  SourceRange range;
  std::string description;
  std::vector<Named> priority;
  // ---- issue 12: frequency cap `cap N messages per D days` ----
  std::optional<Named> cap;     ///< present when written; name = the clause as written, range = the clause
  int64_t cap_messages = 0;     ///< N
  int64_t cap_days = 0;         ///< D (in days; `weeks` are multiplied out)
  SourceRange cap_messages_range, cap_days_range;
};

/// `use Patient` or `use "path.schema"`.
struct Use {
  std::string name;         ///< identifier or the path as written
  bool is_path = false;
  SourceRange range;
};

/// A comment, kept for the formatter (range includes the `#`).
struct Comment {
  SourceRange range;
};

// ---- Tests (`test "name" { ... }`, README "Cohort in CI") ----

struct FixtureField;

/// A value in a test fixture: a literal, an enum label, `missing`, a list of
/// values (a set) or of records (a list field), or a nested `{ ... }` record.
struct FixtureValue {
  enum class Kind { kError, kBool, kInt, kDecimal, kString, kDate, kTimestamp, kLabel, kMissing, kList, kRecord };
  Kind kind = Kind::kError;
  SourceRange range;
  bool bool_value = false;
  int64_t int_value = 0;
  double decimal_value = 0;
  std::string text;                  ///< string value, label, date/timestamp as written
  std::vector<FixtureValue> items;   ///< kList
  std::vector<FixtureField> fields;  ///< kRecord
};

/// `path: value` in a fixture (`consent.sms: true`).
struct FixtureField {
  std::string path;                  ///< dotted, as written
  SourceRange path_range;
  FixtureValue value;
};

/// `given { ... }` (name empty) or `record NAME { ... }`.
struct Fixture {
  std::string name;
  SourceRange name_range;
  SourceRange range;
  std::vector<FixtureField> fields;
};

/// What an `expect` line states.
enum class ExpectKind {
  kMember,    ///< `expect P [not] in S`
  kChannel,   ///< `expect P [not] in S channel C [on DATE]`
  kHeldOut,   ///< `expect P [not] held out of S`
  kAssigned,  ///< `expect C assigns P to S` (S = `nothing`: to no segment)
  kClause,    ///< `expect S where|exclude N|channel C for P is true|false|unknown`
};

/// Which clause a kClause expectation is about.
enum class ClauseRef { kWhere, kExclude, kChannel };

/// One `expect` line.
struct Expectation {
  ExpectKind kind = ExpectKind::kMember;
  SourceRange range;
  bool negated = false;
  Named record;                 ///< the fixture record
  Named segment;                ///< segment (kAssigned: target, or `nothing`)
  Named campaign;               ///< kAssigned
  Named channel;                ///< kChannel, kClause with ClauseRef::kChannel
  std::optional<Named> on;      ///< kChannel `on DATE` (name = the date as written)
  ClauseRef clause = ClauseRef::kWhere;
  int64_t exclude_number = 0;   ///< 1-based `exclude N`
  Named truth;                  ///< `true`, `false` or `unknown` as written
};

/// `test "name" { today D  given {..}  record P {..}  expect ... }`.
struct Test {
  std::string name;
  SourceRange name_range;
  SourceRange range;
  std::optional<Named> today;   ///< name = the date as written
  std::optional<Fixture> given;
  std::vector<Fixture> records;
  std::vector<Expectation> expects;
};

/// One parsed file. Declarations keep source order per kind; `order` records
/// the interleaving for the formatter and dumps.
struct Module {
  FileId file = 0;
  std::vector<Use> uses;
  std::vector<Const> consts;
  std::vector<Define> defines;
  std::vector<Segment> segments;
  std::vector<Campaign> campaigns;
  std::vector<Comment> comments;
  std::vector<Test> tests;
  enum class DeclKind { kUse, kConst, kDefine, kSegment, kCampaign, kTest };
  std::vector<std::pair<DeclKind, size_t>> order;
};

/// Deterministic text dump of a module (`cohort check --emit=ast`).
std::string Dump(const Module& m);
/// Deterministic text dump of one expression, as an S-expression.
std::string Dump(const Expr& e);
/// Spelling of an operator as written in source (`and`, `==`, `before`).
const char* OpSpelling(Op op);

}  // namespace cohort::ast
