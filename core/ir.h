// The checked IR: the only input of every engine (interpreter, JIT, SQL).
// Every name is resolved (to a column, a define, a segment, a function), every
// node has a type and a nullability, consents and purposes are already
// enforced. Engines never re-resolve a name or re-infer a type.
//
// Expressions live in one arena (Program::exprs) and refer to each other by
// ExprId, so the IR is cheap to copy, fingerprint and dump deterministically.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/source.h"
#include "core/types.h"

namespace cohort::ir {

using ExprId = uint32_t;
inline constexpr ExprId kNoExpr = UINT32_MAX;

/// A calendar duration. Durations are literals (`14 days`, `6 months`), so a
/// duration is always exactly one of: months (years ×12), days (weeks ×7), or
/// micros (hours, minutes). Calendar arithmetic clamps month ends.
struct Duration {
  int32_t months = 0;
  int32_t days = 0;
  int64_t micros = 0;
  bool operator==(const Duration&) const = default;
};

/// A constant value. `is_null` marks a missing value of `kind`.
/// Encoding: kBool/kInt/kEnum (code)/kDate (days since epoch)/kTimestamp
/// (micros since epoch) in `i`; kDecimal in `d`; kString in `s`; kDuration in `dur`.
struct Value {
  TypeKind kind = TypeKind::kError;
  bool is_null = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  Duration dur;
  bool operator==(const Value&) const = default;
};

/// IR node kinds. The payload fields each kind uses are listed beside it.
enum class ExprKind : uint8_t {
  kLiteral,     ///< literal
  kColumn,      ///< column: a row-level leaf field (never a record)
  kVarItem,     ///< the current item of the innermost quantifier over a set<string>
  kVarField,    ///< field `index` of the current element of the innermost quantifier over a list<Record>
  kToday,       ///< the run date (date); folded to a literal when known
  kNow,         ///< the run instant (timestamp)
  kNot,         ///< args[0]; Kleene
  kAnd,         ///< args (n ≥ 2); Kleene
  kOr,          ///< args (n ≥ 2); Kleene
  kCompare,     ///< cmp, args[0], args[1]: operands have the same type (after kCast)
  kArith,       ///< arith, args[0], args[1]: int or decimal (`/` always decimal)
  kNeg,         ///< args[0]: int or decimal
  kCast,        ///< args[0] converted to `type` (int→decimal, date→timestamp at 00:00Z)
  kAddDuration, ///< args[0] (date or timestamp) + sign × literal.dur (calendar arithmetic, clamped)
  kInList,      ///< args[0] in list (sorted, de-duplicated constants of args[0]'s type); negated
  kInSet,       ///< args[0] (string) in args[1] (set<string>); negated. Never unknown when args[0] is present
  kIsMissing,   ///< args[0] is missing; negated = `is present`. Never unknown
  kCoalesce,    ///< first present of args
  kCall,        ///< function `index` (stdlib FnId) over args
  kQuantifier,  ///< quant (kAny, kAll, kNo, kCount) over column (list or set), body = args[0]; two-valued
  kAggregate,   ///< quant (kMin/kMax) over column, value = args[0], filter = args[1] or none; missing if no element passes
  kDefineRef,   ///< the value of define `index` (same type, nullability)
  kSegmentRef,  ///< membership of segment `index` (TRUE/FALSE, never unknown)
};

/// Comparison operators (`before` is kLt, `after` is kGt).
enum class CmpOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
/// Arithmetic operators.
enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv };
/// Quantifiers and aggregates.
enum class Quant : uint8_t { kAny, kAll, kNo, kCount, kMin, kMax };

/// One IR node.
struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Type type;
  bool nullable = false;   ///< may be missing/unknown at run time
  /// 0: depends only on the row; 1: depends on the innermost quantifier's
  /// current element/item (only valid inside a quantifier body).
  uint8_t level = 0;
  CmpOp cmp = CmpOp::kEq;
  ArithOp arith = ArithOp::kAdd;
  Quant quant = Quant::kAny;
  bool negated = false;
  int32_t sign = 1;               ///< kAddDuration: +1 or -1
  ColumnId column = kNoColumn;    ///< kColumn, kQuantifier, kAggregate
  uint32_t index = 0;             ///< kVarField field, kCall FnId, kDefineRef, kSegmentRef
  Value literal;                  ///< kLiteral, kAddDuration (dur)
  std::vector<Value> list;        ///< kInList
  std::vector<ExprId> args;
  SourceRange range;              ///< source of this node (explanations, LSP)
};

/// Purpose of a segment.
enum class Purpose : uint8_t { kMarketing, kOperations, kTreatment };
const char* PurposeName(Purpose p);

/// A named, checked, reusable expression.
struct Define {
  std::string name;
  SourceRange range;
  ExprId body = kNoExpr;
};

