// The reference interpreter: evaluates checked IR over columnar batches,
// vectorized (each IR node runs over a whole selection of rows or list
// elements at once, producing a typed column vector), with the semantics of
// docs/language.md §4. The JIT and every later engine are tested against it.
//
// Besides the Engine interface (all segments of a program over a batch), it
// evaluates single expressions for the REPL (`count of records where E`),
// `.why KEY SEGMENT` (each clause's TRUE/FALSE/UNKNOWN) and `cohort test`:
//
//   Interpreter interp(program);                 // program: shared_ptr<const ir::Program>
//   interp::Session s(interp, batch.View(), ctx);  // one batch; caches defines/segments
//   std::vector<Truth> t = s.Truth(seg.where);     // per row: TRUE, FALSE or UNKNOWN
//   std::vector<ir::Value> v = s.Values(expr);     // per row: typed value, is_null = missing
//   const std::vector<uint8_t>& m = s.Member(k);   // membership of segment k (0/1)
//
// Expressions passed to Session must be row-level (ir::Expr::level == 0) ids
// of the interpreter's program (e.g. a define's body, a segment clause).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/ir.h"
#include "core/truth.h"
#include "runtime/engine.h"

namespace cohort::interp {

class Plan;
class Evaluator;

/// The reference engine for one program. Immutable after construction, so
/// Evaluate may run on several threads at once (all scratch state is per call).
class Interpreter final : public Engine {
 public:
  explicit Interpreter(std::shared_ptr<const ir::Program> program);
  ~Interpreter() override;
  std::string_view name() const override { return "interp"; }
  /// Fills `out` (reset to the batch's size) with every segment's masks.
  void Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const override;
  /// Shorthand for Session(...).Truth(id) on a single expression.
  std::vector<cohort::Truth> EvaluateTruth(ir::ExprId id, const CohortBatchView& batch, const ExecContext& ctx) const;
  /// Shorthand for Session(...).Values(id) on a single expression.
  std::vector<ir::Value> EvaluateValues(ir::ExprId id, const CohortBatchView& batch, const ExecContext& ctx) const;
  const ir::Program& program() const;

 private:
  friend class Session;
  std::shared_ptr<const Plan> plan_;
};

/// Evaluation of several expressions over one batch sharing per-batch caches
/// (define values, segment memberships). Not thread-safe; cheap to create.
/// The batch view must outlive the session.
class Session {
 public:
  Session(const Interpreter& interp, const CohortBatchView& batch, const ExecContext& ctx);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  /// Per row: TRUE, FALSE or UNKNOWN. `id` must be a bool expression; any
  /// other type gives UNKNOWN for missing values and TRUE otherwise.
  std::vector<cohort::Truth> Truth(ir::ExprId id);
  /// Per row: the value (kind = the expression's type kind, is_null when
  /// missing; bools in `i`; set<string> as its items joined by ';' in `s`;
  /// list<Record> as its element count in `i`).
  std::vector<ir::Value> Values(ir::ExprId id);
  /// Membership (0/1 per row) of segment `index`: where TRUE and no exclude TRUE.
  const std::vector<uint8_t>& Member(uint32_t index);
  /// Every mask of segment `index` (what Engine::Evaluate reports for it).
  SegmentResult Segment(uint32_t index);
  /// Per element of the list a row-level quantifier `quantifier` ranges over
  /// (issue 12: a segment's goal): the element's row, the truth of the
  /// quantifier's body and the value of `value`, a level-1 expression read in
  /// the same element frame (the event's `at`). Elements of every row.
  struct Elements {
    std::vector<uint32_t> row;
    std::vector<cohort::Truth> truth;
    std::vector<ir::Value> value;
  };
  Elements EachElement(ir::ExprId quantifier, ir::ExprId value);

 private:
  std::unique_ptr<Evaluator> ev_;
};

}  // namespace cohort::interp
