// Checked tests (`test "name" { ... }`): fixture records already converted to
// per-column values of the program's schema and expectations resolved to
// segment/campaign/channel indices. Produced by compiler/sema/tests.h, run by
// runtime/testing/ over every engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ir.h"
#include "core/source.h"
#include "core/truth.h"

namespace cohort::test {

/// One cell of a fixture record: a scalar (`scalar.is_null` = missing), the
/// items of a set<string>, or the element rows of a list<Record> (one
/// ir::Value per element field, in the element record's field order).
struct Cell {
  ir::Value scalar;
  std::vector<std::string> set_items;
  std::vector<std::vector<ir::Value>> list_rows;
};

/// A fixture record: `record P1 { ... }` merged over `given` and the neutral
/// defaults; `cells` is indexed by ColumnId.
struct Record {
  std::string name;
  SourceRange range;
  std::string key;   ///< the key field's value (the record's name unless set)
  std::vector<Cell> cells;
};

/// What an expectation checks.
enum class ExpectKind : uint8_t { kMember, kChannel, kHeldOut, kAssigned, kClause };
/// The clause of a kClause expectation.
enum class ClauseKind : uint8_t { kWhere, kExclude, kChannel };

/// A resolved `expect` line.
struct Expect {
  ExpectKind kind = ExpectKind::kMember;
  SourceRange range;
  std::string text;              ///< the line as written (failure reports)
  bool negated = false;
  uint32_t record = 0;           ///< index into Case::records
  int32_t segment = -1;          ///< kAssigned: -1 = `nothing`
  int32_t campaign = -1;         ///< kAssigned
  int32_t channel = -1;          ///< index into the segment's channels
  std::optional<int32_t> send_on;  ///< kChannel `on DATE`
  ClauseKind clause = ClauseKind::kWhere;
  uint32_t exclude = 0;          ///< 0-based
  Truth truth = Truth::kTrue;
  ir::ExprId clause_expr = ir::kNoExpr;
};

/// One checked test.
struct Case {
  std::string name;
  SourceRange range;
  std::optional<int32_t> today;  ///< days since epoch; none: the runner's default
  std::vector<Record> records;
  std::vector<Expect> expects;
};

}  // namespace cohort::test
