// Internal state of the checker, shared by its translation units:
//   checker.cpp      declarations, duplicates, unused names, the entry point
//   names.cpp        name resolution (fields, consts, defines, variables, labels)
//   expressions.cpp  typing of operators, calls, quantifiers, `within`
//   rules.cpp        channels and consent, purposes, holdout, exports, governance
//   segments.cpp     segment references, cycles, ordering, campaigns
// Not a public header: only compiler/sema/*.cpp include it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/sema/checker.h"
#include "core/ir.h"
#include "core/schema.h"
#include "stdlib/functions.h"

namespace cohort::sema {

/// The result of checking one expression. An error result has the error type
/// and no node; callers stay silent on it (the error is already reported).
struct Checked {
  ir::ExprId id = ir::kNoExpr;
  Type type;
  bool nullable = false;
  uint8_t level = 0;
  bool ok() const { return !type.is_error() && id != ir::kNoExpr; }
};

/// A sensitive column read at a place.
struct SensitiveRead {
  std::string path;
  SourceRange range;
};

/// What an expression reads, for governance and segment dependencies.
struct Reads {
  std::vector<SensitiveRead> sensitive;                     ///< direct reads, source order
  std::vector<std::pair<uint32_t, SourceRange>> defines;    ///< define refs, source order
  std::vector<std::pair<uint32_t, SourceRange>> segments;   ///< segment refs, source order
};

/// A quantifier variable in scope.
struct VarScope {
  std::string name;
  SourceRange range;
  bool over_set = false;
  std::shared_ptr<const RecordDef> record;  ///< element type for lists
  std::string list_name;                    ///< `events` (for messages)
};

/// Where an expression is being checked.
struct Ctx {
  std::vector<VarScope> vars;       ///< innermost last
  const ChannelDef* channel = nullptr;  ///< inside a channel condition: bare `consent`
  Reads* reads = nullptr;
};

/// One const declaration after its literal was checked.
struct ConstInfo {
  const ast::Const* decl = nullptr;
  bool is_list = false;
  bool is_labels = false;            ///< bare enum labels: typed at each use
  std::vector<std::string> labels;   ///< when is_labels
  Type type;                         ///< element type (error when invalid)
  std::vector<ir::Value> values;
  bool used = false;
  uint32_t ir_index = 0;             ///< index in Program::consts
};

/// One define declaration and its checking state.
struct DefineInfo {
  const ast::Define* decl = nullptr;
  enum class State { kUnchecked, kChecking, kDone } state = State::kUnchecked;
  Checked result;
  Reads reads;
  bool used = false;
};

/// Per-segment facts collected while checking its clauses.
struct SegmentInfo {
  const ast::Segment* decl = nullptr;
  Reads where;
  std::vector<Reads> excludes;          ///< per exclude clause
  std::vector<Reads> channels;          ///< per channel clause
  /// Segments this one references (directly or through defines), with the
  /// range of the reference in this segment.
  std::map<uint32_t, SourceRange> deps;
};

/// A chain of references from a place to a sensitive field (governance).
struct SensitivePath {
  std::vector<std::string> hops;   ///< "define `chronic`", "segment `A`"
  std::string field;               ///< `conditions`
  SourceRange range;               ///< the first reference, where the chain starts
  std::vector<DiagNote> notes;     ///< one per later hop
};

/// The checker. One instance per Check() call.
class Checker {
 public:
  Checker(const ast::Module& m, std::shared_ptr<const Schema> schema, const SourceManager& sm, DiagnosticBag& diags,
          const CheckOptions& options);
  std::shared_ptr<ir::Program> Run();

  // ---- checker.cpp ----
  void CollectDeclarations();
  void CheckUses();
  void ReportUnused();
  /// Source text of a range (for messages and fix-its).
  std::string Text(SourceRange r) const;
  /// Range of the operator token of a binary expression (falls back to the whole range).
  SourceRange OpRange(const ast::Expr& e) const;
  ir::ExprId Add(ir::Expr e);
  /// Adds a node with the given operands; level is the operands' maximum.
  Checked Make(ir::ExprKind kind, Type type, bool nullable, std::vector<Checked> args, SourceRange range);
  Checked Literal(ir::Value v, Type type, SourceRange range);
  static Checked Error() { return Checked{}; }

  // ---- names.cpp ----
  void CheckConsts();
  void CheckConst(ConstInfo& c);
  Checked CheckDefine(uint32_t index, SourceRange use);
  Checked CheckName(const ast::Expr& e, const Ctx& ctx);
  Checked CheckMember(const ast::Expr& e, const Ctx& ctx);
  Checked ColumnRef(ColumnId col, SourceRange range, const Ctx& ctx);
  Checked ImplicitCall(const FunctionInfo& fn, SourceRange range, const Ctx& ctx);
  /// If `e` is a bare identifier that names nothing (a candidate enum label),
  /// or a const of labels, returns the label text.
  std::optional<std::string> LabelCandidate(const ast::Expr& e, const Ctx& ctx) const;
  /// Resolves a label against an enum; reports E0103 when it is not one.
  Checked ResolveLabel(const std::string& label, SourceRange range, const Type& enum_type, const std::string& what);
  /// A bare name that names nothing visible (or a const of one label): an enum label to resolve.
  bool IsPureLabel(const ast::Expr& e, const Ctx& ctx) const;
  std::vector<std::string> VisibleNames(const Ctx& ctx) const;
  bool IsVisibleName(const std::string& name, const Ctx& ctx) const;
  /// A dotted path for kName/kMember chains (`consent.sms`), or "".
  static std::string PathOf(const ast::Expr& e);
  void NoteRead(ColumnId col, SourceRange range, const Ctx& ctx);

