// What an engine computes for one batch: per segment, byte masks (0/1) of the
// clauses that are TRUE. Engines only evaluate predicates; holdout, consent
// enforcement, campaign priority and list assembly are shared (runtime/run.h),
// so every engine agrees on them by construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ir.h"
#include "runtime/batch.h"

namespace cohort {

/// Run-wide values an expression may read.
struct ExecContext {
  int32_t today = 0;       ///< days since epoch
  int64_t now = 0;         ///< micros since epoch
};

/// Masks of one segment over a batch; each vector has num_rows bytes, 0 or 1.
struct SegmentResult {
  std::vector<uint8_t> where;                  ///< `where` is TRUE
  std::vector<std::vector<uint8_t>> excludes;  ///< exclude k is TRUE (only meaningful where `where`)
  std::vector<uint8_t> member;                 ///< where TRUE and no exclude TRUE
  std::vector<std::vector<uint8_t>> channels;  ///< channel condition TRUE (only meaningful where `member`)
};

/// All segments of a program over one batch, indexed like Program::segments.
struct BatchResult {
  int64_t num_rows = 0;
  std::vector<SegmentResult> segments;
  /// Sizes every mask for `program` and `rows` (zero-filled).
  void Reset(const ir::Program& program, int64_t rows);
  /// Sizes every mask like Reset without zero-filling: for engines that
  /// write every row of every mask (the JIT's kernels).
  void Resize(const ir::Program& program, int64_t rows);
};

/// An execution engine over checked programs. Engines are created for one
/// program and may be used from several threads at once (Evaluate is const).
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  /// Evaluates every segment of the program over `batch`.
  virtual void Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const = 0;
};

/// The reference interpreter (runtime/interp/).
std::unique_ptr<Engine> MakeInterpreter(std::shared_ptr<const ir::Program> program);

}  // namespace cohort
