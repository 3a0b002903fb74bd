// Pieces shared by the REPL's session files (not a public interface).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "compiler/driver/driver.h"
#include "runtime/interp/interpreter.h"
#include "tools/repl/session.h"

namespace cohort::repl {

/// Name of the define a bare expression is wrapped in.
inline constexpr const char* kExprName = "__repl_expr";
/// Rows per in-memory batch (as `cohort run`).
inline constexpr int64_t kBatchRows = 16384;

/// A compiled snapshot: the synthetic source, where each piece of it came
/// from, the result and an interpreter for it.
struct Compiled {
  /// A span [begin, end) of `text` copied from `origin_text` at `origin_offset`.
  struct Piece {
    uint32_t begin = 0, end = 0;
    std::string origin;
    std::shared_ptr<const std::string> origin_text;
    uint32_t origin_offset = 0;
  };
  std::string text;
  std::vector<Piece> pieces;
  CompileResult result;
  std::shared_ptr<interp::Interpreter> interp;
  const ir::Program& program() const { return *result.program; }
};

/// Seconds since `t0`.
double SecondsSince(std::chrono::steady_clock::time_point t0);
/// `define`, `segment`, ...
const char* ChunkKindName(Chunk::Kind k);

}  // namespace cohort::repl