  // ---- expressions.cpp ----
  Checked CheckExpr(const ast::Expr& e, const Ctx& ctx);
  Checked CheckLiteral(const ast::Expr& e);
  Checked CheckUnary(const ast::Expr& e, const Ctx& ctx);
  Checked CheckBinary(const ast::Expr& e, const Ctx& ctx);
  Checked CheckLogic(const ast::Expr& e, const Ctx& ctx);
  Checked CheckCompare(const ast::Expr& e, const Ctx& ctx);
  Checked CompareChecked(ast::Op op, Checked a, Checked b, const ast::Expr& e, const ast::Expr& lhs,
                         const ast::Expr& rhs);
  Checked CheckArith(const ast::Expr& e, const Ctx& ctx);
  Checked AddDuration(Checked base, ir::Duration d, int sign, SourceRange range, SourceRange dur_range,
                      const std::string& dur_text);
  Checked CheckIn(const ast::Expr& e, const Ctx& ctx);
  Checked CheckInList(const ast::Expr& e, Checked operand, const std::vector<const ast::Expr*>& items,
                      const ConstInfo* list_const, const Ctx& ctx);
  Checked CheckIsMissing(const ast::Expr& e, const Ctx& ctx);
  Checked CheckWithin(const ast::Expr& e, const Ctx& ctx);
  Checked CheckCall(const ast::Expr& e, const Ctx& ctx);
  Checked CheckCoalesce(const ast::Expr& e, const Ctx& ctx);
  Checked CheckQuantifier(const ast::Expr& e, const Ctx& ctx);
  /// Checks the list operand of a quantifier and pushes its variable.
  bool BindQuantifier(const ast::Expr& list, const std::string& var, SourceRange var_range, const Ctx& ctx,
                      Ctx* inner, ColumnId* column);
  Checked CheckInSegment(const ast::Expr& e, const Ctx& ctx);
  /// A duration operand (literal or duration const); nullopt after an error.
  std::optional<ir::Duration> DurationOf(const ast::Expr& e, const Ctx& ctx, const char* what);
  Checked CastTo(Checked c, Type to);
  /// Checks a value that must be a condition (E0202 with `what`).
  Checked CheckCondition(const ast::Expr& e, const Ctx& ctx, const std::string& what);
  Checked CheckTimestampLiteral(const ast::Expr& e);

  // ---- rules.cpp ----
  void CheckSegment(uint32_t index);
  void CheckChannel(const ast::ChannelClause& c, ir::Segment& out, Reads& reads);
  void CheckConsentRule(const ast::ChannelClause& c, const ChannelDef& def);
  void CheckGovernance();
  /// The first chain from `reads` to a sensitive field, or nullopt.
  std::optional<SensitivePath> FindSensitive(const Reads& reads);
  std::optional<SensitivePath> DefineSensitive(uint32_t define);
  std::optional<SensitivePath> SegmentSensitive(uint32_t segment);
  void CheckExports(const ast::Segment& s, ir::Segment& out);

  // ---- outcomes.cpp (issue 12): variants and goals ----
  void CheckOutcomes(const ast::Segment& s, ir::Segment& out);
  void CheckVariants(const ast::Segment& s, ir::Segment& out);
  void CheckGoal(const ast::GoalClause& g, ir::Segment& out);

  // ---- segments.cpp ----
  void ComputeDependencies();
  void ReportSegmentCycles();
  void OrderSegments();
  void CheckCampaigns();

  // ---- contacts.cpp (issue 12: contact history and frequency caps) ----
  /// `contacted [by C] within last N days` as `any` over the contacts column.
  Checked CheckContacted(const ast::Expr& e, const Ctx& ctx);
  /// Checks a campaign's `cap` into `out` (E0703 on a bad number).
  void CheckCap(const ast::Campaign& c, ir::Campaign& out);
  /// The contacts column (appended to the schema at the end of Run), noting the first use.
  ColumnId UseContacts(SourceRange use);
  /// Appends the contacts column to the program's schema when it was used.
  void FinishContacts();

  const ast::Module& m_;
  std::shared_ptr<const Schema> schema_;
  const SourceManager& sm_;
  DiagnosticBag& diags_;
  CheckOptions options_;
  std::shared_ptr<ir::Program> p_;

  std::vector<ConstInfo> consts_;
  std::vector<DefineInfo> defines_;
  std::vector<SegmentInfo> segments_;
  std::map<std::string, uint32_t> const_index_;
  std::map<std::string, uint32_t> define_index_;
  std::map<std::string, uint32_t> segment_index_;
  std::vector<uint32_t> define_stack_;  ///< defines being checked (cycle detection)
  std::set<std::string> reported_cycles_;
  // Governance memo: 0 = not computed, 1 = in progress, 2 = done.
  std::vector<uint8_t> define_sens_state_, segment_sens_state_;
  std::vector<std::optional<SensitivePath>> define_sens_, segment_sens_;
  SourceRange contacts_use_;  ///< first use of contact history (invalid: unused)
};

/// Spelling of an ast::Op for messages.
std::string OpText(ast::Op op);
/// Strips parentheses.
const ast::Expr& Unparen(const ast::Expr& e);

}  // namespace cohort::sema
