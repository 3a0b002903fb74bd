// Internal to the interpreter: the per-program plan (precomputed lookup
// tables) and the per-call Evaluator, whose node-family methods live in
// eval_<family>.cpp.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/ir.h"
#include "runtime/engine.h"
#include "runtime/interp/vec.h"

namespace cohort::interp {

/// Sorted constants of one kInList node, by storage.
struct InListTable {
  std::vector<int64_t> ints;
  std::vector<double> dbls;
  std::vector<std::string> strs;
  std::vector<uint8_t> bools;  ///< 2 entries: is false / true in the list
};

/// What the interpreter precomputes for a program (immutable, shared).
class Plan {
 public:
  explicit Plan(std::shared_ptr<const ir::Program> program);
  const ir::Program& program() const { return *program_; }
  /// The table of kInList node `id` (empty for other nodes).
  const InListTable& in_list(ir::ExprId id) const { return in_lists_[id]; }
  /// The source leaf of the dictionary predicate rooted at `id`, or kNoExpr
  /// (runtime/dict_plan.h).
  ir::ExprId dict_source(ir::ExprId id) const { return dict_sources_[id]; }
  /// Is node `id` cheap enough per position (a few vectorized passes over
  /// batch buffers, no quantifier, no string work per row, no cache) that
  /// and/or evaluate it over their whole dense selection rather than only
  /// the positions still undecided (interpreter semantics are total, so this
  /// changes cost, never results).
  bool cheap(ir::ExprId id) const { return cheap_[id] != 0; }

 private:
  std::shared_ptr<const ir::Program> program_;
  std::vector<InListTable> in_lists_;
  std::vector<ir::ExprId> dict_sources_;
  std::vector<uint8_t> cheap_;
};

/// The positions an expression is evaluated over: the rows of the batch, or
/// the elements of one quantified list/set column (global child indices).
struct Frame {
  size_t n = 0;                                   ///< number of positions
  const CohortColumn* list = nullptr;             ///< element frame: the quantified column
  const std::vector<uint32_t>* parent = nullptr;  ///< element frame: element -> row
  /// Dictionary frame: positions are the entries of this dictionary, which
  /// the (single) string source of a dictionary predicate reads.
  const CohortColumn* dict = nullptr;
  bool is_element() const { return list != nullptr; }
};

/// Evaluates IR nodes over one batch. One per Evaluate call / Session, so
/// caches need no locking.
class Evaluator {
 public:
  Evaluator(const Plan& plan, const CohortBatchView& batch, const ExecContext& ctx);

  /// Node `id` over positions `sel` of frame `f`. Row-level nodes met in an
  /// element frame are evaluated once per row and broadcast to elements.
  Vec Eval(ir::ExprId id, const Frame& f, const Sel& sel);
  /// Node `id` over the given rows.
  Vec EvalRows(ir::ExprId id, const Sel& rows) { return Eval(id, rows_, rows); }
  /// Every row of the batch (built once per evaluator).
  const Sel& AllRows() const { return all_; }
  const Frame& row_frame() const { return rows_; }
  /// Membership of segment `index` over every row (computed once, lazily).
  const std::vector<uint8_t>& Member(uint32_t index);
  /// Fills the masks of segment `index` (out must be sized); channels too
  /// when `with_channels`. Records the membership for `in segment`.
  void ComputeSegment(uint32_t index, SegmentResult* out, bool with_channels);
  const ir::Program& program() const { return p_; }
  /// Body truth and `value` per element of quantifier `q`'s column over
  /// every row (Session::EachElement).
  void EachElement(ir::ExprId q, ir::ExprId value, std::vector<uint32_t>* rows, Vec* truth, Vec* values, Sel* elems);

 private:
  Vec Dispatch(ir::ExprId id, const ir::Expr& e, const Frame& f, const Sel& sel);

  // Leaves and references (interpreter.cpp).
  Vec EvalColumn(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalVarItem(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalVarField(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalDefineRef(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalSegmentRef(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_logic.cpp: Kleene not/and/or with short-circuit selections.
  Vec EvalNot(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalAndOr(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_missing.cpp
  Vec EvalIsMissing(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalCoalesce(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_compare.cpp
  Vec EvalCompare(const ir::Expr& e, const Frame& f, const Sel& sel);
  /// Fused `leaf OP literal` (either side) over a numeric/date/timestamp/enum
  /// column of frame `f`: compares straight from the batch buffers into the
  /// mask, validity from the bitmap. False (nothing written) for other shapes.
  bool TryCompareConst(const ir::Expr& e, const Frame& f, const Sel& sel, Vec* out);
  // eval_arith.cpp
  Vec EvalArith(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalNeg(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalCast(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_time.cpp
  Vec EvalToday(const ir::Expr& e);
  Vec EvalNow(const ir::Expr& e);
  Vec EvalAddDuration(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_list.cpp
  Vec EvalInList(ir::ExprId id, const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalInSet(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalQuantifier(const ir::Expr& e, const Frame& f, const Sel& sel);
  Vec EvalAggregate(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_call.cpp
  Vec EvalCall(const ir::Expr& e, const Frame& f, const Sel& sel);
  // eval_dict.cpp: dictionary predicates once per dictionary entry.
  /// Node `id` over `sel` through its dictionary table when its source column
  /// is dictionary-encoded in this batch; false (nothing written) otherwise.
  bool TryDictionary(ir::ExprId id, const ir::Expr& e, const Frame& f, const Sel& sel, Vec* out);
  /// The column a source leaf reads in frame `f` (nullptr if none).
  const CohortColumn* SourceColumn(const ir::Expr& leaf, const Frame& f) const;

  /// The element frame of list/set column `column` for rows `rows`: fills
  /// `parent` and the element selection.
  Frame ElementFrame(ColumnId column, const Sel& rows, std::vector<uint32_t>* parent, Sel* elems) const;

  struct DefineCache {
    bool started = false;
    Vec vec;                    ///< one position per row
    std::vector<uint8_t> done;  ///< rows already computed
  };

  const Plan& plan_;
  const ir::Program& p_;
  const CohortBatchView& batch_;
  ExecContext ctx_;
  Frame rows_;
  Sel all_;  ///< 0..rows-1
  std::vector<DefineCache> defines_;
  std::vector<std::vector<uint8_t>> members_;
  std::vector<uint8_t> member_state_;  ///< 0 not computed, 1 computing, 2 done
  /// Per (predicate, dictionary): its truth per dictionary entry.
  std::map<std::pair<ir::ExprId, const CohortColumn*>, std::vector<uint8_t>> dict_tables_;
};

}  // namespace cohort::interp