/// A named constant (already substituted at its uses; kept for dumps/hover).
struct Const {
  std::string name;
  SourceRange range;
  Type type;
  std::vector<Value> values;  ///< one value, or the items of a list const
  bool is_list = false;
};

/// One `channel` clause: a step of the segment's sequence.
struct Channel {
  std::string name;                ///< `sms`
  uint32_t step = 1;               ///< 1-based order of declaration in the segment
  Duration after;                  ///< `after 2 days`; send_on = today + after
  ColumnId consent_column = kNoColumn;  ///< always ANDed by every engine (defense in depth)
  ExprId condition = kNoExpr;      ///< the full `if` condition (includes the consent conjunct)
  SourceRange range;
};

// ---- Outcomes: variants and goals (issue 12) ----

/// `variant NAME P%`: a share of the members that are neither held out nor
/// taken by an earlier campaign segment (core/md5.h VariantBucket).
struct Variant {
  std::string name;
  uint32_t share_bp = 0;           ///< basis points; a segment's shares add up to 10000
  std::string message;             ///< the variant's own, else the segment's
  std::string cta;                 ///< the variant's own, else the segment's
  SourceRange range;
};

/// `goal ...`: met when an element of list column `events` for which
/// `quantifier`'s body is TRUE has a UTC date d with S <= d <= S + days
/// (S: the patient's first send_on). `quantifier` is a row-level kAny over
/// `events` (never part of a segment); `at` is a level-1 timestamp field of
/// its element, evaluated in the same element frame (runtime/measure).
struct Goal {
  std::string name;                ///< the kind (`booked`) or the general form as written
  int32_t days = 0;                ///< the window N
  ColumnId events = kNoColumn;
  ExprId quantifier = kNoExpr;
  ExprId at = kNoExpr;
  SourceRange range;
};

// ---- end of outcomes ----

/// A checked segment.
struct Segment {
  std::string name;
  std::string description;
  SourceRange range;
  ExprId where = kNoExpr;
  std::vector<ExprId> excludes;    ///< in source order
  std::vector<Channel> channels;   ///< in step order
  std::string message;
  std::string cta;
  Purpose purpose = Purpose::kMarketing;
  uint32_t holdout_bp = 0;         ///< holdout in basis points (10% = 1000); 0 = none
  std::vector<ColumnId> exports;   ///< extra output columns (non-sensitive scalars)
  std::vector<uint32_t> depends_on;  ///< segments referenced by `in segment`, sorted
  int32_t campaign = -1;           ///< index into Program::campaigns, or -1
  // Outcomes (issue 12).
  std::vector<Variant> variants;   ///< in source order; empty = no split
  std::vector<Goal> goals;         ///< in source order; the first is the primary KPI
};

/// A campaign: segments in priority order (first match wins).
struct Campaign {
  std::string name;
  std::string description;
  SourceRange range;
  std::vector<uint32_t> segments;
  // ---- issue 12: frequency cap (0 = none): at most cap_messages in any cap_days consecutive days ----
  uint32_t cap_messages = 0;
  uint32_t cap_days = 0;
};

/// A checked program: everything an engine needs.
struct Program {
  std::shared_ptr<const Schema> schema;
  std::vector<Expr> exprs;
  std::vector<Const> consts;
  std::vector<Define> defines;
  std::vector<Segment> segments;
  std::vector<Campaign> campaigns;
  /// Segment indices such that every segment comes after those it references.
  std::vector<uint32_t> segment_order;
  // ---- issue 12: contact history ----
  /// The synthetic `__contacts` list column (core/contacts.h) when the program
  /// reads contact history (`contacted`) or has a frequency cap; the run
  /// pipeline fills it from the ledger. kNoColumn otherwise.
  ColumnId contacts_column = kNoColumn;
  /// Where contact history is first used (for "needs --ledger" errors).
  SourceRange contacts_use;

  const Expr& expr(ExprId id) const { return exprs[id]; }
  ExprId Add(Expr e) {
    exprs.push_back(std::move(e));
    return static_cast<ExprId>(exprs.size() - 1);
  }
  int FindSegment(std::string_view name) const;
};

/// Deterministic text dump (`cohort check --emit=ir`).
std::string Dump(const Program& p);
/// Dump of one expression as an S-expression.
std::string DumpExpr(const Program& p, ExprId id);
/// Checks structural invariants (ids in range, types of operands, levels,
/// consent conjuncts, acyclic order). Returns "" when valid, else the problem.
std::string Verify(const Program& p);
/// A stable hash of the program's semantics (kernel cache key).
uint64_t Fingerprint(const Program& p);
/// Spelling of operators for dumps and explanations.
const char* CmpSpelling(CmpOp op);
const char* ArithSpelling(ArithOp op);
const char* QuantName(Quant q);
const char* KindName(ExprKind k);

}  // namespace cohort::ir
