// Which columns a checked program reads: computed once from the IR and shared
// by the SQL emitter (the columns `#base` selects) and the run pipeline (the
// columns the CSV loader converts; the others are only tokenized).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/ir.h"

namespace cohort::ir {

/// The columns a program and the run pipeline read. A column is read when an
/// expression names it (kColumn, kQuantifier, kAggregate), it is the key
/// (lists, duplicates, holdout and variant buckets), a channel's consent, an
/// export, the contact-history column or a goal's events. An element field of
/// a list is read when a kVarField of a quantifier/aggregate over that list
/// (or a goal's `at`) names it; a kVarField whose list cannot be told marks
/// every element field of every list read (conservative).
struct UsedColumns {
  std::vector<uint8_t> columns;                ///< per ColumnId: 1 = read
  std::vector<std::vector<uint8_t>> elements;  ///< per ColumnId of a list: per element field, 1 = read

  bool column(ColumnId c) const { return c < columns.size() && columns[c] != 0; }
  bool element(ColumnId list, size_t field) const {
    return list < elements.size() && field < elements[list].size() && elements[list][field] != 0;
  }
};

/// The columns `p` reads (see UsedColumns).
UsedColumns FindUsedColumns(const Program& p);

}  // namespace cohort::ir
